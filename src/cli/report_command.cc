// `proact report`: per-policy activity, savings, platform cost and net
// savings from the decision logs hosts write (with the platform's own
// billing lines where it writes them) and from `proact eval` output.
// The model lives in src/cli/report/.
#include "cli/report_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/report/model.h"
#include "proact/policy_set.h"

namespace proact::cli {

const char kReportUsage[] =
    "usage: proact report [--format text|json|csv|html] [--period day|week]\n"
    "                     [--platform auto|lambda|cloud-run|none] [--memory-mb N] [--vcpu N]\n"
    "                     [--price-per-request USD] [--price-per-gb-second USD]\n"
    "                     [--price-per-vcpu-second USD] [--rules PATH]... FILE...|-\n"
    "\n"
    "Reads the log lines written by the host adapters (the Lambda bootstrap,\n"
    "proact serve) or `proact eval` output, with Lambda's own REPORT lines from\n"
    "the same log stream, as plain text or as the JSON `aws logs\n"
    "filter-log-events` prints. Prints per policy: matches, action outcomes\n"
    "(succeeded / already compliant / manual / failed / dry-run / skipped /\n"
    "rendered: eval output, decided, not run) and remediations (matches whose\n"
    "actions all ran); then per policy and in total, for the whole log and per\n"
    "day or week: executions, platform cost, cost per execution, human hours\n"
    "and cost avoided (remediations x the policy's `savings`) and net savings,\n"
    "each with its formula and inputs so it can be recomputed by hand.\n"
    "Lines that are neither proact's nor a platform's are skipped and counted.\n"
    "\n"
    "Platform cost per execution: Lambda: request price + Billed Duration x\n"
    "Memory Size x GB-second price (from each invocation's REPORT line); Cloud\n"
    "Run: request price + request time (proact's evaluation and action times,\n"
    "rounded up to 100 ms) x (vCPU x vCPU-second price + memory x GiB-second\n"
    "price). Default prices are the published ones, dated (docs/adapters.md);\n"
    "the report names the source of every input.\n"
    "\n"
    "  --format F               text (default), json, csv (one figure a row) or\n"
    "                           html (one self-contained page with charts)\n"
    "  --period P               day (default) or week (weeks start on Monday)\n"
    "  --platform P             auto (default): lambda when REPORT lines are\n"
    "                           present, cloud-run for `proact serve` logs\n"
    "  --memory-mb N            memory when no REPORT line gives it\n"
    "                           (Lambda 128, Cloud Run 512); given, it wins\n"
    "  --vcpu N                 Cloud Run vCPUs (default 1)\n"
    "  --price-per-request P    Lambda 0.0000002, Cloud Run 0.0000004\n"
    "  --price-per-gb-second P  Lambda x86 0.0000166667, Cloud Run 0.0000025\n"
    "  --price-per-vcpu-second P  Cloud Run 0.000024\n"
    "  --rules PATH             take `savings` from these policies instead of\n"
    "                           the log lines (needed for `proact eval` output)\n";

namespace {

using report::Figure;
using report::Group;
using report::Number;

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Pad(std::string s, std::size_t w, bool left) {
  if (s.size() >= w) return s;
  return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

const std::vector<std::pair<const char*, std::uint64_t report::Row::*>>& Outcomes() {
  static const std::vector<std::pair<const char*, std::uint64_t report::Row::*>> kOutcomes = {
      {"matches", &report::Row::matches},     {"executed", &report::Row::executed},
      {"already_compliant", &report::Row::compliant}, {"manual", &report::Row::manual},
      {"failed", &report::Row::failed},       {"dry_run", &report::Row::dry_run},
      {"skipped", &report::Row::skipped},     {"rendered", &report::Row::rendered}};
  return kOutcomes;
}

}  // namespace

int Report(const std::vector<std::string>& args) {
  std::string format = "text";
  report::Period period = report::Period::kDay;
  report::Prices prices;
  prices.request = prices.gb_second = prices.vcpu_second = prices.vcpu = prices.memory_mb = -1;
  std::vector<std::string> rules, files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto need = [&]() -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << "proact report: " << a << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kReportUsage;
      return 0;
    } else if (a == "--format") {
      const std::string* v = need();
      if (v == nullptr) return 2;
      format = *v;
      if (format != "text" && format != "json" && format != "csv" && format != "html") {
        std::cerr << "proact report: --format must be text, json, csv or html\n";
        return 2;
      }
    } else if (a == "--period") {
      const std::string* v = need();
      if (v == nullptr) return 2;
      if (*v == "day") period = report::Period::kDay;
      else if (*v == "week") period = report::Period::kWeek;
      else {
        std::cerr << "proact report: --period must be day or week, not '" << *v << "'\n";
        return 2;
      }
    } else if (a == "--platform") {
      const std::string* v = need();
      if (v == nullptr) return 2;
      if (*v == "lambda") prices.platform = report::Platform::kLambda;
      else if (*v == "cloud-run") prices.platform = report::Platform::kCloudRun;
      else if (*v == "none") prices.platform = report::Platform::kNone;
      else if (*v != "auto") {
        std::cerr << "proact report: --platform must be auto, lambda, cloud-run or none, not '" << *v
                  << "'\n";
        return 2;
      }
      if (*v != "auto") prices.platform_from = "--platform " + *v;
    } else if (a == "--memory-mb" || a == "--price-per-gb-second" || a == "--price-per-request" ||
               a == "--price-per-vcpu-second" || a == "--vcpu") {
      const std::string* v = need();
      if (v == nullptr) return 2;
      char* end = nullptr;
      double d = std::strtod(v->c_str(), &end);
      bool price = a.rfind("--price", 0) == 0;
      if (v->empty() || *end != '\0' || !(price ? d >= 0 : d > 0) || d > 1e6) {
        std::cerr << "proact report: bad " << a << " '" << *v << "': write a "
                  << (price ? "price in USD, e.g. 0.0000166667" : "positive number, e.g. 128") << "\n";
        return 2;
      }
      double* slot = a == "--memory-mb"              ? &prices.memory_mb
                     : a == "--price-per-gb-second"  ? &prices.gb_second
                     : a == "--price-per-request"    ? &prices.request
                     : a == "--price-per-vcpu-second" ? &prices.vcpu_second
                                                     : &prices.vcpu;
      std::string* from = a == "--memory-mb"              ? &prices.memory_from
                          : a == "--price-per-gb-second"  ? &prices.gb_second_from
                          : a == "--price-per-request"    ? &prices.request_from
                          : a == "--price-per-vcpu-second" ? &prices.vcpu_second_from
                                                          : &prices.vcpu_from;
      *slot = d;
      *from = a + " " + *v;
    } else if (a == "--rules") {
      const std::string* v = need();
      if (v == nullptr) return 2;
      rules.push_back(*v);
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::cerr << "proact report: unknown option '" << a << "'\n" << kReportUsage;
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    std::cerr << "proact report: name a log file (or - for stdin)\n" << kReportUsage;
    return 2;
  }
  report::Savings savings;
  if (!rules.empty()) {
    Result<PolicySet> set = PolicySet::Load(rules);
    if (!set.ok()) {
      std::cerr << set.status().ToString() << "\n";
      return 1;
    }
    for (std::size_t i = 0; i < set.value().size(); ++i) {
      const PolicyInfo& p = set.value().policy(i);
      savings[p.id] = {p.savings_minutes, p.savings_usd};
    }
  }

