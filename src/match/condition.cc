#include "match/condition.h"

#include "match/event_reader.h"
#include "match/matcher.h"
#include "match/scratch.h"

namespace proact::internal {

bool ConditionHolds(const Program& program, int index, const nlohmann::json& document) {
  if (index < 0 || static_cast<std::size_t>(index) >= program.conditions.size()) return false;
  if (!document.is_object()) return false;
  std::string text = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return ConditionHoldsText(program, index, text);
}

bool ConditionHoldsText(const Program& program, int index, std::string_view text) {
  if (index < 0 || static_cast<std::size_t>(index) >= program.conditions.size()) return false;
  const Program& cond = *program.conditions[index];
  // One per thread, reused (as an engine's Scratch): the parsers keep
  // their buffers from request to request.
  thread_local ScratchRep scratch;
  static const EngineOptions options;
  if (!ReadEvent(text, false, cond, options, &scratch).ok()) return false;
  MatchEvent(cond, &scratch);
  return !scratch.matched_policies.empty();
}

}  // namespace proact::internal
