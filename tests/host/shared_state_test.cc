// Shared state between host instances, against a real redis-server on
// loopback: rate limits configured from the environment are shared by every
// Host on the same store and count each event once however often it is
// delivered; the claim TTL is read from the environment and must outlive
// the action timeout.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../redis_server.h"
#include "proact/host.h"

namespace proact {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

// The environment one test sets, cleared again when it ends.
class Env {
 public:
  ~Env() {
    for (const std::string& name : names_) unsetenv(name.c_str());
  }
  void Set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    names_.push_back(name);
  }

 private:
  std::vector<std::string> names_;
};

// A policy file with one rate-limited policy whose action is `fix`.
std::string WriteRules(const std::string& name, int max, int per_seconds) {
  std::string path =
      (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".yaml")).string();
  std::ofstream(path) << "policies:\n"
                         "  - id: limited\n"
                         "    match: {source: [test.app]}\n"
                         "    rate_limit: {max: "
                      << max << ", per_seconds: " << per_seconds
                      << "}\n"
                         "    actions:\n"
                         "      - action: fix\n";
  return path;
}

// Decision logs would drown the test's own output.
const bool kQuiet = [] {
  LoggingOptions quiet;
  quiet.level = LogLevel::kError;
  ConfigureLogging(quiet);
  return true;
}();

std::string Event(const std::string& id) {
  return nlohmann::json{{"version", "0"},
                        {"id", id},
                        {"detail-type", "Test"},
                        {"source", "test.app"},
                        {"account", "123456789012"},
                        {"time", "2024-01-01T00:00:00Z"},
                        {"region", "us-east-1"},
                        {"resources", nlohmann::json::array()},
                        {"detail", nlohmann::json::object()}}
      .dump();
}

// A host from the environment whose `fix` action adds to `runs` (and fails
// retryably while `fail` is set).
std::unique_ptr<Host> MakeHost(std::atomic<int>* runs, std::atomic<bool>* fail = nullptr) {
  Result<HostOptions> options = HostOptionsFromEnvironment("unused");
  REQUIRE_MESSAGE(options.ok(), options.status().message());
  Result<std::unique_ptr<Host>> host = Host::Create(std::move(options.value()));
  REQUIRE_MESSAGE(host.ok(), host.status().message());
  host.value()->dispatcher().Register("fix", [runs, fail](const ActionContext&) {
    if (fail != nullptr && fail->load()) return ActionResult::Retryable("receiver down");
    ++*runs;
    return ActionResult::Ok();
  });
  return std::move(host.value());
}

// The outcome of the `fix` action for one delivery.
std::string Deliver(Host& host, const std::string& id) {
  ProcessResult r = host.Process(Event(id), {}, RequestInfo{});
  REQUIRE(r.events.size() == 1);
  for (const ActionReport& a : r.events[0].dispatch.actions) {
    if (a.action == "fix") return std::string(OutcomeName(a.outcome));
  }
  return "none";
}

// Fixed windows start at multiples of their length: keep clear of a
// boundary so that a run does not straddle two windows.
void AwayFromWindowEdge(int per_seconds) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
  if (secs % per_seconds > per_seconds - 15) std::this_thread::sleep_for(std::chrono::seconds(16));
}

