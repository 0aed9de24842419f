// Steady-state evaluation of events that match nothing allocates no heap
// memory. A separate executable: it replaces the global operator new to count
// allocations. Real events from the shared corpus and a generated workload
// shape are evaluated once to warm the scratch, then again while counting.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "proact/normalizer.h"
#include "test_util.h"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) ++g_allocations;
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace proact {
namespace {

long CountAllocations(const Engine& engine, const std::vector<std::string>& events,
                      bool padded) {
  Scratch scratch;
  Decision decision;
  // Warm up: the scratch and decision grow to their working size.
  for (int round = 0; round < 2; ++round) {
    for (const std::string& e : events) {
      REQUIRE(engine.Evaluate(e, scratch, &decision).ok());
      REQUIRE(decision.matches.empty());
    }
  }
  g_allocations = 0;
  g_counting = true;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& e : events) {
      Status st = padded ? engine.EvaluatePadded(std::string_view(e.data(), e.size() - kEventPadding), scratch, &decision)
                         : engine.Evaluate(e, scratch, &decision);
      (void)st;
    }
  }
  g_counting = false;
  return g_allocations.load();
}

TEST_CASE("no heap allocation per event in steady state for non-matching events") {
  // Exact, prefix, anything-but, numeric, wildcard, cidr, regex and local-time policies,
  // on fields the corpus events have, tuned to match none of them.
  PolicySet set = testing::MustCompile(R"(
policies:
  - id: exact
    match: {source: [aws.nothing], detail: {eventName: [NoSuchCall, Other]}}
  - id: pair
    match: {source: [aws.s3], account: ["000000000000"], detail: {eventName: [CreateBucket]}}
  - id: prefix
    match: {detail: {eventName: [{prefix: Zzz}]}}
  - id: anything-but
    match: {source: [aws.s3], detail: {eventName: [{anything-but: [CreateBucket, PutBucketAcl]}]}, region: [mars-1]}
  - id: numeric
    match: {detail: {severity: [{numeric: [">", 1000]}]}}
  - id: wildcard
    match: {detail: {userIdentity: {arn: [{wildcard: "arn:aws:iam::*:user/nobody-*"}]}}}
  - id: cidr
    match: {detail: {sourceIPAddress: [{cidr: "192.0.2.0/24"}]}}
  - id: regex
    match: {detail: {userAgent: [{regex: "^never-[0-9]+$"}]}}
  - id: exists
    match: {detail: {nonexistent: [{exists: true}]}}
  - id: local-time
    match: {time: [{local-time: {zone: Antarctica/Troll, days: [mon], between: ["03:00", "03:01"]}}]}
  - id: local-time-not-a-timestamp
    match: {detail: {eventName: [{local-time: {zone: America/New_York, days: [sun]}}]}}
)");
  Engine engine(set);
  std::vector<std::string> events;
  for (const char* name : {"eventbridge.cloudtrail-s3-createBucket.custodian.json",
                           "eventbridge.ec2-instance-state-change.custodian.json",
                           "eventbridge.guardduty-finding-iam-accesskey.custodian.json",
                           "eventbridge.cloudtrail-route53-big.event-ruler.json"}) {
    std::string path = std::string(PROACT_TESTDATA_DIR) + "/corpus/aws/" + name;
    nlohmann::json j = nlohmann::json::parse(testing::ReadFile(path));
    events.push_back(j.dump());
  }
  CHECK(CountAllocations(engine, events, false) == 0);
  for (std::string& e : events) e.append(kEventPadding, ' ');
  CHECK(CountAllocations(engine, events, true) == 0);
}

// The normalizer's fast path, then the engine, as a host runs them: one
// NormalizeResult reused per thread.
TEST_CASE("no heap allocation per payload in steady state when normalizing and evaluating") {
  PolicySet set = testing::MustCompile(R"(
policies:
  - id: exact
    match: {source: [aws.nothing], detail: {eventName: [NoSuchCall, Other]}}
)");
  Engine engine(set);
  Normalizer normalizer;
  std::vector<std::string> payloads;
  std::string dir = std::string(PROACT_TESTDATA_DIR) + "/corpus/aws/";
  for (const char* name : {"eventbridge.cloudtrail-s3-createBucket.custodian.json",
                           "eventbridge.guardduty-finding-iam-accesskey.custodian.json"}) {
    nlohmann::json envelope = nlohmann::json::parse(testing::ReadFile(dir + name));
    payloads.push_back(envelope.dump());  // EventBridge envelope
    nlohmann::json sns = {{"Type", "Notification"}, {"Message", envelope.dump()}};
    nlohmann::json sqs = {{"Records",
                           {{{"messageId", "m-1"}, {"eventSource", "aws:sqs"}, {"body", envelope.dump()}},
                            {{"messageId", "m-2"}, {"eventSource", "aws:sqs"}, {"body", sns.dump()}}}}};
    payloads.push_back(sqs.dump());  // SQS, and SNS in SQS
  }
  // A CloudTrail log file and a bare record.
  nlohmann::json log = nlohmann::json::parse(
      testing::ReadFile(dir + "cloudtrail-logfile.iam-createuser.awsdocs.json"));
  payloads.push_back(log.dump());
  payloads.push_back(log["Records"][0].dump());
  NormalizeResult result;
  Scratch scratch;
  Decision decision;
  auto run = [&] {
    for (const std::string& p : payloads) {
      normalizer.Normalize(p, {}, &result);
      for (const NormalizedEvent& e : result.events) (void)engine.Evaluate(e.json, scratch, &decision);
    }
  };
  run();
  run();
  for (const std::string& p : payloads) {
    normalizer.Normalize(p, {}, &result);
    INFO(p.substr(0, 120));
    REQUIRE(result.errors.empty());
    REQUIRE_FALSE(result.events.empty());
    for (const NormalizedEvent& e : result.events) {
      REQUIRE(engine.Evaluate(e.json, scratch, &decision).ok());
      REQUIRE(decision.matches.empty());
    }
  }
  g_allocations = 0;
  g_counting = true;
  for (int round = 0; round < 3; ++round) run();
  g_counting = false;
  CHECK(g_allocations.load() == 0);

  // The same payloads through Engine::NormalizeAndEvaluate (envelopes read
  // once), as the hosts and `proact eval` run them.
  std::vector<Decision> decisions;
  std::vector<Status> statuses;
  auto once = [&] {
    for (const std::string& p : payloads) {
      engine.NormalizeAndEvaluate(normalizer, p, {}, scratch, &result, &decisions, &statuses);
    }
  };
  once();
  once();
  for (const std::string& p : payloads) {
    engine.NormalizeAndEvaluate(normalizer, p, {}, scratch, &result, &decisions, &statuses);
    INFO(p.substr(0, 120));
    REQUIRE_FALSE(result.events.empty());
    for (std::size_t i = 0; i < result.events.size(); ++i) {
      REQUIRE(statuses[i].ok());
      REQUIRE(decisions[i].matches.empty());
    }
  }
  g_allocations = 0;
  g_counting = true;
  for (int round = 0; round < 3; ++round) once();
  g_counting = false;
  CHECK(g_allocations.load() == 0);
}

TEST_CASE("the counter sees allocations (the test can fail)") {
  g_allocations = 0;
  g_counting = true;
  std::string* s = new std::string(100, 'x');
  g_counting = false;
  delete s;
  CHECK(g_allocations.load() >= 1);
}

}  // namespace
}  // namespace proact
