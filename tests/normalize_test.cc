// Every payload of the shared corpus normalizes as docs/sources.md says:
// tests/normalize/testdata/corpus_expectations.json lists, per file, the
// envelopes expected (source, detail-type, id, account, region and a
// representative detail field) or that the file must be rejected. GitHub
// bodies arrive as they do in production: inside a Lambda Function URL
// request, with their headers.
#include <doctest/doctest.h>

#include <filesystem>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "test_util.h"

namespace proact {
namespace {

using testing::ReadFile;

// A Lambda Function URL request event carrying `body` and `headers`.
std::string FunctionUrlRequest(const std::string& body, const nlohmann::json& headers,
                               bool base64 = false) {
  nlohmann::json request = {
      {"version", "2.0"},
      {"rawPath", "/webhook"},
      {"rawQueryString", ""},
      {"headers", headers},
      {"requestContext",
       {{"accountId", "anonymous"},
        {"http", {{"method", "POST"}, {"path", "/webhook"}}},
        {"requestId", "req-1"}}},
      {"body", body},
      {"isBase64Encoded", base64}};
  return request.dump();
}

// The value at a dotted path, or null.
nlohmann::json At(const nlohmann::json& j, const std::string& path) {
  const nlohmann::json* cur = &j;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *cur;
}

TEST_CASE("CloudEvents binary mode with an audit-log type and binary data (found by http_request_fuzzer)") {
  // The body is not UTF-8, so the event carries data_base64 and no data:
  // the audit-log check must not read a missing member.
  Normalizer normalizer;
  NormalizeResult r = normalizer.Normalize(
      std::string("\xff\xfe\x00binary", 9),
      {{"ce-specversion", "1.0"}, {"ce-type", "google.cloud.audit.log.v1.written"},
       {"ce-source", "//cloudaudit.googleapis.com/projects/p"}, {"ce-id", "1"},
       {"content-type", "application/octet-stream"}});
  REQUIRE(r.errors.empty());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "alb/cloudevent-binary/cloudevent");
  CHECK(r.events[0].json.find("data_base64") != std::string::npos);
}

TEST_CASE("S3 event notifications are aws.s3 events, never CloudTrail, however delivered") {
  Normalizer normalizer;
  std::string file = ReadFile(std::string(PROACT_TESTDATA_DIR) +
                              "/corpus/lambda/s3.object-created-put.aws-lambda-go.json");
  nlohmann::json record = nlohmann::json::parse(file)["Records"][0];
  nlohmann::json sqs = {{"Records",
                         {{{"eventSource", "aws:sqs"}, {"messageId", "m-1"}, {"body", file}}}}};
  nlohmann::json sns = {{"Records",
                         {{{"EventSource", "aws:sns"},
                           {"Sns",
                            {{"Type", "Notification"},
                             {"MessageId", "n-1"},
                             {"TopicArn", "arn:aws:sns:us-east-1:123456789012:t"},
                             {"Message", file}}}}}}};
  nlohmann::json removed = record;
  removed["eventName"] = "ObjectRemoved:DeleteMarkerCreated";
  nlohmann::json replication = record;
  replication["eventName"] = "Replication:OperationFailedReplication";
  struct Case {
    std::string payload, kind, detail_type;
  };
  for (const Case& c : {Case{file, "s3-notification/s3", "Object Created"},
                        Case{record.dump(), "s3", "Object Created"},
                        Case{sqs.dump(), "sqs/s3-notification/s3", "Object Created"},
                        Case{sns.dump(), "sns/s3-notification/s3", "Object Created"},
                        Case{removed.dump(), "s3", "Object Deleted"},
                        Case{replication.dump(), "s3", "S3 Event Notification"}}) {
    INFO(c.kind, " ", c.detail_type);
    NormalizeResult r = normalizer.Normalize(c.payload);
    REQUIRE(r.errors.empty());
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].kind == c.kind);
    nlohmann::json e = nlohmann::json::parse(r.events[0].json);
    CHECK(e["source"] == "aws.s3");
    CHECK(e["detail-type"] == c.detail_type);
    CHECK(e["detail"]["bucket"]["name"] == "sourcebucket");
    CHECK(e["detail"]["object"]["key"] == "HappyFace.jpg");
    CHECK(e["detail"]["notification"]["s3"] == record["s3"]);
  }
  NormalizeResult r = normalizer.Normalize(removed.dump());
  nlohmann::json e = nlohmann::json::parse(r.events.at(0).json);
  CHECK(e["detail"]["reason"] == "DeleteObject");
  CHECK(e["detail"]["deletion-type"] == "Delete Marker Created");
}