  report::Log log;
  for (const std::string& file : files) {
    std::ifstream in_file;
    if (file != "-") {
      in_file.open(file);
      if (!in_file) {
        std::cerr << "proact report: cannot read '" << file << "'\n";
        return 1;
      }
    }
    report::ReadLog(file == "-" ? std::cin : in_file, savings, &log);
  }
  report::Settle(&log, &prices);
  report::Summary summary = report::Summarize(log, prices, period);

  report::Row total;
  for (const auto& [id, r] : log.rows) total.Add(r);
  // Events: the EMF lines count every event evaluated (matched or not);
  // without them each decision line is one event (hosts log no-match
  // decisions only at DEBUG level, `proact eval` prints them all).
  bool from_emf = log.emf_lines > 0;
  std::uint64_t events = from_emf ? log.emf_events : log.decision_lines;
  std::uint64_t timed = from_emf ? log.emf_events : log.decisions_with_time;
  double eval_ms = from_emf ? log.emf_eval_ms : log.decision_eval_ms;
  double ms_per_event = timed > 0 ? eval_ms / static_cast<double>(timed) : 0;
  double engine_cost = ms_per_event / 1000.0 *
                       (prices.memory_mb / 1024.0 * prices.gb_second + prices.vcpu * prices.vcpu_second);
  std::string events_from = from_emf ? "EMF metrics" : "decision lines";

