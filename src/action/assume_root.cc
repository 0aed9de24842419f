#include "action/assume_root.h"

#include <re2/re2.h>

#include "util/strings.h"

namespace proact::internal {

const std::vector<RootTaskPolicy>& RootTaskPolicies() {
  // The NotAction lists of the AWS managed policies under
  // arn:aws:iam::aws:policy/root-task/ (version v1).
  static const std::vector<RootTaskPolicy> policies = {
      {"IAMAuditRootUserCredentials",
       {"iam:GetAccessKeyLastUsed", "iam:GetAccountSummary", "iam:GetLoginProfile", "iam:GetUser",
        "iam:ListAccessKeys", "iam:ListMFADevices", "iam:ListSigningCertificates"}},
      {"IAMCreateRootUserPassword", {"iam:CreateLoginProfile", "iam:GetLoginProfile"}},
      {"IAMDeleteRootUserCredentials",
       {"iam:DeactivateMFADevice", "iam:DeleteAccessKey", "iam:DeleteLoginProfile",
        "iam:DeleteSigningCertificate", "iam:DeleteVirtualMFADevice", "iam:GetAccessKeyLastUsed",
        "iam:GetLoginProfile", "iam:GetUser", "iam:ListAccessKeys", "iam:ListMFADevices",
        "iam:ListSigningCertificates"}},
      {"S3UnlockBucketPolicy",
       {"s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:ListAllMyBuckets", "s3:PutBucketPolicy"}},
      {"SQSUnlockQueuePolicy",
       {"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueues", "sqs:SetQueueAttributes"}},
  };
  return policies;
}

const std::vector<std::string_view>& RootTaskPolicyNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const RootTaskPolicy& p : RootTaskPolicies()) v.push_back(p.name);
    return v;
  }();
  return names;
}

const RootTaskPolicy* FindRootTaskPolicy(std::string_view name) {
  for (const RootTaskPolicy& p : RootTaskPolicies()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string RootTaskPolicyArn(std::string_view name) {
  return "arn:aws:iam::aws:policy/root-task/" + std::string(name);
}

std::string RootUserArn(std::string_view account) {
  return "arn:aws:iam::" + std::string(account) + ":root";
}

bool IsAwsAccountId(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsAwsRegionName(std::string_view s) {
  static const RE2 re("[a-z]{2,6}(-[a-z]+)+-[0-9]{1,2}");
  return RE2::FullMatch(s, re);
}

bool BuildAssumeRootCall(std::string_view account, std::string_view task, std::string_view region,
                         AssumeRootCall* out, std::string* error) {
  if (!IsAwsAccountId(account)) {
    *error = "the AssumeRoot target must be a 12-digit account id, not '" +
             std::string(account.substr(0, 64)) + "'";
    return false;
  }
  if (FindRootTaskPolicy(task) == nullptr) {
    *error = "'" + std::string(task.substr(0, 64)) + "' is not a root task policy";
    return false;
  }
  if (!IsAwsRegionName(region)) {
    *error = "AssumeRoot needs a regional STS endpoint; '" + std::string(region.substr(0, 64)) +
             "' is not a region";
    return false;
  }
  out->account = std::string(account);
  out->task_policy = std::string(task);
  out->region = std::string(region);
  out->host = "sts." + out->region + ".amazonaws.com";
  out->url = "https://" + out->host + "/";
  out->content_type = "application/x-www-form-urlencoded; charset=utf-8";
  out->body = "Action=AssumeRoot&DurationSeconds=" + std::to_string(kAssumeRootSeconds) +
              "&TargetPrincipal=" + PercentEncode(account) +
              "&TaskPolicyArn.arn=" + PercentEncode(RootTaskPolicyArn(task)) + "&Version=2011-06-15";
  return true;
}

}  // namespace proact::internal
