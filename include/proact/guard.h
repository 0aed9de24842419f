// Blast-radius protection: per-policy circuit breakers applied to decisions
// before a host runs their actions.
//
// A policy with `rate_limit: {max: N, per_seconds: S}` may remediate at most
// N distinct events per fixed window of S seconds (windows start at
// multiples of S seconds since the Unix epoch), counted across every
// instance sharing the counter (in memory for one process, Redis for many).
// Past the limit the policy's actions are switched to dry-run, the match
// gets a note, and an alert action (default `proact.rate_limited`, params:
// policy, max, per_seconds, count) is added for the host to page someone.
// When the counter cannot be reached, the failure policy decides: fail
// closed (treat as over the limit) or fail open (run, with a note).
//
// Counted once per event: platforms deliver at least once, so the counter
// remembers, per policy, each event id it admitted (for
// GuardOptions::remember_admitted, the idempotency store's done TTL in a
// host). A redelivery of an admitted event gets its first answer back and
// consumes no budget, whether its actions are done, in flight or failed
// (a retry of a failed action must still be allowed to run). An event over
// the limit is not remembered: each of its deliveries is refused and
// counted, so the limit can never be exceeded by redelivery. Events
// without an id cannot be told apart and count on every delivery.
//
// Thread-safety: counters and guards may be used from many threads.
#ifndef PROACT_GUARD_H_
#define PROACT_GUARD_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "proact/decision.h"
#include "proact/export.h"
#include "proact/idempotency.h"
#include "proact/policy_set.h"
#include "proact/status.h"

namespace proact {

// One policy's limit, as a counter sees it.
struct RateLimit {
  std::uint64_t max = 0;                // admitted events per window (>= 1)
  std::chrono::seconds window{60};      // fixed window length (>= 1 s)
  std::chrono::milliseconds remember{std::chrono::hours(24)};  // how long an admitted id is kept
};

class PROACT_EXPORT RateCounter {
 public:
  virtual ~RateCounter() = default;
  // Counts event `event_id` against the budget named `key` in the current
  // window of `limit.window`, atomically (concurrent callers, also in other
  // processes sharing the store, never see the same position twice), and
  // returns the event's position among the events counted in its window:
  //   - an id admitted earlier (position <= limit.max) and remembered:
  //     that same position, counting nothing;
  //   - otherwise: the window's count after counting this call; when that
  //     is <= limit.max the id is remembered for `limit.remember`.
  // An empty `event_id` is counted on every call and never remembered.
  // kIoError when the counter cannot be reached.
  virtual Result<std::uint64_t> Hit(std::string_view key, std::string_view event_id,
                                    const RateLimit& limit) = 0;
};

// `now` gives the time (tests pass a fake clock); default system_clock.
PROACT_EXPORT std::unique_ptr<RateCounter> NewMemoryRateCounter(
    std::function<std::chrono::system_clock::time_point()> now = nullptr);
// In the proact::redis library: one Lua script per hit (window counter with
// INCR + PEXPIRE, admitted ids as keys with PX), so that it is atomic
// across instances. `now` as above: it picks the window; key expiry uses
// the server's clock.
PROACT_EXPORT std::unique_ptr<RateCounter> NewRedisRateCounter(
    RedisOptions options, std::function<std::chrono::system_clock::time_point()> now = nullptr);

struct GuardOptions {
  StoreFailurePolicy on_counter_failure = StoreFailurePolicy::kFailClosed;
  std::string alert_action = "proact.rate_limited";
  // How long an admitted event id is remembered, so that its redeliveries
  // consume no budget. A host sets it to its idempotency done TTL: past
  // that, a redelivery runs its actions again and rightly counts again.
  std::chrono::milliseconds remember_admitted{std::chrono::hours(24)};
};

class PROACT_EXPORT RemediationGuard {
 public:
  // `counter` must outlive the guard.
  RemediationGuard(PolicySet policies, RateCounter* counter, GuardOptions options = {});
  // Applies the policies' rate limits to `decision` (in place): each match
  // with an enforcing action counts decision->id once (see RateCounter).
  void Apply(Decision* decision) const;

 private:
  PolicySet policies_;
  RateCounter* counter_;
  GuardOptions options_;
};

}  // namespace proact

#endif  // PROACT_GUARD_H_
