// Dispatcher: runs the remediation actions of a Decision with the host's
// handlers.
//
// The engine decides; the host acts. A host registers one handler per
// action name (any C++ callable); Dispatch() walks a Decision and, for each
// action of each matched policy:
//   - dry-run actions (the policy's mode, the engine's dry-run mode, loop
//     protection, a rate limit) are never executed: they are reported as
//     kDryRun ("would run") with their full params;
//   - with an idempotency store, the action is claimed first (see
//     proact/idempotency.h); a duplicate delivery is reported kSkipped;
//   - an action without a handler, a handler that fails, throws, or runs
//     past its timeout is reported kFailed with a retryable or permanent
//     classification and a message. One action's failure never stops the
//     others, nor another policy's.
// The result is a DispatchReport: one entry per action, in decision order.
//
// Timeouts: a handler runs on its own thread when a timeout applies; one
// still running at its timeout is abandoned (its result is ignored) and
// reported as a retryable failure. Handlers should honour
// ActionContext::deadline themselves (the built-in webhook action does).
//
// Built-in actions (RegisterBuiltinActions): `log` (one structured JSON log
// line with the params), `webhook` (HTTP POST of JSON through proact's HTTP
// client, cpp-httplib over OpenSSL, with a destination host allowlist, timeout, and bounded retries with backoff),
// and the rate limiter's alert action `proact.rate_limited` (a warning log
// line).
//
// Thread-safety: Register() must not run concurrently with Dispatch();
// Dispatch() may be called from many threads at once.
#ifndef PROACT_DISPATCH_H_
#define PROACT_DISPATCH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/decision.h"
#include "proact/export.h"
#include "proact/idempotency.h"
#include "proact/status.h"

namespace proact {

using SteadyTime = std::chrono::steady_clock::time_point;

// What a handler is given. References are valid during the call only.
struct ActionContext {
  std::string_view policy;     // policy id
  std::string_view action;     // action name
  int index = 0;               // position among the policy's actions
  std::string_view event_id;   // the event's `id` ("" when it has none)
  std::string_view source;     // the event's `source`
  std::string_view request_id; // the host's invocation / request id
  const nlohmann::json& params;
  SteadyTime deadline;         // finish (or give up) before this
};

enum class FailureClass {
  kNone,
  kRetryable,  // may succeed if delivered again (timeout, 5xx, throttled)
  kPermanent,  // will fail again (unknown action, bad params, 4xx)
};

// What a handler returns.
struct ActionResult {
  FailureClass failure = FailureClass::kNone;
  std::string message;  // why it failed, or a short note on success
  // Success without a change: the resource already complied (a read found
  // it so, or the provider answered "already done").
  bool already_compliant = false;
  // Not done: no API can do it, a person must (a manual action type).
  bool manual = false;
  // The provider's id of the (last) request made, for its support and logs.
  std::string provider_request_id;

