#include "proact/guard.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace proact {

namespace {

class MemoryRateCounter : public RateCounter {
 public:
  using Clock = std::chrono::system_clock;
  explicit MemoryRateCounter(std::function<Clock::time_point()> now)
      : now_(now ? std::move(now) : [] { return Clock::now(); }) {}

  Result<std::uint64_t> Hit(std::string_view key, std::string_view event_id,
                            const RateLimit& limit) override {
    Clock::time_point now = now_();
    auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    std::int64_t index = since_epoch.count() / std::max<std::int64_t>(1, limit.window.count());
    std::lock_guard<std::mutex> lock(mu_);
    Budget& b = budgets_[std::string(key)];
    if (!event_id.empty()) {
      auto it = b.admitted.find(std::string(event_id));
      if (it != b.admitted.end() && it->second.expires > now) return it->second.position;
    }
    if (b.index != index) {
      b.index = index;
      b.count = 0;
    }
    std::uint64_t position = ++b.count;
    if (!event_id.empty() && position <= limit.max) {
      if (b.admitted.size() >= b.sweep_at) {
        Sweep(&b, now);
        b.sweep_at = std::max<std::size_t>(kMinSweep, 2 * b.admitted.size());
      }
      b.admitted[std::string(event_id)] = Admitted{position, now + limit.remember};
    }
    return position;
  }

 private:
  static constexpr std::size_t kMinSweep = 4096;
  struct Admitted {
    std::uint64_t position;
    Clock::time_point expires;
  };
  struct Budget {
    std::int64_t index = -1;
    std::uint64_t count = 0;
    std::unordered_map<std::string, Admitted> admitted;
    std::size_t sweep_at = kMinSweep;  // expired ids are dropped at this size
  };

  static void Sweep(Budget* b, Clock::time_point now) {
    for (auto it = b->admitted.begin(); it != b->admitted.end();) {
      it = it->second.expires <= now ? b->admitted.erase(it) : std::next(it);
    }
  }

  std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Budget> budgets_;
};

}  // namespace

std::unique_ptr<RateCounter> NewMemoryRateCounter(
    std::function<std::chrono::system_clock::time_point()> now) {
  return std::make_unique<MemoryRateCounter>(std::move(now));
}

RemediationGuard::RemediationGuard(PolicySet policies, RateCounter* counter, GuardOptions options)
    : policies_(std::move(policies)), counter_(counter), options_(std::move(options)) {}

void RemediationGuard::Apply(Decision* decision) const {
  for (PolicyMatch& m : decision->matches) {
    const PolicyInfo* info = nullptr;
    for (std::size_t i = 0; i < policies_.size(); ++i) {
      if (policies_.policy(i).id == m.policy) info = &policies_.policy(i);
    }
    if (info == nullptr || info->rate_limit_max == 0) continue;
    bool enforcing = false;
    for (const Action& a : m.actions) enforcing = enforcing || !a.dry_run;
    if (!enforcing) continue;
    std::chrono::seconds window(info->rate_limit_window_seconds);
    RateLimit limit;
    limit.max = info->rate_limit_max;
    limit.window = window;
    limit.remember = options_.remember_admitted;
    // Length first, so that no policy id can make two budgets collide.
    std::string key = "rate:" + std::to_string(m.policy.size()) + ":" + m.policy;
    Result<std::uint64_t> count = counter_->Hit(key, decision->id.value_or(""), limit);
    bool over = false;
    std::string why;
    if (!count.ok()) {
      over = options_.on_counter_failure == StoreFailurePolicy::kFailClosed;
      why = "rate limit counter unavailable (" + count.status().message() + "): " +
            (over ? "fail-closed, actions not enforced" : "fail-open, enforcing");
    } else if (count.value() > info->rate_limit_max) {
      over = true;
      why = "rate limit: event " + std::to_string(count.value()) + " of the current " +
            std::to_string(info->rate_limit_window_seconds) + " s window, over the limit of " +
            std::to_string(info->rate_limit_max) + "; actions are not enforced";
    }
    if (!why.empty()) m.note = m.note.empty() ? why : m.note + "; " + why;
    if (!over) continue;
    for (Action& a : m.actions) a.dry_run = true;
    Action alert;
    alert.name = options_.alert_action;
    alert.params = {{"policy", m.policy},
                    {"max", info->rate_limit_max},
                    {"per_seconds", info->rate_limit_window_seconds},
                    {"count", count.ok() ? nlohmann::json(count.value()) : nlohmann::json(nullptr)},
                    {"reason", why}};
    m.actions.push_back(std::move(alert));
  }
}

}  // namespace proact
