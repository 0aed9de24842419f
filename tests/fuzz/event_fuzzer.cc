// libFuzzer: raw payload -> normalize -> evaluate against the shipped pack.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"

namespace {
const proact::Engine& PackEngine() {
  static const proact::Engine engine(proact::PolicySet::Load({PROACT_SOURCE_DIR "/rules"}).value());
  return engine;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const proact::Normalizer normalizer;
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  proact::Decision decision;
  (void)PackEngine().Evaluate(payload, &decision);  // as a raw event
  proact::NormalizeResult r = normalizer.Normalize(payload);
  for (const proact::NormalizedEvent& e : r.events) {
    if (PackEngine().Evaluate(e.json, &decision).ok()) (void)decision.ToJson().dump();
  }
  return 0;
}