  // Every input of the figures, with where it came from.
  std::vector<std::pair<std::string, std::string>> inputs;
  inputs.emplace_back("platform", std::string(report::PlatformName(prices.platform)) + " (" +
                                      prices.platform_from + ")");
  if (prices.platform != report::Platform::kNone) {
    inputs.emplace_back("request price", Number(prices.request) + " USD per execution (" +
                                             prices.request_from + ")");
    inputs.emplace_back(prices.platform == report::Platform::kLambda ? "GB-second price" : "GiB-second price",
                        Number(prices.gb_second) + " USD (" + prices.gb_second_from + ")");
    if (prices.platform == report::Platform::kCloudRun) {
      inputs.emplace_back("vCPU-second price",
                          Number(prices.vcpu_second) + " USD (" + prices.vcpu_second_from + ")");
      inputs.emplace_back("vCPU", Number(prices.vcpu) + " (" + prices.vcpu_from + ")");
      inputs.emplace_back("request time",
                          "eval_ms + actions' duration_ms of each request's decision lines, rounded up "
                          "to 100 ms (a lower bound: HTTP handling is not included)");
    } else {
      std::uint64_t cold = 0;
      double init_ms = 0;
      for (const auto& [id, e] : log.executions) {
        if (e.init_ms >= 0) ++cold, init_ms += e.init_ms;
      }
      inputs.emplace_back("billed duration", "each invocation's REPORT line (" +
                                                 std::to_string(log.report_lines) + " lines; cold starts: " +
                                                 std::to_string(cold) + ", Init Duration " +
                                                 Number(init_ms) + " ms in all)");
    }
    inputs.emplace_back("memory", Number(prices.memory_mb) + " MB (" + prices.memory_from + ")");
    if (summary.executions_unbilled > 0) {
      inputs.emplace_back("executions not costed",
                          std::to_string(summary.executions_unbilled) +
                              " (proact lines whose request id has no REPORT line)");
    }
  }
  inputs.emplace_back("human cost", rules.empty() ? "each remediation's savings_usd / savings_minutes "
                                                    "in the decision lines (the policy's `savings`)"
                                                  : "the `savings` of the policies in --rules");
  inputs.emplace_back("events", std::to_string(events) + " (from " + events_from + ")");
  inputs.emplace_back("period", period == report::Period::kDay ? "day (UTC)" : "week (UTC, from Monday)");

  auto figures_json = [](const Group& g) {
    nlohmann::ordered_json j;
    j["policy"] = g.policy.empty() ? "TOTAL" : g.policy;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Figure& f : g.figures) {
      list.push_back({{"name", f.name}, {"label", f.label}, {"value", f.value}, {"unit", f.unit},
                      {"formula", f.formula}});
    }
    j["figures"] = std::move(list);
    return j;
  };

