// Edits of a Google Cloud IAM policy document, for read-modify-write
// remediations (getIamPolicy, then setIamPolicy with the etag read).
//
// No IAM API removes one member or restores one audit log type: the policy
// written must be the policy read, changed. These functions make those
// changes on the documented shapes (cloud.google.com/iam/docs/reference/
// rest/v1/Policy):
//   bindings      [{role, members: [...], condition?}]
//   binding delta {action: ADD|REMOVE, role, member, condition?}  (the audit
//                 log's serviceData.policyDelta.bindingDeltas)
//   auditConfigs  [{service, auditLogConfigs: [{logType, exemptedMembers?}]}]
//   audit delta   {action: ADD|REMOVE, service, logType, exemptedMember?}
//                 (policyDelta.auditConfigDeltas)
// A missing (null) list counts as empty. A binding left without members is
// dropped, as IAM does. Bindings match on role and condition (absent and
// absent match). Order is kept; new entries go at the end.
#ifndef PROACT_SRC_ACTION_IAM_POLICY_H_
#define PROACT_SRC_ACTION_IAM_POLICY_H_

#include <string>

#include <nlohmann/json.hpp>

namespace proact::internal {

// Undoes binding deltas: members ADDed are removed, members REMOVEd are
// put back.
bool RevertBindingDeltas(const nlohmann::json& bindings, const nlohmann::json& deltas,
                         nlohmann::json* out, std::string* error);

// `member` taken out of the bindings of `role` (of every role when role is
// null).
bool WithoutMember(const nlohmann::json& bindings, const nlohmann::json& member,
                   const nlohmann::json& role, nlohmann::json* out, std::string* error);

// The bindings whose role is not in `roles` (a list of role names).
bool WithoutRoles(const nlohmann::json& bindings, const nlohmann::json& roles,
                  nlohmann::json* out, std::string* error);

// Undoes the parts of audit config deltas that reduced audit logging: a
// log type REMOVEd (a delta without exemptedMember) is enabled again, and
// an exemption ADDed is taken out. Deltas that increased logging (a log
// type added, an exemption removed) are left as they are.
bool RestoreAuditLogging(const nlohmann::json& audit_configs, const nlohmann::json& deltas,
                         nlohmann::json* out, std::string* error);

}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_IAM_POLICY_H_
