// Engine::EvaluateEnvelope against the two calls it stands for: on every
// corpus payload and fixture, their deliveries and the damaged envelopes a
// checked read must decline, through the shipped pack, it either declines
// or gives what Normalizer::Normalize followed by Engine::Evaluate of each
// event gives: the same normalized result and the same decision.
#include <doctest/doctest.h>

#include <filesystem>
#include <optional>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "test_util.h"

namespace proact {
namespace {

using nlohmann::json;

struct Counts {
  int payloads = 0;
  int read_once = 0;
};

// Compares the one-read path with Normalize + Evaluate on `payload`.
void Compare(const Engine& engine, const Normalizer& normalizer, const std::string& payload,
             const std::string& what, Counts* counts, const Headers& headers = {}) {
  INFO(what);
  ++counts->payloads;
  Scratch scratch;
  NormalizeResult once;
  Decision once_decision;
  bool taken =
      engine.EvaluateEnvelope(normalizer, payload, headers, scratch, &once, &once_decision);
  if (!taken) return;
  ++counts->read_once;
  NormalizeResult usual;
  normalizer.Normalize(payload, headers, &usual);
  REQUIRE(usual.events.size() == 1);
  CHECK(usual.errors.empty());
  REQUIRE(once.events.size() == 1);
  CHECK(json::parse(once.events[0].json) == json::parse(usual.events[0].json));
  CHECK(once.events[0].kind == usual.events[0].kind);
  CHECK(once.events[0].origin == usual.events[0].origin);
  CHECK(once.events[0].message_id == usual.events[0].message_id);
  CHECK(once.delivery == usual.delivery);
  CHECK(once.answer == usual.answer);
  CHECK(once.items.size() == usual.items.size());
  CHECK_FALSE(once.challenge.has_value());
  Decision usual_decision;
  Status st = engine.Evaluate(usual.events[0].json, scratch, &usual_decision);
  REQUIRE(st.ok());
  CHECK(once_decision.ToJson() == usual_decision.ToJson());
}

Engine PackEngine() {
  Result<PolicySet> set = PolicySet::Load({std::string(PROACT_SOURCE_DIR) + "/rules"});
  REQUIRE(set.ok());
  EngineOptions options;
  options.dry_run = true;
  return Engine(std::move(set).value(), options);
}

TEST_CASE("EvaluateEnvelope: one read gives what Normalize and Evaluate give") {
  Engine engine = PackEngine();
  Normalizer normalizer;
  Counts counts;
  int matched = 0;
  for (const char* dir : {PROACT_TESTDATA_DIR "/corpus", PROACT_SOURCE_DIR "/rules/fixtures"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      std::string text = testing::ReadFile(entry.path().string());
      std::string name = entry.path().string();
      Compare(engine, normalizer, text, name, &counts);
      // Normalized, every payload gives envelopes: each read once.
      NormalizeResult r = normalizer.Normalize(text);
      for (const NormalizedEvent& e : r.events) {
        Counts before = counts;
        Compare(engine, normalizer, e.json, name + " normalized", &counts);
        Compare(engine, normalizer, json::parse(e.json).dump(2), name + " pretty", &counts);
        if (counts.read_once > before.read_once) {
          Decision d;
          if (engine.Evaluate(e.json, &d).ok() && !d.matches.empty()) ++matched;
        }
      }
    }
  }
  MESSAGE(counts.payloads << " payloads, " << counts.read_once << " read once, " << matched
                          << " matching");
  CHECK(counts.read_once > counts.payloads / 3);
  CHECK(matched > 20);  // decisions with matches and rendered actions compared
}

TEST_CASE("EvaluateEnvelope: declines what only the full path reads, and non-envelopes") {
  Engine engine = PackEngine();
  Normalizer normalizer;
  const std::string good =
      R"({"version":"0","id":"e1","detail-type":"AWS API Call via CloudTrail","source":"aws.s3",)"
      R"("account":"123456789012","time":"2024-01-01T00:00:00Z","region":"us-east-1",)"
      R"("resources":[],"detail":{"eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl",)"
      R"("requestParameters":{"bucketName":"b","x-amz-acl":["public-read"]},"n":[1,2.5,true,null]}})";
  Scratch scratch;
  NormalizeResult r;
  Decision d;
  REQUIRE(engine.EvaluateEnvelope(normalizer, good, {}, scratch, &r, &d));
  Counts counts;
  Compare(engine, normalizer, good, "good", &counts);
  auto with = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    std::size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> declined = {
      {"duplicate key where nothing reads", with(R"("n":[)", R"("m":1,"m":2,"n":[)")},
      {"duplicate source", with(R"("account")", R"("source":"aws.ec2","account")")},
      {"escaped key", with(R"("n":[)", R"("\u006e":[)")},
      {"escaped value a policy reads", with("PutBucketAcl", R"(PutBucket\u0041cl)")},
      {"surrogate escape", with(R"("n":[)", R"("s":"\ud83d\ude00","n":[)")},
      {"integer beyond 64 bits", with("2.5", "123456789012345678901234")},
      {"damage where nothing reads", with("true,null", "true,,null")},
      {"bad literal", with("true,null", "tru,null")},
      {"trailing text", good + " x"},
      {"two objects", good + good},
      {"not an envelope", R"({"version":"0","detail":{}})"},
      {"source not a string", with(R"("source":"aws.s3")", R"("source":1)")},
      {"SQS", R"({"Records":[{"messageId":"a","eventSource":"aws:sqs","body":"{}"}]})"},
      {"array", "[" + good + "]"},
      {"empty", ""},
  };
  for (const auto& [what, payload] : declined) {
    INFO(what);
    CHECK_FALSE(engine.EvaluateEnvelope(normalizer, payload, {}, scratch, &r, &d));
  }
  // Headers and custom sources keep payloads on the normalizer's full path.
  CHECK_FALSE(engine.EvaluateEnvelope(normalizer, good, {{"x-github-event", "push"}}, scratch, &r,
                                      &d));
  Normalizer custom;
  CustomSource s;
  s.name = "mine";
  s.detect = [](const json&, const Headers&) { return true; };
  s.convert = [](const json&, const Headers&, std::vector<json>* out) {
    out->push_back({{"source", "mine"}, {"detail-type", "x"}});
    return std::string();
  };
  custom.AddSource(s);
  CHECK_FALSE(custom.PassesEnvelopesOn({}));
  CHECK_FALSE(engine.EvaluateEnvelope(custom, good, {}, scratch, &r, &d));
}

TEST_CASE("EvaluateEnvelope: strings at every block offset") {
  Engine engine = PackEngine();
  Normalizer normalizer;
  Counts counts;
  for (const std::string piece : {"\\\"", "\\\\", "\\n", "\\u0041", "\\u00e9", "\xc3\xa9", "\\ud83d",
                                  "\\x", "\x01"}) {
    for (std::size_t before = 0; before <= 33; ++before) {
      std::string value = std::string(before, 'a') + piece + "b";
      // In a field no policy reads, and in one the pack reads (eventName).
      Compare(engine, normalizer,
              R"({"source":"aws.s3","detail-type":"AWS API Call via CloudTrail","detail":{"k":")" +
                  value + R"(","eventName":"PutBucketAcl"}})",
              "unread", &counts);
      Compare(engine, normalizer,
              R"({"source":"aws.s3","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":")" +
                  value + R"("}})",
              "read", &counts);
    }
  }
  CHECK(counts.read_once > 30);
}

}  // namespace
}  // namespace proact

