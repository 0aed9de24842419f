// Remediation plans and permissions: what declared action types would send,
// and what their credentials need. No network, no credentials.
//
// Action types are declared in policy files (`action_types:`, see
// docs/remediation.md). The host executes them (proact/dispatch.h,
// RegisterDeclaredActions); these functions show the same requests without
// sending them, for `proact plan`, dry-run logs and code review, and list
// the permissions for `proact permissions`.
//
// Thread-safety: free functions over an immutable PolicySet.
#ifndef PROACT_REMEDIATION_H_
#define PROACT_REMEDIATION_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/decision.h"
#include "proact/export.h"
#include "proact/policy_set.h"
#include "proact/status.h"

namespace proact {

struct PROACT_EXPORT PlannedRequest {
  std::string name;    // the request's name in its action type
  bool read = false;   // a read of the current state
  std::string method;
  std::string url;     // as sent (without an endpoint override)
  std::vector<std::pair<std::string, std::string>> headers;  // as declared, plus Content-Type / Content-MD5
  std::string body;
  // How it is authenticated, without secrets: "aws-sigv4 s3 us-east-1",
  // "aws-sigv4 ec2 eu-west-1 as arn:aws:iam::111122223333:role/x",
  // "aws-sigv4 iam us-east-1 as root of 111122223333 (AssumeRoot, task
  // policy IAMDeleteRootUserCredentials)",
  // "github-app installation 42", "okta-ssws", "gcp-metadata", "azure-msi",
  // "slack-bot", "none".
  std::string auth;

  // {"name","read","method","url","headers":{...},"body","identity"}: a
  // request as `proact plan` and the adapters' dry-run log lines show it
  // (not redacted: the caller redacts the line).
  nlohmann::ordered_json ToJson() const;
};

// The requests `action` (as a Decision renders it) would send when its name
// is a declared action type of `set`: every request in order, writes as
// they would be sent if every read found the resource non-compliant. Values
// only known when sending are shown as placeholders: "<steps.read.body.X>"
// and "[secret NAME]". kNotFound when the action's name is not a declared
// type; kInvalidArgument naming the parameter when its params do not fit the
// type or do not render. A manual type (no API can do it) plans no request;
// ManualReason says why.
PROACT_EXPORT Status PlanAction(const PolicySet& set, const Action& action,
                                std::vector<PlannedRequest>* out);

// The credential exchanges `action` would make before its requests whose
// content comes from the action: today the STS AssumeRoot request of a type
// with `credentials.assume_root` (name "assume_root", signed with the
// platform's own credentials, identity "aws-sigv4 sts REGION"). Empty for
// other types (their identity says whose credentials sign). `proact plan`
// shows them as "identity_requests". kNotFound and kInvalidArgument as
// PlanAction.
PROACT_EXPORT Status PlanCredentials(const PolicySet& set, const Action& action,
                                     std::vector<PlannedRequest>* out);

// Why action type `name` of `set` is manual (declared with `manual:`); ""
// when it is not declared or not manual.
PROACT_EXPORT std::string ManualReason(const PolicySet& set, std::string_view name);

// `proact plan` lines for one decision: per action (rendered or not), in
// decision order,
//   {"event":ID,"policy":ID,"action":NAME,"dry_run":BOOL,
//    "requests":[{"name","read","method","url","headers","body","identity"}],
//    "identity_requests":[...] (PlanCredentials', when there are some),
//    "error":null|"message"}
// with secrets redacted (RedactSecrets). Actions that are not declared types
// (run by host handlers) have no requests and "handler":"host"; manual ones
// have no requests and "manual":REASON. Stable:
// equal inputs give equal bytes.
PROACT_EXPORT std::vector<nlohmann::ordered_json> PlanDecision(const PolicySet& set,
                                                               const Decision& decision);

// What the action types used by the set's enabled policies need:
//   {"aws":{"remediation_policy":{IAM policy document},"assume_role_policy":
//    {IAM policy document, when a type assumes roles},"assume_root_policy":
//    {sts:AssumeRoot per task policy, when a type assumes root},
//    "root_task_actions":{task policy ARN:[the actions its types perform]}},
//    "github":{"permissions":{name:level}},"okta":{"scopes":[...]},
//    "gcp":{"permissions":[...],"custom_role":{gcloud role file}},
//    "azure":{"actions":[...],"role_definition":{az custom role}},
//    "slack":{"scopes":[...]},"action_types":{name:[policy ids]}}
// Providers no type uses are left out; lists are sorted and unique; a
// GitHub permission needed at several levels is listed at the highest.
PROACT_EXPORT nlohmann::ordered_json RequiredPermissions(const PolicySet& set);

}  // namespace proact

#endif  // PROACT_REMEDIATION_H_
