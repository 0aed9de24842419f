// Options for compiling policies and evaluating events.
//
// Plain structs with documented defaults. Every limit that protects the
// engine from hostile input is a field here; exceeding one produces an error
// that names the limit.
#ifndef PROACT_OPTIONS_H_
#define PROACT_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace proact {

struct CompileOptions {
  // Largest policy file read, in bytes.
  std::size_t max_file_bytes = 8u << 20;
  // Deepest YAML nesting accepted in a policy file.
  int max_yaml_depth = 64;
  // Largest number of policies in one loaded set.
  std::size_t max_policies = 100000;
  // Largest number of alternatives a pattern may expand to once its `$or`
  // branches are multiplied out.
  std::size_t max_pattern_alternatives = 1024;
  // Largest number of value tests one policy may hold (its match and except
  // patterns, after `$or` is multiplied out).
  std::size_t max_pattern_tests = 10000;
  // Memory budget for each compiled regular expression (RE2 max_mem).
  std::int64_t regex_max_mem = 1 << 20;
};

struct EngineOptions {
  // Largest event accepted, in bytes of JSON text.
  std::size_t max_event_bytes = 4u << 20;
  // Deepest nesting of objects and arrays in an event.
  int max_event_depth = 128;
  // Largest number of leaf values one event may supply to the matcher
  // (all elements of all arrays at the paths the policies use).
  std::size_t max_event_values = 100000;
  // Largest number of actions rendered for one event, over all matched
  // policies; the rest are reported as errors naming this limit.
  std::size_t max_actions_per_decision = 256;
  // Largest rendered `params` of one action, in bytes of compact JSON; a
  // larger one is an error for that action naming this limit.
  std::size_t max_action_params_bytes = 64u << 10;
  // When false (the default), an event is read as a projection: simdjson
  // checks the whole text for valid UTF-8 and string structure, and parses
  // in full only the objects and values on paths some policy uses; damage
  // elsewhere (e.g. `[1,,2]` in a field nothing reads) goes unnoticed. When
  // true, the whole event must be well-formed JSON: a full parse before
  // matching, which costs about as much as matching itself.
  bool validate_json = false;
  // When false, matched policies are reported without rendering their
  // actions (Decision::matches[i].actions stays empty): for hosts that only
  // need to know which policies matched.
  bool render_actions = true;
  // Loop protection: the remediator's own identities (role ARNs, service
  // account emails, GitHub App logins, Okta client ids...). An event whose
  // actor (one of identity_fields) is one of them never triggers
  // enforce-mode actions: they are reported as dry-run with a note.
  std::vector<std::string> self_identities;
  // Where events name their actor, as template paths.
  std::vector<std::string> identity_fields = {
      "detail.userIdentity.arn",
      "detail.userIdentity.sessionContext.sessionIssuer.arn",
      "detail.protoPayload.authenticationInfo.principalEmail",
      "detail.sender.login",
      "detail.actor.alternateId",
      "detail.caller",
      "detail.event.user"};
  // When true, every action of every matched policy is reported as dry-run,
  // whatever the policy's own mode.
  bool dry_run = false;
};

}  // namespace proact

#endif  // PROACT_OPTIONS_H_
