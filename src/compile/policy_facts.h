// PolicyFacts: what the compiler knows about one compiled policy, handed to
// optional checks that run after it (the field checks in src/lint/).
//
// The compiler fills these only when a check is installed; the check reads
// them and reports to the same DiagnosticSink. Checks depend on compile/,
// never the reverse: the compiler sees only the PolicyCheck callback.
#ifndef PROACT_SRC_COMPILE_POLICY_FACTS_H_
#define PROACT_SRC_COMPILE_POLICY_FACTS_H_

#include <functional>
#include <string>
#include <vector>

#include "action/template.h"
#include "compile/pattern_compiler.h"
#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"

namespace proact::internal {

// A field path read by a template in an action's params.
struct TemplatePath {
  std::vector<PathStep> path;
  std::string text;  // as written
  int file = 0;
  Mark mark;         // where `text` starts in the policy file
};

// A path the policy declares to exist (`known_fields:`).
struct KnownField {
  std::vector<PathStep> path;
  std::string text;
};

struct PolicyFacts {
  std::string id;
  std::string mode;  // "enforce" or "dry-run"
  bool enabled = true;
  int file = 0;
  Mark mark;         // where the policy starts
  const std::vector<Alternative>* match = nullptr;
  // One entry per `except` pattern, each its alternatives.
  std::vector<std::vector<Alternative>> except;
  std::vector<TemplatePath> template_paths;
  std::vector<KnownField> known_fields;
};

// Runs after a policy compiled without error; reports to `sink`.
using PolicyCheck = std::function<void(const PolicyFacts&, DiagnosticSink*)>;

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_POLICY_FACTS_H_
