// `proact test`.
#include "cli/commands.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "proact/policy_test.h"
#include "proact/engine.h"
#include "proact/host.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"

namespace proact::cli {

const char kTestUsage[] =
    "usage: proact test [-v] [--coverage] [--require-coverage]\n"
    "                   [--format junit FILE] [--catalogues DIR] PATH...\n"
    "\n"
    "Loads the policies under PATH (files or directories) and runs the test\n"
    "cases in their `tests:` sections (docs/testing.md). Prints one block per\n"
    "failing case: FILE:LINE, expected vs actual, and why the policy matched\n"
    "or not (as `proact explain`). The last line is `N passed, N failed`.\n"
    "\n"
    "options:\n"
    "  -v                   list every case, passing ones too\n"
    "  --coverage           list each policy with its number of cases, and\n"
    "                       the policies no case exercises\n"
    "  --require-coverage   a failure for each policy without a case, without\n"
    "                       a case in which it matches, and for each `except`\n"
    "                       entry without a case in which it suppresses a match\n"
    "  --format junit FILE  also write JUnit XML to FILE\n"
    "  --catalogues DIR     field catalogues to check the policies' fields\n"
    "                       against (default: the ones built into proact)\n"
    "Exit status: 0 when every case passed and everything compiled, 1\n"
    "otherwise, 2 on bad usage.\n";

int Test(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  bool verbose = false, coverage = false, require_coverage = false;
  std::string junit, catalogues;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (IsHelp(a)) {
      std::cout << kTestUsage;
      return 0;
    } else if (a == "--catalogues") {
      if (i + 1 >= args.size()) {
        std::cerr << "proact test: --catalogues needs a directory\n" << kTestUsage;
        return 2;
      }
      catalogues = args[++i];
    } else if (a == "-v" || a == "--verbose") {
      verbose = true;
    } else if (a == "--coverage") {
      coverage = true;
    } else if (a == "--require-coverage") {
      coverage = require_coverage = true;
    } else if (a == "--format") {
      if (i + 2 >= args.size() || args[i + 1] != "junit") {
        std::cerr << "proact test: --format takes 'junit FILE'\n";
        return 2;
      }
      junit = args[i + 2];
      i += 2;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "proact test: unknown option '" << a << "'\n" << kTestUsage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) {
    std::cerr << "proact test: no paths given\n" << kTestUsage;
    return 2;
  }
  proact::PolicyTestOptions test_options;
  if (!UseCatalogues(catalogues, "test", &test_options.compile)) return 2;
  proact::PolicyTestReport report = proact::RunPolicyTests(paths, test_options);
  for (const proact::Diagnostic& d : report.warnings) std::cerr << d.ToString() << "\n";
  for (const proact::Diagnostic& d : report.diagnostics) std::cerr << d.ToString() << "\n";
  for (const proact::PolicyTestCase& c : report.cases) {
    if (c.passed) {
      if (verbose) std::cout << c.location.ToString() << ": PASS: " << c.name << "\n";
      continue;
    }
    std::cout << c.location.ToString() << ": FAIL: " << (c.name.empty() ? "(unnamed)" : c.name) << "\n";
    std::istringstream lines(c.failure);
    std::string line;
    while (std::getline(lines, line)) std::cout << "    " << line << "\n";
  }
  std::size_t failed = report.failed + report.diagnostics.size();
  if (coverage) {
    std::vector<std::string> untested = report.UntestedPolicies();
    std::cout << "coverage: " << report.cases_per_policy.size() - untested.size() << " of "
              << report.cases_per_policy.size() << " policies have test cases\n";
    if (verbose) {
      for (const auto& [id, n] : report.cases_per_policy) {
        std::cout << "  " << id << ": " << n << (n == 1 ? " case" : " cases") << "\n";
      }
    }
    for (const std::string& id : untested) {
      std::cout << "  untested: " << id << "\n";
      if (require_coverage) ++failed;
    }
    std::size_t excepts_covered = 0;
    for (const auto& e : report.except_coverage) excepts_covered += e.cases > 0;
    std::cout << "coverage: " << excepts_covered << " of " << report.except_coverage.size()
              << " except entries suppress a match in some case\n";
    for (const std::string& gap : report.CoverageGaps()) {
      std::cout << "  " << gap << "\n";
      if (require_coverage) ++failed;
    }
  }
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary);
    out << report.ToJUnitXml();
    if (!out) {
      std::cerr << "proact test: " << junit << ": cannot be written\n";
      return 1;
    }
  }
  if (report.cases.empty() && report.diagnostics.empty()) {
    std::cerr << "proact test: no test cases found (a run that tests nothing fails)\n";
    ++failed;
  }
  std::cout << report.passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace proact::cli
