// The normalizer's fast path (src/normalize/fast_path.cc) against the full
// path: for every payload of tests/data/corpus and rules/fixtures, the same
// payloads delivered through SQS, SNS, SNS-in-SQS and CloudTrail log files,
// pretty-printed, and damaged in the ways the fast path must leave to the
// full parser, Normalizer::Normalize gives what the full path alone gives:
// the same events (JSON equal once parsed; key order and whitespace may
// differ), kinds, origins, message ids, errors, challenges, delivery and
// batch items.
#include <doctest/doctest.h>

#include <filesystem>

#include "normalize/codec.h"
#include "normalize/fast_path.h"
#include "proact/normalizer.h"
#include "test_util.h"

namespace proact {
namespace {

using nlohmann::json;

struct Compared {
  int payloads = 0;
  int fast = 0;  // taken by the fast path
};

void Compare(const Normalizer& normalizer, const std::string& payload, const std::string& what,
             Compared* stats, NormalizeResult* reused) {
  NormalizeResult full;
  internal::NormalizeFull(payload, {}, &full);
  normalizer.Normalize(payload, {}, reused);
  NormalizeResult probe;
  if (internal::FastNormalize(payload, &probe)) ++stats->fast;
  ++stats->payloads;
  const NormalizeResult& got = *reused;
  INFO(what);
  REQUIRE(got.events.size() == full.events.size());
  for (std::size_t i = 0; i < got.events.size(); ++i) {
    const NormalizedEvent& a = got.events[i];
    const NormalizedEvent& b = full.events[i];
    CHECK(a.kind == b.kind);
    CHECK(a.origin == b.origin);
    CHECK(a.message_id == b.message_id);
    json ja = json::parse(a.json, nullptr, false);
    CHECK_FALSE(ja.is_discarded());
    CHECK(ja == json::parse(b.json));
    // One line, as `proact normalize` prints it.
    CHECK(a.json.find('\n') == (b.json.find('\n') == std::string::npos ? std::string::npos
                                                                       : a.json.find('\n')));
  }
  REQUIRE(got.errors.size() == full.errors.size());
  for (std::size_t i = 0; i < got.errors.size(); ++i) {
    CHECK(got.errors[i].origin == full.errors[i].origin);
    CHECK(got.errors[i].message_id == full.errors[i].message_id);
    CHECK(got.errors[i].message == full.errors[i].message);
    CHECK(got.errors[i].unauthenticated == full.errors[i].unauthenticated);
  }
  CHECK(got.challenge.has_value() == full.challenge.has_value());
  CHECK(got.delivery == full.delivery);
  CHECK(got.answer == full.answer);
  REQUIRE(got.items.size() == full.items.size());
  for (std::size_t i = 0; i < got.items.size(); ++i) {
    CHECK(got.items[i].id == full.items[i].id);
    CHECK(got.items[i].order_key == full.items[i].order_key);
    CHECK(got.items[i].data == full.items[i].data);
  }
}

std::vector<std::string> Payloads() {
  std::vector<std::string> paths;
  for (const char* dir : {PROACT_TESTDATA_DIR "/corpus", PROACT_SOURCE_DIR "/rules/fixtures"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") {
        paths.push_back(entry.path().string());
      }
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// The deliveries of one event document through SQS and SNS.
std::vector<std::pair<std::string, std::string>> Deliveries(const json& doc) {
  std::string text = doc.dump();
  json sns = {{"Type", "Notification"},
              {"MessageId", "m-1"},
              {"TopicArn", "arn:aws:sns:eu-west-1:123456789012:t"},
              {"Message", text},
              {"Timestamp", "2024-01-01T00:00:00Z"}};
  json sqs = {{"Records",
               {{{"messageId", "a"}, {"eventSource", "aws:sqs"}, {"body", text}},
                {{"messageId", "b"}, {"eventSource", "aws:sqs"}, {"body", doc.dump(2)}},
                {{"messageId", "c"}, {"eventSource", "aws:sqs"}, {"body", sns.dump()}}}}};
  json sns_direct = {{"Records", {{{"EventSource", "aws:sns"}, {"Sns", sns}}}}};
  json fifo = sqs;
  for (json& r : fifo["Records"]) r["eventSourceARN"] = "arn:aws:sqs:eu-west-1:123456789012:q.fifo";
  std::vector<std::pair<std::string, std::string>> out = {
      {"as is", text},
      {"pretty", doc.dump(2)},
      {"sqs", sqs.dump()},
      {"sns", sns.dump()},
      {"sns records", sns_direct.dump()},
      {"sqs fifo", fifo.dump()},
      {"log file", json({{"Records", {doc, doc}}}).dump()},
      {"log file pretty", json({{"Records", {doc}}}).dump(1)},
  };
  return out;
}

// Deliveries only the full path reads (Kafka, Firehose, EventBridge
// Pipes): the fast path must decline them.
std::vector<std::pair<std::string, std::string>> FullPathDeliveries(const json& doc) {
  std::string text = doc.dump();
  std::string encoded = internal::Base64Encode(text);
  json sqs_record = {{"messageId", "a"}, {"eventSource", "aws:sqs"}, {"body", text}};
  json kafka = {{"eventSource", "aws:kafka"},
                {"records", {{"t-0", {{{"topic", "t"}, {"partition", 0}, {"offset", 7},
                                       {"value", encoded}}}}}}};
  json firehose = {{"invocationId", "i"},
                   {"deliveryStreamArn", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/d"},
                   {"records", {{{"recordId", "r1"}, {"data", encoded}}}}};
  return {{"kafka", kafka.dump()},
          {"firehose", firehose.dump()},
          {"pipes", json::array({sqs_record, sqs_record}).dump()}};
}

TEST_CASE("fast path: same output as the full path on every corpus payload and its deliveries") {
  Normalizer normalizer;
  NormalizeResult reused;
  Compared stats, full_only;
  for (const std::string& path : Payloads()) {
    std::string text = testing::ReadFile(path);
    Compare(normalizer, text, path, &stats, &reused);
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) continue;
    for (const auto& [how, payload] : Deliveries(doc)) {
      Compare(normalizer, payload, path + " (" + how + ")", &stats, &reused);
    }
    for (const auto& [how, payload] : FullPathDeliveries(doc)) {
      Compare(normalizer, payload, path + " (" + how + ")", &full_only, &reused);
    }
    if (doc.contains("Records") && doc["Records"].is_array()) {
      for (const json& record : doc["Records"]) {
        for (const auto& [how, payload] : Deliveries(record)) {
          Compare(normalizer, payload, path + " record (" + how + ")", &stats, &reused);
        }
      }
    }
  }
  MESSAGE(stats.payloads << " payloads compared, " << stats.fast << " taken by the fast path");
  CHECK(stats.payloads > 500);
  CHECK(stats.fast > stats.payloads / 4);  // the fast path is exercised
  CHECK(full_only.payloads > 100);
  CHECK(full_only.fast == 0);  // and declines what it does not read
}

TEST_CASE("fast path: payloads it must leave to the full parser") {
  Normalizer normalizer;
  NormalizeResult reused;
  Compared stats;
  const std::string ct =
      R"({"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com",)"
      R"("eventName":"CreateBucket","awsRegion":"us-east-1","eventID":"e-1",)"
      R"("recipientAccountId":"123456789012","userIdentity":{"accountId":"999"},"x":X})";
  auto with = [&](const std::string& x) {
    std::string s = ct;
    s.replace(s.find("X"), 1, x);
    return s;
  };
  const std::string eb = R"({"source":"aws.s3","detail-type":"D","detail":{"a":A}})";
  auto eb_with = [&](const std::string& a) {
    std::string s = eb;
    s.replace(s.find("A"), 1, a);
    return s;
  };
  std::vector<std::string> cases = {
      with("1"), with("\"text\""), with("[1,2,{\"k\":null}]"), with("true"),
      with("1e999"), with("123456789012345678901234567890"), with("-0"), with("1.5e-400"),
      with("01"), with("[1,,2]"), with("{\"k\":1,\"k\":2}"), with("\"\\ud800\""),
      with("\"\\ud83d\\ude00\""), with("\"a\\u0041\\n\""), with("\"\\x\""),
      with(std::string("\"tab\there\"")), with("nul"), with("{\"a\\u0062\":1}"),
      with(std::string(150, '[') + std::string(150, ']')),
      with(std::string(230, '[') + std::string(230, ']')),
      with(std::string(300, '[') + std::string(300, ']')),
      ct.substr(0, ct.size() - 1), with("1") + " trailing", with("1") + "\n\n",
      "\xEF\xBB\xBF" + with("1"), with("\"\xff\""),
      eb_with("1"), eb_with("[1,,2]"), eb_with("{\"k\":1,\"k\":2}"),
      R"({"source":"a","source":1,"detail-type":"D"})",
      R"({"source":1,"source":"a","detail-type":"D"})", R"({"source":"a","detail-type":"D"} x)",
      R"({"sourc\u0065":"a","detail-type":"D"})", R"({"source":"a\u0041","detail-type":"D"})",
      R"({"source":"a","detail-type":null})", "[]", "[" + eb_with("1") + "]", "1", "\"s\"", "",
      "   ", R"({"Records":[]})", R"({"Records":{}})", R"({"Records":[1]})",
      R"({"Records":[{"eventSource":"aws:sqs","body":"not json"}]})",
      R"({"Records":[{"eventSource":"aws:sqs","body":1}]})",
      R"({"Records":[{"eventSource":"aws:sqs","messageId":"m\"1","body":"{\"source\":\"a\",\"detail-type\":\"b\"}"}]})",
      R"({"Records":[{"eventSource":"aws:sqs","body":"{\"source\":\"a\",\"detail-type\":\"b\",\"k\":1,\"k\":2}"}]})",
      R"({"Records":[{"eventSource":"aws:sqs","body":"{\"Records\":[]}"}]})",
      R"({"Records":[{"EventSource":"aws:sns","Sns":{"Message":"plain text","TopicArn":"arn:aws:sns:r:1:t"}}]})",
      R"({"Records":[{"EventSource":"aws:sns","Sns":{"Message":"{\"Type\":\"Notification\",\"Message\":\"{}\"}"}}]})",
      R"({"Type":"Notification","Message":"{\"source\":\"a\",\"detail-type\":\"b\"}"})",
      R"({"Type":"Notification","Message":"{\"Type\":\"Notification\",\"Message\":\"{\\\"source\\\":\\\"a\\\",\\\"detail-type\\\":\\\"b\\\"}\"}"})",
      with("1").replace(1, 0, R"("eventType":"AwsConsoleSignIn",)"),
      with("1").replace(1, 0, R"("eventType":"com.okta.event_hook",)"),
      with("1").replace(1, 0, R"("published":"x","actor":{},"eventType":"x",)"),
      with("1").replace(1, 0, R"("recipientAccountId":"",)").replace(ct.find("\"recipientAccountId\":\"123456789012\","), 0, ""),
      R"({"eventVersion":"1","eventTime":1,"eventType":"AwsCloudTrailInsight","insightDetails":{"eventSource":"ec2.amazonaws.com"}})",
      R"({"eventVersion":"1","eventTime":1,"eventSource":"amazonaws.com","eventName":"x"})",
      R"({"eventVersion":"1","eventTime":1,"eventSource":".amazonaws.com","eventName":"x"})",
      R"({"eventVersion":"1","eventTime":1,"eventSource":"","eventName":"x","userIdentity":{"accountId":5}})",
      R"({"eventVersion":"1","eventSource":"s3","eventName":"x"})",
      R"({"eventVersion":"1","eventTime":1,"eventSource":"s3","eventName":"x","subject":"s"})",
  };
  for (const std::string& c : cases) Compare(normalizer, c, c.substr(0, 300), &stats, &reused);
  CHECK(stats.fast > 10);
}