TEST_CASE("Kinesis records: base64 data read like an SQS body, sequence number as message_id") {
  Normalizer normalizer;
  nlohmann::json file = nlohmann::json::parse(ReadFile(
      std::string(PROACT_TESTDATA_DIR) + "/corpus/lambda/kinesis.time-window.aws-lambda-go.json"));
  nlohmann::json ok = file["Records"][0];
  // {"version":"0","id":"k","detail-type":"T","source":"s","detail":{}}
  ok["kinesis"]["data"] =
      "eyJ2ZXJzaW9uIjoiMCIsImlkIjoiayIsImRldGFpbC10eXBlIjoiVCIsInNvdXJjZSI6InMiLCJkZXRhaWwiOnt9fQ==";
  ok["kinesis"]["sequenceNumber"] = "101";
  nlohmann::json text = file["Records"][0];  // "Hello, this is a test."
  text["kinesis"]["sequenceNumber"] = "102";
  nlohmann::json bad = file["Records"][0];
  bad["kinesis"]["data"] = "%%%";
  bad["kinesis"]["sequenceNumber"] = "103";
  nlohmann::json batch = {{"Records", {ok, text, bad}}};
  NormalizeResult r = normalizer.Normalize(batch.dump());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "kinesis/eventbridge");
  CHECK(r.events[0].origin == ".Records[0].kinesis.data");
  CHECK(r.events[0].message_id == "101");
  CHECK(nlohmann::json::parse(r.events[0].json)["id"] == "k");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].message_id == "102");
  CHECK(r.errors[0].origin == ".Records[1].kinesis.data");
  CHECK(r.errors[0].message.find("invalid JSON") != std::string::npos);
  CHECK(r.errors[1].message_id == "103");
  CHECK(r.errors[1].message == "Kinesis record data is not base64");
}

TEST_CASE("DynamoDB stream records: one aws.dynamodb event each, sequence number as message_id") {
  Normalizer normalizer;
  nlohmann::json file = nlohmann::json::parse(ReadFile(
      std::string(PROACT_TESTDATA_DIR) + "/corpus/lambda/dynamodb.time-window.aws-lambda-go.json"));
  file["Records"][1]["eventSourceARN"] =
      "arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table/stream/2016-12-01T00:00:00.000";
  NormalizeResult r = normalizer.Normalize(file.dump());
  REQUIRE(r.errors.empty());
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].kind == "dynamodb-stream/dynamodb");
  CHECK(r.events[0].message_id == "111");
  CHECK(r.events[2].message_id == "333");
  nlohmann::json e = nlohmann::json::parse(r.events[1].json);
  CHECK(e["source"] == "aws.dynamodb");
  CHECK(e["detail-type"] == "DynamoDB Stream Record");
  CHECK(e["account"] == "123456789012");
  CHECK(e["resources"] == nlohmann::json::array(
                              {"arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table"}));
  CHECK(e["time"] == "2016-12-02T01:27:00Z");
  CHECK(e["detail"]["dynamodb"]["OldImage"]["Message"]["S"] == "New item!");
}

// The ```yaml block of docs/sources.md that contains `marker`, as a policy.
std::string DocsPolicy(const std::string& marker) {
  std::string doc = ReadFile(std::string(PROACT_SOURCE_DIR) + "/docs/sources.md");
  std::size_t at = doc.find(marker);
  REQUIRE(at != std::string::npos);
  std::size_t start = doc.rfind("```yaml\n", at) + 8;
  std::size_t end = doc.find("```", at);
  std::string policy = "policies:\n  - id: doc\n";
  std::size_t line = start;
  while (line < end) {
    std::size_t nl = doc.find('\n', line);
    policy += "    " + doc.substr(line, nl - line + 1);
    line = nl + 1;
  }
  return policy;
}

