// `proact report`: per-policy activity, savings and engine cost from the
// decision logs hosts write (and from `proact eval` output).
#include "cli/report_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "proact/policy_set.h"

namespace proact::cli {

const char kReportUsage[] =
    "usage: proact report [--format text|json|csv] [--memory-mb N]\n"
    "                     [--price-per-gb-second USD] [--rules PATH]... FILE...|-\n"
    "\n"
    "Reads JSON log lines written by the host adapters (the Lambda bootstrap,\n"
    "proact serve) or `proact eval` output, and prints per policy: matches,\n"
    "actions executed (succeeded) / already compliant / manual / failed /\n"
    "dry-run / "
    "skipped / rendered (eval output:\n"
    "decided, not run), remediations (matches whose actions all ran), and the\n"
    "estimated hours and USD saved (remediations x the policy's `savings`).\n"
    "Lines that are not JSON objects (platform lines, text) are skipped and\n"
    "counted; text before the first '{' of a line is ignored.\n"
    "\n"
    "Engine cost per event = mean evaluation time x memory x price, from the\n"
    "CloudWatch EMF lines (EventsEvaluated, EvaluationTime) when present, else\n"
    "from the decision lines' eval_ms (no-match decisions are logged only at\n"
    "DEBUG level, so events that matched nothing are then not counted).\n"
    "\n"
    "  --format F               text (default), json or csv\n"
    "  --memory-mb N            function memory (default 128)\n"
    "  --price-per-gb-second P  default 0.0000166667 (AWS Lambda x86)\n"
    "  --rules PATH             take `savings` from these policies instead of\n"
    "                           the log lines (needed for `proact eval` output)\n";

namespace {

struct Row {
  std::uint64_t matches = 0, executed = 0, compliant = 0, manual = 0, failed = 0, dry_run = 0, skipped = 0,
                rendered = 0;
  std::uint64_t remediations = 0;
  double minutes = 0, usd = 0;

