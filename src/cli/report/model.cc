// Reading decision logs and platform billing lines, and computing the
// savings figures of `proact report` (see model.h and docs/adapters.md).
#include "cli/report/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

namespace proact::cli::report {

void Row::Add(const Row& o) {
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
  auto merge = [](double& mine, double theirs) {
    if (theirs == -1) return;
    if (mine == -1) mine = theirs;
    else if (mine != theirs) mine = -2;
  };
  merge(usd_each, o.usd_each);
  merge(minutes_each, o.minutes_each);
}

namespace {

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2));
}

// "2026-11-26T17:24:20.546Z" (or a space for T, +hh:mm for Z) -> epoch ms;
// -1 when `s` does not start with such a timestamp.
std::int64_t ParseIsoMs(const std::string& s) {
  int y, mo, d, h, mi;
  double sec;
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) < 6) {
    return -1;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61) return -1;
  std::int64_t ms = (DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                     h * 3600 + mi * 60) * 1000 + static_cast<std::int64_t>(std::llround(sec * 1000));
  const char* rest = s.c_str() + n;
  int oh = 0, om = 0;
  if ((rest[0] == '+' || rest[0] == '-') && std::sscanf(rest + 1, "%2d:%2d", &oh, &om) == 2) {
    std::int64_t off = (oh * 60 + om) * 60000;
    ms += rest[0] == '+' ? -off : off;
  }
  return ms;
}

// The number after `label` in `line` (searching from `from`), or -1.
double After(const std::string& line, const char* label, std::size_t from = 0) {
  std::size_t at = line.find(label, from);
  if (at == std::string::npos) return -1;
  const char* start = line.c_str() + at + std::strlen(label);
  char* end = nullptr;
  double v = std::strtod(start, &end);
  if (end == start || !std::isfinite(v) || v < 0) return -1;
  return v;
}

void Touch(Log* log, std::int64_t ms) {
  if (ms < 0) return;
  if (log->first_ms < 0 || ms < log->first_ms) log->first_ms = ms;
  if (ms > log->last_ms) log->last_ms = ms;
}

// A Lambda platform record: the text REPORT line or, with the JSON log
// format, a platform.report object.
void AddReport(Log* log, const std::string& id, std::int64_t ms, double duration, double billed,
               double memory, double init) {
  Execution& e = log->executions[id];
  e.billed = true;
  e.duration_ms = duration;
  e.billed_ms = billed;
  e.memory_mb = memory;
  e.init_ms = init;
  if (ms >= 0) e.time_ms = ms;
  Touch(log, ms);
  ++log->report_lines;
}

bool ReadTextReport(const std::string& line, std::int64_t fallback_ms, Log* log) {
  static const char kTag[] = "REPORT RequestId:";
  std::size_t at = line.find(kTag);
  if (at == std::string::npos) return false;
  std::size_t id_start = line.find_first_not_of(" \t", at + sizeof kTag - 1);
  if (id_start == std::string::npos) return false;
  std::size_t id_end = line.find_first_of(" \t", id_start);
  std::string id = line.substr(id_start, id_end == std::string::npos ? std::string::npos : id_end - id_start);
  double duration = After(line, "Duration:", id_end == std::string::npos ? at : id_end);
  double billed = After(line, "Billed Duration:", at);
  double memory = After(line, "Memory Size:", at);
  double init = After(line, "Init Duration:", at);
  if (billed < 0 || memory <= 0 || id.empty()) return false;
  std::int64_t ms = ParseIsoMs(line);
  AddReport(log, id, ms >= 0 ? ms : fallback_ms, duration, billed, memory, init);
  return true;
}

