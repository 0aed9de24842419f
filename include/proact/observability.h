// Observability for hosts: structured JSON logs and per-policy metrics.
//
// Logs: one JSON object per line (spdlog, stdout), with the keys AWS Lambda
// Powertools users search by: level, location, message, timestamp, service,
// then the caller's keys (function_request_id, xray_trace_id, cold_start,
// event_id, source, policy, decision, action, outcome...). The level comes
// from the environment (see LoggingFromEnvironment).
//
// Metrics: counters per policy (matches, actions executed / failed /
// dry-run / skipped, remediations, estimated minutes and USD saved) and per
// host (events evaluated, evaluation time, events that failed). Rendered as
// Prometheus text (cumulative, for `proact serve`) and as CloudWatch
// Embedded Metric Format lines (the change since the last flush, for
// Lambda).
//
// Thread-safety: logging and Metrics methods may be called from many
// threads at once.
#ifndef PROACT_OBSERVABILITY_H_
#define PROACT_OBSERVABILITY_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/decision.h"
#include "proact/dispatch.h"
#include "proact/export.h"
#include "proact/policy_set.h"

namespace proact {

enum class LogLevel { kDebug = 0, kInfo, kWarning, kError, kOff };

struct LoggingOptions {
  LogLevel level = LogLevel::kInfo;
  std::string service = "proact";
};

// PROACT_LOG_LEVEL, else POWERTOOLS_LOG_LEVEL, else AWS_LAMBDA_LOG_LEVEL,
// else LOG_LEVEL: DEBUG|INFO|WARN|WARNING|ERROR|OFF (any case; TRACE reads
// as DEBUG, FATAL/CRITICAL as ERROR). Service: POWERTOOLS_SERVICE_NAME, else
// "proact".
PROACT_EXPORT LoggingOptions LoggingFromEnvironment();

// Sets up the process-wide JSON logger on stdout (idempotent).
PROACT_EXPORT void ConfigureLogging(const LoggingOptions& options);
PROACT_EXPORT bool LogEnabled(LogLevel level);
// Writes {"level","location","message","timestamp","service",...fields},
// with secrets redacted from the message and the fields (RedactSecrets in
// proact/decision.h; docs/security.md lists what counts as one).
// `fields` must be an object (other values are ignored).
PROACT_EXPORT void LogJson(LogLevel level, std::string_view location, std::string_view message,
                           const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

struct PolicyCounters {
  std::uint64_t matches = 0;
  std::uint64_t executed = 0;      // actions run successfully
  std::uint64_t already_compliant = 0;  // actions that found nothing to change
  std::uint64_t manual = 0;        // actions no API can do (a person must)
  std::uint64_t failed = 0;        // actions that failed
  std::uint64_t dry_run = 0;       // actions reported, not run
  std::uint64_t skipped = 0;       // actions not run (idempotency)
  std::uint64_t remediations = 0;  // matches with >= 1 executed action and no failure
  double savings_minutes = 0;      // remediations x the policy's savings.minutes
  double savings_usd = 0;          // remediations x the policy's savings.usd
};

struct HostCounters {
  std::uint64_t events = 0;          // events evaluated
  std::uint64_t event_errors = 0;    // payload parts that could not be normalized or evaluated
  std::uint64_t unauthenticated = 0; // rejected by webhook verification
  std::uint64_t not_processed = 0;   // left for redelivery (deadline)
  double evaluation_seconds = 0;     // time in normalize + evaluate
};

struct EmfOptions {
  std::string namespace_name = "Proact";
  std::string service = "proact";
  bool per_policy = true;  // a `policy` dimension (one line per active policy)
};

// PROACT_METRICS_NAMESPACE (else POWERTOOLS_METRICS_NAMESPACE, else
// "Proact"), PROACT_METRICS_PER_POLICY (true|false), POWERTOOLS_SERVICE_NAME.
PROACT_EXPORT EmfOptions EmfFromEnvironment();

class PROACT_EXPORT Metrics {
 public:
  explicit Metrics(const PolicySet& policies);

  void RecordEvaluation(double seconds);
  void RecordEventError(bool unauthenticated);
  void RecordNotProcessed(std::size_t n);
  void RecordDispatch(const Decision& decision, const DispatchReport& report);
  void RecordHttpRequest(int status);

  // Cumulative counters in Prometheus text exposition format 0.0.4.
  std::string Prometheus() const;
  // EMF lines (one JSON object each, no newline) for what changed since the
  // last call, stamped `timestamp_ms`; empty when nothing changed.
  std::vector<std::string> TakeEmf(const EmfOptions& options, std::int64_t timestamp_ms);

  HostCounters host() const;
  PolicyCounters policy(const std::string& id) const;

 private:
  struct Savings {
    double minutes = 0, usd = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Savings> savings_;
  std::map<std::string, PolicyCounters> policies_, policies_flushed_;
  HostCounters host_, host_flushed_;
  std::map<int, std::uint64_t> http_;
};

}  // namespace proact

#endif  // PROACT_OBSERVABILITY_H_
