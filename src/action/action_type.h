// ActionType: a remediation declared as data (`action_types:` in a policy
// file), compiled once with the policies.
//
// An action type names its parameters (checked at compile time against
// every policy action that uses it), the credentials it runs with, the
// endpoint its requests go to, the permissions it needs, and one or more
// HTTP requests. Requests are templates over a context of
//   params.NAME              the action's rendered parameters
//   steps.NAME.status        an earlier request's HTTP status
//   steps.NAME.headers.NAME  its response headers (names lower-case)
//   steps.NAME.body...       its response body (JSON; XML read as JSON)
//   secrets.NAME             a secret from the environment (never in plans)
//   config.NAME              deployment configuration, PROACT_CONFIG_NAME in
//                            the environment (not secret: plans show it as
//                            <config.NAME>)
//   item                     the element of a `for_each` (or a form `each`)
// and each rendered value is encoded for the place it goes (request_builder.h),
// so no parameter can change a request's structure.
//
// docs/remediation.md describes the YAML form; the compiler (compile/
// action_type_compiler.h) builds these records.
#ifndef PROACT_SRC_ACTION_ACTION_TYPE_H_
#define PROACT_SRC_ACTION_ACTION_TYPE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "action/template.h"

namespace proact::internal {

enum class ParamType : std::uint8_t { kString, kInteger, kNumber, kBoolean, kObject, kArray, kAny };

// A parameter `pattern`, compiled when a value is first checked against it
// (thread-safe): a pack declares dozens of patterns, most of which one
// process never uses, and a long counted repetition (`{1,1000}`) takes
// milliseconds to compile. Its syntax is checked when the type is compiled
// (action_type_compiler.cc); a pattern too large for RE2's default memory
// budget is found only here, and then no value matches it.
class LazyRegex {
 public:
  explicit LazyRegex(std::string pattern) : pattern_(std::move(pattern)) {}
  const std::string& pattern() const { return pattern_; }
  // The compiled pattern (RE2::Quiet, RE2's default options otherwise).
  const RE2& Get() const {
    std::call_once(once_, [this] { re_ = std::make_unique<RE2>(pattern_, RE2::Quiet); });
    return *re_;
  }

 private:
  std::string pattern_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<RE2> re_;
};

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  bool nullable = false;          // null is accepted (and means "not applicable")
  std::vector<nlohmann::json> allowed;  // empty: any value of the type
  std::string pattern;            // strings: RE2, matched against the whole value
  std::shared_ptr<const LazyRegex> re;  // `pattern`, compiled on first use
  std::string description;
  int line = 0, column = 0;
};

// A response that a request's rule list names: by HTTP status, by the
// provider's error code (AWS <Code>, JSON `__type` / `code` / `error.code`
// / `errorCode`), or both. Empty statuses: any status; empty code: any code.
struct ResponseRule {
  std::vector<int> statuses;
  std::string code;
};

struct PollSpec {
  bool enabled = false;
  std::vector<int> statuses;               // answers that start polling (202)
  std::vector<std::string> url_headers;    // headers holding the operation URL, in order
  int done_if = -1;                        // Program::conditions index, or -1
  int failed_if = -1;
  int interval_ms = 1000;                  // unless the answer's Retry-After says otherwise
};

enum class BodyKind : std::uint8_t { kNone, kJson, kXml, kForm };

struct RequestSpec {
  std::string name;
  bool read = false;            // a read: may stop the action as already_compliant
  std::string method;           // GET PUT POST PATCH DELETE HEAD
  Template path;                // holes percent-encoded as one path segment each
  std::string path_text;
  std::vector<std::pair<std::string, Template>> query;    // values percent-encoded
  std::vector<std::pair<std::string, Template>> headers;  // values without CR, LF, NUL
  BodyKind body_kind = BodyKind::kNone;
  ParamTree body;               // kJson, kXml (one root member), kForm (flat object)
  bool content_md5 = false;     // send Content-MD5 of the body (S3 writes)
  std::string content_type;     // default by body kind
  std::vector<int> success;     // empty: any 2xx
  std::vector<ResponseRule> already_done;  // the change is already in place
  std::vector<ResponseRule> proceed_on;    // reads: an answer meaning "not compliant, go on"
  std::vector<ResponseRule> retry_on;      // added to the built-in throttling list
  int compliant_if = -1;        // reads: Program::conditions index, or -1
  int failed_if = -1;           // a successful answer that means failure, or -1
  Template when;                // sent only when this renders a value (has_when)
  bool has_when = false;
  Template unless;              // not sent when this renders a value (has_unless)
  bool has_unless = false;
  Template for_each;            // a list: the request is sent per element (`item`)
  bool has_for_each = false;
  PollSpec poll;
  int line = 0, column = 0;
};

// aws: short-term root credentials of a member account through STS
// AssumeRoot (action/assume_root.h), instead of a role.
struct AssumeRootSpec {
  bool enabled = false;
  Template target;                // the member account id (12 digits)
  std::string task_policy;        // a root task policy's name
  int line = 0, column = 0;
};

struct CredentialSpec {
  std::string provider = "none";  // aws|github|okta|gcp|azure|slack|pagerduty|none
  std::string service;            // aws: signing name (s3, ec2, iam, ...)
  Template region;                // aws: signing region (and AssumeRoot's STS region)
  bool has_region = false;
  Template role;                  // aws: role ARN to assume (cross-account)
  bool has_role = false;
  AssumeRootSpec assume_root;     // aws: root of a member account (excludes role)
  Template installation;          // github: App installation id
  bool has_installation = false;
  std::string resource;           // azure: token audience
};

struct PermissionSpec {
  std::vector<std::string> aws;     // IAM actions, "s3:PutBucketPublicAccessBlock"
  std::vector<std::pair<std::string, std::string>> github;  // permission -> read|write|admin
  std::vector<std::string> okta;    // OAuth scopes
  std::vector<std::string> gcp;     // IAM permissions
  std::vector<std::string> azure;   // role actions
  std::vector<std::string> slack;   // bot scopes
};

struct ActionType {
  std::string name;
  std::string description;
  std::string manual;            // non-empty: no API does it; why
  int file = 0, line = 0, column = 0;
  std::vector<ParamSpec> params;
  CredentialSpec credentials;
  Template endpoint;             // scheme://host[:port][/base]
  std::string endpoint_text;     // as written
  std::string endpoint_override; // variable naming another base URL ("" : by provider)
  PermissionSpec permissions;
  std::vector<RequestSpec> requests;

  const ParamSpec* FindParam(std::string_view n) const {
    for (const ParamSpec& p : params) {
      if (p.name == n) return &p;
    }
    return nullptr;
  }
};

std::string_view ParamTypeName(ParamType t);

// True when `value` is acceptable for `spec` (type, allowed values,
// pattern); otherwise false with *why ("must be a string, not a number").
bool CheckParamValue(const ParamSpec& spec, const nlohmann::json& value, std::string* why);

}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_ACTION_TYPE_H_
