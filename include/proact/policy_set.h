// PolicySet: a compiled, immutable set of policies.
//
// A PolicySet is loaded from YAML policy files, directories (searched
// recursively for *.yaml and *.yml) or strings, and compiled once into a
// program the Engine evaluates events against. Loading reports every problem
// it finds as a Diagnostic; a set with any error is not returned.
//
// Load order, which is the order matches are reported in, is: files in
// lexicographic path order, then policies in file order. Overrides (list
// appends and `- override: ID` entries) apply after every plain definition,
// in load order (docs/policy-language.md, "Overrides").
//
// Thread-safety: a PolicySet is immutable after loading. Copies share the
// compiled program; any number of threads may use one concurrently.
#ifndef PROACT_POLICY_SET_H_
#define PROACT_POLICY_SET_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/export.h"
#include "proact/options.h"
#include "proact/status.h"

namespace proact {

namespace internal {
struct ApiAccess;
struct Program;
}  // namespace internal

// A policy file held in memory: its text and the name diagnostics use.
struct PolicySource {
  std::string name;  // e.g. "inline.yaml" or a real path
  std::string text;  // YAML
};

// What one policy, or a whole set, costs against the set budget of
// CompileOptions (max_set_regex_mem, max_set_regexes, max_set_value_tests,
// max_set_program_bytes). A policy is charged for what it adds: a regex or
// string another policy already brought is free.
struct PolicyCost {
  std::size_t regexes = 0;        // distinct regexes
  std::int64_t regex_mem = 0;     // their regex_max_mem, in bytes
  std::size_t value_tests = 0;    // as max_set_value_tests counts them
  std::size_t program_bytes = 0;  // bytes of the matching program
};

// Read-only facts about one loaded policy.
struct PROACT_EXPORT PolicyInfo {
  std::string id;
  std::string description;
  std::string severity;  // info|low|medium|high|critical
  std::string mode;      // enforce|dry-run
  bool enabled = true;
  std::vector<std::string> tags;
  double savings_minutes = 0;  // estimated manual effort saved per remediation
  double savings_usd = 0;
  nlohmann::json metadata;     // free-form, passed through (null if absent)
  // Circuit breaker: at most rate_limit_max enforce-mode remediations per
  // rate_limit_window_seconds (0: no limit). See proact/guard.h.
  std::uint64_t rate_limit_max = 0;
  std::uint64_t rate_limit_window_seconds = 0;
  SourceLocation location;     // where the policy starts
  std::vector<SourceLocation> except_locations;  // each `except` entry, in order
  // Each `- override: ID` entry that changed the policy, in the order they
  // applied (empty for a policy no file overrides).
  std::vector<SourceLocation> override_locations;
  PolicyCost cost;             // its share of the set budget
};

class PROACT_EXPORT PolicySet {
 public:
  // Loads every file named by `paths` (files or directories) and compiles
  // them as one set.
  // Returns the set, or a Status with code kInvalidPolicy whose
  // diagnostics() lists every error and warning, kNotFound for a missing
  // path, kIoError for an unreadable file.
  static Result<PolicySet> Load(const std::vector<std::string>& paths,
                                const CompileOptions& options = {});

  // Compiles policy files held in memory, in the order given (not sorted).
  static Result<PolicySet> FromSources(const std::vector<PolicySource>& sources,
                                       const CompileOptions& options = {});

  // Convenience: one YAML document named `name` in diagnostics.
  static Result<PolicySet> FromString(std::string_view yaml,
                                      std::string_view name = "<string>",
                                      const CompileOptions& options = {});

  // Compiles a JSON array of AWS EventBridge event patterns, as EventBridge
  // rules and benchmark workloads hold them: pattern i becomes the policy
  // with id "i" (severity medium, mode enforce, no actions). Diagnostics
  // point at the line and column where each pattern starts.
  static Result<PolicySet> FromPatterns(std::string_view json_array,
                                        std::string_view name = "<patterns>",
                                        const CompileOptions& options = {});

  // Number of policies, including disabled ones.
  std::size_t size() const;
  // REQUIRES: i < size(). Policies in load order.
  const PolicyInfo& policy(std::size_t i) const;
  // Warnings found while compiling (the set compiled despite them).
  const std::vector<Diagnostic>& warnings() const;
  // What the whole set costs against the set budget: the sum of every
  // policy's cost.
  PolicyCost total_cost() const;
  // Paths of the files the set was loaded from, in load order.
  const std::vector<std::string>& files() const;

 private:
  friend struct internal::ApiAccess;  // src/program/api_access.h
  explicit PolicySet(std::shared_ptr<const internal::Program> program);
  std::shared_ptr<const internal::Program> program_;
};

}  // namespace proact

#endif  // PROACT_POLICY_SET_H_
