// The in-memory idempotency store, and what every store shares.
#include <mutex>
#include <random>
#include <unordered_map>

#include "proact/export.h"
#include "proact/idempotency.h"

namespace proact {

std::string IdempotencyKey(std::string_view policy, std::string_view event_id, int action_index,
                           std::string_view action) {
  // Lengths first, so that no choice of ids can make two keys collide.
  return "idem:" + std::to_string(policy.size()) + ":" + std::string(policy) + ":" +
         std::to_string(event_id.size()) + ":" + std::string(event_id) + ":" +
         std::to_string(action_index) + ":" + std::string(action);
}

namespace internal {
PROACT_EXPORT std::string NewClaimToken() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::to_string(rng()) + "-" + std::to_string(rng());
}
}  // namespace internal

namespace {

class MemoryStore : public IdempotencyStore {
 public:
  using Clock = std::chrono::steady_clock;
  explicit MemoryStore(std::function<Clock::time_point()> now)
      : now_(now ? std::move(now) : [] { return Clock::now(); }) {}

  Result<Claim> TryClaim(std::string_view key, std::chrono::milliseconds ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    Clock::time_point now = now_();
    auto it = entries_.find(std::string(key));
    if (it != entries_.end() && it->second.expires > now) {
      return Claim{it->second.done ? ClaimState::kAlreadyDone : ClaimState::kInFlight, ""};
    }
    if (entries_.size() > 100000) Sweep(now);
    std::string token = internal::NewClaimToken();
    entries_[std::string(key)] = Entry{false, token, now + ttl};
    return Claim{ClaimState::kClaimed, token};
  }

  Status Complete(std::string_view key, std::string_view token,
                  std::chrono::milliseconds done_ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(std::string(key));
    if (it == entries_.end() || it->second.token != token) {
      return Status(StatusCode::kNotFound, "claim on '" + std::string(key) + "' was lost");
    }
    it->second.done = true;
    it->second.expires = now_() + done_ttl;
    return Status::Ok();
  }

  Status Release(std::string_view key, std::string_view token) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(std::string(key));
    if (it != entries_.end() && it->second.token == token && !it->second.done) entries_.erase(it);
    return Status::Ok();
  }

 private:
  struct Entry {
    bool done;
    std::string token;
    Clock::time_point expires;
  };

  void Sweep(Clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    }
  }

  std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace

std::unique_ptr<IdempotencyStore> NewMemoryIdempotencyStore(
    std::function<std::chrono::steady_clock::time_point()> now) {
  return std::make_unique<MemoryStore>(std::move(now));
}

GateDecision Gate(IdempotencyStore& store, std::string_view key,
                  std::chrono::milliseconds in_flight_ttl, StoreFailurePolicy policy) {
  GateDecision d;
  Result<Claim> claim = store.TryClaim(key, in_flight_ttl);
  if (!claim.ok()) {
    d.execute = policy == StoreFailurePolicy::kFailOpen;
    d.reason = std::string("idempotency store unavailable (") + claim.status().message() + "): " +
               (d.execute ? "fail-open, running without a claim" : "fail-closed, not running");
    return d;
  }
  d.state = claim.value().state;
  d.token = claim.value().token;
  d.execute = d.state == ClaimState::kClaimed;
  if (d.state == ClaimState::kInFlight) d.reason = "duplicate delivery: already in flight";
  if (d.state == ClaimState::kAlreadyDone) d.reason = "duplicate delivery: already done";
  return d;
}

}  // namespace proact
