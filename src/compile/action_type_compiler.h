// ActionTypeCompiler: `action_types:` entries into ActionType records.
//
// Checks every key and value of an action type (docs/remediation.md), with
// did-you-mean hints for misspelt keys and unknown template roots, and
// compiles request templates, response rules and the `compliant_if` /
// `done_if` / `failed_if` conditions (event patterns run against a
// response). CheckActionParams checks a policy action's params against its
// type. Every problem goes to the DiagnosticSink; compilation goes on after
// an error so that one run reports them all.
#ifndef PROACT_SRC_COMPILE_ACTION_TYPE_COMPILER_H_
#define PROACT_SRC_COMPILE_ACTION_TYPE_COMPILER_H_

#include <functional>
#include <string>
#include <vector>

#include "action/action_type.h"
#include "compile/policy_compiler.h"
#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"

namespace proact::internal {

const std::vector<KeySpec>& ActionTypeKeys();
const std::vector<KeySpec>& ParamSpecKeys();
const std::vector<KeySpec>& CredentialKeys();
const std::vector<KeySpec>& AssumeRootKeys();
const std::vector<KeySpec>& PermissionKeys();
const std::vector<KeySpec>& RequestKeys();
const std::vector<KeySpec>& BodyKeys();
const std::vector<KeySpec>& ResponseRuleKeys();
const std::vector<KeySpec>& PollKeys();
const std::vector<std::string_view>& CredentialProviders();
const std::vector<std::string_view>& ParamTypeNames();
const std::vector<std::string_view>& HttpMethods();

// Compiles a condition (an event pattern node) into a program of its own;
// returns its index in Program::conditions, or -1 after reporting errors.
using ConditionCompiler = std::function<int(const Node& pattern)>;

// Compiles the action type `name` declared by `node`. Returns false when an
// error was reported; *out is usable only on success.
bool CompileActionType(const Node& name, const Node& node, DiagnosticSink* sink,
                       const ConditionCompiler& conditions, ActionType* out);

// Checks a policy action's `params` node (a mapping, or nullptr when the
// action has none) against `type`: unknown params (with did-you-mean),
// missing required ones, and literal values of the wrong type, outside
// `allowed` or not matching `pattern`. `at` is the action node.
void CheckActionParams(const ActionType& type, const Node& at, const Node* params,
                       DiagnosticSink* sink);

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_ACTION_TYPE_COMPILER_H_