// Strings are scanned and unescaped a block (16 or 8 bytes) at a time:
// every escape, control character and closing quote at every offset of a
// block, and strings ending on a block's last byte, read as the full path
// reads them: in an envelope's value, and in an SQS body's literal (where
// the unescaped text is parsed again).
TEST_CASE("fast path: strings at every block offset read as the full path reads them") {
  Normalizer normalizer;
  NormalizeResult reused;
  Compared stats;
  // Inside a value of an envelope (passed on byte for byte when valid).
  const std::vector<std::string> in_value = {
      "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u20ac",
      "\\u0000", "\xc3\xa9",
      // the fast path leaves these to the full parser, which refuses them
      "\\ud83d", "\\x", "\\u12", std::string(1, '\x01'), std::string(1, '\x1f'), "\t"};
  // Inside an SQS body's literal, in the envelope's value: what they
  // unescape to is read again as part of that value.
  const std::vector<std::string> in_body_value = {
      "\\u0061", "\\/", "\\u00e9", "\\u20ac", "\\\\\\\"", "\\\\n", "\\\\u0041", "\\\\\\\\",
      "\\b", "\\f", "\\n", "\\t", "\\u0001", "\\ud83d", "\\x", std::string(1, '\x01')};
  // Between the tokens of the body: whitespace once unescaped.
  const std::vector<std::string> in_body_space = {"\\n", "\\t", "\\r", "\\u0020", " "};
  auto sqs = [](const std::string& literal) {
    return R"({"Records":[{"messageId":"m","eventSource":"aws:sqs","body":")" + literal + "\"}]}";
  };
  for (std::size_t before = 0; before <= 33; ++before) {
    for (std::size_t after : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16},
                              std::size_t{17}}) {
      std::string pad_a(before, 'a'), pad_b(after, 'b');
      std::string where = " at " + std::to_string(before) + "+" + std::to_string(after);
      for (const std::string& piece : in_value) {
        std::string envelope = R"({"source":"aws.s3","detail-type":"x","detail":{"k":")" + pad_a +
                               piece + pad_b + R"(","n":1}})";
        Compare(normalizer, envelope, "envelope" + where, &stats, &reused);
      }
      for (const std::string& piece : in_body_value) {
        std::string literal = R"({\"source\":\"aws.s3\",\"detail-type\":\"x\",\"detail\":{\"k\":\")" +
                              pad_a + piece + pad_b + R"(\",\"n\":1}})";
        Compare(normalizer, sqs(literal), "sqs value" + where, &stats, &reused);
      }
      for (const std::string& piece : in_body_space) {
        std::string literal = R"({\"source\":\"aws.s3\",\"detail-type\":\"x\",\"detail\":{\"k\":\")" +
                              pad_a + R"(\",)" + piece + R"(\"n\":1,\"m\":\")" + pad_b + R"(\"}})";
        Compare(normalizer, sqs(literal), "sqs space" + where, &stats, &reused);
      }
    }
  }
  CHECK(stats.payloads > 5000);
  CHECK(stats.fast > stats.payloads / 2);
}

TEST_CASE("fast path: custom sources and headers take the full path") {
  Normalizer normalizer;
  CustomSource s;
  s.name = "mine";
  s.detect = [](const json& j, const Headers&) { return j.contains("eventVersion"); };
  s.convert = [](const json&, const Headers&, std::vector<json>* out) {
    out->push_back({{"source", "mine"}, {"detail-type", "x"}});
    return std::string();
  };
  normalizer.AddSource(s);
  NormalizeResult r = normalizer.Normalize(
      R"({"eventVersion":"1","eventTime":1,"eventSource":"s3","eventName":"x"})");
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "mine");
}

}  // namespace
}  // namespace proact
