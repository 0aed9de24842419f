// Delivery envelopes (src/normalize/normalizer.cc, Run::Deliveries): each
// names its delivery, gives every item its identifier and order, and says
// how the batch is answered (NormalizeResult::delivery, answer, items).
// Payloads are the corpus samples of tests/data/corpus/lambda, and copies of
// them carrying a real event where the sample's own content is not one.
#include <doctest/doctest.h>

#include "normalize/codec.h"
#include "proact/normalizer.h"
#include "test_util.h"

namespace proact {
namespace {

using nlohmann::json;

json Lambda(const std::string& name) {
  return json::parse(testing::ReadFile(std::string(PROACT_TESTDATA_DIR) + "/corpus/lambda/" + name));
}

// An EventBridge event with this id, as text.
std::string Event(const std::string& id) {
  return json({{"version", "0"}, {"id", id}, {"detail-type", "T"}, {"source", "s"},
               {"account", "1"}, {"time", "2024-01-01T00:00:00Z"}, {"region", "eu-west-1"},
               {"resources", json::array()}, {"detail", json::object()}})
      .dump();
}

TEST_CASE("delivery: plain events, log files and SaaS payloads name no delivery") {
  Normalizer normalizer;
  NormalizeResult r = normalizer.Normalize(Event("e"));
  CHECK(r.delivery.empty());
  CHECK(r.answer == DeliveryAnswer::kNone);
  CHECK(r.items.empty());
  r = normalizer.Normalize(json({{"Records", json::array({json::parse(Event("x"))})}}).dump());
  CHECK(r.delivery.empty());
  r = normalizer.Normalize("[" + Event("a") + "," + Event("b") + "]");
  CHECK(r.delivery.empty());
  CHECK(r.events.size() == 2);
}

TEST_CASE("delivery: SQS items are messageIds, ordered by a FIFO queue's ARN") {
  Normalizer normalizer;
  json batch = Lambda("sqs.batch.powertools.json");
  batch["Records"][0]["body"] = Event("one");
  NormalizeResult r = normalizer.Normalize(batch.dump());
  CHECK(r.delivery == "sqs");
  CHECK(r.answer == DeliveryAnswer::kItemFailures);
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].id == batch["Records"][0]["messageId"]);
  CHECK(r.items[1].id == batch["Records"][1]["messageId"]);
  CHECK(r.items[0].order_key.empty());  // a standard queue
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message_id == r.items[0].id);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message_id == r.items[1].id);

  std::string fifo = "arn:aws:sqs:us-east-2:123456789012:q.fifo";
  for (json& rec : batch["Records"]) rec["eventSourceARN"] = fifo;
  r = normalizer.Normalize(batch.dump());
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].order_key == fifo);
  CHECK(r.items[1].order_key == fifo);
}

TEST_CASE("delivery: Kinesis and DynamoDB items are sequence numbers of one shard") {
  Normalizer normalizer;
  NormalizeResult r = normalizer.Normalize(Lambda("dynamodb.time-window.aws-lambda-go.json").dump());
  CHECK(r.delivery == "dynamodb");
  CHECK(r.answer == DeliveryAnswer::kStreamCheckpoint);
  REQUIRE(r.items.size() == 3);
  CHECK(r.items[0].id == "111");
  CHECK(r.items[2].id == "333");
  for (const DeliveryItem& item : r.items) CHECK(item.order_key == "shard");
  r = normalizer.Normalize(Lambda("kinesis.time-window.aws-lambda-go.json").dump());
  CHECK(r.delivery == "kinesis");
  CHECK(r.answer == DeliveryAnswer::kStreamCheckpoint);
  REQUIRE(r.items.size() == 1);
  REQUIRE(r.errors.size() == 1);  // "Hello, this is a test." is not JSON
  CHECK(r.errors[0].message_id == r.items[0].id);
}

TEST_CASE("delivery: Kafka records, base64 value read like an SQS body, topic-partition/offset ids") {
  Normalizer normalizer;
  // The samples: MSK (a UUID string) and self-managed ({"key":"value"}).
  NormalizeResult r = normalizer.Normalize(Lambda("kafka.msk.aws-lambda-go.json").dump());
  CHECK(r.delivery == "kafka");
  CHECK(r.answer == DeliveryAnswer::kKafkaCheckpoint);
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].id == "AWSKafkaTopic-0/0");
  CHECK(r.items[0].order_key == "AWSKafkaTopic-0");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message_id == "AWSKafkaTopic-0/0");
  CHECK(r.errors[0].origin == ".records.AWSKafkaTopic-0[0].value");
  CHECK(r.errors[0].message.find("invalid JSON") != std::string::npos);

  json kafka = Lambda("kafka.self-managed.powertools.json");
  r = normalizer.Normalize(kafka.dump());
  CHECK(r.delivery == "kafka");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message_id == "mytopic-0/15");
  CHECK(r.errors[0].message.find("unrecognized payload (keys: key)") == 0);

  // Two partitions, an event in each record, one record that is not base64
  // and one without an offset.
  json record = kafka["records"]["mytopic-0"][0];
  json p0 = json::array(), p1 = json::array();
  for (int offset : {15, 16}) {
    record["offset"] = offset;
    record["value"] = internal::Base64Encode(Event("e" + std::to_string(offset)));
    p0.push_back(record);
  }
  record["partition"] = 1;
  record["offset"] = "7";  // some sources send it as a string
  record["value"] = "%%%";
  p1.push_back(record);
  record.erase("offset");
  p1.push_back(record);
  kafka["records"] = {{"mytopic-0", p0}, {"mytopic-1", p1}};
  r = normalizer.Normalize(kafka.dump());
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].kind == "kafka/eventbridge");
  CHECK(r.events[0].message_id == "mytopic-0/15");
  CHECK(r.events[1].message_id == "mytopic-0/16");
  CHECK(json::parse(r.events[1].json)["id"] == "e16");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].message_id == "mytopic-1/7");
  CHECK(r.errors[0].message == "Kafka record value is not base64");
  CHECK(r.errors[1].message_id.empty());
  CHECK(r.errors[1].origin == ".records.mytopic-1[1]");
  CHECK(r.errors[1].message == "Kafka record without a string offset");
  REQUIRE(r.items.size() == 3);
  CHECK(r.items[2].id == "mytopic-1/7");
  CHECK(r.items[2].order_key == "mytopic-1");
}

