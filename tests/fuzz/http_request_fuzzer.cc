// libFuzzer: the HTTP request path after the socket: headers and a body
// (gzip-inflated within the body limit when Content-Encoding says so) ->
// normalize (webhook verification, envelopes, documents inside strings)
// -> evaluate against the shipped pack.
// Input: header lines "Name: value\n", an empty line, then the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "normalize/codec.h"
#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "util/strings.h"

namespace {
const proact::Engine& PackEngine() {
  static const proact::Engine engine(proact::PolicySet::Load({PROACT_SOURCE_DIR "/rules"}).value());
  return engine;
}
const proact::Normalizer& Verifying() {
  static const proact::Normalizer normalizer([] {
    proact::WebhookSecrets s;
    s.github = "fuzz-secret";
    s.slack = "fuzz-secret";
    return s;
  }());
  return normalizer;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  proact::Headers headers;
  std::size_t pos = 0;
  bool gzip = false;
  while (pos < in.size()) {
    std::size_t eol = in.find('\n', pos);
    if (eol == std::string_view::npos) eol = in.size();
    std::string_view line = in.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::string value(line.substr(colon + 1));
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (proact::internal::AsciiLower(name) == "content-encoding" &&
        proact::internal::AsciiLower(value) == "gzip") {
      gzip = true;
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  std::string body(pos < in.size() ? in.substr(pos) : std::string_view());
  if (gzip) {
    std::optional<std::string> inflated = proact::internal::Gunzip(body, 8u << 20);
    if (!inflated) return 0;
    body = std::move(*inflated);
  }
  if (headers.empty()) headers.emplace_back("content-type", "application/json");
  proact::Decision decision;
  proact::NormalizeResult r = Verifying().Normalize(body, headers);
  for (const proact::NormalizedEvent& e : r.events) {
    proact::Status st = PackEngine().Evaluate(e.json, &decision);
    if (st.ok()) {
      (void)decision.ToJson().dump();
    } else if (st.message().find("not an EventBridge envelope") != std::string::npos) {
      __builtin_trap();  // the normalizer makes only envelopes
    }
  }
  return 0;
}
