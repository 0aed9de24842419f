// `proact bench`: throughput, latency, compile time and memory of the engine
// on a set of policies and events, with an optional check against expected
// match sets.
#ifndef PROACT_SRC_CLI_BENCH_COMMAND_H_
#define PROACT_SRC_CLI_BENCH_COMMAND_H_

#include <string>
#include <vector>

namespace proact::cli {

extern const char kBenchUsage[];

// Runs the command; returns the process exit status.
int Bench(const std::vector<std::string>& args);

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_BENCH_COMMAND_H_
