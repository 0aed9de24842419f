// `proact validate`.
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
#include "proact/engine.h"
#include "proact/host.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"

namespace proact::cli {

namespace {


// `validate --budget`: one line per policy that uses anything, costliest
// first (by share of its most used limit), then the set's total against
// each limit.
void PrintBudget(const proact::PolicySet& set) {
  const proact::CompileOptions limits;
  auto share = [&](const proact::PolicyCost& c) {
    double s = 0;
    s = std::max(s, static_cast<double>(c.regex_mem) / static_cast<double>(limits.max_set_regex_mem));
    s = std::max(s, static_cast<double>(c.regexes) / static_cast<double>(limits.max_set_regexes));
    s = std::max(s, static_cast<double>(c.value_tests) / static_cast<double>(limits.max_set_value_tests));
    s = std::max(s, static_cast<double>(c.program_bytes) /
                        static_cast<double>(limits.max_set_program_bytes));
    return s;
  };
  std::vector<std::size_t> order(set.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return share(set.policy(a).cost) > share(set.policy(b).cost);
  });
  auto line = [](const proact::PolicyCost& c) {
    return "regexes " + std::to_string(c.regexes) + " (" + std::to_string(c.regex_mem) +
           " bytes), value tests " + std::to_string(c.value_tests) + ", program " +
           std::to_string(c.program_bytes) + " bytes";
  };
  std::cout << "budget by policy (costliest first):\n";
  for (std::size_t i : order) {
    const proact::PolicyInfo& p = set.policy(i);
    std::cout << "  " << p.location.file << ":" << p.location.line << ":" << p.location.column
              << ": " << p.id << ": " << line(p.cost) << "\n";
  }
  const proact::PolicyCost t = set.total_cost();
  auto pct = [](double used, double max) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", max > 0 ? 100.0 * used / max : 0.0);
    return std::string(buf);
  };
  std::cout << "budget of the set (default limits): regex memory " << t.regex_mem << " of "
            << limits.max_set_regex_mem << " bytes ("
            << pct(static_cast<double>(t.regex_mem), static_cast<double>(limits.max_set_regex_mem))
            << "), regexes " << t.regexes << " of " << limits.max_set_regexes << " ("
            << pct(static_cast<double>(t.regexes), static_cast<double>(limits.max_set_regexes))
            << "), value tests " << t.value_tests << " of " << limits.max_set_value_tests << " ("
            << pct(static_cast<double>(t.value_tests), static_cast<double>(limits.max_set_value_tests))
            << "), program " << t.program_bytes << " of " << limits.max_set_program_bytes
            << " bytes ("
            << pct(static_cast<double>(t.program_bytes),
                   static_cast<double>(limits.max_set_program_bytes))
            << ")\n";
}

}  // namespace

const char kValidateUsage[] =
    "usage: proact validate [--budget] [--catalogues DIR] PATH...\n"
    "\n"
    "Compiles the policy files (and directories, searched recursively for\n"
    "*.yaml and *.yml) as one set. Prints warnings and errors as\n"
    "file:line:col diagnostics on stderr. Checks every field a pattern,\n"
    "except or template names against the field catalogues\n"
    "(docs/policy-language.md, \"Field checks\").\n"
    "  --catalogues DIR  read the field catalogues from DIR/*.json instead\n"
    "             of the ones built into proact\n"
    "  --budget   also print what each policy, and the whole set, uses of the\n"
    "             set budget (max_set_regex_mem, max_set_regexes,\n"
    "             max_set_value_tests, max_set_program_bytes), costliest first\n"
    "Exit status: 0 when everything compiles, 1 on any error, 2 on bad usage.\n";


int Validate(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  bool budget = false;
  std::string catalogues;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (IsHelp(a)) {
      std::cout << kValidateUsage;
      return 0;
    }
    if (a == "--budget") {
      budget = true;
      continue;
    }
    if (a == "--catalogues") {
      if (i + 1 >= args.size()) {
        std::cerr << "proact validate: --catalogues needs a directory\n" << kValidateUsage;
        return 2;
      }
      catalogues = args[++i];
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "proact validate: unknown option '" << a << "'\n"
                << kValidateUsage;
      return 2;
    }
    paths.push_back(a);
  }
  if (paths.empty()) {
    std::cerr << "proact validate: no policy paths given\n" << kValidateUsage;
    return 2;
  }
  proact::CompileOptions options;
  if (!UseCatalogues(catalogues, "validate", &options)) return 2;
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(paths, &set, options)) return 1;
  std::cout << "ok: " << set->size() << (set->size() == 1 ? " policy" : " policies")
            << " in " << set->files().size()
            << (set->files().size() == 1 ? " file" : " files");
  if (!set->warnings().empty()) {
    std::cout << ", " << set->warnings().size()
              << (set->warnings().size() == 1 ? " warning" : " warnings");
  }
  std::cout << "\n";
  if (budget) PrintBudget(*set);
  return 0;
}

}  // namespace proact::cli
