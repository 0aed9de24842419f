// A Lambda custom runtime with the host's own remediation code: the stock
// proact bootstrap, plus a C++ handler for one action of the shipped pack.
// Build it against an installed proact (see README.md) and package it in
// place of bin/bootstrap.
#include <cstdlib>
#include <string>

#include <proact/host.h>

int main() {
  const char* root = std::getenv("LAMBDA_TASK_ROOT");
  std::string rules = std::string(root != nullptr ? root : ".") + "/rules";
  return proact::LambdaMain(rules, [](proact::Host& host) {
    host.dispatcher().Register(
        "aws.s3.put_public_access_block", [](const proact::ActionContext& ctx) {
          const auto& bucket = ctx.params.value("bucket", "");
          if (bucket.empty()) return proact::ActionResult::Permanent("no bucket");
          // Call S3 PutPublicAccessBlock here (AWS SDK for C++, or an HTTP
          // call to your remediation service). Return Retryable() for
          // throttling and 5xx, Permanent() for errors a retry cannot fix.
          return proact::ActionResult::Ok("would block public access on " + bucket);
        });
  });
}
