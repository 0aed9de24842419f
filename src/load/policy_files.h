// Finding policy files: the paths a user names, directories searched
// recursively for *.yaml / *.yml (hidden entries skipped), in lexicographic
// path order, which is the order policies load in.
#ifndef PROACT_SRC_LOAD_POLICY_FILES_H_
#define PROACT_SRC_LOAD_POLICY_FILES_H_

#include <string>
#include <vector>

#include "proact/status.h"

namespace proact::internal {

// Fills *files, sorted and without duplicates. kNotFound for a missing path,
// kIoError for an unreadable directory.
Status CollectPolicyFiles(const std::vector<std::string>& paths,
                          std::vector<std::string>* files);

}  // namespace proact::internal

#endif  // PROACT_SRC_LOAD_POLICY_FILES_H_
