// AssumeRoot: short-term root credentials of an AWS Organizations member
// account (centralized root access), as an action type's credentials ask
// for them with `credentials.assume_root` (docs/remediation.md).
//
// The platform's own credentials (the Organizations management account, or
// IAM's delegated administrator) call STS AssumeRoot with
//   TargetPrincipal    the member account id
//   TaskPolicyArn.arn  arn:aws:iam::aws:policy/root-task/NAME, one of the
//                      task policies AWS manages (RootTaskPolicies)
//   DurationSeconds    900, the longest a root session may last
// on the regional STS endpoint sts.REGION.amazonaws.com: AWS does not serve
// AssumeRoot on the global endpoint. The answer is the query protocol's
// AssumeRootResponse / AssumeRootResult / Credentials, as for AssumeRole.
// The session can only do what its task policy lets root do.
//
// This file is the one description of that request: the compiler checks
// task policy names and the permissions a type declares against it, `proact
// plan` shows the request, and the host's credential broker sends it.
// tests/remediation/sts_assume_root.json holds the operation as AWS's STS
// model describes it (with provenance); the tests compare against it.
#ifndef PROACT_SRC_ACTION_ASSUME_ROOT_H_
#define PROACT_SRC_ACTION_ASSUME_ROOT_H_

#include <string>
#include <string_view>
#include <vector>

#include "proact/export.h"

namespace proact::internal {

// A task policy AWS manages for root sessions, and the actions it leaves the
// session (its NotAction list: every other action is denied).
struct RootTaskPolicy {
  std::string_view name;                   // "IAMDeleteRootUserCredentials"
  std::vector<std::string_view> actions;   // "iam:DeleteAccessKey", ...
};

// The task policies, by name. Their action lists are those of the policies'
// version v1 (2024-11-06).
const std::vector<RootTaskPolicy>& RootTaskPolicies();
const std::vector<std::string_view>& RootTaskPolicyNames();
const RootTaskPolicy* FindRootTaskPolicy(std::string_view name);

// "arn:aws:iam::aws:policy/root-task/" + name.
std::string RootTaskPolicyArn(std::string_view name);

// "arn:aws:iam::" + account + ":root": what sts:AssumeRoot is granted on.
std::string RootUserArn(std::string_view account);

inline constexpr int kAssumeRootSeconds = 900;

// True for a 12-digit AWS account id.
bool IsAwsAccountId(std::string_view s);

// True for an AWS region name as STS endpoints carry it ("eu-west-1").
bool IsAwsRegionName(std::string_view s);

struct AssumeRootCall {
  std::string account;      // the member account whose root is obtained
  std::string task_policy;  // the task policy's name
  std::string region;  // the STS region, which also signs the request
  std::string host;    // sts.REGION.amazonaws.com
  std::string url;     // https://sts.REGION.amazonaws.com/
  std::string content_type;
  std::string body;    // the query protocol's form
};

// The AssumeRoot request for `account` (12 digits) with task policy `task`
// (a RootTaskPolicies name) on the STS endpoint of `region`. False with
// *error naming the bad value otherwise.
PROACT_EXPORT bool BuildAssumeRootCall(std::string_view account, std::string_view task, std::string_view region,
                         AssumeRootCall* out, std::string* error);

}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_ASSUME_ROOT_H_
