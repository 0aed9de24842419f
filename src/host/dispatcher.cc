// Dispatcher: handlers by action name, idempotency claims, timeouts, and the
// per-action report.
#include "proact/dispatch.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace proact {

struct Dispatcher::Entry {
  std::string name;
  ActionHandler handler;
  bool inline_handler = false;
};

std::string_view OutcomeName(ActionOutcome outcome) {
  switch (outcome) {
    case ActionOutcome::kExecuted: return "succeeded";
    case ActionOutcome::kAlreadyCompliant: return "already_compliant";
    case ActionOutcome::kManual: return "manual";
    case ActionOutcome::kDryRun: return "dry_run";
    case ActionOutcome::kSkipped: return "skipped";
    case ActionOutcome::kFailed: return "failed";
  }
  return "unknown";
}

std::string_view FailureName(FailureClass failure) {
  switch (failure) {
    case FailureClass::kNone: return "";
    case FailureClass::kRetryable: return "retryable";
    case FailureClass::kPermanent: return "permanent";
  }
  return "";
}

std::string ActionReport::OutcomeLabel() const {
  if (outcome == ActionOutcome::kFailed) {
    return failure == FailureClass::kRetryable ? "failed_retryable" : "failed_permanent";
  }
  return std::string(OutcomeName(outcome));
}

nlohmann::ordered_json DispatchReport::ToJson() const {
  nlohmann::ordered_json out;
  out["executed"] = executed;
  out["already_compliant"] = already_compliant;
  out["manual"] = manual;
  out["dry_run"] = dry_run;
  out["skipped"] = skipped;
  out["failed"] = failed;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ActionReport& a : actions) {
    nlohmann::ordered_json j;
    j["policy"] = a.policy;
    j["action"] = a.action;
    j["index"] = a.index;
    j["outcome"] = a.OutcomeLabel();
    if (a.failure != FailureClass::kNone) j["failure"] = FailureName(a.failure);
    if (!a.message.empty()) j["message"] = a.message;
    if (!a.provider_request_id.empty()) j["provider_request_id"] = a.provider_request_id;
    j["params"] = a.params;
    if (!a.note.empty()) j["note"] = a.note;
    j["duration_ms"] = a.duration_ms;
    list.push_back(std::move(j));
  }
  RedactSecrets(&list);
  out["actions"] = std::move(list);
  return out;
}

Dispatcher::Dispatcher(DispatchOptions options) : options_(std::move(options)) {}
Dispatcher::~Dispatcher() = default;

void Dispatcher::Register(std::string name, ActionHandler handler, bool inline_handler) {
  auto entry = std::make_shared<Entry>();
  entry->name = name;
  entry->handler = std::move(handler);
  entry->inline_handler = inline_handler;
  for (auto& e : entries_) {
    if (e->name == name) {
      e = std::move(entry);
      return;
    }
  }
  entries_.push_back(std::move(entry));
}

bool Dispatcher::HasHandler(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const auto& e) { return e->name == name; });
}

