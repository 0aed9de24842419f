// The end-to-end scenario shared by serve_test.cc and lambda_test.cc: a
// policy file declaring an S3 action type in YAML, a CloudTrail PutBucketAcl
// event (EventBridge envelope) that triggers it, and the fake S3 answering
// the read with 404 NoSuchPublicAccessBlockConfiguration so that the write
// (a PUT) follows.
#ifndef PROACT_TESTS_HOST_E2E_S3_H_
#define PROACT_TESTS_HOST_E2E_S3_H_

#include <sstream>
#include <string>
#include <vector>

#include "fake_providers.h"

namespace proact::internal::e2e {

using nlohmann::json;

inline constexpr char kBucket[] = "examplebucket";
inline constexpr char kS3Host[] = "examplebucket.s3.us-east-1.amazonaws.com";
inline constexpr char kPolicyId[] = "e2e-s3-public";
inline constexpr char kActionType[] = "t.s3.block_public_access";

// The S3 action type (read, then PUT), as an entry of `action_types:`;
// remediation_executor_test.cc declares it beside its other types.
inline constexpr char kS3Type[] = R"(
  t.s3.block_public_access:
    params:
      bucket: {type: string, required: true}
      region: {type: string, required: true, pattern: '[a-z]{2}(-[a-z]+)+-[0-9]+'}
    credentials: {provider: aws, service: s3, region: "{{ params.region }}"}
    endpoint: "https://{{ params.bucket }}.s3.{{ params.region }}.amazonaws.com"
    permissions: {aws: [s3:GetBucketPublicAccessBlock, s3:PutBucketPublicAccessBlock]}
    requests:
      - name: read
        read: true
        method: GET
        query: {publicAccessBlock: ""}
        proceed_on: [{status: 404, code: NoSuchPublicAccessBlockConfiguration}]
        compliant_if:
          PublicAccessBlockConfiguration:
            BlockPublicAcls: ["true"]
            IgnorePublicAcls: ["true"]
            BlockPublicPolicy: ["true"]
            RestrictPublicBuckets: ["true"]
      - name: write
        method: PUT
        query: {publicAccessBlock: ""}
        content_md5: true
        body:
          xml:
            PublicAccessBlockConfiguration:
              "@xmlns": http://s3.amazonaws.com/doc/2006-03-01/
              BlockPublicAcls: true
              IgnorePublicAcls: true
              BlockPublicPolicy: true
              RestrictPublicBuckets: true
)";

// The policy set: the S3 action type and one policy emitting it; `mode` is
// "" (enforce) or e.g. "dry-run".
inline std::string PolicyYaml(const std::string& mode = "") {
  std::string yaml = std::string("\naction_types:") + kS3Type + R"(
policies:
  - id: e2e-s3-public
    description: A bucket ACL changed; block public access on it.
    severity: high
)";
  if (!mode.empty()) yaml += "    mode: " + mode + "\n";
  yaml += R"(    match:
      source: [aws.s3]
      detail: {eventName: [PutBucketAcl]}
    actions:
      - action: t.s3.block_public_access
        params:
          bucket: "{{ detail.requestParameters.bucketName }}"
          region: "{{ detail.awsRegion }}"
)";
  return yaml;
}

// A CloudTrail PutBucketAcl record in its EventBridge envelope, with `id`.
inline std::string Event(const std::string& id) {
  json detail = json::parse(testing::Corpus("aws/cloudtrail.s3-putBucketAcl.panther.json"));
  detail["awsRegion"] = "us-east-1";
  detail["requestParameters"]["bucketName"] = kBucket;
  detail["requestParameters"]["host"] = {kS3Host};
  json event = {{"version", "0"},
                {"id", id},
                {"detail-type", "AWS API Call via CloudTrail"},
                {"source", "aws.s3"},
                {"account", "123456789012"},
                {"time", "2019-01-01T00:00:00Z"},
                {"region", "us-east-1"},
                {"resources", json::array()},
                {"detail", detail}};
  return event.dump();
}

// The read finds no configuration, on every attempt.
inline void ScriptNoConfiguration(const fake::Fake& f) {
  json many = json::array();
  for (int i = 0; i < 20; ++i) {
    many.push_back({{"status", 404},
                    {"body", "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code>"
                             "<Message>none</Message></Error>"}});
  }
  f.Script({{"method", "GET"}, {"path", "/"}, {"host", kS3Host}, {"responses", many}});
}

// The environment a host needs to reach the fake with fake credentials.
inline std::map<std::string, std::string> FakeEnv(const fake::Fake& f) {
  return {{"AWS_ACCESS_KEY_ID", fake::kKey},
          {"AWS_SECRET_ACCESS_KEY", fake::kSecret},
          {"AWS_SESSION_TOKEN", fake::kToken},
          {"AWS_ENDPOINT_URL", f.url()},
          {"PROACT_IDEMPOTENCY", "memory"}};
}

inline json OnlyMethod(const json& requests, const std::string& method) {
  json out = json::array();
  for (const json& r : requests) {
    if (r["method"] == method) out.push_back(r);
  }
  return out;
}

// The outcomes of the e2e policy's action in the host's decision log lines,
// in log order.
inline std::vector<std::string> DecisionOutcomes(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string text;
  while (std::getline(in, text)) {
    json line = json::parse(text, nullptr, false);
    if (line.is_discarded() || line.value("location", "") != "proact.decision") continue;
    if (!line.contains("matches")) continue;
    for (const json& m : line["matches"]) {
      if (m.value("policy", "") != kPolicyId) continue;
      for (const json& a : m["actions"]) out.push_back(a.value("outcome", ""));
    }
  }
  return out;
}

}  // namespace proact::internal::e2e

#endif  // PROACT_TESTS_HOST_E2E_S3_H_
