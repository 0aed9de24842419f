// libFuzzer: template text + event -> parse the template, render it.
// Input: the template, a NUL byte, then the event JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proact/engine.h"
#include "proact/policy_set.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t nul = input.find('\0');
  std::string_view tmpl = input.substr(0, nul);
  std::string_view event = nul == std::string_view::npos ? std::string_view("{}") : input.substr(nul + 1);
  // The template becomes a parameter of a policy matching every event.
  nlohmann::json param = std::string(tmpl);
  std::string yaml = "policies:\n  - id: t\n    match: {source: [{exists: true}]}\n"
                     "    actions: [{action: a, params: {v: " + param.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "}}]\n";
  proact::Result<proact::PolicySet> set = proact::PolicySet::FromString(yaml, "t.yaml");
  if (!set.ok()) return 0;
  proact::EngineOptions options;
  options.raw_events = true;  // the fuzzed event is any JSON, envelope or not
  proact::Engine engine(set.value(), options);
  proact::Decision decision;
  if (engine.Evaluate(event, &decision).ok()) (void)decision.ToJson().dump();
  return 0;
}