void ReadLine(const std::string& line, std::int64_t fallback_ms, const Savings& savings, Log* log) {
  ++log->lines;
  if (ReadTextReport(line, fallback_ms, log)) return;
  if (fallback_ms < 0) fallback_ms = ParseIsoMs(line);  // a plain-text export's timestamp
  std::size_t brace = line.find('{');
  nlohmann::json j = brace == std::string::npos
                         ? nlohmann::json()
                         : nlohmann::json::parse(line.begin() + static_cast<long>(brace), line.end(),
                                                 nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    ++log->skipped_lines;
    return;
  }
  try {
    if (j.value("type", "") == "platform.report" && j.contains("record") && j["record"].is_object()) {
      const nlohmann::json& r = j["record"];
      const nlohmann::json& m = r.value("metrics", nlohmann::json::object());
      if (r.contains("requestId") && r["requestId"].is_string() && m.is_object() &&
          m.contains("billedDurationMs") && m["billedDurationMs"].is_number() &&
          m.contains("memorySizeMB") && m["memorySizeMB"].is_number()) {
        std::int64_t ms = j.contains("time") && j["time"].is_string() ? ParseIsoMs(j["time"]) : -1;
        double init = m.contains("initDurationMs") && m["initDurationMs"].is_number()
                          ? m["initDurationMs"].get<double>() : -1;
        AddReport(log, r["requestId"], ms >= 0 ? ms : fallback_ms, m.value("durationMs", 0.0),
                  m["billedDurationMs"].get<double>(), m["memorySizeMB"].get<double>(), init);
        return;
      }
    }
    if (j.contains("_aws") && j.contains("EventsEvaluated")) {
      ++log->emf_lines;
      if (j["EventsEvaluated"].is_number_unsigned()) {
        log->emf_events += j["EventsEvaluated"].get<std::uint64_t>();
      }
      if (j.contains("EvaluationTime") && j["EvaluationTime"].is_number()) {
        log->emf_eval_ms += j["EvaluationTime"].get<double>();
      }
      return;
    }
    if (j.value("location", "") == "proact.serve") ++log->serve_lines;
    if (!j.contains("matches") || !j["matches"].is_array()) {
      ++log->skipped_lines;
      return;
    }
    // Read the whole line first: a line of another program whose keys
    // have other types throws half-way and must count for nothing.
    std::vector<std::pair<std::string, Row>> line_rows;
    double actions_ms = 0;
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
          if (a.is_object() && a.contains("duration_ms") && a["duration_ms"].is_number()) {
            actions_ms += a["duration_ms"].get<double>();
          }
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
      double minutes = 0, usd = 0;
      if (!savings.empty()) {
        auto it = savings.find(id);
        if (it != savings.end()) minutes = it->second.first, usd = it->second.second;
      } else {
        if (m.contains("savings_minutes") && m["savings_minutes"].is_number()) {
          minutes = m["savings_minutes"].get<double>();
        }
        if (m.contains("savings_usd") && m["savings_usd"].is_number()) usd = m["savings_usd"].get<double>();
      }
      r.minutes += minutes;
      r.usd += usd;
      r.minutes_each = minutes;
      r.usd_each = usd;
    }
    double eval_ms = j.contains("eval_ms") && j["eval_ms"].is_number() ? j["eval_ms"].get<double>() : -1;
    std::string request = j.contains("function_request_id") && j["function_request_id"].is_string()
                              ? j["function_request_id"].get<std::string>()
                              : "line " + std::to_string(log->lines);
    std::int64_t ms = j.contains("timestamp") && j["timestamp"].is_string() ? ParseIsoMs(j["timestamp"]) : -1;
    if (ms < 0) ms = fallback_ms;
    ++log->decision_lines;
    if (eval_ms >= 0) {
      log->decision_eval_ms += eval_ms;
      ++log->decisions_with_time;
    }
    Execution& e = log->executions[request];
    if (e.time_ms < 0) e.time_ms = ms;
    Touch(log, ms);
    if (!e.billed) e.duration_ms += (eval_ms > 0 ? eval_ms : 0) + actions_ms;
    for (const auto& [id, add] : line_rows) {
      log->rows[id].Add(add);
      e.rows[id].Add(add);
      e.policies.insert(id);
    }
  } catch (const nlohmann::json::exception&) {
    ++log->skipped_lines;
  }
}

void ReadLines(const std::string& text, std::int64_t fallback_ms, const Savings& savings, Log* log) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() || end < text.size()) ReadLine(line, fallback_ms, savings, log);
    start = end + 1;
  }
}

}  // namespace

