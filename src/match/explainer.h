// Explainer: why each policy matched an event or did not.
//
// For every alternative of a policy's pattern (and of its `except`
// patterns) it lists each field test: the path, the values the event holds
// there (or "missing"), the operator with its operands, whether it holds,
// and where the test is written (file:line). It re-reads the event with the
// engine's own reader and uses the matcher's own tests, so the explanation
// cannot disagree with the decision.
#ifndef PROACT_SRC_MATCH_EXPLAINER_H_
#define PROACT_SRC_MATCH_EXPLAINER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "match/scratch.h"
#include "proact/options.h"
#include "proact/status.h"
#include "program/program.h"

namespace proact::internal {

// Appends the explanation for policy `policy_id` (every policy when empty)
// to *out. Returns kNotFound for an unknown policy id, or the event's read
// error.
Status Explain(const Program& program, const EngineOptions& options,
               std::string_view event_json, std::string_view policy_id,
               ScratchRep* scratch, std::string* out);

// The policies (indexes, load order) the event matches, and the pairs
// (policy index, except entry) of policies whose match held but were
// suppressed by that entry of their `except`.
Status TraceMatches(const Program& program, const EngineOptions& options,
                    std::string_view event_json, ScratchRep* scratch,
                    std::vector<std::uint32_t>* matched,
                    std::vector<std::pair<std::uint32_t, std::uint32_t>>* suppressed);

// The operator of a value test as a policy author writes it, e.g.
// `prefix "arn:aws:iam::"` or `numeric [">=", 0, "<", 5]`.
std::string DescribeTest(const Program& program, const ValueTest& test);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_EXPLAINER_H_
