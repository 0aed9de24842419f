// libFuzzer: policy YAML -> compile (-> evaluate one event when it compiles).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proact/engine.h"
#include "proact/policy_set.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  proact::Result<proact::PolicySet> set = proact::PolicySet::FromString(yaml, "fuzz.yaml");
  if (!set.ok()) {
    for (const proact::Diagnostic& d : set.status().diagnostics()) (void)d.ToString();
    return 0;
  }
  proact::Engine engine(set.value());
  proact::Decision decision;
  (void)engine.Evaluate(
      R"({"id":"1","source":"aws.s3","detail-type":"AWS API Call via CloudTrail","account":"1","region":"r",)"
      R"("detail":{"eventName":"PutBucketAcl","n":5,"a":[1,"x",{"k":"v"}],"userIdentity":{"arn":"arn:aws:iam::1:user/u"}}})",
      &decision);
  (void)decision.ToJson().dump();
  return 0;
}
