// Templates over arrays: `[*]` (every element) and `[matched]` (the
// elements the policy's pattern held in).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "proact/engine.h"
#include "test_util.h"

namespace {

using proact::testing::MustCompile;

// The rendered params of the first action of the only matched policy, or the
// error its rendering reported.
nlohmann::json Render(const std::string& yaml, const std::string& event) {
  proact::Engine engine(MustCompile(yaml));
  proact::Decision d;
  proact::Status st = engine.Evaluate(event, &d);
  REQUIRE_MESSAGE(st.ok(), st.message());
  REQUIRE(d.matches.size() == 1);
  if (!d.matches[0].errors.empty()) return d.matches[0].errors[0].message;
  REQUIRE(d.matches[0].actions.size() == 1);
  return d.matches[0].actions[0].params;
}

const char* kSecurityGroup = R"({"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail",
  "detail": {"eventName": "AuthorizeSecurityGroupIngress",
    "requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
      {"fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}},
      {"fromPort": 3389, "toPort": 3389, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}},
      {"fromPort": 443, "toPort": 443, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}, {"cidrIp": "10.0.0.0/8"}]}},
      {"fromPort": 80, "toPort": 80}]}}}})";

TEST_CASE("templates over arrays: [*] is every element's field, missing ones skipped") {
  nlohmann::json params = Render(R"(
policies:
  - id: p
    match: {source: [aws.ec2]}
    actions:
      - action: a
        params:
          ports: "{{ detail.requestParameters.ipPermissions.items[*].fromPort }}"
          cidrs: "{{ detail.requestParameters.ipPermissions.items[*].ipRanges.items[*].cidrIp }}"
          text: "ports {{ detail.requestParameters.ipPermissions.items[*].toPort }}"
          none: "{{ detail.requestParameters.ipPermissions.items[*].nothing }}"
)",
                                 kSecurityGroup);
  CHECK(params["ports"] == nlohmann::json::parse("[22, 3389, 443, 80]"));
  CHECK(params["cidrs"] ==
        nlohmann::json::parse(R"(["10.0.0.0/8", "0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8"])"));
  CHECK(params["text"] == "ports [22,3389,443,80]");
  CHECK(params["none"] == nlohmann::json::array());
}

TEST_CASE("templates over arrays: [*] of a field that is missing or not an array is missing") {
  const char* policy = R"(
policies:
  - id: p
    match: {source: [aws.ec2]}
    actions:
      - action: a
        params: {x: "{{ detail.requestParameters.groupId[*] }}"}
)";
  CHECK(Render(policy, kSecurityGroup) ==
        "param 'x': field 'detail.requestParameters.groupId[*]' is missing");
}

TEST_CASE("templates over arrays: [matched] is the elements the pattern held in") {
  const char* policy = R"(
policies:
  - id: open-to-world
    match:
      source: [aws.ec2]
      detail:
        requestParameters:
          ipPermissions:
            items:
              ipRanges:
                items:
                  cidrIp: [0.0.0.0/0]
    actions:
      - action: revoke
        params:
          ports: "{{ detail.requestParameters.ipPermissions.items[matched].fromPort }}"
          rules: "{{ detail.requestParameters.ipPermissions.items[matched] | pluck('toPort') }}"
          as_json: "{{ detail.requestParameters.ipPermissions.items[matched].fromPort | json }}"
)";
  nlohmann::json params = Render(policy, kSecurityGroup);
  CHECK(params["ports"] == nlohmann::json::parse("[3389, 443]"));
  CHECK(params["rules"] == nlohmann::json::parse("[3389, 443]"));
  CHECK(params["as_json"] == "[3389,443]");
}

TEST_CASE("templates over arrays: [matched] keeps the same-element rule across fields") {
  // Port 22 open to the world is wanted: element 0 has port 22 but a private
  // range, element 1 the world but port 3389; only an element with both counts.
  std::string event = kSecurityGroup;
  const char* policy = R"(
policies:
  - id: ssh-to-world
    match:
      source: [aws.ec2]
      detail:
        requestParameters:
          ipPermissions:
            items:
              fromPort: [{numeric: ["<=", 443]}]
              ipRanges: {items: {cidrIp: [0.0.0.0/0]}}
    actions:
      - action: revoke
        params: {ports: "{{ detail.requestParameters.ipPermissions.items[matched].fromPort }}"}
)";
  CHECK(Render(policy, event)["ports"] == nlohmann::json::parse("[443]"));
}

TEST_CASE("templates over arrays: [matched] over scalars and across $or alternatives") {
  const char* policy = R"(
policies:
  - id: p
    match:
      source: [aws.s3]
      $or:
        - resources: [{prefix: "arn:aws:s3:::public-"}]
        - resources: [{suffix: "-open"}]
    actions:
      - action: a
        params: {buckets: "{{ resources[matched] }}"}
)";
  CHECK(Render(policy, R"({"source": "aws.s3", "detail-type": "x", "resources":
      ["arn:aws:s3:::private", "arn:aws:s3:::public-a", "arn:aws:s3:::b-open", "arn:aws:s3:::public-a"]})")
            ["buckets"] == nlohmann::json::parse(
                R"(["arn:aws:s3:::public-a", "arn:aws:s3:::b-open", "arn:aws:s3:::public-a"])"));
}

TEST_CASE("templates over arrays: [matched] of an array the pattern does not test is empty, and a warning") {
  const char* policy = R"(
policies:
  - id: p
    match: {source: [aws.ec2]}
    actions:
      - action: a
        params: {x: "{{ detail.requestParameters.ipPermissions.items[matched].fromPort }}"}
)";
  CHECK(Render(policy, kSecurityGroup)["x"] == nlohmann::json::array());
  proact::Result<proact::PolicySet> set = proact::PolicySet::FromString(policy, "p.yaml");
  REQUIRE(set.ok());
  REQUIRE(set.value().warnings().size() == 1);
  CHECK(set.value().warnings()[0].ToString().find(
            "p.yaml:7:25: warning: 'detail.requestParameters.ipPermissions.items[matched].fromPort': "
            "the policy's match tests no field of detail.requestParameters.ipPermissions.items, so "
            "'[matched]' always renders an empty list") != std::string::npos);
}

TEST_CASE("templates over arrays: [matched] is refused where it cannot mean anything") {
  auto compile = [](const std::string& yaml) {
    proact::Result<proact::PolicySet> r = proact::PolicySet::FromString(yaml, "p.yaml");
    std::string all;
    if (!r.ok()) {
      for (const auto& d : r.status().diagnostics()) all += d.ToString() + "\n";
    }
    return all;
  };
  CHECK(compile(R"(
policies:
  - id: p
    match: {source: [a]}
    actions:
      - action: a
        params: {x: "{{ detail.a[0].b[matched] }}"}
)")
            .find("'[matched]' must follow keys only") != std::string::npos);
  CHECK(compile(R"(
policies:
  - id: p
    match: {source: [a]}
    actions:
      - action: a
        params: {x: "{{ detail.a[matched].b[matched] }}"}
)")
            .find("'[matched]' may appear once in a path") != std::string::npos);
  CHECK(compile(R"(
action_types:
  t.x:
    params: {ids: {type: list}}
    requests:
      - method: POST
        path: "/{{ params.ids[matched] }}"
policies: []
)")
            .find("'[matched]' selects elements of the event a policy matched") !=
        std::string::npos);
}

}  // namespace
