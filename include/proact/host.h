// Host: the pipeline every adapter runs for one delivery.
//
//   payload (+ HTTP headers) -> Normalizer -> for each event: Engine ->
//   rate limits (RemediationGuard) -> Dispatcher -> logs and Metrics
//
// The AWS Lambda runtime (RunLambdaRuntime, the `bootstrap` executable) and
// the HTTP server (`proact serve`) are thin mappings of a ProcessResult onto
// their platform's response shapes. A host that needs its own remediation
// code links proact::host, registers handlers on host->dispatcher() and
// calls RunLambdaRuntime (or Process) from its own main().
//
// Deadlines: Process() stops starting events when less than
// HostOptions::deadline_margin remains before the deadline; the events it
// did not start are reported not processed (and failed), so that the
// platform delivers them again instead of losing them.
//
// Thread-safety: Process() may be called from many threads at once once
// the handlers are registered.
#ifndef PROACT_HOST_H_
#define PROACT_HOST_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/dispatch.h"
#include "proact/engine.h"
#include "proact/export.h"
#include "proact/guard.h"
#include "proact/normalizer.h"
#include "proact/observability.h"
#include "proact/status.h"

namespace proact {

struct HostOptions {
  std::vector<std::string> rules;  // files or directories
  EngineOptions engine;
  WebhookSecrets secrets;
  DispatchOptions dispatch;
  WebhookOptions webhook;
  bool register_builtin_actions = true;
  // Registers the action types the policy files declare (RegisterDeclaredActions).
  bool register_declared_actions = true;
  // Stop starting events when less than this remains before the deadline.
  std::chrono::milliseconds deadline_margin{500};
  // Shared state (owned by the host when set): idempotency store and the
  // rate-limit counter (memory when null: per process). From the
  // environment, a Redis idempotency store brings a Redis counter on the
  // same server, so that every instance shares one budget per policy.
  std::unique_ptr<IdempotencyStore> idempotency;
  std::unique_ptr<RateCounter> rate_counter;
  // The rate limits' failure policy (from PROACT_IDEMPOTENCY_ON_FAILURE);
  // remember_admitted is set to dispatch.done_ttl by the host.
  GuardOptions guard;
  std::string state_description;  // for the start-up log line
};

// Webhook secrets from PROACT_GITHUB_SECRET, PROACT_SLACK_SIGNING_SECRET,
// PROACT_OKTA_AUTHORIZATION and PROACT_REQUIRE_SIGNATURE (1/true/yes/on).
PROACT_EXPORT WebhookSecrets WebhookSecretsFromEnvironment();

// Reads the environment every adapter understands:
//   PROACT_RULES                files or folders, ':'-separated (default: `default_rules`)
//   PROACT_DRY_RUN              true: nothing is executed
//   PROACT_SELF_IDENTITIES      comma-separated (loop protection)
//   PROACT_GITHUB_SECRET, PROACT_SLACK_SIGNING_SECRET,
//   PROACT_OKTA_AUTHORIZATION, PROACT_REQUIRE_SIGNATURE   webhook verification
//   PROACT_ACTION_TIMEOUT_MS    per-action timeout (default 10000)
//   PROACT_CLAIM_TTL_MS         idempotency claim TTL (default 300000; must
//                               exceed the action timeout + kClaimTtlMargin)
//   PROACT_DEADLINE_MARGIN_MS   (default 500)
//   PROACT_WEBHOOK_*            see WebhookOptionsFromEnvironment
//   PROACT_IDEMPOTENCY, PROACT_IDEMPOTENCY_ON_FAILURE   see proact/idempotency.h;
//                               redis://... also shares the rate limits
// kInvalidArgument names a variable whose value cannot be read, and (from
// ValidateClaimTtl) a claim TTL that does not outlive the action timeout.
PROACT_EXPORT Result<HostOptions> HostOptionsFromEnvironment(std::string default_rules);

// What happened to one event (or one part that did not become an event).
struct EventOutcome {
  std::string id;          // the event's id ("" for a part that failed to normalize)
  std::string source;
  std::string kind;        // Normalizer kind, e.g. "sqs/eventbridge"
  std::string origin;      // where in the payload
  std::string message_id;  // its batch item identifier (NormalizedEvent::message_id)
  bool processed = false;  // evaluated (and its actions dispatched)
  bool failed = false;     // should be delivered again / reported as failed
  bool unauthenticated = false;
  bool deadline = false;   // not started: the deadline was near
  std::string reason;      // why it failed
  std::size_t matches = 0;
  DispatchReport dispatch;
};

struct PROACT_EXPORT ProcessResult {
  std::optional<Challenge> challenge;  // answer this instead
  std::vector<EventOutcome> events;
  std::size_t failed = 0;           // events with failed == true
  std::size_t not_processed = 0;    // stopped by the deadline
  std::size_t unauthenticated = 0;
  std::size_t matches = 0;
  // The delivery envelope the payload came in, its answer and its batch
  // items (NormalizeResult::delivery, answer, items): a platform adapter
  // answers from these alone.
  std::string delivery;
  DeliveryAnswer answer = DeliveryAnswer::kNone;
  std::vector<DeliveryItem> items;