namespace {

ActionResult CallHandler(const ActionHandler& handler, const ActionContext& ctx) {
  try {
    return handler(ctx);
  } catch (const std::exception& e) {
    return ActionResult::Permanent(std::string("handler threw: ") + e.what());
  } catch (...) {
    return ActionResult::Permanent("handler threw a non-standard exception");
  }
}

// Handler threads still running (abandoned ones included).
std::mutex g_threads_mu;
std::condition_variable g_threads_cv;
int g_threads = 0;

// Runs the handler on its own thread and waits until `until`. The thread
// owns copies of everything it reads, so abandoning it is safe; *abandoned
// says whether it was.
ActionResult CallWithTimeout(std::shared_ptr<const ActionHandler> handler, const ActionContext& ctx,
                             SteadyTime until, std::chrono::milliseconds timeout, bool* abandoned) {
  *abandoned = false;
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    ActionResult result;
    std::string policy, action, event_id, source, request_id;
    nlohmann::json params;
  };
  SteadyTime started = std::chrono::steady_clock::now();
  auto shared = std::make_shared<Shared>();
  shared->policy = ctx.policy;
  shared->action = ctx.action;
  shared->event_id = ctx.event_id;
  shared->source = ctx.source;
  shared->request_id = ctx.request_id;
  shared->params = ctx.params;
  int index = ctx.index;
  SteadyTime deadline = until;
  {
    std::lock_guard<std::mutex> lock(g_threads_mu);
    ++g_threads;
  }
  try {
    std::thread([shared, handler, index, deadline] {
      ActionContext inner{shared->policy, shared->action,     index,          shared->event_id,
                          shared->source, shared->request_id, shared->params, deadline};
      ActionResult r = CallHandler(*handler, inner);
      {
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->result = std::move(r);
        shared->done = true;
        shared->cv.notify_all();
      }
      std::lock_guard<std::mutex> lock(g_threads_mu);
      --g_threads;
      g_threads_cv.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    std::lock_guard<std::mutex> lock(g_threads_mu);
    --g_threads;
    return ActionResult::Retryable(std::string("could not start the handler thread: ") + e.what());
  }
  std::unique_lock<std::mutex> lock(shared->mu);
  if (!shared->cv.wait_until(lock, until, [&] { return shared->done; })) {
    (void)timeout;
    *abandoned = true;
    long long waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started).count();
    return ActionResult::Retryable("timed out after " + std::to_string(waited) +
                                   " ms (handler abandoned)");
  }
  return std::move(shared->result);
}

}  // namespace

Status ValidateClaimTtl(const DispatchOptions& options) {
  if (options.idempotency == nullptr) return Status::Ok();
  long long ttl = options.in_flight_ttl.count(), timeout = options.action_timeout.count();
  if (timeout <= 0) {
    return Status(StatusCode::kInvalidArgument,
                  "PROACT_ACTION_TIMEOUT_MS is 0 (no action timeout) while an idempotency store is "
                  "configured: a claim (PROACT_CLAIM_TTL_MS, " + std::to_string(ttl) +
                      " ms) could expire while its action still runs, and a redelivery would run it "
                      "a second time at once; set an action timeout");
  }
  long long needed = timeout + kClaimTtlMargin.count();
  if (ttl <= needed) {
    return Status(StatusCode::kInvalidArgument,
                  "claim TTL PROACT_CLAIM_TTL_MS=" + std::to_string(ttl) +
                      " must be longer than the action timeout PROACT_ACTION_TIMEOUT_MS=" +
                      std::to_string(timeout) + " plus a margin of " +
                      std::to_string(kClaimTtlMargin.count()) + " ms (more than " +
                      std::to_string(needed) + " ms): otherwise a claim can expire while its action "
                      "still runs, and a redelivery runs it a second time at once");
  }
  return Status::Ok();
}

int RunningHandlerThreads() {
  std::lock_guard<std::mutex> lock(g_threads_mu);
  return g_threads;
}

bool WaitForHandlerThreads(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(g_threads_mu);
  return g_threads_cv.wait_for(lock, timeout, [] { return g_threads == 0; });
}