namespace proact {
namespace {

TEST_CASE("Decision::AppendJson writes the bytes of ToJson().dump()") {
  Decision d;
  std::string out;
  d.AppendJson(&out);
  CHECK(out == d.ToJson().dump());
  std::string every;
  for (int c = 1; c < 0x80; ++c) every.push_back(static_cast<char>(c));
  for (const std::string id : {std::string("e-1"), std::string("q\"b\\s/\b\f\n\r\t"), every,
                               std::string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), std::string()}) {
    d.id = id;
    d.source = "aws." + id;
    d.detail_type.reset();
    out.clear();
    d.AppendJson(&out);
    CHECK(out == d.ToJson().dump());
  }
  // With matches: through the shipped pack.
  Result<PolicySet> set = PolicySet::Load({std::string(PROACT_SOURCE_DIR) + "/rules"});
  REQUIRE(set.ok());
  Engine engine(std::move(set).value());
  std::string event = testing::ReadFile(std::string(PROACT_TESTDATA_DIR) +
                                        "/corpus/aws/eventbridge.cloudtrail-s3-createBucket.custodian.json");
  REQUIRE(engine.Evaluate(event, &d).ok());
  out.clear();
  d.AppendJson(&out);
  CHECK(out == d.ToJson().dump());
}

}  // namespace
}  // namespace proact
