// Conditions: an event pattern tested against a JSON document that is not
// an event (a remediation answer: `compliant_if`, `done_if`, `failed_if`).
//
// The pattern is compiled as a one-policy Program (policy_compiler.cc,
// CompileCondition); this runs the matcher on the document. Lives in the
// core library so that only it sees the matcher's scratch layout.
#ifndef PROACT_SRC_MATCH_CONDITION_H_
#define PROACT_SRC_MATCH_CONDITION_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "program/program.h"

namespace proact::internal {

// True when `document` (an object) matches condition `index` of `program`;
// false for other documents and out-of-range indexes.
bool ConditionHolds(const Program& program, int index, const nlohmann::json& document);
// The same for a document given as JSON text (read as an event is).
bool ConditionHoldsText(const Program& program, int index, std::string_view document_json);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_CONDITION_H_