TEST_CASE("delivery: Firehose records keep their recordId and original data for the answer") {
  Normalizer normalizer;
  json firehose = Lambda("firehose.direct-put.powertools.json");
  NormalizeResult r = normalizer.Normalize(firehose.dump());
  CHECK(r.delivery == "firehose");
  CHECK(r.answer == DeliveryAnswer::kFirehoseRecords);
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].id == "record1");
  CHECK(r.items[0].data == "SGVsbG8gV29ybGQ=");
  CHECK(r.items[1].data == "eyJIZWxsbyI6ICJXb3JsZCJ9");
  CHECK(r.items[0].order_key.empty());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].origin == ".records[0].data");
  CHECK(r.errors[1].message_id == "record2");

  firehose["records"][0]["data"] = internal::Base64Encode(Event("f1"));
  r = normalizer.Normalize(firehose.dump());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "firehose/eventbridge");
  CHECK(r.events[0].message_id == "record1");
  CHECK(r.items[0].data == firehose["records"][0]["data"]);

  r = normalizer.Normalize(Lambda("firehose.kinesis-source.aws-lambda-go.json").dump());
  CHECK(r.delivery == "firehose");
  CHECK(r.items.size() == 2);
}

TEST_CASE("delivery: an EventBridge Pipes batch is an array of source records") {
  Normalizer normalizer;
  json pipes = Lambda("pipes.sqs-standard.awsdocs.json");
  NormalizeResult r = normalizer.Normalize(pipes.dump());
  CHECK(r.delivery == "pipes");
  CHECK(r.answer == DeliveryAnswer::kItemFailures);
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].id == "059f36b4-87a3-44ab-83d2-661975830a7d");
  REQUIRE(r.errors.size() == 2);  // "Test message." is not JSON
  CHECK(r.errors[1].message_id == "2e1424d4-f796-459a-8184-9c92662be6da");
  CHECK(r.errors[1].origin == "[1].body");

  pipes[0]["body"] = Event("p1");
  r = normalizer.Normalize(pipes.dump());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "pipes/sqs/eventbridge");
  CHECK(r.events[0].message_id == "059f36b4-87a3-44ab-83d2-661975830a7d");

  r = normalizer.Normalize(Lambda("pipes.sqs-fifo.awsdocs.json").dump());
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].order_key == "arn:aws:sqs:us-east-2:123456789012:fifo.fifo");

  // Stream records through a pipe are named by their eventID.
  json kinesis = Lambda("kinesis.time-window.aws-lambda-go.json")["Records"][0];
  kinesis["kinesis"]["data"] = internal::Base64Encode(Event("k1"));
  r = normalizer.Normalize(json::array({kinesis}).dump());
  CHECK(r.delivery == "pipes");
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "pipes/kinesis/eventbridge");
  CHECK(r.events[0].message_id == kinesis["eventID"]);
  CHECK(r.items[0].order_key == "shard");
}

TEST_CASE("delivery: only the outermost envelope is the delivery, and names the items") {
  Normalizer normalizer;
  // A Kafka record whose value is an SQS batch: the Kafka record is the item.
  json sqs = Lambda("sqs.batch.powertools.json");
  sqs["Records"][0]["body"] = Event("inner");
  sqs["Records"].erase(1);
  json kafka = Lambda("kafka.self-managed.powertools.json");
  kafka["records"]["mytopic-0"][0]["value"] = internal::Base64Encode(sqs.dump());
  NormalizeResult r = normalizer.Normalize(kafka.dump());
  CHECK(r.delivery == "kafka");
  REQUIRE(r.items.size() == 1);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "kafka/sqs/eventbridge");
  CHECK(r.events[0].message_id == "mytopic-0/15");
  // HTTP requests name their shape; a body with headers is "http".
  r = normalizer.Normalize(Lambda("function-url.aws-lambda-go.json").dump());
  CHECK(r.delivery == "function-url");
  CHECK(r.answer == DeliveryAnswer::kHttp);
  r = normalizer.Normalize(Event("h"), {{"content-type", "application/json"}});
  CHECK(r.delivery == "http");
  CHECK(r.answer == DeliveryAnswer::kHttp);
  r = normalizer.Normalize(Lambda("cloudwatch-logs.subscription.aws-lambda-go.json").dump());
  CHECK(r.delivery == "cloudwatch-logs");
  r = normalizer.Normalize(Lambda("s3.object-created-put.aws-lambda-go.json").dump());
  CHECK(r.delivery == "s3");
  CHECK(r.items.empty());
}

}  // namespace
}  // namespace proact
