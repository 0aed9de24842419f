// `proact serve`: the HTTP adapter (Cloud Run, Cloud Functions gen2, Azure
// Functions custom handlers). See docs/adapters.md.
#ifndef PROACT_SRC_CLI_SERVE_COMMAND_H_
#define PROACT_SRC_CLI_SERVE_COMMAND_H_

#include <string>
#include <vector>

namespace proact::cli {

extern const char kServeUsage[];

// Runs the server until SIGTERM/SIGINT; returns the process exit status.
int Serve(const std::vector<std::string>& args);

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_SERVE_COMMAND_H_
