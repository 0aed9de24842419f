// Idempotency stores: in memory, and against a real redis-server started by
// the test on a loopback port (threads, processes, crash recovery, Redis
// down with both failure policies).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "proact/engine.h"
#include "proact/guard.h"
#include "proact/idempotency.h"
#include "redis_server.h"

namespace proact {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

TEST_CASE("memory store: claim, duplicate, complete, release, expiry") {
  auto now = std::chrono::steady_clock::time_point{};
  auto store = NewMemoryIdempotencyStore([&] { return now; });
  std::string key = IdempotencyKey("p", "event-1", 0, "s3.block");
  Result<Claim> first = store->TryClaim(key, 1000ms);
  REQUIRE(first.ok());
  CHECK(first.value().state == ClaimState::kClaimed);
  CHECK(store->TryClaim(key, 1000ms).value().state == ClaimState::kInFlight);
  REQUIRE(store->Complete(key, first.value().token, 60000ms).ok());
  CHECK(store->TryClaim(key, 1000ms).value().state == ClaimState::kAlreadyDone);
  now += 61s;  // done marker expired
  CHECK(store->TryClaim(key, 1000ms).value().state == ClaimState::kClaimed);

  std::string other = IdempotencyKey("p", "event-2", 0, "s3.block");
  Result<Claim> c = store->TryClaim(other, 1000ms);
  REQUIRE(store->Release(other, c.value().token).ok());  // failed: a retry may run
  CHECK(store->TryClaim(other, 1000ms).value().state == ClaimState::kClaimed);
  // A crash between claim and completion: the claim expires.
  std::string crashed = IdempotencyKey("p", "event-3", 1, "notify");
  REQUIRE(store->TryClaim(crashed, 500ms).value().state == ClaimState::kClaimed);
  now += 400ms;
  CHECK(store->TryClaim(crashed, 500ms).value().state == ClaimState::kInFlight);
  now += 200ms;
  Result<Claim> again = store->TryClaim(crashed, 500ms);
  CHECK(again.value().state == ClaimState::kClaimed);
  // The lost claim cannot complete over the new one.
  CHECK(store->Complete(crashed, "stale-token", 1000ms).code() == StatusCode::kNotFound);
  // Keys cannot collide through separators in ids.
  CHECK(IdempotencyKey("a:b", "c", 0, "x") != IdempotencyKey("a", "b:c", 0, "x"));
}

TEST_CASE("redis store: the same semantics as in memory, over a real server") {
  RedisServer server;
  auto store = server.Store();
  std::string key = IdempotencyKey("p", "e-1", 0, "a");
  Result<Claim> first = store->TryClaim(key, 2000ms);
  REQUIRE(first.ok());
  CHECK(first.value().state == ClaimState::kClaimed);
  CHECK(store->TryClaim(key, 2000ms).value().state == ClaimState::kInFlight);
  REQUIRE(store->Complete(key, first.value().token, 60000ms).ok());
  CHECK(store->TryClaim(key, 2000ms).value().state == ClaimState::kAlreadyDone);
  CHECK(store->Complete(key, "not-mine", 1000ms).code() == StatusCode::kNotFound);

  std::string failed = IdempotencyKey("p", "e-2", 0, "a");
  Result<Claim> c = store->TryClaim(failed, 2000ms);
  REQUIRE(store->Release(failed, c.value().token).ok());
  CHECK(store->TryClaim(failed, 2000ms).value().state == ClaimState::kClaimed);

  // Crash between claim and completion: recovered after the TTL.
  std::string crashed = IdempotencyKey("p", "e-3", 0, "a");
  REQUIRE(store->TryClaim(crashed, 150ms).value().state == ClaimState::kClaimed);
  CHECK(store->TryClaim(crashed, 150ms).value().state == ClaimState::kInFlight);
  std::this_thread::sleep_for(300ms);
  CHECK(store->TryClaim(crashed, 150ms).value().state == ClaimState::kClaimed);
}

TEST_CASE("redis store: concurrent duplicate deliveries run each action once (threads and processes)") {
  RedisServer server;
  constexpr int kKeys = 40;
  // Threads, each with its own connection, as concurrent invocations.
  std::map<int, std::atomic<int>> runs;
  for (int k = 0; k < kKeys; ++k) runs[k] = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto store = server.Store();
      for (int k = 0; k < kKeys; ++k) {
        std::string key = IdempotencyKey("threads", "event-" + std::to_string(k), 0, "a");
        GateDecision g = Gate(*store, key, 5000ms, StoreFailurePolicy::kFailClosed);
        if (!g.execute) continue;
        ++runs[k];
        (void)store->Complete(key, g.token, 60000ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& [k, n] : runs) CHECK_MESSAGE(n.load() == 1, "key " << k);

  // Processes, as separate Lambda instances.
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      auto store = server.Store();
      for (int k = 0; k < kKeys; ++k) {
        std::string key = IdempotencyKey("processes", "event-" + std::to_string(k), 0, "a");
        GateDecision g = Gate(*store, key, 5000ms, StoreFailurePolicy::kFailClosed);
        if (!g.execute) continue;
        unsigned char byte = static_cast<unsigned char>(k);
        if (write(fds[1], &byte, 1) != 1) _exit(2);
        (void)store->Complete(key, g.token, 60000ms);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  close(fds[1]);
  std::map<int, int> executed;
  unsigned char byte;
  while (read(fds[0], &byte, 1) == 1) ++executed[byte];
  close(fds[0]);
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(executed.size() == kKeys);
  for (auto& [k, n] : executed) CHECK_MESSAGE(n == 1, "key " << k);
}

TEST_CASE("redis down: the failure policy is applied and reported, never a crash") {
  RedisServer server;
  auto store = server.Store();
  std::string key = IdempotencyKey("p", "e", 0, "a");
  REQUIRE(store->TryClaim(key, 1000ms).ok());
  server.Stop();
  Result<Claim> down = store->TryClaim(key, 1000ms);
  CHECK_FALSE(down.ok());
  CHECK(down.status().code() == StatusCode::kIoError);
  CHECK(down.status().message().find("redis at 127.0.0.1:") == 0);
  GateDecision closed = Gate(*store, key, 1000ms, StoreFailurePolicy::kFailClosed);
  CHECK_FALSE(closed.execute);
  CHECK(closed.reason.find("fail-closed, not running") != std::string::npos);
  GateDecision open = Gate(*store, key, 1000ms, StoreFailurePolicy::kFailOpen);
  CHECK(open.execute);
  CHECK(open.reason.find("fail-open") != std::string::npos);
  CHECK_FALSE(store->Complete(key, "t", 1000ms).ok());
  CHECK_FALSE(store->Release(key, "t").ok());
}

TEST_CASE("configuration from the environment") {
  RedisServer server;
  unsetenv("PROACT_IDEMPOTENCY");
  unsetenv("PROACT_IDEMPOTENCY_ON_FAILURE");
  Result<IdempotencyConfig> memory = IdempotencyFromEnvironment();
  REQUIRE(memory.ok());
  CHECK(memory.value().description == "memory, fail-closed");
  std::string url = "redis://127.0.0.1:" + std::to_string(server.port());
  setenv("PROACT_IDEMPOTENCY", url.c_str(), 1);
  setenv("PROACT_IDEMPOTENCY_ON_FAILURE", "open", 1);
  Result<IdempotencyConfig> redis = IdempotencyFromEnvironment();
  REQUIRE(redis.ok());
  CHECK(redis.value().on_failure == StoreFailurePolicy::kFailOpen);
  CHECK(redis.value().store->TryClaim("env-key", 1000ms).value().state == ClaimState::kClaimed);
  RedisOptions same;
  same.port = server.port();  // default key prefix, as the environment's store
  CHECK(NewRedisIdempotencyStore(same)->TryClaim("env-key", 1000ms).value().state == ClaimState::kInFlight);
  setenv("PROACT_IDEMPOTENCY", "dynamo://x", 1);
  CHECK(IdempotencyFromEnvironment().status().message().find("PROACT_IDEMPOTENCY must be") == 0);
  setenv("PROACT_IDEMPOTENCY", "memory", 1);
  setenv("PROACT_IDEMPOTENCY_ON_FAILURE", "maybe", 1);
  CHECK(IdempotencyFromEnvironment().status().message().find("PROACT_IDEMPOTENCY_ON_FAILURE") == 0);
  unsetenv("PROACT_IDEMPOTENCY");
  unsetenv("PROACT_IDEMPOTENCY_ON_FAILURE");
}

Decision OneMatch(const char* policy, const char* event_id = nullptr) {
  Decision d;
  if (event_id != nullptr) d.id = event_id;
  PolicyMatch m;
  m.policy = policy;
  Action a;
  a.name = "fix";
  m.actions.push_back(a);
  d.matches.push_back(m);
  return d;
}

TEST_CASE("rate limits: past the limit actions become dry-run and an alert is added") {
  PolicySet set = PolicySet::FromString(R"(
policies:
  - id: limited
    match: {source: [x]}
    rate_limit: {max: 2, per_seconds: 300}
  - id: free
    match: {source: [x]}
)").value();
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
  auto counter = NewMemoryRateCounter([&] { return now; });
  RemediationGuard guard(set, counter.get());
  for (int i = 1; i <= 3; ++i) {
    Decision d = OneMatch("limited");
    guard.Apply(&d);
    if (i <= 2) {
      CHECK_FALSE(d.matches[0].actions[0].dry_run);
      CHECK(d.matches[0].actions.size() == 1);
    } else {
      CHECK(d.matches[0].actions[0].dry_run);
      REQUIRE(d.matches[0].actions.size() == 2);
      CHECK(d.matches[0].actions[1].name == "proact.rate_limited");
      CHECK(d.matches[0].actions[1].params["count"] == 3);
      CHECK_FALSE(d.matches[0].actions[1].dry_run);
      CHECK(d.matches[0].note.find("over the limit of 2") != std::string::npos);
    }
  }
  Decision free = OneMatch("free");
  guard.Apply(&free);
  CHECK_FALSE(free.matches[0].actions[0].dry_run);
  now += std::chrono::seconds(300);  // a new window
  Decision later = OneMatch("limited");
  guard.Apply(&later);
  CHECK_FALSE(later.matches[0].actions[0].dry_run);
}

TEST_CASE("rate limits shared through Redis, and the counter-failure policy") {
  RedisServer server;
  PolicySet set = PolicySet::FromString(
      "policies:\n  - id: limited\n    match: {source: [x]}\n    rate_limit: {max: 3, per_seconds: 60}\n").value();
  // Two instances share one counter.
  auto store = server.Store();  // ensures the server is up
  (void)store;
  std::vector<std::unique_ptr<RateCounter>> counters;
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);  // one window
  for (int i = 0; i < 2; ++i) {
    RedisOptions ro;
    ro.port = server.port();
    ro.key_prefix = "rl-test:";
    counters.push_back(NewRedisRateCounter(ro, [now] { return now; }));
  }
  RemediationGuard a(set, counters[0].get()), b(set, counters[1].get());
  int enforced = 0;
  for (int i = 0; i < 6; ++i) {
    Decision d = OneMatch("limited");
    (i % 2 ? a : b).Apply(&d);
    if (!d.matches[0].actions[0].dry_run) ++enforced;
  }
  CHECK(enforced == 3);
  server.Stop();
  Decision closed = OneMatch("limited");
  a.Apply(&closed);
  CHECK(closed.matches[0].actions[0].dry_run);
  CHECK(closed.matches[0].note.find("fail-closed") != std::string::npos);
  GuardOptions open_options;
  open_options.on_counter_failure = StoreFailurePolicy::kFailOpen;
  RemediationGuard open(set, counters[1].get(), open_options);
  Decision opened = OneMatch("limited");
  open.Apply(&opened);
  CHECK_FALSE(opened.matches[0].actions[0].dry_run);
  CHECK(opened.matches[0].note.find("fail-open") != std::string::npos);
}

// The counting contract every RateCounter keeps (proact/guard.h): an
// admitted id keeps its position and counts nothing again; a refused one is
// counted on each delivery; an empty id always counts.
void CheckCountsEachEventOnce(RateCounter& counter, std::chrono::system_clock::time_point* now) {
  RateLimit limit;
  limit.max = 2;
  limit.window = 600s;
  limit.remember = 3600s;
  auto hit = [&](const char* id) { return counter.Hit("rate:1:p", id, limit).value(); };
  CHECK(hit("A") == 1);
  CHECK(hit("A") == 1);  // redelivered: the same answer, no budget
  CHECK(hit("A") == 1);
  CHECK(hit("B") == 2);
  CHECK(hit("C") == 3);  // over the limit: refused
  CHECK(hit("C") == 4);  // and still refused when delivered again
  CHECK(hit("A") == 1);  // admitted events stay admitted
  CHECK(hit("B") == 2);
  CHECK(counter.Hit("rate:1:q", "A", limit).value() == 1);  // budgets are per policy
  *now += 600s;  // the next window
  CHECK(hit("A") == 1);  // remembered across windows: its actions ran already
  CHECK(hit("D") == 1);
  CHECK(hit("E") == 2);
  CHECK(hit("F") == 3);
  CHECK(hit("") == 4);  // no id: counted every time
  CHECK(hit("") == 5);
  *now += 3600s;  // A forgotten (its done markers would be too): it counts again
  CHECK(hit("A") == 1);
  CHECK(hit("G") == 2);
}

TEST_CASE("rate counters count each event once: memory, and Redis over a real server") {
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
  auto memory = NewMemoryRateCounter([&] { return now; });
  CheckCountsEachEventOnce(*memory, &now);

  RedisServer server;
  auto redis_now = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
  auto redis = NewRedisRateCounter(server.Options("count-once:"), [&] { return redis_now; });
  RateLimit limit;
  limit.max = 2;
  limit.window = 600s;
  limit.remember = 3600s;
  // Redis expires remembered ids on its own clock: the "forgotten" step
  // is checked with a short memory below instead of the fake clock.
  auto hit = [&](RateCounter& c, const char* id, const RateLimit& l) { return c.Hit("rate:1:p", id, l).value(); };
  CHECK(hit(*redis, "A", limit) == 1);
  CHECK(hit(*redis, "A", limit) == 1);
  CHECK(hit(*redis, "B", limit) == 2);
  CHECK(hit(*redis, "C", limit) == 3);
  CHECK(hit(*redis, "C", limit) == 4);
  CHECK(hit(*redis, "A", limit) == 1);
  CHECK(hit(*redis, "B", limit) == 2);
  CHECK(redis->Hit("rate:1:q", "A", limit).value() == 1);
  redis_now += 600s;
  CHECK(hit(*redis, "A", limit) == 1);
  CHECK(hit(*redis, "D", limit) == 1);
  CHECK(hit(*redis, "E", limit) == 2);
  CHECK(hit(*redis, "F", limit) == 3);
  CHECK(hit(*redis, "", limit) == 4);
  RateLimit brief = limit;
  brief.remember = 200ms;
  redis_now += 600s;
  CHECK(hit(*redis, "H", brief) == 1);
  CHECK(hit(*redis, "H", brief) == 1);
  std::this_thread::sleep_for(400ms);
  CHECK(hit(*redis, "H", brief) == 2);  // forgotten: counted again
  // Another counter (another instance) sees the same budget.
  auto other = NewRedisRateCounter(server.Options("count-once:"), [&] { return redis_now; });
  CHECK(hit(*other, "H", brief) == 2);
  CHECK(hit(*other, "I", brief) == 3);
}

TEST_CASE("redis rate counter: concurrent instances admit exactly max events, each once") {
  RedisServer server;
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(2000);
  RateLimit limit;
  limit.max = 5;
  limit.window = 600s;
  limit.remember = 60s;
  // One event delivered to six instances at once: admitted once, at one
  // position, which every delivery gets back.
  std::atomic<int> first{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto counter = NewRedisRateCounter(server.Options("concurrent:"), [&] { return now; });
      for (int i = 0; i < 20; ++i) {
        Result<std::uint64_t> p = counter->Hit("rate:1:p", "same-event", limit);
        (p.ok() && p.value() == 1 ? first : other)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(first == 120);
  CHECK(other == 0);
  // Distinct events from four processes: exactly max - 1 more admitted.
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      auto counter = NewRedisRateCounter(server.Options("concurrent:"), [&] { return now; });
      for (int i = 0; i < 10; ++i) {
        std::string id = "event-" + std::to_string(p) + "-" + std::to_string(i);
        Result<std::uint64_t> r = counter->Hit("rate:1:p", id, limit);
        if (!r.ok()) _exit(2);
        unsigned char admitted = r.value() <= limit.max ? 1 : 0;
        if (write(fds[1], &admitted, 1) != 1) _exit(3);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  close(fds[1]);
  int admitted = 0, answers = 0;
  unsigned char byte;
  while (read(fds[0], &byte, 1) == 1) {
    ++answers;
    admitted += byte;
  }
  close(fds[0]);
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(answers == 40);
  CHECK(admitted == 4);
}

TEST_CASE("rate limits: a redelivered event consumes the budget once") {
  PolicySet set = PolicySet::FromString(
      "policies:\n  - id: limited\n    match: {source: [x]}\n    rate_limit: {max: 2, per_seconds: 300}\n").value();
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
  auto counter = NewMemoryRateCounter([&] { return now; });
  RemediationGuard guard(set, counter.get());
  auto enforced = [&](const char* id) {
    Decision d = OneMatch("limited", id);
    guard.Apply(&d);
    return !d.matches[0].actions[0].dry_run;
  };
  for (int i = 0; i < 6; ++i) CHECK(enforced("evt-1"));
  CHECK(enforced("evt-2"));   // the next distinct event still runs
  CHECK_FALSE(enforced("evt-3"));
  CHECK(enforced("evt-1"));   // a retry of an admitted event is never refused
  CHECK_FALSE(enforced("evt-3"));
}

}  // namespace
}  // namespace proact
