// Decision: what the engine concluded about one event.
//
// A Decision lists the policies the event matched, in load order, each with
// the actions it asks for, rendered against the event. The engine never runs
// actions; the host does. Per-event problems (a template naming a field the
// event lacks) are values inside the Decision, never a failed evaluation.
//
// Thread-safety: a plain value. A Decision passed to Engine::Evaluate is
// reused: its vectors keep their capacity between events.
#ifndef PROACT_DECISION_H_
#define PROACT_DECISION_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/export.h"

namespace proact {

// An action rendered for a matched policy.
struct PROACT_EXPORT Action {
  std::string name;        // the policy's `action:` value
  nlohmann::json params;   // `params:` with every template rendered
  bool dry_run = false;    // true: report, do not execute
};

// An action that could not be rendered; it is not in `actions`.
struct PROACT_EXPORT ActionError {
  std::string action;   // the action's name
  int index = 0;        // position of the action in the policy's `actions:`
  std::string message;  // e.g. "param 'bucket': field 'detail.x' is missing"
};

struct PROACT_EXPORT PolicyMatch {
  std::string policy;    // policy id
  std::string mode;      // "enforce" or "dry-run"
  std::string severity;  // info|low|medium|high|critical
  std::vector<Action> actions;
  std::vector<ActionError> errors;
  // Why enforce-mode actions were switched to dry-run (loop protection, a
  // rate limit), empty otherwise.
  std::string note;
};

struct PROACT_EXPORT Decision {
  // The event's top-level `id`, `source` and `detail-type` strings; empty
  // optionals when the event has none (or they are not strings).
  std::optional<std::string> id;
  std::optional<std::string> source;
  std::optional<std::string> detail_type;
  // Matched policies in load order; empty when nothing matched.
  std::vector<PolicyMatch> matches;

  void Clear();

  // The `proact eval` output line:
  // {"id":…,"source":…,"detail-type":…,"matches":[{"policy":…,"mode":…,
  //  "severity":…,"actions":[{"action":…,"params":{…}}],"errors":[…]}]}
  // Keys are in the order shown.
  nlohmann::ordered_json ToJson() const;

  // Appends ToJson().dump() to *out: the same bytes, written directly for
  // a decision without matches (what most events get), so printing one
  // allocates nothing once *out has grown.
  void AppendJson(std::string* out) const;

  // ToJson() with secrets in the matches (params, error messages, notes)
  // replaced by "[redacted]", as RedactSecrets does: for logs. ToJson() is
  // not redacted (the host needs the values to act).
  nlohmann::ordered_json ToLogJson() const;
};

// Replaces secrets in `j`, in place, with "[redacted]": the whole value of a
// member whose name says it holds a secret (password, pwd, secret, token,
// api_key / x-api-key, authorization, auth, cookie, session_id, private_key,
// client_secret, signature, credentials... compared by name segments in any
// case and separator style, at any depth; null values stay null), and, in
// every other string, the secret part of known value shapes (AWS access key
// ids, JWTs, GitHub / Slack tokens, Slack webhook URLs, URL and DSN
// passwords, PEM private keys, Bearer / Basic credentials, password=...
// pairs). docs/security.md ("What is redacted") lists them all. Linear in
// the size of `j`; never recurses.
PROACT_EXPORT void RedactSecrets(nlohmann::ordered_json* j);

}  // namespace proact

#endif  // PROACT_DECISION_H_
