// MatchedElements: which elements of an event array a matched policy's
// pattern held in, for the `[matched]` template step
// (`{{ detail.items[matched].port }}`). Runs after MatchEvent, on the values
// the event reader recorded; rendering only, never the match itself.
#ifndef PROACT_SRC_MATCH_MATCHED_ELEMENTS_H_
#define PROACT_SRC_MATCH_MATCHED_ELEMENTS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "match/scratch.h"
#include "program/program.h"

namespace proact::internal {

// Sets *out to the indexes (ascending) of the elements of `array`, the
// event's value at `field` (dot-joined keys with no array above it), in
// which policy `policy`'s match held: for some match alternative that held,
// every field test it makes at or under `field` (other than exists: false)
// is met by a value inside that element. Alternatives that test nothing
// under `field` choose no element. REQUIRES: MatchEvent ran on the event in
// `scratch` and matched `policy`.
void MatchedElements(const Program& program, const ScratchRep& scratch, std::uint32_t policy,
                     std::string_view field, const nlohmann::json& array,
                     std::vector<std::size_t>* out);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_MATCHED_ELEMENTS_H_
