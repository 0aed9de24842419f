// JSON log lines through spdlog, and per-policy metrics (Prometheus, EMF).
#include "proact/observability.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "util/redaction.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_log_mu;
std::shared_ptr<spdlog::logger> g_logger;
std::string g_service = "proact";

bool ParseLevel(const char* text, LogLevel* level) {
  if (text == nullptr || *text == '\0') return false;
  std::string v = internal::AsciiLower(text);
  if (v == "trace" || v == "debug") *level = LogLevel::kDebug;
  else if (v == "info") *level = LogLevel::kInfo;
  else if (v == "warn" || v == "warning") *level = LogLevel::kWarning;
  else if (v == "error" || v == "fatal" || v == "critical") *level = LogLevel::kError;
  else if (v == "off" || v == "none" || v == "silent") *level = LogLevel::kOff;
  else return false;
  return true;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARN";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kOff: return "OFF";
  }
  return "INFO";
}

std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string PromLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

LoggingOptions LoggingFromEnvironment() {
  LoggingOptions options;
  for (const char* name :
       {"PROACT_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL", "LOG_LEVEL"}) {
    if (ParseLevel(internal::GetEnv(name), &options.level)) break;
  }
  if (const char* s = internal::GetEnv("POWERTOOLS_SERVICE_NAME"); s != nullptr && *s != '\0') {
    options.service = s;
  }
  return options;
}

void ConfigureLogging(const LoggingOptions& options) {
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_level = static_cast<int>(options.level);
  g_service = options.service;
  if (!g_logger) {
    g_logger = std::make_shared<spdlog::logger>(
        "proact", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    g_logger->set_pattern("%v");
    g_logger->set_level(spdlog::level::trace);
    g_logger->flush_on(spdlog::level::trace);  // one write per line: no log lost at a freeze
  }
}

bool LogEnabled(LogLevel level) {
  return level != LogLevel::kOff && static_cast<int>(level) >= g_level.load();
}

void LogJson(LogLevel level, std::string_view location, std::string_view message,
             const nlohmann::ordered_json& fields) {
  if (!LogEnabled(level)) return;
  std::shared_ptr<spdlog::logger> logger;
  std::string service;
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    if (!g_logger) {
      g_logger = std::make_shared<spdlog::logger>(
          "proact", std::make_shared<spdlog::sinks::stdout_sink_mt>());
      g_logger->set_pattern("%v");
      g_logger->set_level(spdlog::level::trace);
      g_logger->flush_on(spdlog::level::trace);
    }
    logger = g_logger;
    service = g_service;
  }
  nlohmann::ordered_json line;
  line["level"] = LevelName(level);
  line["location"] = location;
  line["message"] = message;
  line["timestamp"] = IsoNow();
  line["service"] = service;
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  }
  // Every line, whoever wrote it: action params, HTTP headers copied into
  // them, error messages quoting URLs (util/redaction.h has the list).
  internal::RedactJson(&line);
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  logger->info(text);
}

EmfOptions EmfFromEnvironment() {
  EmfOptions options;
  if (const char* v = internal::GetEnv("PROACT_METRICS_NAMESPACE"); v != nullptr && *v != '\0') {
    options.namespace_name = v;
  } else if (const char* p = internal::GetEnv("POWERTOOLS_METRICS_NAMESPACE"); p != nullptr && *p != '\0') {
    options.namespace_name = p;
  }
  if (const char* s = internal::GetEnv("POWERTOOLS_SERVICE_NAME"); s != nullptr && *s != '\0') {
    options.service = s;
  }
  options.per_policy = internal::EnvFlag("PROACT_METRICS_PER_POLICY", true);
  return options;
}

Metrics::Metrics(const PolicySet& policies) {
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const PolicyInfo& info = policies.policy(i);
    savings_[info.id] = Savings{info.savings_minutes, info.savings_usd};
  }
}

void Metrics::RecordEvaluation(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++host_.events;
  host_.evaluation_seconds += seconds;
}

void Metrics::RecordEventError(bool unauthenticated) {
  std::lock_guard<std::mutex> lock(mu_);
  ++host_.event_errors;
  if (unauthenticated) ++host_.unauthenticated;
}

void Metrics::RecordNotProcessed(std::size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  host_.not_processed += n;
}

void Metrics::RecordHttpRequest(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_[status];
}

