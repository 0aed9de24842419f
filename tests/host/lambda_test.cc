// The real `bootstrap` executable against a Lambda Runtime API served on
// loopback by this test, written from the published Runtime API
// (2018-06-01: invocation/next, invocation/{id}/response,
// invocation/{id}/error, init/error).
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "e2e_s3.h"
#include "host_test_util.h"

namespace proact {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::Corpus;
using testing::Receiver;
using testing::RuntimeApi;

std::string TestRules() { return std::string(PROACT_SOURCE_DIR) + "/tests/host/testdata/rules"; }

std::string LogPath(const std::string& name) {
  return std::string(PROACT_BINARY_DIR) + "/host-" + name + ".log";
}

std::vector<nlohmann::json> LogLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(testing::ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

// An SQS record shaped like the corpus sample, carrying `body`.
nlohmann::json SqsRecord(const std::string& message_id, const std::string& body) {
  nlohmann::json record =
      nlohmann::json::parse(Corpus("lambda/sqs.batch.aws-lambda-go.json"))["Records"][0];
  record["messageId"] = message_id;
  record["body"] = body;
  return record;
}

std::string Base64(const std::string& data) {
  std::string encoded(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return encoded;
}

// A Kinesis record shaped like the corpus sample, carrying `data`.
nlohmann::json KinesisRecord(const std::string& sequence_number, const std::string& data) {
  nlohmann::json record =
      nlohmann::json::parse(Corpus("lambda/kinesis.time-window.aws-lambda-go.json"))["Records"][0];
  record["kinesis"]["sequenceNumber"] = sequence_number;
  record["kinesis"]["data"] = Base64(data);
  record["eventID"] = "shardId-000000000006:" + sequence_number;
  return record;
}

struct Runtime {
  RuntimeApi api;
  Receiver hooks;
  std::string log;
  std::unique_ptr<Child> child;

  explicit Runtime(const std::string& name, std::map<std::string, std::string> env = {}) {
    log = LogPath(name);
    env.emplace("AWS_LAMBDA_RUNTIME_API", api.address());
    env.emplace("PROACT_RULES", TestRules());
    env.emplace("PROACT_WEBHOOK_URL", hooks.url("/remediate"));
    env.emplace("PROACT_WEBHOOK_MAX_ATTEMPTS", "1");
    env.emplace("AWS_LAMBDA_FUNCTION_NAME", "proact-test");
    child = std::make_unique<Child>(std::vector<std::string>{PROACT_BOOTSTRAP}, env, log);
  }
};

TEST_CASE("lambda: EventBridge event -> actions run, response, logs and EMF metrics") {
  Runtime rt("eventbridge");
  REQUIRE(rt.child->started());
  rt.api.Invoke("req-eb", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json"));
  auto answer = rt.api.Wait("req-eb");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  nlohmann::json body = nlohmann::json::parse(answer->body);
  CHECK(body["events"] == 1);
  CHECK(body["matches"] == 1);
  CHECK(body["failed"] == 0);
  CHECK(body["results"][0]["executed"] == 1);
  auto posts = rt.hooks.requests();
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].path == "/remediate");
  nlohmann::json sent = nlohmann::json::parse(posts[0].body);
  CHECK(sent["policy"] == "bucket-created");
  CHECK(sent["request_id"] == "req-eb");
  CHECK(sent["params"]["account"] == "101010101111");

  // The loop goes on: a second invocation on the same process.
  rt.api.Invoke("req-eb2", Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json"));
  auto second = rt.api.Wait("req-eb2");
  REQUIRE(second);
  // ticket.create has no handler: a permanent failure is logged and counted
  // but not retried, so the invocation succeeds.
  CHECK(second->kind == "response");
  CHECK(nlohmann::json::parse(second->body)["results"][0]["failed_actions"] == 1);
  rt.child->Signal(SIGTERM);
  rt.child->Wait(5s);

  std::vector<nlohmann::json> lines = LogLines(rt.log);
  bool init = false, decision = false, emf = false, unknown = false;
  for (const nlohmann::json& l : lines) {
    if (l.value("message", "") == "policies loaded") {
      init = true;
      CHECK(l["policies"] == 6);
      CHECK(l["level"] == "INFO");
      CHECK(l["service"] == "proact");
    }
    if (l.value("location", "") == "proact.decision" && l.value("event_id", "") ==
        "3603e3ef-985e-487a-a85b-f4144102544b") {
      decision = true;
      CHECK(l["function_request_id"] == "req-eb");
      CHECK(l["xray_trace_id"].get<std::string>().rfind("Root=1-5759e988", 0) == 0);
      CHECK(l["cold_start"] == true);
      CHECK(l["function_name"] == "proact-test");
      CHECK(l["source"] == "aws.s3");
      CHECK(l["decision"] == "match");
      CHECK(l["matches"][0]["policy"] == "bucket-created");
      CHECK(l["matches"][0]["actions"][0]["outcome"] == "succeeded");
      CHECK(l["matches"][0]["remediated"] == true);
      CHECK(l["matches"][0]["savings_minutes"] == 30.0);
      CHECK(l["matches"][0]["savings_usd"] == 12.5);
    }
    if (l.value("location", "") == "proact.decision" && l.contains("matches") &&
        !l["matches"].empty() && l["matches"][0]["policy"] == "instance-state-ticket") {
      unknown = true;
      CHECK(l["level"] == "ERROR");
      CHECK(l["cold_start"] == false);
      CHECK(l["matches"][0]["actions"][0]["failure"] == "permanent");
    }
    if (l.contains("_aws") && l.value("policy", "") == "bucket-created") {
      emf = true;
      CHECK(l["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Proact");
      CHECK(l["ActionsExecuted"] == 1);
      CHECK(l["SavingsUSD"] == 12.5);
    }
  }
  CHECK(init);
  CHECK(decision);
  CHECK(unknown);
  CHECK(emf);
}

TEST_CASE("lambda: SQS batch -> batchItemFailures lists only the failed messages") {
  Runtime rt("sqs");
  nlohmann::json batch;
  batch["Records"] = {
      SqsRecord("m-ok", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
      SqsRecord("m-garbage", "{not json"),
      SqsRecord("m-unknown", "{\"hello\":\"world\"}"),
      SqsRecord("m-acl", nlohmann::json::parse(Corpus("aws/cloudtrail.s3-putBucketAcl.panther.json")).dump()),
      SqsRecord("m-retry", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
  };
  // The first webhook succeeds, the second (m-retry) gets a 503.
  rt.hooks.Script({200, 503});
  rt.api.Invoke("req-sqs", batch.dump());
  auto answer = rt.api.Wait("req-sqs");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  nlohmann::json body = nlohmann::json::parse(answer->body);
  CHECK(body == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":"m-garbage"},{"itemIdentifier":"m-unknown"},{"itemIdentifier":"m-retry"}]})"));
  // The dry-run policy that also matched m-acl never sent its webhook.
  CHECK(rt.hooks.requests().size() == 2);
  rt.child->Signal(SIGTERM);
  rt.child->Wait(5s);
  bool redacted = false, dry = false;
  for (const nlohmann::json& l : LogLines(rt.log)) {
    if (l.value("message", "") == "bucket ACL changed") {
      redacted = true;
      CHECK(l["params"]["api_token"] == "[redacted]");
      CHECK(l["params"]["bucket"] == "bucket");
    }
    if (l.value("location", "") == "proact.decision" && l.value("message_id", "") == "m-acl") {
      for (const auto& m : l["matches"]) {
        if (m["policy"] == "bucket-acl-watch") {
          dry = true;
          CHECK(m["mode"] == "dry-run");
          CHECK(m["actions"][0]["outcome"] == "dry_run");
          CHECK(m["actions"][0]["message"] == "would run");
          CHECK(m["actions"][0]["params"]["bucket"] == "bucket");
        }
      }
    }
  }
  CHECK(redacted);
  CHECK(dry);
}

TEST_CASE("lambda: an unreadable SQS message fails alone (number out of range, deep inner JSON)") {
  Runtime rt("sqs-isolation");
  std::string deep = std::string(75000, '[') + std::string(75000, ']');
  nlohmann::json sns = {{"Type", "Notification"}, {"MessageId", "m"}, {"Message", deep},
                        {"TopicArn", "arn:aws:sns:us-east-1:123456789012:t"}};
  nlohmann::json batch;
  batch["Records"] = {
      SqsRecord("m-before", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
      SqsRecord("m-range", R"({"version":"0","id":"x","detail-type":"t","source":"s","account":"1",
          "time":"2024-01-01T00:00:00Z","region":"r","resources":[],"detail":{"n":1e400}})"),
      SqsRecord("m-deep", sns.dump()),
      SqsRecord("m-after", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
  };
  rt.api.Invoke("req-iso", batch.dump());
  auto answer = rt.api.Wait("req-iso");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  CHECK(nlohmann::json::parse(answer->body) == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":"m-range"},{"itemIdentifier":"m-deep"}]})"));
  // The messages before and after ran their actions once each.
  CHECK(rt.hooks.requests().size() == 2);
  // The loop carries on.
  rt.api.Invoke("req-next", Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json"));
  auto next = rt.api.Wait("req-next");
  REQUIRE(next);
  CHECK(next->kind == "response");
}

TEST_CASE("lambda: the response stays small whatever the batch") {
  Runtime rt("big-batch");
  // 1,000 CloudTrail records in one log file: each evaluated, the answer
  // lists 100 of them (the full list would be ten times that).
  nlohmann::json record =
      nlohmann::json::parse(Corpus("aws/cloudtrail.s3-putBucketAcl.panther.json"));
  nlohmann::json file;
  file["Records"] = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i) {
    record["eventID"] = "e-" + std::to_string(i);
    file["Records"].push_back(record);
  }
  rt.api.Invoke("req-big", file.dump());
  auto answer = rt.api.Wait("req-big", 120s);  // slow under sanitizers
  REQUIRE(answer);
  REQUIRE(answer->kind == "response");
  CHECK(answer->body.size() < 50000);
  nlohmann::json summary = nlohmann::json::parse(answer->body);
  CHECK(summary["events"] == 1000);
  CHECK(summary["results"].size() == 100);
  CHECK(summary["results_omitted"] == 900);
}

TEST_CASE("lambda: SQS FIFO batch -> the first failure fails every later message") {
  Runtime rt("fifo");
  std::string fifo_arn = "arn:aws:sqs:us-west-2:123456789012:events.fifo";
  nlohmann::json batch;
  batch["Records"] = {
      SqsRecord("f-1", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
      SqsRecord("f-2", "{not json"),
      SqsRecord("f-3", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
      SqsRecord("f-4", Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json")),
  };
  for (auto& r : batch["Records"]) r["eventSourceARN"] = fifo_arn;
  rt.api.Invoke("req-fifo", batch.dump());
  auto answer = rt.api.Wait("req-fifo");
  REQUIRE(answer);
  CHECK(nlohmann::json::parse(answer->body) == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":"f-2"},{"itemIdentifier":"f-3"},{"itemIdentifier":"f-4"}]})"));
  // Only f-1 was processed: one webhook call, not two.
  CHECK(rt.hooks.requests().size() == 1);

  // A standard queue processes the rest.
  for (auto& r : batch["Records"]) r["eventSourceARN"] = "arn:aws:sqs:us-west-2:123456789012:events";
  rt.api.Invoke("req-std", batch.dump());
  auto standard = rt.api.Wait("req-std");
  REQUIRE(standard);
  CHECK(nlohmann::json::parse(standard->body) ==
        nlohmann::json::parse(R"({"batchItemFailures":[{"itemIdentifier":"f-2"}]})"));
  CHECK(rt.hooks.requests().size() == 3);
}

TEST_CASE("lambda: Kinesis batch with one bad record -> its sequence number, later records wait") {
  Runtime rt("kinesis");
  std::string bucket = Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json");
  nlohmann::json batch;
  batch["Records"] = {
      KinesisRecord("49590338271490256608559692538361571095921575989136588801", bucket),
      KinesisRecord("49590338271490256608559692538361571095921575989136588802", "{not json"),
      KinesisRecord("49590338271490256608559692538361571095921575989136588803", bucket),
  };
  rt.api.Invoke("req-kinesis", batch.dump());
  auto answer = rt.api.Wait("req-kinesis");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  // Lambda checkpoints the shard: only the first failure is reported, and
  // it retries from there, so the third record is not processed now.
  CHECK(nlohmann::json::parse(answer->body) == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":"49590338271490256608559692538361571095921575989136588802"}]})"));
  CHECK(rt.hooks.requests().size() == 1);

  // A failed action on the first record: it is the one reported.
  rt.hooks.Script({503, 200});
  batch["Records"][1] = batch["Records"][2];
  batch["Records"][1]["kinesis"]["sequenceNumber"] = "49590338271490256608559692538361571095921575989136588804";
  rt.api.Invoke("req-kinesis-2", batch.dump());
  auto second = rt.api.Wait("req-kinesis-2");
  REQUIRE(second);
  CHECK(nlohmann::json::parse(second->body) == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":"49590338271490256608559692538361571095921575989136588801"}]})"));
  CHECK(rt.hooks.requests().size() == 2);

  // All good: nothing to retry.
  rt.api.Invoke("req-kinesis-3", batch.dump());
  auto third = rt.api.Wait("req-kinesis-3");
  REQUIRE(third);
  CHECK(nlohmann::json::parse(third->body) == nlohmann::json::parse(R"({"batchItemFailures":[]})"));
  CHECK(rt.hooks.requests().size() == 5);  // all three records ran
}

// A Kafka record shaped like the self-managed corpus sample, carrying `value`.
nlohmann::json KafkaRecord(int partition, long offset, const std::string& value) {
  nlohmann::json record = nlohmann::json::parse(
      Corpus("lambda/kafka.self-managed.powertools.json"))["records"]["mytopic-0"][0];
  record["partition"] = partition;
  record["offset"] = offset;
  record["value"] = Base64(value);
  return record;
}

TEST_CASE("lambda: Kafka batch -> the first failed offset of each topic-partition, later ones wait") {
  Runtime rt("kafka");
  std::string bucket = Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json");
  nlohmann::json batch = nlohmann::json::parse(Corpus("lambda/kafka.msk.aws-lambda-go.json"));
  batch["records"] = {
      {"mytopic-0", {KafkaRecord(0, 15, bucket), KafkaRecord(0, 16, "{not json"),
                     KafkaRecord(0, 17, bucket)}},
      {"mytopic-1", {KafkaRecord(1, 3, bucket)}},
  };
  rt.api.Invoke("req-kafka", batch.dump());
  auto answer = rt.api.Wait("req-kafka");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  // Lambda resumes mytopic-0 at offset 16; mytopic-1 is done.
  CHECK(nlohmann::json::parse(answer->body) == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":{"partition":"mytopic-0","offset":16}}]})"));
  CHECK(rt.hooks.requests().size() == 2);  // offsets 15 of mytopic-0 and 3 of mytopic-1

  // All good: nothing to retry.
  batch["records"]["mytopic-0"][1] = KafkaRecord(0, 16, bucket);
  rt.api.Invoke("req-kafka-2", batch.dump());
  auto second = rt.api.Wait("req-kafka-2");
  REQUIRE(second);
  CHECK(nlohmann::json::parse(second->body) == nlohmann::json::parse(R"({"batchItemFailures":[]})"));
  CHECK(rt.hooks.requests().size() == 6);
}

TEST_CASE("lambda: Firehose transformation -> every record Ok with its data, or ProcessingFailed") {
  Runtime rt("firehose");
  std::string bucket = Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json");
  nlohmann::json batch = nlohmann::json::parse(Corpus("lambda/firehose.direct-put.powertools.json"));
  batch["records"][0]["data"] = Base64(bucket);
  batch["records"][1]["data"] = Base64("{not json");
  nlohmann::json unmatched = batch["records"][0];
  unmatched["recordId"] = "record3";
  unmatched["data"] = Base64(Corpus("lambda/eventbridge.ec2-state-change.powertools.json"));
  batch["records"].push_back(unmatched);
  rt.api.Invoke("req-firehose", batch.dump());
  auto answer = rt.api.Wait("req-firehose");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  nlohmann::json want = {{"records",
                          {{{"recordId", "record1"}, {"result", "Ok"}, {"data", batch["records"][0]["data"]}},
                           {{"recordId", "record2"}, {"result", "ProcessingFailed"}, {"data", batch["records"][1]["data"]}},
                           {{"recordId", "record3"}, {"result", "Ok"}, {"data", unmatched["data"]}}}}};
  CHECK(nlohmann::json::parse(answer->body) == want);
  CHECK(rt.hooks.requests().size() == 1);

  // A retryable action failure: that record failed to remediate.
  rt.hooks.Script({503});
  batch["records"].erase(1);
  rt.api.Invoke("req-firehose-2", batch.dump());
  auto second = rt.api.Wait("req-firehose-2");
  REQUIRE(second);
  nlohmann::json got = nlohmann::json::parse(second->body);
  REQUIRE(got["records"].size() == 2);
  CHECK(got["records"][0]["result"] == "ProcessingFailed");
  CHECK(got["records"][0]["data"] == batch["records"][0]["data"]);
  CHECK(got["records"][1]["result"] == "Ok");
}

TEST_CASE("lambda: EventBridge Pipes batch of SQS messages -> batchItemFailures by messageId") {
  Runtime rt("pipes");
  nlohmann::json batch = nlohmann::json::parse(Corpus("lambda/pipes.sqs-standard.awsdocs.json"));
  batch[0]["body"] = Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json");
  rt.api.Invoke("req-pipes", batch.dump());
  auto answer = rt.api.Wait("req-pipes");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  // The second message's body, "Test message.", is not an event.
  CHECK(nlohmann::json::parse(answer->body) == nlohmann::json::parse(R"({"batchItemFailures":[
      {"itemIdentifier":"2e1424d4-f796-459a-8184-9c92662be6da"}]})"));
  CHECK(rt.hooks.requests().size() == 1);
}

TEST_CASE("lambda: a malformed invocation gets an error response and the loop carries on") {
  Runtime rt("malformed");
  rt.api.Invoke("req-bad", "\x01{{{ not json");
  rt.api.Invoke("req-bad2", "{\"Records\": 7}");
  rt.api.Invoke("req-good", Corpus("lambda/eventbridge.ec2-state-change.powertools.json"));
  auto bad = rt.api.Wait("req-bad");
  REQUIRE(bad);
  CHECK(bad->kind == "error");
  CHECK(bad->error_type == "Proact.InvalidPayload");
  nlohmann::json err = nlohmann::json::parse(bad->body);
  CHECK(err["errorType"] == "Proact.InvalidPayload");
  CHECK(err["errorMessage"].get<std::string>().find("1 of 1 events failed") == 0);
  auto bad2 = rt.api.Wait("req-bad2");
  REQUIRE(bad2);
  CHECK(bad2->kind == "error");
  auto good = rt.api.Wait("req-good");
  REQUIRE(good);
  CHECK(good->kind == "response");
  CHECK(rt.child->Wait(0ms) == -1);  // still running
}

TEST_CASE("lambda: SNS and Function URL webhooks (signature, handshake, status codes)") {
  std::string secret = "It's a Secret to Everybody";
  Runtime rt("webhooks", {{"PROACT_GITHUB_SECRET", secret}});
  // SNS envelope from the corpus: its message is not a recognized event, so it
  // becomes an aws.sns event that no test policy matches.
  rt.api.Invoke("req-sns", Corpus("lambda/sns.aws-lambda-go.json"));
  auto sns = rt.api.Wait("req-sns");
  REQUIRE(sns);
  CHECK(sns->kind == "response");
  CHECK(nlohmann::json::parse(sns->body)["events"] == 1);

  // A GitHub webhook in a Function URL request, signed with the secret.
  nlohmann::json request = nlohmann::json::parse(Corpus("lambda/function-url.aws-lambda-go.json"));
  std::string payload = Corpus("github/repository.publicized.json");
  request["body"] = payload;
  unsigned char mac[64];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    hex += buf;
  }
  request["headers"] = {{"x-github-event", "repository"},
                        {"x-github-delivery", "d-1"},
                        {"content-type", "application/json"},
                        {"x-hub-signature-256", "sha256=" + hex}};
  rt.api.Invoke("req-gh", request.dump());
  auto gh = rt.api.Wait("req-gh");
  REQUIRE(gh);
  nlohmann::json resp = nlohmann::json::parse(gh->body);
  CHECK(resp["statusCode"] == 200);
  nlohmann::json summary = nlohmann::json::parse(resp["body"].get<std::string>());
  CHECK(summary["matches"] == 1);
  CHECK(summary["results"][0]["id"] == "d-1");

  request["headers"]["x-hub-signature-256"] = "sha256=" + std::string(64, '0');
  rt.api.Invoke("req-gh-bad", request.dump());
  auto bad = rt.api.Wait("req-gh-bad");
  REQUIRE(bad);
  nlohmann::json bad_resp = nlohmann::json::parse(bad->body);
  CHECK(bad_resp["statusCode"] == 401);
  CHECK(bad_resp["body"].get<std::string>().find("rejected") != std::string::npos);

  // Okta's one-time verification handshake.
  nlohmann::json okta = nlohmann::json::parse(Corpus("lambda/function-url.aws-lambda-go.json"));
  okta["requestContext"]["http"]["method"] = "GET";
  okta["body"] = "";
  okta["headers"] = {{"x-okta-verification-challenge", "abc123"}};
  rt.api.Invoke("req-okta", okta.dump());
  auto hs = rt.api.Wait("req-okta");
  REQUIRE(hs);
  nlohmann::json hs_resp = nlohmann::json::parse(hs->body);
  CHECK(hs_resp["statusCode"] == 200);
  CHECK(nlohmann::json::parse(hs_resp["body"].get<std::string>()) ==
        nlohmann::json{{"verification", "abc123"}});

  // A request nothing can read: 400 with the reason.
  nlohmann::json junk = nlohmann::json::parse(Corpus("lambda/function-url.aws-lambda-go.json"));
  junk["body"] = "{\"truncated\": ";
  junk["headers"] = {{"content-type", "application/json"}, {"x-github-event", "push"},
                     {"x-hub-signature-256", "sha256=" + hex}};
  rt.api.Invoke("req-junk", junk.dump());
  auto j = rt.api.Wait("req-junk");
  REQUIRE(j);
  CHECK(nlohmann::json::parse(j->body)["statusCode"] == 401);  // signature checked first
}

TEST_CASE("lambda: near the deadline, unprocessed SQS messages are reported failed") {
  Runtime rt("deadline", {{"PROACT_DEADLINE_MARGIN_MS", "300"}});
  nlohmann::json batch;
  batch["Records"] = {
      SqsRecord("m-1", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")),
      SqsRecord("m-2", Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json")),
  };
  REQUIRE(rt.api.WaitNextCalls(1));
  rt.api.Invoke("req-late", batch.dump(), 200ms);  // already inside the margin
  auto answer = rt.api.Wait("req-late");
  REQUIRE(answer);
  CHECK(nlohmann::json::parse(answer->body) ==
        nlohmann::json::parse(R"({"batchItemFailures":[{"itemIdentifier":"m-1"},{"itemIdentifier":"m-2"}]})"));
  CHECK(rt.hooks.requests().empty());

  // A direct event near its deadline: an invocation error, so Lambda retries.
  rt.api.Invoke("req-late-eb", Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json"), 100ms);
  auto eb = rt.api.Wait("req-late-eb");
  REQUIRE(eb);
  CHECK(eb->kind == "error");
  CHECK(eb->error_type == "Proact.DeadlineExceeded");

  // With time left, the slow remediation endpoint is cut at the deadline.
  rt.hooks.Script({200}, 3000ms);
  rt.api.Invoke("req-slow", batch.dump(), 1000ms);
  auto slow = rt.api.Wait("req-slow");
  REQUIRE(slow);
  nlohmann::json failures = nlohmann::json::parse(slow->body)["batchItemFailures"];
  REQUIRE(failures.size() >= 1);
  CHECK(failures[0]["itemIdentifier"] == "m-1");
}

TEST_CASE("lambda: invalid policies -> init error with file:line:col, then exit") {
  std::string dir = std::string(PROACT_BINARY_DIR) + "/host-bad-rules";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/bad.yaml");
    out << "policies:\n  - id: broken\n    mach: {source: [aws.s3]}\n";
  }
  RuntimeApi api;
  Child child({PROACT_BOOTSTRAP}, {{"AWS_LAMBDA_RUNTIME_API", api.address()}, {"PROACT_RULES", dir}},
              LogPath("init-error"));
  auto err = api.WaitInitError();
  REQUIRE(err);
  CHECK(err->error_type == "Proact.InvalidPolicy");
  nlohmann::json body = nlohmann::json::parse(err->body);
  CHECK(body["errorType"] == "Proact.InvalidPolicy");
  std::string message = body["errorMessage"];
  CHECK(message.find(dir + "/bad.yaml:3:5: error: unknown key 'mach'") != std::string::npos);
  CHECK(body["stackTrace"].size() >= 1);
  CHECK(child.Wait(5s) == 1);
}

TEST_CASE("lambda: a claim TTL not longer than the action timeout is an init error") {
  RuntimeApi api;
  Child child({PROACT_BOOTSTRAP},
              {{"AWS_LAMBDA_RUNTIME_API", api.address()}, {"PROACT_RULES", TestRules()},
               {"PROACT_IDEMPOTENCY", "memory"}, {"PROACT_ACTION_TIMEOUT_MS", "10000"},
               {"PROACT_CLAIM_TTL_MS", "11000"}},
              LogPath("claim-ttl"));
  auto err = api.WaitInitError();
  REQUIRE(err);
  CHECK(err->error_type == "Proact.InvalidConfiguration");
  std::string message = nlohmann::json::parse(err->body)["errorMessage"];
  CHECK(message.find("PROACT_CLAIM_TTL_MS=11000 must be longer than the action timeout "
                     "PROACT_ACTION_TIMEOUT_MS=10000") != std::string::npos);
  CHECK(child.Wait(5s) == 1);
}

TEST_CASE("lambda: without AWS_LAMBDA_RUNTIME_API the bootstrap explains and exits") {
  Child child({PROACT_BOOTSTRAP}, {}, LogPath("no-api"));
  CHECK(child.Wait(5s) == 1);
  CHECK(testing::ReadFile(LogPath("no-api")).find("AWS_LAMBDA_RUNTIME_API is not set") !=
        std::string::npos);
}

// ---- End to end: a declared action type against the fake providers.

TEST_CASE("lambda: a declared S3 action delivered again and again calls the provider once") {
  using namespace internal::fake;
  namespace e2e = internal::e2e;
  REQUIRE_FAKE();
  Fake fake;
  TempDir dir;
  std::map<std::string, std::string> env = e2e::FakeEnv(fake);
  env["PROACT_RULES"] = dir.File("policies.yaml", e2e::PolicyYaml());
  e2e::ScriptNoConfiguration(fake);
  Runtime rt("e2e-s3", env);
  REQUIRE(rt.child->started());

  std::string event = e2e::Event("e2e-dup-1");
  // Delivered directly, then twice in one SQS batch, then directly again.
  rt.api.Invoke("req-1", event);
  auto first = rt.api.Wait("req-1", 30s);
  REQUIRE(first);
  INFO("first: " << first->body);
  CHECK(first->kind == "response");
  nlohmann::json body = nlohmann::json::parse(first->body);
  CHECK(body["matches"] == 1);
  CHECK(body["results"][0]["executed"] == 1);
  CHECK(body["failed"] == 0);

  nlohmann::json batch;
  batch["Records"] = {SqsRecord("m-dup-1", event), SqsRecord("m-dup-2", event)};
  rt.api.Invoke("req-2", batch.dump());
  auto second = rt.api.Wait("req-2", 30s);
  REQUIRE(second);
  INFO("second: " << second->body);
  CHECK(second->kind == "response");
  CHECK(nlohmann::json::parse(second->body) == nlohmann::json::parse(R"({"batchItemFailures":[]})"));

  rt.api.Invoke("req-3", event);
  auto third = rt.api.Wait("req-3", 30s);
  REQUIRE(third);
  INFO("third: " << third->body);
  CHECK(third->kind == "response");
  nlohmann::json third_body = nlohmann::json::parse(third->body);
  CHECK(third_body["matches"] == 1);
  CHECK(third_body["results"][0]["executed"] == 0);
  CHECK(third_body["failed"] == 0);

  // Exactly one write reached the provider, signed.
  nlohmann::json reqs = fake.Requests();
  INFO("fake requests: " << reqs.dump(2));
  nlohmann::json puts = e2e::OnlyMethod(reqs, "PUT");
  REQUIRE(puts.size() == 1);
  CHECK(puts[0]["host"] == e2e::kS3Host);
  CheckVerified(puts[0], "s3", "us-east-1");
  CHECK(e2e::OnlyMethod(reqs, "GET").size() == 1);
  CHECK(reqs.size() == 2);

  rt.child->Signal(SIGTERM);
  rt.child->Wait(5s);
  std::string log = testing::ReadFile(rt.log);
  CHECK(e2e::DecisionOutcomes(log) ==
        std::vector<std::string>{"succeeded", "skipped", "skipped", "skipped"});
  CheckAbsent(log, kSecret);
  CheckAbsent(log, kToken);
  for (const auto& a : {*first, *second, *third}) {
    CheckAbsent(a.body, kSecret);
    CheckAbsent(a.body, kToken);
  }
}

TEST_CASE("lambda: a declared S3 action in a dry-run policy sends no request") {
  using namespace internal::fake;
  namespace e2e = internal::e2e;
  REQUIRE_FAKE();
  Fake fake;
  TempDir dir;
  std::map<std::string, std::string> env = e2e::FakeEnv(fake);
  env["PROACT_RULES"] = dir.File("policies.yaml", e2e::PolicyYaml("dry-run"));
  Runtime rt("e2e-s3-dry", env);
  REQUIRE(rt.child->started());
  rt.api.Invoke("req-dry", e2e::Event("e2e-dry-1"));
  auto answer = rt.api.Wait("req-dry", 30s);
  REQUIRE(answer);
  INFO(answer->body);
  CHECK(answer->kind == "response");
  nlohmann::json body = nlohmann::json::parse(answer->body);
  CHECK(body["results"][0]["executed"] == 0);
  CHECK(body["results"][0]["dry_run"] == 1);
  CHECK(fake.Requests().empty());
  rt.child->Signal(SIGTERM);
  rt.child->Wait(5s);
  CHECK(e2e::DecisionOutcomes(testing::ReadFile(rt.log)) == std::vector<std::string>{"dry_run"});
}

}  // namespace
}  // namespace proact

#ifdef PROACT_LAMBDA_ZIP
namespace proact {
namespace {

using namespace std::chrono_literals;

// Unpacks the deployment zip as Lambda does (into its own directory).
std::string Unpack() {
  std::string dir = std::string(PROACT_BINARY_DIR) + "/lambda-task-root";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string cmd = "unzip -q '" + std::string(PROACT_LAMBDA_ZIP) + "' -d '" + dir + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir;
}

TEST_CASE("lambda package: under 7.1 MB, self-contained, runs the shipped rules") {
  auto size = std::filesystem::file_size(PROACT_LAMBDA_ZIP);
  MESSAGE("deployment zip: " << size << " bytes");
  // 10.6 MB with libcurl's dependency tree; 6.57 MB without it (one HTTP
  // client on cpp-httplib), plus about 0.5 MB of headroom. docs/adapters.md
  // says where the bytes go.
  CHECK(size < 7'100'000u);
  std::string root = Unpack();
  // Lambda runs $LAMBDA_TASK_ROOT/bootstrap; it must be executable.
  auto perms = std::filesystem::status(root + "/bootstrap").permissions();
  CHECK((perms & std::filesystem::perms::owner_exec) != std::filesystem::perms::none);
  CHECK(std::filesystem::exists(root + "/rules/aws/s3.yaml"));
  CHECK_FALSE(std::filesystem::exists(root + "/rules/aws/s3_test.yaml"));
  // Every library the executable loads comes from the package: the
  // bundled loader is told to search lib/ only.
  std::string ldd = root + "/ldd.txt";
  std::string cmd = "'" + root + "/lib/ld-linux.so' --library-path '" + root + "/lib' --list '" +
                    root + "/bin/bootstrap' > '" + ldd + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::istringstream lines(testing::ReadFile(ldd));
  std::string line;
  int libs = 0;
  while (std::getline(lines, line)) {
    if (line.find("=>") == std::string::npos) continue;
    ++libs;
    INFO(line);
    CHECK(line.find(root + "/lib/") != std::string::npos);
  }
  CHECK(libs > 10);

  testing::RuntimeApi api;
  testing::Child child({root + "/bootstrap"},
                       {{"AWS_LAMBDA_RUNTIME_API", api.address()}, {"LAMBDA_TASK_ROOT", root}},
                       std::string(PROACT_BINARY_DIR) + "/host-package.log");
  // CloudTrail StopLogging, as the shipped pack's fixture has it.
  api.Invoke("req-pack", testing::Corpus("aws/cloudtrail-records.stopLogging.stratus.json"));
  auto answer = api.Wait("req-pack");
  REQUIRE(answer);
  CHECK(answer->kind == "response");
  nlohmann::json body = nlohmann::json::parse(answer->body);
  CHECK(body["matches"].get<int>() >= 1);
  std::string log = testing::ReadFile(std::string(PROACT_BINARY_DIR) + "/host-package.log");
  CHECK(log.find("\"message\":\"policies loaded\"") != std::string::npos);
  CHECK(log.find("\"policies\":58") != std::string::npos);
}

}  // namespace
}  // namespace proact
#endif  // PROACT_LAMBDA_ZIP