TEST_CASE("docs/sources.md: the S3 notification and DynamoDB stream patterns match as described") {
  Normalizer normalizer;
  std::string corpus = std::string(PROACT_TESTDATA_DIR) + "/corpus/lambda/";
  Engine s3(testing::MustCompile(DocsPolicy("detail-type: [Object Created]")));
  nlohmann::json file = nlohmann::json::parse(ReadFile(corpus + "s3.object-created-put.aws-lambda-go.json"));
  file["Records"][0]["s3"]["bucket"]["name"] = "uploads";
  file["Records"][0]["s3"]["object"]["key"] = "setup.exe";
  NormalizeResult r = normalizer.Normalize(file.dump());
  REQUIRE(r.events.size() == 1);
  CHECK(testing::Matches(s3, r.events[0].json) == std::vector<std::string>{"doc"});
  file["Records"][0]["s3"]["object"]["key"] = "HappyFace.jpg";
  r = normalizer.Normalize(file.dump());
  REQUIRE(r.events.size() == 1);
  CHECK(testing::Matches(s3, r.events[0].json).empty());

  Engine ddb(testing::MustCompile(DocsPolicy("detail-type: [DynamoDB Stream Record]")));
  r = normalizer.Normalize(ReadFile(corpus + "dynamodb.time-window.aws-lambda-go.json"));
  REQUIRE(r.events.size() == 3);
  CHECK(testing::Matches(ddb, r.events[0].json).empty());  // INSERT
  CHECK(testing::Matches(ddb, r.events[1].json).empty());  // MODIFY
  CHECK(testing::Matches(ddb, r.events[2].json) == std::vector<std::string>{"doc"});  // REMOVE
}

TEST_CASE("every corpus payload normalizes as documented") {
  std::string corpus = std::string(PROACT_TESTDATA_DIR) + "/corpus/";
  nlohmann::json expectations = nlohmann::json::parse(
      ReadFile(std::string(PROACT_TEST_DATA) + "/normalize/testdata/corpus_expectations.json"));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (entry.path().extension() == ".json") ++files;
  }
  REQUIRE(expectations.size() == files);  // every corpus file is covered
  Normalizer normalizer;
  std::size_t events = 0;
  for (const nlohmann::json& x : expectations) {
    std::string file = x["file"];
    INFO("corpus file ", file);
    std::string body = ReadFile(corpus + file);
    REQUIRE_FALSE(body.empty());
    std::string input = body;
    if (x["wrap"] == "github-function-url") {
      std::string name = std::filesystem::path(file).filename().string();
      name = name.substr(0, name.find('.'));
      input = FunctionUrlRequest(nlohmann::json::parse(body).dump(),
                                 {{"content-type", "application/json"},
                                  {"x-github-event", name},
                                  {"x-github-delivery", "delivery-" + name}});
    }
    NormalizeResult r = normalizer.Normalize(input);
    if (x.value("expect_error", false)) {
      CHECK_FALSE(r.errors.empty());
      continue;
    }
    for (const NormalizeError& e : r.errors) FAIL_CHECK("unexpected error at ", e.origin, ": ", e.message);
    const nlohmann::json& want = x["events"];
    REQUIRE(r.events.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("event ", i, ": ", r.events[i].json.substr(0, 400));
      nlohmann::json got = nlohmann::json::parse(r.events[i].json);
      // EventBridge events pass through unchanged; others get the full envelope.
      if (r.events[i].kind != "eventbridge") CHECK(got["version"] == "0");
      CHECK(got["resources"].is_array());
      CHECK(got.contains("time"));
      CHECK(got["source"] == want[i]["source"]);
      CHECK(got["detail-type"] == want[i]["detail-type"]);
      CHECK(got["id"] == want[i]["id"]);
      CHECK(got["account"] == want[i]["account"]);
      if (want[i].contains("region")) CHECK(got["region"] == want[i]["region"]);
      for (auto it = want[i]["check"].begin(); it != want[i]["check"].end(); ++it) {
        CHECK_MESSAGE(At(got, it.key()) == it.value(), "field ", it.key());
      }
      ++events;
    }
  }
  CHECK(events >= 100);
}

}  // namespace
}  // namespace proact