  static ActionResult Ok(std::string note = {}) { return Make(FailureClass::kNone, std::move(note)); }
  static ActionResult AlreadyCompliant(std::string note = {}) {
    ActionResult r = Make(FailureClass::kNone, std::move(note));
    r.already_compliant = true;
    return r;
  }
  static ActionResult Manual(std::string why) {
    ActionResult r = Make(FailureClass::kNone, std::move(why));
    r.manual = true;
    return r;
  }
  static ActionResult Retryable(std::string why) { return Make(FailureClass::kRetryable, std::move(why)); }
  static ActionResult Permanent(std::string why) { return Make(FailureClass::kPermanent, std::move(why)); }
  static ActionResult Make(FailureClass failure, std::string message) {
    ActionResult r;
    r.failure = failure;
    r.message = std::move(message);
    return r;
  }
  bool ok() const { return failure == FailureClass::kNone; }
};

// A handler may throw: the exception becomes a permanent failure.
using ActionHandler = std::function<ActionResult(const ActionContext&)>;

enum class ActionOutcome {
  kExecuted,  // the handler ran and succeeded ("succeeded")
  kAlreadyCompliant,  // the handler ran and found nothing to change
  kManual,    // not done: no API can do it, a person must ("manual")
  kDryRun,    // not executed: dry-run ("would run")
  kSkipped,   // not executed: it already ran (idempotency)
  kFailed,    // no handler, handler error, exception or timeout; with an
              // idempotency store also: in flight in another delivery, or
              // the store failed closed (both retryable)
};

// "succeeded", "already_compliant", "manual", "dry_run", "skipped", "failed".
PROACT_EXPORT std::string_view OutcomeName(ActionOutcome outcome);
PROACT_EXPORT std::string_view FailureName(FailureClass failure);    // "", "retryable", "permanent"

struct ActionReport {
  std::string policy;
  std::string action;
  int index = 0;
  ActionOutcome outcome = ActionOutcome::kExecuted;
  FailureClass failure = FailureClass::kNone;
  std::string message;       // failure reason, skip reason, or handler note
  nlohmann::json params;     // as rendered (redact before logging: ToJson does)
  std::string note;          // the match's note (why dry-run), if any
  double duration_ms = 0;    // handler time; 0 when not executed
  std::string provider_request_id;  // the provider's id of its last request, if any

  // The outcome as reports and logs name it: succeeded, already_compliant,
  // dry_run, skipped, failed_retryable or failed_permanent.
  std::string OutcomeLabel() const;
};

struct DispatchReport {
  std::vector<ActionReport> actions;
  // executed counts succeeded actions; already_compliant those that found
  // nothing to change.
  std::size_t executed = 0, already_compliant = 0, manual = 0, dry_run = 0, skipped = 0, failed = 0;
  std::size_t retryable_failures = 0;  // failed with FailureClass::kRetryable

