// The `bootstrap` executable of the AWS Lambda custom runtime
// (provided.al2023). Policies come from $PROACT_RULES, else the `rules/`
// folder of the deployment package ($LAMBDA_TASK_ROOT/rules), else `rules/`
// beside this executable.
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "proact/host.h"
#include "util/environment.h"

int main() {
  std::string root;
  if (const char* task_root = proact::internal::GetEnv("LAMBDA_TASK_ROOT"); task_root != nullptr && *task_root) {
    root = task_root;
  } else {
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) {
      root.assign(path, static_cast<std::size_t>(n));
      root.erase(root.find_last_of('/'));
    } else {
      root = ".";
    }
  }
  return proact::LambdaMain(root + "/rules");
}