void ReadLog(std::istream& in, const Savings& savings, Log* log) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    // `aws logs filter-log-events` / `get-log-events` print one JSON
    // document whose "events" hold the messages, each with its timestamp.
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    const nlohmann::json* events = nullptr;
    if (!doc.is_discarded() && doc.is_object() && doc.contains("events") && doc["events"].is_array()) {
      events = &doc["events"];
    } else if (!doc.is_discarded() && doc.is_array()) {
      events = &doc;
    }
    if (events != nullptr) {
      for (const auto& ev : *events) {
        if (ev.is_object() && ev.contains("message") && ev["message"].is_string()) {
          std::int64_t ms = ev.contains("timestamp") && ev["timestamp"].is_number_integer()
                                ? ev["timestamp"].get<std::int64_t>() : -1;
          std::string message = ev["message"];
          while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
          ReadLines(message, ms, savings, log);
        } else {
          ReadLine(ev.dump(), -1, savings, log);
        }
      }
      return;
    }
  }
  ReadLines(text, -1, savings, log);
}

const char* PlatformName(Platform p) {
  switch (p) {
    case Platform::kLambda: return "AWS Lambda";
    case Platform::kCloudRun: return "Google Cloud Run";
    case Platform::kNone: break;
  }
  return "none";
}

// Published prices, as read on the date given (docs/adapters.md, "Cost
// model", cites the pages).
namespace {
constexpr char kLambdaPricing[] =
    "default: AWS Lambda x86, first tier, US East (N. Virginia), https://aws.amazon.com/lambda/pricing/ "
    "as read 2026-11-29";
constexpr char kCloudRunPricing[] =
    "default: Cloud Run request-based billing, Tier 1, https://cloud.google.com/run/pricing as read 2026-11-29";
}  // namespace

void Settle(Log* log, Prices* p) {
  if (p->platform_from.empty()) {
    if (log->report_lines > 0) {
      p->platform = Platform::kLambda;
      p->platform_from = "detected: " + std::to_string(log->report_lines) + " Lambda REPORT lines";
    } else if (log->serve_lines > 0) {
      p->platform = Platform::kCloudRun;
      p->platform_from = "detected: `proact serve` lines (--platform chooses another)";
    } else {
      p->platform = Platform::kNone;
      p->platform_from = "no REPORT or `proact serve` lines (--platform chooses one)";
    }
  }
  auto fill = [](double* v, std::string* from, double def, const char* source) {
    if (*v >= 0) return;
    *v = def;
    *from = source;
  };
  if (p->platform == Platform::kLambda) {
    fill(&p->request, &p->request_from, 0.0000002, kLambdaPricing);
    fill(&p->gb_second, &p->gb_second_from, 0.0000166667, kLambdaPricing);
    p->vcpu_second = 0, p->vcpu = 0;
    fill(&p->memory_mb, &p->memory_from, 128, "default: the template's MemorySize (examples/aws-lambda)");
    if (log->report_lines > 0 && p->memory_from.rfind("--", 0) != 0) {
      p->memory_from = "REPORT lines' Memory Size (each invocation its own)";
    }
  } else if (p->platform == Platform::kCloudRun) {
    fill(&p->request, &p->request_from, 0.0000004, kCloudRunPricing);
    fill(&p->gb_second, &p->gb_second_from, 0.0000025, kCloudRunPricing);
    fill(&p->vcpu_second, &p->vcpu_second_from, 0.000024, kCloudRunPricing);
    fill(&p->vcpu, &p->vcpu_from, 1, "default: Cloud Run's default of 1 vCPU");
    fill(&p->memory_mb, &p->memory_from, 512, "default: Cloud Run's default of 512 MiB");
  } else {
    p->request = p->gb_second = p->vcpu_second = p->vcpu = 0;
    if (p->memory_mb < 0) p->memory_mb = 0;
  }
  for (auto& [id, e] : log->executions) {
    if (p->platform == Platform::kLambda) {
      // A REPORT line's Memory Size is the function's; --memory-mb
      // replaces it only when given.
      if (e.billed && p->memory_from.rfind("--", 0) == 0) e.memory_mb = p->memory_mb;
    } else if (p->platform == Platform::kCloudRun) {
      // Request time: proact's own evaluation and action times for the
      // request (a lower bound of what Cloud Run measures), rounded up
      // to the 100 ms Cloud Run bills in.
      e.billed = true;
      e.billed_ms = std::max(100.0, std::ceil(e.duration_ms / 100.0) * 100.0);
      e.memory_mb = p->memory_mb;
    } else {
      e.billed = false;
    }
  }
}

