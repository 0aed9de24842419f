// AnchorPlanner: chooses how each match rule is found without scanning.
//
// A rule is reached through the value index on its *anchor*: one or two of
// its exact-valued field tests (strings, numbers, booleans, null). With one
// field, the index maps (field, value) to the rules; with two, it maps the
// pair of values, so that rules sharing a common value (every pattern pins
// `source: [aws.ec2]`, many share an account) are not all candidates for
// every event carrying it. Of a rule's exact fields, the two whose values the
// fewest other rules share are chosen. Rules with no exact-valued test are
// checked for every event.
#ifndef PROACT_SRC_COMPILE_ANCHOR_PLANNER_H_
#define PROACT_SRC_COMPILE_ANCHOR_PLANNER_H_

#include "program/program.h"

namespace proact::internal {

// Fills program->index, pair_index, pair_fallback, pair_signatures,
// anchor_field and unanchored_rules from program->rules, and moves each
// rule's anchor tests to the front of its field tests.
void PlanAnchors(Program* program);

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_ANCHOR_PLANNER_H_