void Metrics::RecordDispatch(const Decision& decision, const DispatchReport& report) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const PolicyMatch& m : decision.matches) {
    PolicyCounters& c = policies_[m.policy];
    ++c.matches;
    std::size_t executed = 0, failed = 0;
    for (const ActionReport& a : report.actions) {
      if (a.policy != m.policy) continue;
      switch (a.outcome) {
        case ActionOutcome::kExecuted: ++c.executed; ++executed; break;
        case ActionOutcome::kAlreadyCompliant: ++c.already_compliant; break;
        case ActionOutcome::kManual: ++c.manual; break;
        case ActionOutcome::kFailed: ++c.failed; ++failed; break;
        case ActionOutcome::kDryRun: ++c.dry_run; break;
        case ActionOutcome::kSkipped: ++c.skipped; break;
      }
    }
    if (executed > 0 && failed == 0) {
      ++c.remediations;
      auto it = savings_.find(m.policy);
      if (it != savings_.end()) {
        c.savings_minutes += it->second.minutes;
        c.savings_usd += it->second.usd;
      }
    }
  }
}

HostCounters Metrics::host() const {
  std::lock_guard<std::mutex> lock(mu_);
  return host_;
}

PolicyCounters Metrics::policy(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = policies_.find(id);
  return it == policies_.end() ? PolicyCounters{} : it->second;
}

std::string Metrics::Prometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  family("proact_events_evaluated_total", "counter", "Events evaluated against the policies.");
  out += "proact_events_evaluated_total " + std::to_string(host_.events) + "\n";
  family("proact_event_errors_total", "counter",
         "Payload parts that could not be normalized or evaluated.");
  out += "proact_event_errors_total{kind=\"invalid\"} " +
         std::to_string(host_.event_errors - host_.unauthenticated) + "\n";
  out += "proact_event_errors_total{kind=\"unauthenticated\"} " +
         std::to_string(host_.unauthenticated) + "\n";
  family("proact_events_not_processed_total", "counter",
         "Events left for redelivery because the deadline was near.");
  out += "proact_events_not_processed_total " + std::to_string(host_.not_processed) + "\n";
  family("proact_evaluation_seconds_total", "counter",
         "Time spent normalizing and evaluating events.");
  out += "proact_evaluation_seconds_total " + Num(host_.evaluation_seconds) + "\n";
  family("proact_policy_matches_total", "counter", "Events matched, per policy.");
  for (const auto& [id, c] : policies_) {
    out += "proact_policy_matches_total{policy=\"" + PromLabel(id) + "\"} " +
           std::to_string(c.matches) + "\n";
  }
  family("proact_policy_actions_total", "counter", "Actions per policy and outcome.");
  for (const auto& [id, c] : policies_) {
    std::string p = PromLabel(id);
    out += "proact_policy_actions_total{policy=\"" + p + "\",outcome=\"executed\"} " +
           std::to_string(c.executed) + "\n";
    out += "proact_policy_actions_total{policy=\"" + p + "\",outcome=\"already_compliant\"} " +
           std::to_string(c.already_compliant) + "\n";
    out += "proact_policy_actions_total{policy=\"" + p + "\",outcome=\"manual\"} " +
           std::to_string(c.manual) + "\n";
    out += "proact_policy_actions_total{policy=\"" + p + "\",outcome=\"failed\"} " +
           std::to_string(c.failed) + "\n";
    out += "proact_policy_actions_total{policy=\"" + p + "\",outcome=\"dry_run\"} " +
           std::to_string(c.dry_run) + "\n";
    out += "proact_policy_actions_total{policy=\"" + p + "\",outcome=\"skipped\"} " +
           std::to_string(c.skipped) + "\n";
  }
  family("proact_policy_remediations_total", "counter",
         "Matches whose actions all ran (at least one), per policy.");
  for (const auto& [id, c] : policies_) {
    out += "proact_policy_remediations_total{policy=\"" + PromLabel(id) + "\"} " +
           std::to_string(c.remediations) + "\n";
  }
  family("proact_policy_savings_minutes_total", "counter",
         "Estimated manual minutes saved: remediations x the policy's savings.minutes.");
  for (const auto& [id, c] : policies_) {
    out += "proact_policy_savings_minutes_total{policy=\"" + PromLabel(id) + "\"} " +
           Num(c.savings_minutes) + "\n";
  }
  family("proact_policy_savings_usd_total", "counter",
         "Estimated USD saved: remediations x the policy's savings.usd.");
  for (const auto& [id, c] : policies_) {
    out += "proact_policy_savings_usd_total{policy=\"" + PromLabel(id) + "\"} " +
           Num(c.savings_usd) + "\n";
  }
  family("proact_http_requests_total", "counter", "HTTP requests answered, per status code.");
  for (const auto& [code, n] : http_) {
    out += "proact_http_requests_total{code=\"" + std::to_string(code) + "\"} " +
           std::to_string(n) + "\n";
  }
  return out;
}

