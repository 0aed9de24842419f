// PolicyCompiler: policy files (YAML text) into a Program.
//
// Reads each file into a YamlDocument, checks every key and value of the
// policy language (see docs/policy-language.md), compiles `match` and
// `except` patterns with PatternCompiler and action parameters into
// templates, and builds the exact-value index. Every problem is reported to
// the DiagnosticSink; compilation goes on after an error so that one run
// reports them all.
#ifndef PROACT_SRC_COMPILE_POLICY_COMPILER_H_
#define PROACT_SRC_COMPILE_POLICY_COMPILER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "compile/policy_facts.h"
#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"
#include "proact/options.h"
#include "proact/policy_set.h"
#include "program/program.h"

namespace proact::internal {

// One accepted key of a policy-language mapping. The compiler checks keys
// against these tables, so documentation and tooling can be generated from
// them.
struct KeySpec {
  std::string_view name;
  std::string_view type;  // "string", "boolean", "list", "mapping", ...
  bool required;
  std::string_view description;
};

// Reports every key of mapping `map` that `keys` does not list
// ("unknown-key", with a did-you-mean hint) and every required key it lacks
// ("missing-key"); `what` names the mapping in messages.
void CheckMapKeys(const Node& map, const std::vector<KeySpec>& keys, const std::string& what,
                  DiagnosticSink* sink);

const std::vector<KeySpec>& FileKeys();
const std::vector<KeySpec>& PolicyKeys();
// Keys of a policy override (`- override: ID` in `policies:`): `override`
// and the policy keys an override may change. OverrideAppends names those whose
// entries are added to the policy's; every other key replaces its value.
const std::vector<KeySpec>& OverrideKeys();
bool OverrideAppends(std::string_view key);
// Keys of a list override (`NAME: {append: [...]}` in `lists:`).
const std::vector<KeySpec>& ListOverrideKeys();
const std::vector<KeySpec>& ActionKeys();
const std::vector<KeySpec>& SavingsKeys();
const std::vector<KeySpec>& RateLimitKeys();
const std::vector<std::string_view>& Severities();
const std::vector<std::string_view>& Modes();
// Top-level fields of the event envelope templates may start from.
const std::vector<std::string_view>& EnvelopeFields();

// Compiles `sources` in the given order. Returns false when any error was
// reported; *program is complete only on success. When `check` is set it
// runs on every policy that compiled without error (the field checks).
// Overrides (list appends and policy overrides) apply after every plain
// definition, in source order; those of sources at index
// `override_sources` or later are left out, unchecked (the test runner
// compiles such prefixes so that a test case sees the overrides of its own
// file and the files before it, docs/testing.md).
bool CompilePolicies(const std::vector<PolicySource>& sources,
                     const CompileOptions& options, DiagnosticSink* sink,
                     Program* program, const PolicyCheck& check = {},
                     std::size_t override_sources = static_cast<std::size_t>(-1));

// Compiles a JSON array of event patterns (source.text); pattern i becomes
// a policy with id "i", severity medium, mode enforce and no actions. The
// sink borrows `text` (diagnostics quote it): it must outlive the sink.
bool CompilePatterns(std::string name, std::string_view text, const CompileOptions& options,
                     DiagnosticSink* sink, Program* program);

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_POLICY_COMPILER_H_
