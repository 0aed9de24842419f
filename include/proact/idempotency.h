// Idempotency: run each remediation once, although every serverless event
// source delivers at least once.
//
// An action is identified by (policy id, event id, action index and name).
// Before running it a host claims that key: the first claim wins and marks
// the key "in flight" for a time-to-live; a duplicate delivery finds it in
// flight or done and does not run the action again. On success the host
// marks the key done (kept for a second TTL); on failure it releases the
// claim so a retry can run. A host that crashes between claim and completion
// leaves an in-flight marker that expires after its TTL: the action can then
// be claimed again.
//
// Stores: in memory (one process; the default) and Redis (SET NX PX with
// per-claim tokens), so that many Lambda or Cloud Run instances share it.
// When the store cannot be reached, Gate() applies the configured failure
// policy and says so: fail closed (do not run; report) or fail open (run;
// report).
//
// Thread-safety: stores are safe to use from many threads.
#ifndef PROACT_IDEMPOTENCY_H_
#define PROACT_IDEMPOTENCY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proact/export.h"
#include "proact/status.h"

namespace proact {

enum class ClaimState {
  kClaimed,      // this caller runs the action
  kInFlight,     // another delivery claimed it and has not finished
  kAlreadyDone,  // it ran already
};

struct Claim {
  ClaimState state = ClaimState::kClaimed;
  std::string token;  // proves ownership to Complete / Release (kClaimed only)
};

class PROACT_EXPORT IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // Claims `key` for `in_flight_ttl`. Returns the claim, or kIoError when
  // the store cannot be reached.
  virtual Result<Claim> TryClaim(std::string_view key,
                                 std::chrono::milliseconds in_flight_ttl) = 0;
  // Marks a claimed key done for `done_ttl`. kNotFound when the claim was
  // lost (expired and taken by another caller).
  virtual Status Complete(std::string_view key, std::string_view token,
                          std::chrono::milliseconds done_ttl) = 0;
  // Gives a claim back after a failure, so that a retry may run.
  virtual Status Release(std::string_view key, std::string_view token) = 0;
};

// The key of one action of one policy for one event.
PROACT_EXPORT std::string IdempotencyKey(std::string_view policy, std::string_view event_id,
                                         int action_index, std::string_view action);

// In-memory store. `now` gives the time (tests pass a fake clock).
PROACT_EXPORT std::unique_ptr<IdempotencyStore> NewMemoryIdempotencyStore(
    std::function<std::chrono::steady_clock::time_point()> now = nullptr);

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::chrono::milliseconds timeout{200};  // connect and command timeout
  std::string key_prefix = "proact:";
};

// Redis store (hiredis). Connects lazily and reconnects after errors.
PROACT_EXPORT std::unique_ptr<IdempotencyStore> NewRedisIdempotencyStore(RedisOptions options);

enum class StoreFailurePolicy { kFailClosed, kFailOpen };

struct GateDecision {
  bool execute = false;  // run the action now
  ClaimState state = ClaimState::kClaimed;
  std::string token;     // for Complete / Release when execute
  std::string reason;    // why not, or why despite a store failure
};

// Claims `key` and decides whether to run the action, applying `policy`
// when the store fails.
PROACT_EXPORT GateDecision Gate(IdempotencyStore& store, std::string_view key,
                                std::chrono::milliseconds in_flight_ttl,
                                StoreFailurePolicy policy);

// Configuration from the environment, for hosts and adapters (in the
// proact::redis library):
//   PROACT_IDEMPOTENCY             memory (default) | redis://HOST:PORT
//   PROACT_IDEMPOTENCY_ON_FAILURE  closed (default) | open
// kInvalidArgument names the variable and the value it could not read.
//
// Durability: a done marker lost by the store (Redis restarted without
// persistence, a failover to a replica that had not received it) lets a
// redelivery run the action again. docs/adapters.md says what persistence
// Redis needs.
struct IdempotencyConfig {
  std::unique_ptr<IdempotencyStore> store;
  StoreFailurePolicy on_failure = StoreFailurePolicy::kFailClosed;
  std::string description;  // e.g. "redis://127.0.0.1:6379, fail-closed"
  // The server, when the store is Redis: hosts share rate limits through
  // it too (NewRedisRateCounter in proact/guard.h).
  std::optional<RedisOptions> redis;
};
PROACT_EXPORT Result<IdempotencyConfig> IdempotencyFromEnvironment();

}  // namespace proact

#endif  // PROACT_IDEMPOTENCY_H_
