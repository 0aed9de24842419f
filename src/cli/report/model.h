// `proact report`'s savings model: the executions a platform billed (from
// its own log lines where it writes them), the decisions proact logged in
// the same stream, and the figures computed from both, each with the
// formula and inputs a reader needs to recompute it by hand.
#ifndef PROACT_SRC_CLI_REPORT_MODEL_H_
#define PROACT_SRC_CLI_REPORT_MODEL_H_

#include <cstdint>
#include <istream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace proact::cli::report {

// Action outcomes and savings of the matches of one policy (or of all).
struct Row {
  std::uint64_t matches = 0, executed = 0, compliant = 0, manual = 0, failed = 0, dry_run = 0,
                skipped = 0, rendered = 0;
  std::uint64_t remediations = 0;
  double minutes = 0, usd = 0;
  // The `savings.usd` of every remediation, when they were all equal
  // (-1: none yet, -2: they differ); lets a formula read "2 x 12.50".
  double usd_each = -1, minutes_each = -1;

  void Add(const Row& o);
};

enum class Platform { kNone, kLambda, kCloudRun };

// One billed execution: a Lambda invocation or a Cloud Run request.
struct Execution {
  std::int64_t time_ms = -1;  // when it ran (-1: unknown)
  bool billed = false;        // a billing record (REPORT line) or a request time was found
  double duration_ms = 0;     // Lambda: Duration; Cloud Run: the request time read
  double billed_ms = 0;       // Lambda: Billed Duration; Cloud Run: request time rounded up to 100 ms
  double memory_mb = 0;
  double init_ms = -1;        // Lambda: Init Duration (cold start), -1 when absent
  std::set<std::string> policies;  // policies that matched an event of it
  std::map<std::string, Row> rows;
};

struct Prices {
  Platform platform = Platform::kNone;
  std::string platform_from;  // how the platform was chosen
  double request = 0, gb_second = 0, vcpu_second = 0;
  std::string request_from, gb_second_from, vcpu_second_from;
  double vcpu = 0;  // Cloud Run vCPUs per instance
  std::string vcpu_from;
  double memory_mb = 0;  // used when no REPORT line gives it
  std::string memory_from;
};

// What was read from the logs.
struct Log {
  std::map<std::string, Execution> executions;  // by request id
  std::uint64_t lines = 0, skipped_lines = 0, decision_lines = 0, report_lines = 0,
                emf_lines = 0, emf_events = 0, serve_lines = 0;
  double decision_eval_ms = 0, emf_eval_ms = 0;
  std::uint64_t decisions_with_time = 0;
  std::map<std::string, Row> rows;  // per policy, whole log
  std::int64_t first_ms = -1, last_ms = -1;
};

// `savings` of each policy from --rules: minutes, usd.
using Savings = std::map<std::string, std::pair<double, double>>;

// Reads one input: JSON lines, plain-text CloudWatch exports (a timestamp
// or other text before each message) or the JSON document `aws logs
// filter-log-events` / `get-log-events` prints.
void ReadLog(std::istream& in, const Savings& savings, Log* log);

// Settles the platform (auto: REPORT lines -> Lambda, `proact serve` lines
// -> Cloud Run, else none), fills default prices, and the billed time and
// memory of executions that have no platform record.
void Settle(Log* log, Prices* prices);

// One computed figure with its unit and its formula, numbers substituted.
struct Figure {
  std::string name;  // machine name: executions, platform_cost_usd, ...
  std::string label; // for people
  double value = 0;
  std::string unit;
  std::string formula;
};

// The figures of one policy (or the total: policy empty) over some executions.
struct Group {
  std::string period;  // "" for the whole log
  std::string policy;  // "" for the total
  std::uint64_t executions = 0;
  double billed_ms = 0, mb_ms = 0;
  Row row;
  std::vector<Figure> figures;
};

enum class Period { kDay, kWeek };

struct Summary {
  std::vector<Group> overall;  // per policy, then the total
  std::vector<std::pair<std::string, std::vector<Group>>> periods;  // each: policies, total
  std::uint64_t executions_unbilled = 0;  // executions with no platform record
};

Summary Summarize(const Log& log, const Prices& prices, Period period);

// Formatting shared by every output.
std::string Number(double v);  // shortest exact-enough decimal, no exponent
std::string PeriodLabel(std::int64_t time_ms, Period period);
const char* PlatformName(Platform p);

// The self-contained HTML page.
std::string Html(const Log& log, const Prices& prices, const Summary& summary, Period period,
                 const std::vector<std::pair<std::string, std::string>>& inputs);

}  // namespace proact::cli::report

#endif  // PROACT_SRC_CLI_REPORT_MODEL_H_
