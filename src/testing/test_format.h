// The keys of a `tests:` case (docs/testing.md), shared by the runner and
// the JSON Schema so that they cannot drift.
#ifndef PROACT_SRC_TESTING_TEST_FORMAT_H_
#define PROACT_SRC_TESTING_TEST_FORMAT_H_

#include <vector>

#include "compile/policy_compiler.h"

namespace proact::internal {

const std::vector<KeySpec>& TestCaseKeys();
const std::vector<KeySpec>& TestExpectKeys();
const std::vector<KeySpec>& TestActionKeys();

}  // namespace proact::internal

#endif  // PROACT_SRC_TESTING_TEST_FORMAT_H_
