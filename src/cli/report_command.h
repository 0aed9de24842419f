// `proact report`: per-policy matches, action outcomes, estimated savings
// and engine cost per event, from host decision logs. See docs/adapters.md.
#ifndef PROACT_SRC_CLI_REPORT_COMMAND_H_
#define PROACT_SRC_CLI_REPORT_COMMAND_H_

#include <string>
#include <vector>

namespace proact::cli {

extern const char kReportUsage[];

// Runs the command; returns the process exit status.
int Report(const std::vector<std::string>& args);

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_REPORT_COMMAND_H_
