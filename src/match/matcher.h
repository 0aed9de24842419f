// Matcher: which policies an event's recorded values satisfy.
//
// Candidate rules come from the exact-value index (one lookup per recorded
// value) plus the rules with no exact-valued field; each candidate is then
// verified test by test. A policy matches when one of its match rules holds
// and none of its except rules does.
#ifndef PROACT_SRC_MATCH_MATCHER_H_
#define PROACT_SRC_MATCH_MATCHER_H_

#include "match/scratch.h"
#include "program/program.h"

namespace proact::internal {

// REQUIRES: ReadEvent succeeded for this event on `scratch`.
// Fills scratch->matched_policies with policy indexes in load order.
void MatchEvent(const Program& program, ScratchRep* scratch);

// True when rule `rule` holds for the event in `scratch` (every field test,
// with the same-element rule for arrays of objects).
bool RuleHolds(const Program& program, std::uint32_t rule, ScratchRep* scratch);

// True when `value` satisfies the single test `test`.
bool TestValue(const Program& program, const ValueTest& test,
               const EventValue& value);

// Glob match of `s` against a compiled wildcard.
bool WildcardMatch(const Wildcard& w, std::string_view s);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_MATCHER_H_
