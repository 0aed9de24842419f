// The `proact` commands, one file each (src/cli/*_command.cc). Each takes
// the arguments after the command's name and returns the exit status: 0
// success, 1 the job failed (the reason on stderr), 2 bad arguments.
#ifndef PROACT_SRC_CLI_COMMANDS_H_
#define PROACT_SRC_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace proact::cli {

int Validate(const std::vector<std::string>& args);
int Normalize(const std::vector<std::string>& args);
int Explain(const std::vector<std::string>& args);
int Test(const std::vector<std::string>& args);
int Permissions(const std::vector<std::string>& args);
// `eval`, or `plan` when `plan` is true.
int Eval(const std::vector<std::string>& args, bool plan = false);

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_COMMANDS_H_
