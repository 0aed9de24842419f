// Matcher: which policies an event's recorded values satisfy.
//
// Candidate rules come from the exact-value index (one lookup per recorded
// value) plus the rules with no exact-valued field; each candidate is then
// verified test by test. A policy matches when one of its match rules holds
// and none of its except rules does.
#ifndef PROACT_SRC_MATCH_MATCHER_H_
#define PROACT_SRC_MATCH_MATCHER_H_

#include <cstdint>
#include <string>

#include "match/scratch.h"
#include "program/program.h"

namespace proact::internal {

// REQUIRES: ReadEvent succeeded for this event on `scratch`.
// Fills scratch->matched_policies with policy indexes in load order.
void MatchEvent(const Program& program, ScratchRep* scratch);

// True when rule `rule` holds for the event in `scratch` (every field test,
// with the same-element rule for arrays of objects).
bool RuleHolds(const Program& program, std::uint32_t rule, ScratchRep* scratch);

// True when `value` satisfies the single test `test`. `folded` is working
// memory (a hashed `anything-but` equals-ignore-case list lower-cases the
// value into it). Charges nothing: callers that must stay within the
// per-event budget charge TestCost first.
bool TestValue(const Program& program, const ValueTest& test,
               const EventValue& value, std::string* folded);

// What running `test` on `value` costs against the per-event budget:
// steps and bytes (EngineOptions::max_event_steps, max_event_scan_bytes),
// and regex cost (max_event_regex_cost; 0 unless `test` is a regex).
std::uint64_t RegexCost(const Program& program, const ValueTest& test,
                        const EventValue& value);
void TestCost(const Program& program, const ValueTest& test,
              const EventValue& value, std::uint64_t* steps,
              std::uint64_t* scan_bytes);

// The message of the kLimitExceeded status for an event whose matching
// spent its budget (scratch.over_budget set).
std::string OverBudgetMessage(const ScratchRep& scratch);

// Glob match of `s` against a compiled wildcard.
bool WildcardMatch(const Wildcard& w, std::string_view s);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_MATCHER_H_
