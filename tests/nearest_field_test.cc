// The nearest existing field named when an explained or tested event lacks
// a pattern's field (issue: "no detail.eventname; the event has
// detail.eventName").
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "match/nearest_field.h"
#include "proact/engine.h"
#include "test_util.h"

namespace {

const nlohmann::json kEvent = nlohmann::json::parse(R"({
  "source": "aws.s3", "detail-type": "AWS API Call via CloudTrail",
  "detail": {"eventName": "CreateBucket",
             "userIdentity": {"sessionContext": {"sessionIssuer": {"userName": "ci"}}},
             "requestParameters": {"bucketName": "b", "acl": "private"},
             "resources": [{"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}]}})");

std::string NearestField(const nlohmann::json& event, const std::string& path) {
  std::set<std::string> fields;
  proact::internal::CollectFieldPaths(event, &fields);
  return proact::internal::NearestField(fields, path);
}

std::string KeysNear(const nlohmann::json& event, const std::string& path) {
  std::set<std::string> fields;
  proact::internal::CollectFieldPaths(event, &fields);
  return proact::internal::KeysNear(fields, path);
}

TEST_CASE("nearest field: a key that differs only in case") {
  CHECK(NearestField(kEvent, "detail.eventname") == "detail.eventName");
  CHECK(NearestField(kEvent, "Detail.EventName") == "detail.eventName");
}

TEST_CASE("nearest field: a typo at several levels is corrected at each") {
  CHECK(NearestField(kEvent, "detail.userIdentity.sessionContext.sessionIssuer.username") ==
        "detail.userIdentity.sessionContext.sessionIssuer.userName");
  CHECK(NearestField(kEvent, "detail.requestParamters.bucketNme") ==
        "detail.requestParameters.bucketName");
}

TEST_CASE("nearest field: the right key at the wrong level") {
  CHECK(NearestField(kEvent, "detail.bucketName") ==
        "detail.requestParameters.bucketName");
  CHECK(NearestField(kEvent, "detail.userName") ==
        "detail.userIdentity.sessionContext.sessionIssuer.userName");
}

TEST_CASE("nearest field: arrays are looked through as in matching") {
  CHECK(NearestField(kEvent, "detail.resources.arn") == "detail.resources.ARN");
}

TEST_CASE("nearest field: nothing near names the keys of the deepest object there") {
  CHECK(NearestField(kEvent, "detail.requestParameters.policy") == "");
  CHECK(KeysNear(kEvent, "detail.requestParameters.policy") ==
        "detail.requestParameters has acl, bucketName");
  CHECK(KeysNear(kEvent, "detail.eventName.x") == "detail.eventName holds no object");
  CHECK(NearestField(kEvent, "nothing") == "");
  CHECK(KeysNear(kEvent, "nothing") == "");
  CHECK(NearestField(nlohmann::json::parse("[1]"), "a.b") == "");
}

TEST_CASE("nearest field: explain names it beside the missing field") {
  proact::PolicySet set = proact::testing::MustCompile(R"(
policies:
  - id: typo
    match:
      source: [aws.s3]
      detail:
        eventname: [CreateBucket]
)");
  proact::Engine engine(std::move(set));
  std::string out;
  REQUIRE(engine.Explain(kEvent.dump(), "typo", &out).ok());
  CHECK(out.find("NO   detail.eventname = missing; the event has detail.eventName  wants "
                 "\"CreateBucket\"") != std::string::npos);
}

}  // namespace
