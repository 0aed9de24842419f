// `proact permissions`.
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

const char kPermissionsUsage[] =
    "usage: proact permissions PATH...\n"
    "\n"
    "Compiles the policy files and prints, as JSON, what the action types their\n"
    "enabled policies use need: an IAM policy document for the remediation\n"
    "role (and one allowing sts:AssumeRole into the roles types assume), the\n"
    "GitHub App permissions, the Okta and Slack scopes, the GCP permissions,\n"
    "the Azure role actions, and which policies use each action type\n"
    "(docs/remediation.md).\n";

int Permissions(const std::vector<std::string>& args) {
  if (!args.empty() && IsHelp(args[0])) {
    std::cout << kPermissionsUsage;
    return 0;
  }
  if (args.empty()) {
    std::cerr << "proact permissions: no policy paths given\n" << kPermissionsUsage;
    return 2;
  }
  for (const std::string& a : args) {
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "proact permissions: unknown option '" << a << "'\n" << kPermissionsUsage;
      return 2;
    }
  }
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(args, &set)) return 1;
  std::cout << proact::RequiredPermissions(*set).dump(2) << "\n";
  return 0;
}

}  // namespace proact::cli
