// An HTTP server with the host's own remediation code: what `proact serve
// --rules rules/ --path /events` runs, plus a C++ handler for one action of
// the shipped pack. Events are accepted on /events, on $PORT (else 8080);
// SIGTERM stops it after the requests in flight. Build it against an
// installed proact: cmake -S . -B build -DCMAKE_PREFIX_PATH=/opt/proact
#include <proact/host.h>
#include <proact/http_adapter.h>

int main() {
  proact::HttpAdapterOptions options;
  options.rules = {"rules/"};
  options.paths = {"/events"};
  options.program = "http-server";
  options.register_handlers = [](proact::Host& host) {
    host.dispatcher().Register(
        "aws.s3.put_public_access_block", [](const proact::ActionContext& ctx) {
          const auto& bucket = ctx.params.value("bucket", "");
          if (bucket.empty()) return proact::ActionResult::Permanent("no bucket");
          return proact::ActionResult::Ok("would block public access on " + bucket);
        });
  };
  return proact::RunHttpAdapter(options);
}