  void Add(const Row& o) {
    matches += o.matches;
    executed += o.executed;
    compliant += o.compliant;
    manual += o.manual;
    failed += o.failed;
    dry_run += o.dry_run;
    skipped += o.skipped;
    rendered += o.rendered;
    remediations += o.remediations;
    minutes += o.minutes;
    usd += o.usd;
  }
};

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Sci(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

int Report(const std::vector<std::string>& args) {
  std::string format = "text";
  double memory_mb = 128;
  double price = 0.0000166667;
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
      if (format != "text" && format != "json" && format != "csv") {
        std::cerr << "proact report: --format must be text, json or csv\n";
        return 2;
      }
    } else if (a == "--memory-mb" || a == "--price-per-gb-second") {
      const std::string* v = need();
      if (v == nullptr) return 2;
      char* end = nullptr;
      double d = std::strtod(v->c_str(), &end);
      if (*end != '\0' || !(d > 0) || d > 1e6) {
        std::cerr << "proact report: bad " << a << " '" << *v << "'\n";
        return 2;
      }
      (a == "--memory-mb" ? memory_mb : price) = d;
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
  std::map<std::string, std::pair<double, double>> savings;  // from --rules
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

  std::map<std::string, Row> rows;
  std::uint64_t lines = 0, skipped_lines = 0, decision_lines = 0, emf_events = 0, emf_lines = 0;
  double decision_eval_ms = 0, emf_eval_ms = 0;
  std::uint64_t decisions_with_time = 0;
  for (const std::string& file : files) {
    std::ifstream in_file;
    if (file != "-") {
      in_file.open(file);
      if (!in_file) {
        std::cerr << "proact report: cannot read '" << file << "'\n";
        return 1;
      }
    }
    std::istream& in = file == "-" ? std::cin : in_file;
    std::string line;
    while (std::getline(in, line)) {
      ++lines;
      std::size_t brace = line.find('{');
      nlohmann::json j = brace == std::string::npos
                             ? nlohmann::json()
                             : nlohmann::json::parse(line.begin() + static_cast<long>(brace),
                                                     line.end(), nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        ++skipped_lines;
        continue;
      }
      try {
        if (j.contains("_aws") && j.contains("EventsEvaluated")) {
          ++emf_lines;
          if (j["EventsEvaluated"].is_number_unsigned()) {
            emf_events += j["EventsEvaluated"].get<std::uint64_t>();
          }
          if (j.contains("EvaluationTime") && j["EvaluationTime"].is_number()) {
            emf_eval_ms += j["EvaluationTime"].get<double>();
          }
          continue;
        }
        if (!j.contains("matches") || !j["matches"].is_array()) {
          ++skipped_lines;
          continue;
        }
        // Read the whole line first: a line of another program whose keys
        // have other types throws half-way and must count for nothing.
        std::vector<std::pair<std::string, Row>> line_rows;
        for (const auto& m : j["matches"]) {
          if (!m.is_object() || !m.contains("policy") || !m["policy"].is_string()) continue;
          std::string id = m["policy"];
          line_rows.emplace_back(id, Row{});
          Row& r = line_rows.back().second;
          ++r.matches;
          std::size_t executed = 0, failed = 0;
          if (m.contains("actions") && m["actions"].is_array()) {
            for (const auto& a : m["actions"]) {
              std::string outcome = a.is_object() ? a.value("outcome", "") : "";
              // "executed" and "failed" are the names of logs before the
              // remediation outcomes were refined.
              if (outcome == "succeeded" || outcome == "executed") ++r.executed, ++executed;
              else if (outcome == "already_compliant") ++r.compliant;
              else if (outcome == "manual") ++r.manual;
              else if (outcome == "failed" || outcome == "failed_retryable" ||
                       outcome == "failed_permanent") ++r.failed, ++failed;
              else if (outcome == "dry_run") ++r.dry_run;
              else if (outcome == "skipped") ++r.skipped;
              else if (a.is_object() && a.value("dry_run", false)) ++r.dry_run;
              else ++r.rendered;
            }
          }
          bool remediated = m.contains("remediated") ? m.value("remediated", false)
                                                     : (executed > 0 && failed == 0);
          if (!remediated) continue;
          ++r.remediations;
          if (!savings.empty()) {
            auto it = savings.find(id);
            if (it != savings.end()) {
              r.minutes += it->second.first;
              r.usd += it->second.second;
            }
          } else {
            if (m.contains("savings_minutes") && m["savings_minutes"].is_number()) {
              r.minutes += m["savings_minutes"].get<double>();
            }
            if (m.contains("savings_usd") && m["savings_usd"].is_number()) {
              r.usd += m["savings_usd"].get<double>();
            }
          }
        }
        ++decision_lines;
        if (j.contains("eval_ms") && j["eval_ms"].is_number()) {
          decision_eval_ms += j["eval_ms"].get<double>();
          ++decisions_with_time;
        }
        for (const auto& [id, add] : line_rows) rows[id].Add(add);
      } catch (const nlohmann::json::exception&) {
        ++skipped_lines;
      }
    }
  }

  Row total;
  for (const auto& [id, r] : rows) total.Add(r);
  bool from_emf = emf_lines > 0;
  std::uint64_t events = from_emf ? emf_events : decisions_with_time;
  double eval_ms = from_emf ? emf_eval_ms : decision_eval_ms;
  double ms_per_event = events > 0 ? eval_ms / static_cast<double>(events) : 0;
  double cost_per_event = ms_per_event / 1000.0 * (memory_mb / 1024.0) * price;
  std::string events_from = from_emf ? "EMF metrics" : "decision lines";

  if (format == "json") {
    nlohmann::ordered_json out;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    auto row_json = [](const std::string& id, const Row& r) {
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
    for (const auto& [id, r] : rows) list.push_back(row_json(id, r));
    out["policies"] = std::move(list);
    nlohmann::ordered_json t = row_json("TOTAL", total);
    t.erase("policy");
    out["totals"] = std::move(t);
    out["events"] = events;
    out["events_from"] = events_from;
    out["eval_ms_per_event"] = ms_per_event;
    out["memory_mb"] = memory_mb;
    out["price_per_gb_second"] = price;
    out["engine_cost_per_event_usd"] = cost_per_event;
    out["lines"] = lines;
    out["lines_skipped"] = skipped_lines;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (format == "csv") {
    std::cout << "policy,matches,executed,already_compliant,manual,failed,dry_run,skipped,rendered,"
                 "remediations,hours_saved,usd_saved\n";
    auto csv = [](const std::string& id, const Row& r) {
      std::cout << CsvField(id) << "," << r.matches << "," << r.executed << "," << r.compliant
                << "," << r.manual << "," << r.failed << ","
                << r.dry_run << "," << r.skipped << "," << r.rendered << "," << r.remediations
                << "," << Fixed(r.minutes / 60.0, 2) << "," << Fixed(r.usd, 2) << "\n";
    };
    for (const auto& [id, r] : rows) csv(id, r);
    csv("TOTAL", total);
    return 0;
  }
  std::size_t width = 6;
  for (const auto& [id, r] : rows) width = std::max(width, id.size());
  auto pad = [](std::string s, std::size_t w, bool left) {
    if (s.size() >= w) return s;
    return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
  };
  auto text_row = [&](const std::string& id, const Row& r) {
    std::cout << pad(id, width, true) << pad(std::to_string(r.matches), 9, false)
              << pad(std::to_string(r.executed), 10, false)
              << pad(std::to_string(r.compliant), 11, false) << pad(std::to_string(r.manual), 8, false)
              << pad(std::to_string(r.failed), 8, false)
              << pad(std::to_string(r.dry_run), 9, false) << pad(std::to_string(r.skipped), 9, false)
              << pad(std::to_string(r.rendered), 10, false)
              << pad(std::to_string(r.remediations), 14, false)
              << pad(Fixed(r.minutes / 60.0, 2), 13, false) << pad(Fixed(r.usd, 2), 11, false)
              << "\n";
  };
  std::cout << pad("policy", width, true) << "  matches  executed  compliant  manual  failed  dry-run  skipped"
            << "  rendered  remediations  hours saved  USD saved\n";
  for (const auto& [id, r] : rows) text_row(id, r);
  text_row("TOTAL", total);
  std::cout << "\nevents: " << events << " (from " << events_from << ")";
  if (events > 0) {
    std::cout << "; engine time " << Fixed(ms_per_event, 3) << " ms/event; engine cost "
              << Sci(cost_per_event) << " USD/event at " << Fixed(memory_mb, 0) << " MB and "
              << Sci(price) << " USD per GB-second";
  }
  std::cout << "\nlines: " << lines << " read, " << skipped_lines << " skipped\n";
  return 0;
}

}  // namespace proact::cli
