// libFuzzer: raw payload -> normalize -> evaluate against the shipped pack.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"

namespace {
const proact::Engine& PackEngine() {
  static const proact::Engine engine(proact::PolicySet::Load({PROACT_SOURCE_DIR "/rules"}).value());
  return engine;
}
// The same pack matching any JSON object as it is, envelope or not.
const proact::Engine& RawPackEngine() {
  static const proact::Engine engine(PackEngine().policies(), [] {
    proact::EngineOptions options;
    options.raw_events = true;
    return options;
  }());
  return engine;
}
// Evaluates a normalized event; the normalizer only makes envelopes, so the
// engine must never refuse one as not being one.
void EvaluateEnvelope(const std::string& json) {
  proact::Decision decision;
  proact::Status st = PackEngine().Evaluate(json, &decision);
  if (st.ok()) {
    (void)decision.ToJson().dump();
  } else if (st.message().find("not an EventBridge envelope") != std::string::npos) {
    __builtin_trap();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const proact::Normalizer normalizer;
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  proact::Decision decision;
  (void)RawPackEngine().Evaluate(payload, &decision);  // as a raw event
  (void)PackEngine().Evaluate(payload, &decision);     // refused unless an envelope
  proact::NormalizeResult r = normalizer.Normalize(payload);
  for (const proact::NormalizedEvent& e : r.events) EvaluateEnvelope(e.json);
  // The one-read path gives what the two calls give.
  static proact::Scratch scratch;
  static proact::NormalizeResult once;
  static std::vector<proact::Decision> decisions;
  static std::vector<proact::Status> statuses;
  PackEngine().NormalizeAndEvaluate(normalizer, payload, {}, scratch, &once, &decisions,
                                    &statuses);
  if (once.events.size() != r.events.size() || once.errors.size() != r.errors.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    proact::Decision two;
    proact::Status st = PackEngine().Evaluate(r.events[i].json, scratch, &two);
    if (st.code() != statuses[i].code() || once.events[i].kind != r.events[i].kind) {
      __builtin_trap();
    }
    if (st.ok() && two.ToJson() != decisions[i].ToJson()) __builtin_trap();
  }
  return 0;
}
