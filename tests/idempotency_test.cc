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

namespace proact {
namespace {

using namespace std::chrono_literals;

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

// A redis-server on a free loopback port for the life of the test.
class RedisServer {
 public:
  RedisServer() {
    port_ = 20000 + static_cast<int>(getpid() % 20000);
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      auto store = Store();
      if (store->TryClaim("ping", 10ms).ok()) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL("redis-server did not start on port " << port_ << " (is it installed?)");
  }
  ~RedisServer() { Stop(); }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  int port() const { return port_; }
  std::unique_ptr<IdempotencyStore> Store() const {
    RedisOptions o;
    o.port = port_;
    o.key_prefix = "test:";
    return NewRedisIdempotencyStore(o);
  }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

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

Decision OneMatch(const char* policy) {
  Decision d;
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
  for (int i = 0; i < 2; ++i) {
    RedisOptions ro;
    ro.port = server.port();
    ro.key_prefix = "rl-test:";
    counters.push_back(NewRedisRateCounter(ro));
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

}  // namespace
}  // namespace proact