namespace {

PolicyCounters Difference(const PolicyCounters& a, const PolicyCounters& b) {
  return {a.matches - b.matches,           a.executed - b.executed,
          a.already_compliant - b.already_compliant, a.manual - b.manual,
          a.failed - b.failed,             a.dry_run - b.dry_run,
          a.skipped - b.skipped,           a.remediations - b.remediations,
          a.savings_minutes - b.savings_minutes, a.savings_usd - b.savings_usd};
}

void Accumulate(PolicyCounters* total, const PolicyCounters& d) {
  total->matches += d.matches;
  total->executed += d.executed;
  total->already_compliant += d.already_compliant;
  total->manual += d.manual;
  total->failed += d.failed;
  total->dry_run += d.dry_run;
  total->skipped += d.skipped;
  total->remediations += d.remediations;
  total->savings_minutes += d.savings_minutes;
  total->savings_usd += d.savings_usd;
}

struct EmfMetric {
  const char* name;
  const char* unit;
  nlohmann::ordered_json value;
};

// The per-policy metrics (the service-wide line has no ActionsSkipped).
std::vector<EmfMetric> PolicyMetrics(const PolicyCounters& c, bool with_skipped) {
  std::vector<EmfMetric> m = {{"Matches", "Count", c.matches},
                              {"ActionsExecuted", "Count", c.executed},
                              {"ActionsFailed", "Count", c.failed},
                              {"ActionsDryRun", "Count", c.dry_run}};
  if (with_skipped) m.push_back({"ActionsSkipped", "Count", c.skipped});
  m.push_back({"Remediations", "Count", c.remediations});
  m.push_back({"SavingsMinutes", "None", c.savings_minutes});
  m.push_back({"SavingsUSD", "None", c.savings_usd});
  return m;
}

}  // namespace

std::vector<std::string> Metrics::TakeEmf(const EmfOptions& options, std::int64_t timestamp_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> lines;
  // One EMF line: the metric definitions, the dimensions, then the values.
  auto emit = [&](const std::string* policy, const std::vector<EmfMetric>& metrics) {
    std::vector<std::string> dims = {"service"};
    if (policy != nullptr) dims.push_back("policy");
    nlohmann::ordered_json def;
    def["Namespace"] = options.namespace_name;
    def["Dimensions"] = nlohmann::ordered_json::array({dims});
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const EmfMetric& m : metrics) list.push_back({{"Name", m.name}, {"Unit", m.unit}});
    def["Metrics"] = std::move(list);
    nlohmann::ordered_json line;
    line["_aws"] = {{"Timestamp", timestamp_ms},
                    {"CloudWatchMetrics", nlohmann::ordered_json::array({def})}};
    line["service"] = options.service;
    if (policy != nullptr) line["policy"] = *policy;
    for (const EmfMetric& m : metrics) line[m.name] = m.value;
    lines.push_back(line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  };
  HostCounters d;
  d.events = host_.events - host_flushed_.events;
  d.event_errors = host_.event_errors - host_flushed_.event_errors;
  d.not_processed = host_.not_processed - host_flushed_.not_processed;
  d.evaluation_seconds = host_.evaluation_seconds - host_flushed_.evaluation_seconds;
  if (d.events > 0 || d.event_errors > 0 || d.not_processed > 0) {
    emit(nullptr, {{"EventsEvaluated", "Count", d.events},
                   {"EventErrors", "Count", d.event_errors},
                   {"EventsNotProcessed", "Count", d.not_processed},
                   {"EvaluationTime", "Milliseconds", d.evaluation_seconds * 1000.0}});
  }
  host_flushed_ = host_;
  PolicyCounters total;
  bool any = false;
  for (const auto& [id, c] : policies_) {
    PolicyCounters delta = Difference(c, policies_flushed_[id]);
    policies_flushed_[id] = c;
    if (delta.matches == 0 && delta.executed == 0 && delta.failed == 0 && delta.dry_run == 0 &&
        delta.skipped == 0) {
      continue;
    }
    any = true;
    Accumulate(&total, delta);
    if (options.per_policy) emit(&id, PolicyMetrics(delta, /*with_skipped=*/true));
  }
  if (any && !options.per_policy) emit(nullptr, PolicyMetrics(total, /*with_skipped=*/false));
  return lines;
}

}  // namespace proact
