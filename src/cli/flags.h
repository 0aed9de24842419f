// What every `proact` command shares when it reads its arguments and
// reports: help flags, flag values, policy loading and diagnostics.
#ifndef PROACT_SRC_CLI_FLAGS_H_
#define PROACT_SRC_CLI_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "proact/normalizer.h"
#include "proact/options.h"
#include "proact/policy_set.h"
#include "proact/status.h"

namespace proact::cli {

// True for -h and --help.
bool IsHelp(const std::string& arg);

// The value after the flag at args[*i], advancing *i past it; nullptr after
// printing "proact COMMAND: FLAG needs a value" when the flag is last.
const std::string* FlagValue(const char* command, const std::vector<std::string>& args,
                             std::size_t* i);

// Prints diagnostics to stderr, one per line.
void PrintDiagnostics(const std::vector<Diagnostic>& diags);

// Turns on the field checks with the catalogues of `dir` (every *.json in
// it, by name), or the ones built into the CLI when `dir` is empty. Returns
// false after printing why when `dir` cannot be read.
bool UseCatalogues(const std::string& dir, const char* command, CompileOptions* options);

// Loads and compiles; prints diagnostics. Returns false on failure.
bool LoadPolicies(const std::vector<std::string>& paths, std::optional<PolicySet>* out,
                  const CompileOptions& options = {});

// `--header NAME:VALUE`: a request header given with a saved webhook body,
// as it arrived (X-GitHub-Event, X-Hub-Signature-256...). False, with a
// message, when the argument has no name before ':'.
bool AddHeader(const char* command, const std::string& arg, Headers* headers);

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_FLAGS_H_