std::string Number(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", std::round(v));
    return std::string(buf) == "-0" ? "0" : buf;
  }
  // 12 significant digits, in plain decimals (no exponent) however small.
  int decimals = 11 - static_cast<int>(std::floor(std::log10(std::fabs(v))));
  decimals = std::max(0, std::min(24, decimals));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string PeriodLabel(std::int64_t time_ms, Period period) {
  if (time_ms < 0) return "unknown date";
  std::int64_t days = time_ms >= 0 ? time_ms / 86400000 : (time_ms - 86399999) / 86400000;
  if (period == Period::kWeek) {
    // 1970-01-01 was a Thursday: Monday is 3 days before.
    std::int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 0 = Monday
    days -= weekday;
  }
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return period == Period::kWeek ? std::string("week of ") + buf : std::string(buf);
}

namespace {

void AddExecution(Group* g, const Execution& e, const Row& row) {
  ++g->executions;
  if (e.billed) {
    g->billed_ms += e.billed_ms;
    g->mb_ms += e.billed_ms * e.memory_mb;
  }
  g->row.Add(row);
}

// The figures of `g`; `parts` are the human cost of the policies a total
// adds up (empty for a policy).
void ComputeFigures(Group* g, const Prices& p, std::uint64_t billed_executions,
                    const std::vector<std::pair<double, double>>& parts) {
  const bool total = g->policy.empty();
  const Row& r = g->row;
  auto add = [&](const char* name, const char* label, double value, const char* unit, std::string formula) {
    g->figures.push_back({name, label, value, unit, std::move(formula)});
  };
  const double E = static_cast<double>(g->executions);
  std::string what = p.platform == Platform::kLambda     ? "invocations"
                     : p.platform == Platform::kCloudRun ? "requests"
                                                         : "decision lines";
  add("executions", "executions", E, "",
      total ? what + " in the log"
            : what + " in which an event matched " + g->policy);
  add("remediations", "remediations", static_cast<double>(r.remediations), "",
      "matches whose actions all ran");
  double cost = 0;
  const double B = static_cast<double>(billed_executions);
  if (p.platform != Platform::kNone) {
    double billed_s = g->billed_ms / 1000.0;
    add("billed_seconds", "billed seconds", billed_s, "s",
        (p.platform == Platform::kLambda ? "sum of REPORT Billed Duration / 1000 = "
                                         : "sum of request times rounded up to 100 ms / 1000 = ") +
            Number(g->billed_ms) + " / 1000");
    double gb_s = g->mb_ms / 1024000.0;
    const bool lambda = p.platform == Platform::kLambda;
    add("gb_seconds", lambda ? "GB-seconds" : "GiB-seconds", gb_s, lambda ? "GB-s" : "GiB-s",
        (p.platform == Platform::kLambda ? "sum of (Billed Duration ms x Memory Size MB) / 1024000 = "
                                         : "sum of (billed ms x memory MiB) / 1024000 = ") +
            Number(g->mb_ms) + " / 1024000");
    double vcpu_s = billed_s * p.vcpu;
    if (p.platform == Platform::kCloudRun) {
      add("vcpu_seconds", "vCPU-seconds", vcpu_s, "vCPU-s",
          "billed seconds x vCPU = " + Number(billed_s) + " x " + Number(p.vcpu));
    }
    cost = B * p.request + gb_s * p.gb_second + vcpu_s * p.vcpu_second;
    std::string f = lambda ? "billed executions x request price + GB-s x GB-s price"
                           : "billed executions x request price + GiB-s x GiB-s price";
    if (p.platform == Platform::kCloudRun) f += " + vCPU-s x vCPU-s price";
    f += " = " + Number(B) + " x " + Number(p.request) + " + " + Number(gb_s) + " x " + Number(p.gb_second);
    if (p.platform == Platform::kCloudRun) f += " + " + Number(vcpu_s) + " x " + Number(p.vcpu_second);
    if (billed_executions != g->executions) {
      add("billed_executions", "billed executions", B, "",
          "executions with a platform record (the others are not costed)");
    }
    add("platform_cost_usd", "platform cost", cost, "USD", f);
    add("cost_per_execution_usd", "cost per execution", B > 0 ? cost / B : 0, "USD",
        "platform cost / billed executions = " + Number(cost) + " / " + Number(B));
  } else {
    add("platform_cost_usd", "platform cost", 0, "USD", "no platform: nothing billed (--platform chooses one)");
    add("cost_per_execution_usd", "cost per execution", 0, "USD", "no platform");
  }
  auto each = [&](double each_value, double sum, const char* unit_name, bool minutes) {
    if (!total && r.remediations > 0 && each_value >= 0) {
      return "remediations x savings." + std::string(unit_name) + " = " +
             Number(static_cast<double>(r.remediations)) + " x " + Number(each_value);
    }
    if (!total) return "sum of savings." + std::string(unit_name) + " of the remediations = " + Number(sum);
    std::string f = "sum over the policies";
    if (!parts.empty()) {
      f += " = ";
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) f += " + ";
        f += Number(minutes ? parts[i].first : parts[i].second);
      }
    }
    return f;
  };
  add("human_hours", "human hours avoided", r.minutes / 60.0, "h",
      "minutes avoided / 60 = (" + each(r.minutes_each, r.minutes, "minutes", true) + ") / 60");
  add("human_cost_usd", "human cost avoided", r.usd, "USD", each(r.usd_each, r.usd, "usd", false));
  if (r.remediations > 0) {
    add("human_cost_per_remediation_usd", "human cost per remediation",
        r.usd / static_cast<double>(r.remediations), "USD",
        "human cost avoided / remediations = " + Number(r.usd) + " / " +
            Number(static_cast<double>(r.remediations)));
  }
  double net = r.usd - cost;
  add("net_savings_usd", "net savings", net, "USD",
      "human cost avoided - platform cost = " + Number(r.usd) + " - " + Number(cost));
  add("net_per_execution_usd", "net savings per execution", E > 0 ? net / E : 0, "USD",
      "net savings / executions = " + Number(net) + " / " + Number(E));
}

