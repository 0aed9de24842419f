// Loading a policy set with only some of its overrides: what `proact test`
// needs so that a test case sees the overrides of its own file and of the
// files loaded before it, and not those of later files (docs/testing.md).
#ifndef PROACT_SRC_API_POLICY_SET_LAYERS_H_
#define PROACT_SRC_API_POLICY_SET_LAYERS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "proact/options.h"
#include "proact/policy_set.h"
#include "proact/status.h"

namespace proact::internal {

// As PolicySet::Load, leaving out the overrides (list appends and policy
// overrides) of the files at load-order index `override_files` or later.
// Every plain definition is compiled whatever the index. SIZE_MAX: all.
Result<PolicySet> LoadPolicySet(const std::vector<std::string>& paths,
                                const CompileOptions& options, std::size_t override_files);

// As PolicySet::FromSources, with the same cut as LoadPolicySet.
Result<PolicySet> CompilePolicySet(const std::vector<PolicySource>& sources,
                                   const CompileOptions& options, std::size_t override_files);

}  // namespace proact::internal

#endif  // PROACT_SRC_API_POLICY_SET_LAYERS_H_
