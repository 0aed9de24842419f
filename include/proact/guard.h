// Blast-radius protection: per-policy circuit breakers applied to decisions
// before a host runs their actions.
//
// A policy with `rate_limit: {max: N, per_seconds: S}` may remediate at most
// N events per window of S seconds, counted across every instance sharing
// the counter (in memory for one process, Redis for many). Past the limit
// the policy's actions are switched to dry-run, the match gets a note, and
// an alert action (default `proact.rate_limited`, params: policy, max,
// per_seconds, count) is added for the host to page someone. When the
// counter cannot be reached, the failure policy decides: fail closed (treat
// as over the limit) or fail open (run, with a note).
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

class PROACT_EXPORT RateCounter {
 public:
  virtual ~RateCounter() = default;
  // Counts one hit of `key` in the current fixed window of `window` and
  // returns the count so far in that window; kIoError when unreachable.
  virtual Result<std::uint64_t> Hit(std::string_view key, std::chrono::seconds window) = 0;
};

PROACT_EXPORT std::unique_ptr<RateCounter> NewMemoryRateCounter(
    std::function<std::chrono::system_clock::time_point()> now = nullptr);
// In the proact::redis library (INCR + PEXPIRE per window).
PROACT_EXPORT std::unique_ptr<RateCounter> NewRedisRateCounter(RedisOptions options);

struct GuardOptions {
  StoreFailurePolicy on_counter_failure = StoreFailurePolicy::kFailClosed;
  std::string alert_action = "proact.rate_limited";
};

class PROACT_EXPORT RemediationGuard {
 public:
  // `counter` must outlive the guard.
  RemediationGuard(PolicySet policies, RateCounter* counter, GuardOptions options = {});
  // Applies the policies' rate limits to `decision` (in place).
  void Apply(Decision* decision) const;

 private:
  PolicySet policies_;
  RateCounter* counter_;
  GuardOptions options_;
};

}  // namespace proact

#endif  // PROACT_GUARD_H_
