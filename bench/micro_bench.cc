// Google Benchmark suite for the hot components. Run:
//   build/release/bench/proact_micro_bench
// Figures for the whole pipeline come from `proact bench`
// (docs/performance.md); these isolate its parts.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "program/api_access.h"
#include "match/event_reader.h"
#include "match/matcher.h"
#include "match/scratch.h"
#include "proact/engine.h"
#include "proact/policy_set.h"
#include "program/program.h"

namespace proact {
namespace {

// A CloudTrail-in-EventBridge event of about 1.2 KB, shaped like the W1-W3
// workloads (and the shared corpus).
const char kEvent[] = R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"123456789012","time":"2024-03-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2024-03-01T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2.15.0","requestParameters":{"bucketName":"logs","acl":[""],"Host":"logs.s3.amazonaws.com"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","bytesTransferredIn":0,"bytesTransferredOut":0},"requestID":"EXAMPLE123","eventID":"f2a0d8c9-6b3e-4a11-9a8c-0f1f2e3d4c5b","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}})";

// n exact-value patterns in the W1 shape: source + eventName + account.
std::string Patterns(int n, bool include_match) {
  std::string json = "[";
  for (int i = 0; i < n; ++i) {
    if (i) json += ",";
    json += R"({"source":["aws.s3"],"detail":{"eventName":["Op)" + std::to_string(i) +
            R"("]},"account":[")" + std::to_string(100000000000 + i) + "\"]}";
  }
  if (include_match) json += R"(,{"detail":{"eventName":["PutBucketAcl"]},"account":["123456789012"]})";
  return json + "]";
}

PolicySet Compile(int n, bool include_match) {
  return PolicySet::FromPatterns(Patterns(n, include_match)).value();
}

void BM_CompilePatterns(benchmark::State& state) {
  std::string json = Patterns(static_cast<int>(state.range(0)), false);
  for (auto _ : state) {
    Result<PolicySet> set = PolicySet::FromPatterns(json);
    benchmark::DoNotOptimize(set);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CompilePatterns)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ReadEvent(benchmark::State& state) {
  PolicySet set = Compile(static_cast<int>(state.range(0)), false);
  internal::ScratchRep scratch;
  EngineOptions options;
  std::string_view event(kEvent, sizeof(kEvent) - 1);
  for (auto _ : state) {
    Status st = internal::ReadEvent(event, false, *internal::ProgramOf(set), options, &scratch);
    benchmark::DoNotOptimize(st);
  }
  state.SetBytesProcessed(state.iterations() * event.size());
}
BENCHMARK(BM_ReadEvent)->Arg(1000)->Arg(10000);

void BM_MatchEvent(benchmark::State& state) {
  PolicySet set = Compile(static_cast<int>(state.range(0)), false);
  internal::ScratchRep scratch;
  EngineOptions options;
  (void)internal::ReadEvent(std::string_view(kEvent, sizeof(kEvent) - 1), false,
                            *internal::ProgramOf(set), options, &scratch);
  for (auto _ : state) {
    internal::MatchEvent(*internal::ProgramOf(set), &scratch);
    benchmark::DoNotOptimize(scratch.matched_policies.data());
  }
}
BENCHMARK(BM_MatchEvent)->Arg(1000)->Arg(10000);

// Times Evaluate on kEvent; an error (which would time the error path) stops
// the benchmark.
void TimeEvaluate(benchmark::State& state, const Engine& engine) {
  Scratch scratch;
  Decision decision;
  std::string_view event(kEvent, sizeof(kEvent) - 1);
  if (Status st = engine.Evaluate(event, scratch, &decision); !st.ok()) {
    state.SkipWithError(st.message().c_str());
    return;
  }
  for (auto _ : state) {
    Status st = engine.Evaluate(event, scratch, &decision);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Evaluate(benchmark::State& state) {
  TimeEvaluate(state, Engine(Compile(static_cast<int>(state.range(0)), false)));
}
BENCHMARK(BM_Evaluate)->Arg(1000)->Arg(10000);

// Without the envelope check (EngineOptions::raw_events): against
// BM_Evaluate, what requiring string source and detail-type costs.
void BM_EvaluateRawEvents(benchmark::State& state) {
  EngineOptions options;
  options.raw_events = true;
  TimeEvaluate(state, Engine(Compile(static_cast<int>(state.range(0)), false), options));
}
BENCHMARK(BM_EvaluateRawEvents)->Arg(1000)->Arg(10000);

void BM_EvaluateValidated(benchmark::State& state) {
  EngineOptions options;
  options.validate_json = true;
  TimeEvaluate(state, Engine(Compile(1000, false), options));
}
BENCHMARK(BM_EvaluateValidated);

void BM_EvaluateMatchRendering(benchmark::State& state) {
  Engine engine(PolicySet::FromString(R"(
policies:
  - id: acl
    match: {detail: {eventName: [PutBucketAcl]}}
    actions:
      - action: s3.make_private
        params:
          bucket: "{{ detail.requestParameters.bucketName }}"
          who: "{{ detail.userIdentity.arn }}"
          text: "bucket {{ detail.requestParameters.bucketName }} in {{ region }}"
)").value());
  TimeEvaluate(state, engine);
}
BENCHMARK(BM_EvaluateMatchRendering);

void BM_WildcardMatch(benchmark::State& state) {
  internal::Wildcard w{{"arn:aws:iam::", ":user/", "-admin"}};
  std::string s = "arn:aws:iam::123456789012:user/platform-team-admin";
  for (auto _ : state) benchmark::DoNotOptimize(internal::WildcardMatch(w, s));
}
BENCHMARK(BM_WildcardMatch);

void BM_ValueIndexFind(benchmark::State& state) {
  internal::ValueIndex index;
  for (int i = 0; i < 10000; ++i) {
    index.Add(1, internal::ValueKind::kString, "arn:aws:iam::123456789012:user/u" + std::to_string(i), i);
  }
  index.Build();
  std::string hit = "arn:aws:iam::123456789012:user/u4242";
  std::string miss = "arn:aws:iam::123456789012:user/nobody";
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.Find(1, internal::ValueKind::kString, hit));
    benchmark::DoNotOptimize(index.Find(1, internal::ValueKind::kString, miss));
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_ValueIndexFind);

}  // namespace
}  // namespace proact

BENCHMARK_MAIN();
