// proact: the command-line tool. Thin: it uses the public API (and util's
// header-only helpers) only, prints results and errors, and sets the exit
// status.
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

#include "cli/bench_command.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "proact/policy_schema.h"
#include "proact/version.h"

namespace {

const char kUsage[] =
    "usage: proact <command> [options]\n"
    "\n"
    "commands:\n"
    "  validate PATH...     compile policy files and directories; print every\n"
    "                       diagnostic; exit 1 on any error\n"
    "  eval --rules PATH... evaluate JSON Lines events, print one decision per\n"
    "                       line\n"
    "  bench                measure throughput, latency, compile time and\n"
    "                       memory on policies and events\n"
    "  test PATH...         run the policies' test cases (docs/testing.md)\n"
    "  schema               print the JSON Schema of policy and test files\n"
    "  explain --rules PATH show why each policy matched an event or did not\n"
    "  normalize [FILE]     print the EventBridge envelopes built from raw\n"
    "                       payloads (any supported source or envelope)\n"
    "  serve --rules PATH   run the HTTP adapter (Cloud Run, Cloud Functions,\n"
    "                       Azure Functions custom handler)\n"
    "  report FILE...       per policy: executions, platform cost, human cost\n"
    "                       avoided and net savings, from host logs (+ html)\n"
    "  version              print the version\n"
    "\n"
    "Run 'proact <command> --help' for a command's options.\n";


}  // namespace

using namespace proact::cli;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || IsHelp(args[0]) || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "validate") return Validate(args);
  if (command == "eval") return Eval(args);
  if (command == "plan") return Eval(args, /*plan=*/true);
  if (command == "permissions") return Permissions(args);
  if (command == "bench") return proact::cli::Bench(args);
  if (command == "serve") return proact::cli::Serve(args);
  if (command == "report") return proact::cli::Report(args);
  if (command == "normalize") return Normalize(args);
  if (command == "explain") return Explain(args);
  if (command == "test") return Test(args);
  if (command == "schema") {
    if (!args.empty() && IsHelp(args[0])) {
      std::cout << "usage: proact schema\n\nPrints the JSON Schema (draft 2020-12) of policy files and\n"
                   "their tests: sections, for editors (docs/testing.md).\n";
      return 0;
    }
    if (!args.empty()) {
      std::cerr << "proact schema: takes no arguments\n";
      return 2;
    }
    std::cout << proact::PolicyFileSchema().dump(2) << "\n";
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::cout << "proact " << proact::Version() << "\n";
    return 0;
  }
  std::cerr << "proact: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