  if (format == "html") {
    std::cout << report::Html(log, prices, summary, period, inputs);
    return 0;
  }
  if (format == "json") {
    nlohmann::ordered_json out;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    auto row_json = [](const std::string& id, const report::Row& r) {
      nlohmann::ordered_json j;
      j["policy"] = id;
      j["matches"] = r.matches;
      j["executed"] = r.executed;
      j["already_compliant"] = r.compliant;
      j["manual"] = r.manual;
      j["failed"] = r.failed;
      j["dry_run"] = r.dry_run;
      j["skipped"] = r.skipped;
      j["rendered"] = r.rendered;
      j["remediations"] = r.remediations;
      j["hours_saved"] = r.minutes / 60.0;
      j["usd_saved"] = r.usd;
      return j;
    };
    for (const auto& [id, r] : log.rows) list.push_back(row_json(id, r));
    out["policies"] = std::move(list);
    nlohmann::ordered_json t = row_json("TOTAL", total);
    t.erase("policy");
    out["totals"] = std::move(t);
    out["events"] = events;
    out["events_from"] = events_from;
    out["eval_ms_per_event"] = ms_per_event;
    out["memory_mb"] = prices.memory_mb;
    out["price_per_gb_second"] = prices.gb_second;
    out["engine_cost_per_event_usd"] = engine_cost;
    out["lines"] = log.lines;
    out["lines_skipped"] = log.skipped_lines;
    out["platform"] = report::PlatformName(prices.platform);
    nlohmann::ordered_json in = nlohmann::ordered_json::array();
    for (const auto& [name, value] : inputs) in.push_back({{"name", name}, {"value", value}});
    out["inputs"] = std::move(in);
    nlohmann::ordered_json overall = nlohmann::ordered_json::array();
    for (const Group& g : summary.overall) overall.push_back(figures_json(g));
    out["savings"] = std::move(overall);
    nlohmann::ordered_json periods = nlohmann::ordered_json::array();
    for (const auto& [label, groups] : summary.periods) {
      nlohmann::ordered_json p;
      p["period"] = label;
      nlohmann::ordered_json gs = nlohmann::ordered_json::array();
      for (const Group& g : groups) gs.push_back(figures_json(g));
      p["savings"] = std::move(gs);
      periods.push_back(std::move(p));
    }
    out["periods"] = std::move(periods);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (format == "csv") {
    // One figure a row: what a spreadsheet filters and pivots.
    std::cout << "period,policy,figure,value,unit,formula\n";
    auto group_rows = [](const std::string& label, const Group& g) {
      std::string policy = g.policy.empty() ? "TOTAL" : g.policy;
      for (const auto& [name, field] : Outcomes()) {
        std::cout << CsvField(label) << "," << CsvField(policy) << "," << name << ","
                  << g.row.*field << ",," << CsvField(std::string("count of ") + name) << "\n";
      }
      for (const Figure& f : g.figures) {
        std::cout << CsvField(label) << "," << CsvField(policy) << "," << f.name << "," << Number(f.value)
                  << "," << f.unit << "," << CsvField(f.formula) << "\n";
      }
    };
    for (const Group& g : summary.overall) group_rows("all", g);
    for (const auto& [label, groups] : summary.periods) {
      for (const Group& g : groups) group_rows(label, g);
    }
    for (const auto& [name, value] : inputs) {
      std::cout << "inputs,," << CsvField(name) << ",,," << CsvField(value) << "\n";
    }
    return 0;
  }
  std::size_t width = 6;
  for (const auto& [id, r] : log.rows) width = std::max(width, id.size());
  auto text_row = [&](const std::string& id, const report::Row& r) {
    std::cout << Pad(id, width, true) << Pad(std::to_string(r.matches), 9, false)
              << Pad(std::to_string(r.executed), 10, false) << Pad(std::to_string(r.compliant), 11, false)
              << Pad(std::to_string(r.manual), 8, false) << Pad(std::to_string(r.failed), 8, false)
              << Pad(std::to_string(r.dry_run), 9, false) << Pad(std::to_string(r.skipped), 9, false)
              << Pad(std::to_string(r.rendered), 10, false) << Pad(std::to_string(r.remediations), 14, false)
              << Pad(Fixed(r.minutes / 60.0, 2), 13, false) << Pad(Fixed(r.usd, 2), 11, false) << "\n";
  };
  std::cout << Pad("policy", width, true) << "  matches  executed  compliant  manual  failed  dry-run  skipped"
            << "  rendered  remediations  hours saved  USD saved\n";
  for (const auto& [id, r] : log.rows) text_row(id, r);
  text_row("TOTAL", total);
  std::cout << "\nevents: " << events << " (from " << events_from << ")";
  if (timed > 0) std::cout << "; engine time " << Fixed(ms_per_event, 3) << " ms/event";
  std::cout << "\nlines: " << log.lines << " read, " << log.skipped_lines << " skipped\n";

  std::cout << "\nInputs\n";
  std::size_t iw = 0;
  for (const auto& [name, value] : inputs) iw = std::max(iw, name.size());
  for (const auto& [name, value] : inputs) std::cout << "  " << Pad(name, iw, true) << "  " << value << "\n";
  auto text_group = [&](const std::string& label, const Group& g) {
    std::cout << "\n" << label << ", " << (g.policy.empty() ? "TOTAL" : "policy " + g.policy) << "\n";
    std::size_t lw = 0, vw = 0;
    for (const Figure& f : g.figures) {
      lw = std::max(lw, f.label.size());
      vw = std::max(vw, Number(f.value).size() + (f.unit.empty() ? 0 : f.unit.size() + 1));
    }
    for (const Figure& f : g.figures) {
      std::string v = Number(f.value) + (f.unit.empty() ? "" : " " + f.unit);
      std::cout << "  " << Pad(f.label, lw, true) << "  " << Pad(v, vw, false) << "   " << f.formula << "\n";
    }
  };
  std::cout << "\nSavings (each figure is followed by its formula, with the inputs substituted)\n";
  for (const Group& g : summary.overall) text_group("whole log", g);
  for (const auto& [label, groups] : summary.periods) {
    for (const Group& g : groups) text_group(label, g);
  }
  return 0;
}

}  // namespace proact::cli
