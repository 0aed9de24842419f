// FieldChecker: the field checks of `proact validate` and `proact test`
// (docs/policy-language.md, "Field checks").
//
// Runs on each compiled policy (a PolicyCheck, see compile/policy_facts.h)
// and reports, at the file:line:col the compiler recorded:
//   no-such-field      a pattern, `except` or template path that no event of
//                      the policy's sources has (error, with a did-you-mean);
//   field-type         a value that can never equal the field's JSON type
//                      (error, saying what to write);
//   matches-everything an enabled enforce-mode policy whose match holds for
//                      every event, or every event of its sources (warning).
// Only sources the catalogues cover are checked below the envelope; open
// parts of a shape ("any", open objects) are not checked below them.
// Const after construction; Check may run from several threads.
#ifndef PROACT_SRC_LINT_FIELD_CHECKER_H_
#define PROACT_SRC_LINT_FIELD_CHECKER_H_

#include "compile/policy_facts.h"
#include "lint/field_catalogue.h"
#include "load/diagnostic_sink.h"

namespace proact::internal {

class FieldChecker {
 public:
  // REQUIRES: `catalogue` outlives the checker.
  explicit FieldChecker(const FieldCatalogue* catalogue) : catalogue_(catalogue) {}

  void Check(const PolicyFacts& policy, DiagnosticSink* sink) const;

 private:
  const FieldCatalogue* catalogue_;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_LINT_FIELD_CHECKER_H_
