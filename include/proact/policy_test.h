// Policy tests: the test cases policy authors write beside their policies
// (`tests:` sections, docs/testing.md), run the way `proact test` runs them.
//
// Thread-safety: RunPolicyTests is reentrant; it shares nothing between
// calls.
#ifndef PROACT_POLICY_TEST_H_
#define PROACT_POLICY_TEST_H_

#include <map>
#include <string>
#include <vector>

#include "proact/export.h"
#include "proact/normalizer.h"
#include "proact/options.h"
#include "proact/status.h"

namespace proact {

struct PolicyTestOptions {
  // Secrets for webhook fixtures that carry signatures (rarely needed).
  WebhookSecrets secrets;
  // How the policies are compiled; `proact test` turns on check_fields.
  CompileOptions compile;
};

struct PolicyTestCase {
  SourceLocation location;  // where the case is written
  std::string name;
  bool passed = false;
  // Why it failed: expected vs actual, and the explanation of the policy
  // under test for the event.
  std::string failure;
  std::vector<std::string> policies;  // policies the case exercises
};

struct PROACT_EXPORT PolicyTestReport {
  // Problems that stop every case: policies that do not compile, unreadable
  // test files. When not empty, cases may be missing.
  std::vector<Diagnostic> diagnostics;
  // Warnings from compiling the policies (they compiled despite them, e.g.
  // a field check's matches-everything), then fields absent from the tests
  // (code "absent-field"): a pattern or except field path that no test
  // event of its policy has, at the field test's file:line:col, e.g. "no
  // test event of policy X has detail.eventname; they have
  // detail.eventName". Reported, not failures.
  std::vector<Diagnostic> warnings;
  std::vector<PolicyTestCase> cases;
  std::size_t passed = 0;
  std::size_t failed = 0;
  // Coverage: every loaded policy with the number of cases exercising it.
  std::map<std::string, std::size_t> cases_per_policy;
  // Every loaded policy with the number of cases in which it matched.
  std::map<std::string, std::size_t> matching_cases_per_policy;
  // Every `except` entry of every policy, with the number of cases in
  // which it suppressed a match of its policy (the match held, the entry
  // held too).
  struct ExceptCoverage {
    std::string policy;
    std::size_t index = 0;  // 0-based, as written
    SourceLocation location;
    std::size_t cases = 0;
  };
  std::vector<ExceptCoverage> except_coverage;

  bool ok() const { return failed == 0 && diagnostics.empty(); }
  std::vector<std::string> UntestedPolicies() const;
  // What --require-coverage asks beyond a case per policy: one lines each
  // ("policy X: no case in which it matches", "policy X: except 2
  // (file:line:col): no case in which it suppresses a match").
  std::vector<std::string> CoverageGaps() const;
  // JUnit XML, one <testcase> per case, for CI systems.
  std::string ToJUnitXml() const;
};

// Loads the policies and the test cases under `paths` (files or
// directories, searched recursively for *.yaml / *.yml; test cases are the
// `tests:` sections of any of them) and runs every case.
PROACT_EXPORT PolicyTestReport RunPolicyTests(const std::vector<std::string>& paths,
                                              const PolicyTestOptions& options = {});

}  // namespace proact

#endif  // PROACT_POLICY_TEST_H_