TEST_CASE("rate_limit 5 per 600 s across two hosts sharing Redis: exactly 5 executed in total") {
  RedisServer server;
  Env env;
  env.Set("PROACT_IDEMPOTENCY", server.Url());
  env.Set("PROACT_RULES", WriteRules("shared-limit", 5, 600));
  std::atomic<int> runs{0};
  std::unique_ptr<Host> hosts[2] = {MakeHost(&runs), MakeHost(&runs)};
  CHECK(hosts[0]->options().state_description.find("rate limits shared") != std::string::npos);
  AwayFromWindowEdge(600);
  // Two threads per host, 20 distinct events in all, delivered at once.
  std::atomic<int> executed{0}, dry_run{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string outcome = Deliver(*hosts[t % 2], "distinct-" + std::to_string(t) + "-" + std::to_string(i));
        if (outcome == "succeeded") ++executed;
        if (outcome == "dry_run") ++dry_run;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(runs.load() == 5);
  CHECK(executed.load() == 5);
  CHECK(dry_run.load() == 15);
}

TEST_CASE("one event delivered 6 times to two hosts consumes the budget once, and the next event runs") {
  RedisServer server;
  Env env;
  env.Set("PROACT_IDEMPOTENCY", server.Url());
  env.Set("PROACT_RULES", WriteRules("redelivered", 2, 600));
  std::atomic<int> runs{0};
  std::atomic<bool> fail{false};
  std::unique_ptr<Host> a = MakeHost(&runs, &fail), b = MakeHost(&runs, &fail);
  AwayFromWindowEdge(600);
  CHECK(Deliver(*a, "evt-1") == "succeeded");
  for (int i = 0; i < 5; ++i) CHECK(Deliver(i % 2 ? *a : *b, "evt-1") == "skipped");  // already done
  CHECK(Deliver(*b, "evt-2") == "succeeded");   // the budget of 2 was used once by evt-1
  CHECK(runs.load() == 2);
  CHECK(Deliver(*a, "evt-3") == "dry_run");    // now over the limit
  CHECK(Deliver(*b, "evt-3") == "dry_run");    // and still, when redelivered
  CHECK(Deliver(*a, "evt-2") == "skipped");    // an admitted event is not refused on redelivery
  CHECK(runs.load() == 2);
}

TEST_CASE("a failed action's retry runs even when the budget has since been used") {
  RedisServer server;
  Env env;
  env.Set("PROACT_IDEMPOTENCY", server.Url());
  env.Set("PROACT_RULES", WriteRules("retry", 1, 600));
  std::atomic<int> runs{0};
  std::atomic<bool> fail{true};
  std::unique_ptr<Host> a = MakeHost(&runs, &fail), b = MakeHost(&runs, &fail);
  AwayFromWindowEdge(600);
  CHECK(Deliver(*a, "evt-1") == "failed");     // admitted; the receiver is down
  fail = false;
  CHECK(Deliver(*b, "evt-2") == "dry_run");    // the budget of 1 belongs to evt-1
  CHECK(Deliver(*b, "evt-1") == "succeeded");   // its redelivery runs
  CHECK(runs.load() == 1);
}

TEST_CASE("claim TTL: read from PROACT_CLAIM_TTL_MS and checked against the action timeout") {
  Env env;
  env.Set("PROACT_RULES", WriteRules("claim-ttl", 5, 600));
  env.Set("PROACT_IDEMPOTENCY", "memory");
  env.Set("PROACT_ACTION_TIMEOUT_MS", "10000");
  env.Set("PROACT_CLAIM_TTL_MS", "12000");  // not more than 10000 + the 2000 ms margin
  Result<HostOptions> bad = HostOptionsFromEnvironment("unused");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message() ==
        "claim TTL PROACT_CLAIM_TTL_MS=12000 must be longer than the action timeout "
        "PROACT_ACTION_TIMEOUT_MS=10000 plus a margin of 2000 ms (more than 12000 ms): otherwise a "
        "claim can expire while its action still runs, and a redelivery runs it a second time at once");

  env.Set("PROACT_CLAIM_TTL_MS", "12001");
  Result<HostOptions> good = HostOptionsFromEnvironment("unused");
  REQUIRE_MESSAGE(good.ok(), good.status().message());
  CHECK(good.value().dispatch.in_flight_ttl == 12001ms);

  // Hosts built in code are checked too.
  good.value().dispatch.action_timeout = 20000ms;
  Result<std::unique_ptr<Host>> host = Host::Create(std::move(good.value()));
  REQUIRE_FALSE(host.ok());
  CHECK(host.status().message().find("claim TTL PROACT_CLAIM_TTL_MS=12001 must be longer than the action timeout "
                                     "PROACT_ACTION_TIMEOUT_MS=20000") == 0);

  // The default claim TTL (5 minutes) against a longer action timeout.
  unsetenv("PROACT_CLAIM_TTL_MS");
  env.Set("PROACT_ACTION_TIMEOUT_MS", "600000");
  CHECK(HostOptionsFromEnvironment("unused").status().message().find("claim TTL PROACT_CLAIM_TTL_MS=300000 must be") == 0);

  // No action timeout: no claim TTL is long enough.
  env.Set("PROACT_ACTION_TIMEOUT_MS", "0");
  CHECK(HostOptionsFromEnvironment("unused").status().message().find("PROACT_ACTION_TIMEOUT_MS is 0") == 0);

  // Without an idempotency store there is no claim to check.
  unsetenv("PROACT_IDEMPOTENCY");
  CHECK(HostOptionsFromEnvironment("unused").ok());

  for (const char* v : {"0", "-5", "abc", "86400001"}) {
    env.Set("PROACT_CLAIM_TTL_MS", v);
    Result<HostOptions> r = HostOptionsFromEnvironment("unused");
    CHECK_MESSAGE(r.status().message() == std::string("PROACT_CLAIM_TTL_MS must be a number of milliseconds "
                                                      "(1..86400000), not '") + v + "'", v);
  }
}

}  // namespace
}  // namespace proact