void Build(const Log& log, const Prices& prices, const std::string& period,
           const std::vector<const Execution*>& execs, std::vector<Group>* out) {
  std::map<std::string, Group> by_policy;
  std::map<std::string, std::uint64_t> billed;
  Group total;
  total.period = period;
  std::uint64_t total_billed = 0;
  for (const Execution* e : execs) {
    Row all;
    for (const auto& [id, row] : e->rows) {
      Group& g = by_policy[id];
      g.period = period;
      g.policy = id;
      AddExecution(&g, *e, row);
      if (e->billed) ++billed[id];
      all.Add(row);
    }
    AddExecution(&total, *e, all);
    if (e->billed) ++total_billed;
  }
  (void)log;
  std::vector<std::pair<double, double>> parts;
  for (auto& [id, g] : by_policy) {
    ComputeFigures(&g, prices, billed[id], {});
    parts.emplace_back(g.row.minutes, g.row.usd);
    out->push_back(std::move(g));
  }
  ComputeFigures(&total, prices, total_billed, parts);
  out->push_back(std::move(total));
}

}  // namespace

Summary Summarize(const Log& log, const Prices& prices, Period period) {
  Summary s;
  std::vector<const Execution*> all;
  std::map<std::string, std::vector<const Execution*>> by_period;
  for (const auto& [id, e] : log.executions) {
    all.push_back(&e);
    by_period[PeriodLabel(e.time_ms, period)].push_back(&e);
    if (!e.billed && prices.platform != Platform::kNone) ++s.executions_unbilled;
  }
  Build(log, prices, "", all, &s.overall);
  for (const auto& [label, execs] : by_period) {
    std::vector<Group> groups;
    Build(log, prices, label, execs, &groups);
    s.periods.emplace_back(label, std::move(groups));
  }
  return s;
}

}  // namespace proact::cli::report