  // Item identifiers of failed events (each once, in order): the
  // batchItemFailures of an SQS partial batch response.
  std::vector<std::string> FailedMessageIds() const;
  // True when something failed that no message id identifies.
  bool HasUnidentifiedFailure() const;
  // {"events":n,"matches":n,"failed":n,"not_processed":n,"results":[...]}.
  // "results" lists at most kMaxListedResults events (failed ones first in
  // priority, each kept in batch order); "results_omitted" counts the rest.
  static constexpr std::size_t kMaxListedResults = 100;
  nlohmann::ordered_json Summary() const;
  // The first few failure reasons, "origin: reason; ...".
  std::string Reasons() const;
};

// The HTTP answer to a delivery that arrived as an HTTP request (Function
// URL, API Gateway, `proact serve`): a handshake's challenge; 401 when a
// signature was rejected; 400 when a part could not be read; 503 when an
// action failed retryably or the deadline left events unprocessed (the
// sender should deliver again); else 200. The body is Summary(), with
// "error" when not 200. Action failure details stay in the logs.
struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};
PROACT_EXPORT HttpAnswer AnswerHttp(const ProcessResult& result);

// Per-request information for logs and handlers.
struct RequestInfo {
  std::string request_id;
  std::string trace_id;
  SteadyTime deadline = SteadyTime::max();
  nlohmann::ordered_json log_fields = nlohmann::ordered_json::object();  // added to every line
  // Item identifiers in an order to keep: when set, the first failed item
  // fails every later one too, and those are not processed. When empty,
  // the order comes from the payload's delivery (NormalizeResult::items:
  // SQS FIFO queues, stream shards, Kafka topic-partitions), which is what
  // the Lambda runtime relies on.
  std::vector<std::string> ordered_message_ids;
  // A delivery that arrived as an HTTP request at the host's own server:
  // its method, path and raw query string, which source definitions may
  // read (a handshake token in the query). Empty otherwise.
  std::string http_method;
  std::string http_path;
  std::string http_query;
};

class PROACT_EXPORT Host {
 public:
  // Loads and compiles the rules (kInvalidPolicy with file:line:col
  // diagnostics when they do not compile) and registers the built-in
  // actions. kInvalidArgument when ValidateClaimTtl(options.dispatch, with
  // options.idempotency) fails.
  static Result<std::unique_ptr<Host>> Create(HostOptions options);

  Dispatcher& dispatcher() { return dispatcher_; }
  const Engine& engine() const { return engine_; }
  Metrics& metrics() { return metrics_; }
  const HostOptions& options() const { return options_; }

  // Normalizes, evaluates and dispatches one delivery. Never throws.
  ProcessResult Process(std::string_view payload, const Headers& headers,
                        const RequestInfo& request);

 private:
  Host(HostOptions options, PolicySet policies);
  void LogDecision(const Decision& decision, const EventOutcome& outcome,
                   const RequestInfo& request, double eval_ms);

  HostOptions options_;
  Engine engine_;
  Normalizer normalizer_;
  Dispatcher dispatcher_;
  Metrics metrics_;
  std::unique_ptr<RemediationGuard> guard_;
  std::unordered_map<std::string, std::size_t> policy_index_;  // id -> position
};

// AWS Lambda custom runtime (provided.al2023): talks to the Runtime API at
// $AWS_LAMBDA_RUNTIME_API until the process is stopped. See
// docs/adapters.md for the envelopes and the response of each.
struct LambdaOptions {
  std::string runtime_api;  // host:port; default $AWS_LAMBDA_RUNTIME_API
  EmfOptions emf;           // metrics lines after each invocation
  bool emit_metrics = true; // PROACT_METRICS=false disables
  // Stop after this many invocations (0: never; tests use it).
  std::size_t max_invocations = 0;
};

// Reports an init error to the Runtime API (POST /runtime/init/error).
PROACT_EXPORT Status ReportLambdaInitError(const std::string& runtime_api,
                                           std::string_view error_type,
                                           std::string_view message,
                                           const std::vector<std::string>& details);

// The invocation loop. Returns when the Runtime API is unreachable (a
// non-OK status) or after max_invocations.
PROACT_EXPORT Status RunLambdaRuntime(Host& host, const LambdaOptions& options);

// The whole bootstrap: reads the environment, loads the rules (reporting an
// init error with the diagnostics when they fail, then returning 1), and
// runs the loop. `default_rules` is used when PROACT_RULES is unset.
PROACT_EXPORT int LambdaMain(std::string default_rules,
                             const std::function<void(Host&)>& register_handlers = {});

}  // namespace proact

#endif  // PROACT_HOST_H_