  // {"executed":n,"already_compliant":n,"dry_run":n,"skipped":n,"failed":n,
  //  "actions":[{"policy","action","index","outcome","failure","message",
  //  "provider_request_id","params","duration_ms"}]}; outcome is succeeded,
  //  already_compliant, dry_run, skipped, failed_retryable or
  //  failed_permanent.
  // with secrets in params, messages and notes redacted (RedactSecrets in
  // proact/decision.h): a handler's failure message may quote a URL.
  nlohmann::ordered_json ToJson() const;
};

struct DispatchOptions {
  // Largest time one handler may run; 0 runs handlers inline without a
  // timeout. The dispatch deadline also bounds it.
  std::chrono::milliseconds action_timeout{10000};
  // Optional; not owned. When set, each enforce-mode action is claimed
  // (IdempotencyKey(policy, event id, index, action)) before it runs,
  // completed after success and released after a failure.
  IdempotencyStore* idempotency = nullptr;
  StoreFailurePolicy on_store_failure = StoreFailurePolicy::kFailClosed;
  // How long a claim keeps an action "in flight" (PROACT_CLAIM_TTL_MS).
  // REQUIRES with a store: longer than action_timeout + kClaimTtlMargin
  // (ValidateClaimTtl), or a claim could expire while its action still
  // runs and a redelivery would run it a second time at once.
  std::chrono::milliseconds in_flight_ttl{std::chrono::minutes(5)};
  // How long a done marker stops redeliveries from running an action again.
  std::chrono::milliseconds done_ttl{std::chrono::hours(24)};
};

// What a claim must outlive beyond the action timeout: store round trips
// around the handler, and a timed-out handler noticing its deadline.
inline constexpr std::chrono::milliseconds kClaimTtlMargin{2000};

// OK when `options` has no idempotency store, or when its in_flight_ttl is
// longer than action_timeout + kClaimTtlMargin. kInvalidArgument otherwise,
// and when action_timeout is 0 (no timeout: no claim TTL is long enough);
// the message names both values and their variables (PROACT_CLAIM_TTL_MS,
// PROACT_ACTION_TIMEOUT_MS). Host::Create checks it.
PROACT_EXPORT Status ValidateClaimTtl(const DispatchOptions& options);

class PROACT_EXPORT Dispatcher {
 public:
  explicit Dispatcher(DispatchOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Registers (or replaces) the handler of action `name`. `inline_handler`
  // runs it on the calling thread without a timeout (for handlers that
  // cannot block, like `log`).
  void Register(std::string name, ActionHandler handler, bool inline_handler = false);
  bool HasHandler(std::string_view name) const;

  // Runs the decision's actions. `request_id` is passed to handlers.
  // Never throws.
  DispatchReport Dispatch(const Decision& decision, std::string_view request_id = {},
                          SteadyTime deadline = SteadyTime::max()) const;

  const DispatchOptions& options() const { return options_; }

 private:
  struct Entry;
  DispatchOptions options_;
  std::vector<std::shared_ptr<const Entry>> entries_;
};

// Handler threads still running, abandoned ones included (process-wide).
PROACT_EXPORT int RunningHandlerThreads();
// Waits up to `timeout` for every handler thread to end; false if some are
// still running (a host then exits with _exit rather than destroying what
// they may use).
PROACT_EXPORT bool WaitForHandlerThreads(std::chrono::milliseconds timeout);

// Configuration of the built-in `webhook` action.
struct WebhookOptions {
  // Used when an action has no `url` param.
  std::string default_url;
  // Host names a `url` param may name: exact names ("hooks.slack.com"),
  // or "*.example.com" for subdomains; "*" allows any host. The host of
  // default_url is always allowed. Empty: only default_url.
  std::vector<std::string> allowed_hosts;
  std::chrono::milliseconds timeout{5000};  // per attempt
  int max_attempts = 3;                      // retries of retryable failures
  std::chrono::milliseconds backoff{200};    // doubled after each attempt
  // Extra request headers ("Name: value"), e.g. an Authorization header.
  std::vector<std::string> headers;
};

// From the environment: PROACT_WEBHOOK_URL, PROACT_WEBHOOK_ALLOWED_HOSTS
// (comma-separated), PROACT_WEBHOOK_TIMEOUT_MS, PROACT_WEBHOOK_MAX_ATTEMPTS,
// PROACT_WEBHOOK_AUTHORIZATION (sent as the Authorization header).
PROACT_EXPORT WebhookOptions WebhookOptionsFromEnvironment();

// Registers `log`, `webhook` and `proact.rate_limited`.
//
// webhook params: `url` (optional; its host must be allowed), `body`
// (optional: the JSON to send; default {"policy","action","event_id",
// "source","params"}). No redirects are followed; only http and https.
// 2xx is success; 408, 425, 429, 5xx and transport errors are retried, then
// reported retryable; other statuses are permanent failures.
PROACT_EXPORT void RegisterBuiltinActions(Dispatcher& dispatcher, WebhookOptions webhook = {});

// Registers a handler for every action type declared in `policies`
// (`action_types:`, docs/remediation.md): each runs the type's HTTP
// requests with the platform's credentials (environment, container and
// metadata endpoints, STS AssumeRole, GitHub App tokens), reads before it
// writes, retries throttling within the deadline, and reports
// already_compliant, succeeded or a classified failure with the provider's
// request id. Credentials are fetched lazily and cached by one broker shared
// by these handlers. Host::Create calls it (HostOptions::
// register_declared_actions).
class PolicySet;
PROACT_EXPORT void RegisterDeclaredActions(Dispatcher& dispatcher, const PolicySet& policies);

// True when `url` is http(s) and its host is allowed by `options`.
PROACT_EXPORT bool WebhookUrlAllowed(std::string_view url, const WebhookOptions& options,
                                     std::string* why);

}  // namespace proact

#endif  // PROACT_DISPATCH_H_