DispatchReport Dispatcher::Dispatch(const Decision& decision, std::string_view request_id,
                                    SteadyTime deadline) const {
  DispatchReport report;
  std::string_view event_id = decision.id ? std::string_view(*decision.id) : std::string_view();
  std::string_view source = decision.source ? std::string_view(*decision.source) : std::string_view();
  for (const PolicyMatch& m : decision.matches) {
    for (std::size_t i = 0; i < m.actions.size(); ++i) {
      const Action& a = m.actions[i];
      ActionReport r;
      r.policy = m.policy;
      r.action = a.name;
      r.index = static_cast<int>(i);
      r.params = a.params;
      r.note = m.note;
      auto finish = [&](ActionReport&& done) {
        switch (done.outcome) {
          case ActionOutcome::kExecuted: ++report.executed; break;
          case ActionOutcome::kAlreadyCompliant: ++report.already_compliant; break;
          case ActionOutcome::kManual: ++report.manual; break;
          case ActionOutcome::kDryRun: ++report.dry_run; break;
          case ActionOutcome::kSkipped: ++report.skipped; break;
          case ActionOutcome::kFailed:
            ++report.failed;
            if (done.failure == FailureClass::kRetryable) ++report.retryable_failures;
            break;
        }
        report.actions.push_back(std::move(done));
      };
      if (a.dry_run) {
        r.outcome = ActionOutcome::kDryRun;
        r.message = "would run";
        finish(std::move(r));
        continue;
      }
      std::shared_ptr<const Entry> entry;
      for (const auto& e : entries_) {
        if (e->name == a.name) entry = e;
      }
      if (!entry) {
        r.outcome = ActionOutcome::kFailed;
        r.failure = FailureClass::kPermanent;
        r.message = "no handler is registered for action '" + a.name + "'";
        finish(std::move(r));
        continue;
      }
      SteadyTime now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        r.outcome = ActionOutcome::kFailed;
        r.failure = FailureClass::kRetryable;
        r.message = "not started: the deadline has passed";
        finish(std::move(r));
        continue;
      }
      // Idempotency: claim before running.
      std::string key;
      GateDecision gate;
      if (options_.idempotency != nullptr && !event_id.empty()) {
        key = IdempotencyKey(m.policy, event_id, static_cast<int>(i), a.name);
        gate = Gate(*options_.idempotency, key, options_.in_flight_ttl, options_.on_store_failure);
        if (!gate.execute) {
          if (gate.state == ClaimState::kAlreadyDone) {
            r.outcome = ActionOutcome::kSkipped;
          } else {
            // In flight elsewhere (it may still fail), or the store failed
            // closed: not done, so the delivery must come again.
            r.outcome = ActionOutcome::kFailed;
            r.failure = FailureClass::kRetryable;
          }
          r.message = gate.reason;
          finish(std::move(r));
          continue;
        }
      }
      ActionContext ctx{m.policy, a.name, static_cast<int>(i), event_id, source,
                        request_id, a.params, deadline};
      ActionResult result;
      bool abandoned = false;
      if (entry->inline_handler || options_.action_timeout.count() <= 0) {
        result = CallHandler(entry->handler, ctx);
      } else {
        SteadyTime until = std::min(deadline, now + options_.action_timeout);
        // The handler's own deadline comes a little earlier than the wait's
        // end, so that a handler honouring it returns in time and is not
        // abandoned.
        auto grace = std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(100), (until - now) / 10);
        ctx.deadline = until - grace;
        // The entry is shared: a replaced or destroyed dispatcher does not
        // pull the handler from under an abandoned thread.
        std::shared_ptr<const ActionHandler> handler(entry, &entry->handler);
        result = CallWithTimeout(std::move(handler), ctx, until, options_.action_timeout, &abandoned);
      }
      r.duration_ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - now).count();
      r.message = result.message;
      r.provider_request_id = result.provider_request_id;
      if (result.ok()) {
        r.outcome = result.manual              ? ActionOutcome::kManual
                    : result.already_compliant ? ActionOutcome::kAlreadyCompliant
                                               : ActionOutcome::kExecuted;
        if (!key.empty() && !gate.token.empty()) {
          Status st = options_.idempotency->Complete(key, gate.token, options_.done_ttl);
          if (!st.ok()) {
            r.message += (r.message.empty() ? "" : "; ") +
                         std::string("executed, but not marked done: ") + st.message();
          }
        }
      } else {
        r.outcome = ActionOutcome::kFailed;
        r.failure = result.failure;
        // A timed-out handler may still finish: its claim is left to expire
        // rather than released, so that a redelivery cannot run it twice.
        if (!key.empty() && !gate.token.empty() && !abandoned) {
          (void)options_.idempotency->Release(key, gate.token);
        }
      }
      finish(std::move(r));
    }
  }
  return report;
}

}  // namespace proact
