// Declared action types executed against tests/remediation/fake_providers.py
// over real loopback HTTP: the executor's requests are verified by botocore
// (SigV4) and PyJWT (GitHub App JWTs), and answered as each test scripts.
#include <doctest/doctest.h>

#include "e2e_s3.h"
#include "fake_providers.h"
#include "program/api_access.h"
#include "host/remediation/action_executor.h"
#include "proact/dispatch.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"

namespace proact::internal {
namespace {

using namespace fake;

// The S3 type is the end-to-end tests' (e2e_s3.h); the others follow it.
constexpr char kOtherTypes[] = R"(  t.ec2.revoke_ingress:
    params:
      account: {type: string, required: true, pattern: '[0-9]{12}'}
      region: {type: string, required: true}
      group_id: {type: string, required: true, pattern: 'sg-[0-9a-f]+'}
      rule_id: {type: string, required: true}
    credentials:
      provider: aws
      service: ec2
      region: "{{ params.region }}"
      role: "arn:aws:iam::{{ params.account }}:role/proact-remediator"
    endpoint: "https://ec2.{{ params.region }}.amazonaws.com"
    permissions: {aws: [ec2:RevokeSecurityGroupIngress]}
    requests:
      - name: revoke
        method: POST
        body:
          form:
            Action: RevokeSecurityGroupIngress
            Version: "2016-11-15"
            GroupId: "{{ params.group_id }}"
            SecurityGroupRuleId.1: "{{ params.rule_id }}"
        already_done: [{code: InvalidPermission.NotFound}, {code: InvalidGroup.NotFound}]
  t.iam.delete_root_key:
    params:
      account: {type: string, required: true}
      access_key_id: {type: string, required: true}
    credentials:
      provider: aws
      service: iam
      region: us-east-1
      assume_root: {target: "{{ params.account }}", task_policy: IAMDeleteRootUserCredentials}
    endpoint: https://iam.amazonaws.com
    permissions: {aws: [iam:DeleteAccessKey]}
    requests:
      - name: write
        method: POST
        body: {form: {Action: DeleteAccessKey, Version: "2010-05-08", AccessKeyId: "{{ params.access_key_id }}"}}
        already_done: [{status: 404, code: NoSuchEntity}]
  t.github.restore_protection:
    params:
      owner: {type: string, required: true, pattern: '[A-Za-z0-9-]+'}
      repo: {type: string, required: true, pattern: '[A-Za-z0-9._-]+'}
      branch: {type: string, required: true}
      installation: {type: integer, required: true}
    credentials: {provider: github, installation: "{{ params.installation }}"}
    endpoint: https://api.github.com
    permissions: {github: {administration: write}}
    requests:
      - name: read
        read: true
        method: GET
        path: "/repos/{{ params.owner }}/{{ params.repo }}/branches/{{ params.branch }}/protection"
        headers: {Accept: application/vnd.github+json}
        proceed_on: [{status: 404}]
        compliant_if:
          required_pull_request_reviews:
            required_approving_review_count: [{numeric: [">=", 1]}]
          enforce_admins: {enabled: [true]}
      - name: write
        method: PUT
        path: "/repos/{{ params.owner }}/{{ params.repo }}/branches/{{ params.branch }}/protection"
        headers: {Accept: application/vnd.github+json}
        body:
          json:
            required_status_checks: "{{ steps.read.body.required_status_checks | default(null) }}"
            enforce_admins: true
            required_pull_request_reviews: {required_approving_review_count: 1}
            restrictions: null
  t.manual.restore_repository:
    manual: No API restores a deleted repository
    params: {repo: string}
  t.azure.delete_rule:
    params:
      subscription: {type: string, required: true, pattern: '[0-9a-f-]{36}'}
      group: {type: string, required: true, pattern: '[A-Za-z0-9._()-]+'}
      nsg: {type: string, required: true, pattern: '[A-Za-z0-9._-]+'}
      rule: {type: string, required: true, pattern: '[A-Za-z0-9._-]+'}
    credentials: {provider: azure}
    endpoint: https://management.azure.com
    endpoint_override: PROACT_AZURE_URL
    permissions: {azure: [Microsoft.Network/networkSecurityGroups/securityRules/delete]}
    requests:
      - name: delete
        method: DELETE
        path: "/subscriptions/{{ params.subscription }}/resourceGroups/{{ params.group }}/providers/Microsoft.Network/networkSecurityGroups/{{ params.nsg }}/securityRules/{{ params.rule }}"
        query: {api-version: "2023-09-01"}
        already_done: [{status: 404}, {status: 204}]
        poll:
          interval_ms: 50
          done_if: {status: [Succeeded]}
          failed_if: {status: [Failed, Canceled]}
)";

constexpr char kOktaType[] = R"(
action_types:
  t.okta.clear_sessions:
    params: {user: {type: string, required: true, pattern: '[A-Za-z0-9]+'}}
    credentials: {provider: okta}
    endpoint: https://example.okta.com
    permissions: {okta: [okta.users.manage, okta.sessions.manage]}
    requests:
      - name: clear
        method: DELETE
        path: "/api/v1/users/{{ params.user }}/sessions"
        query: {oauthTokens: "true"}
        success: [204]
        already_done: [{status: 404, code: E0000007}]
)";

constexpr char kSlackType[] = R"(
action_types:
  t.slack.post:
    params: {channel: string, text: string, thread: {type: string, nullable: true}}
    credentials: {provider: slack}
    endpoint: https://slack.com
    endpoint_override: PROACT_SLACK_URL
    requests:
      - name: post
        method: POST
        path: /api/chat.postMessage
        body: {json: {channel: "{{ params.channel }}", text: "{{ params.text }}"}}
        failed_if: {ok: [false]}
      - name: reply
        method: POST
        path: /api/chat.postMessage
        when: "{{ params.thread }}"
        body: {json: {channel: "{{ params.channel }}", text: "more", thread_ts: "{{ params.thread }}"}}
)";

std::string Types() { return std::string("\naction_types:") + e2e::kS3Type + kOtherTypes; }

using e2e::kBucket;
using e2e::kS3Host;

struct Setup {
  explicit Setup(std::map<std::string, std::string> env, std::vector<std::string> fake_args = {})
      : fake(std::move(fake_args)) {
    auto set = PolicySet::FromString(Types(), "types.yaml");
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    program = proact::internal::ProgramOf(set.value());
    env["AWS_ACCESS_KEY_ID"] = kKey;
    env["AWS_SECRET_ACCESS_KEY"] = kSecret;
    env["AWS_SESSION_TOKEN"] = kToken;
    env["AWS_ENDPOINT_URL"] = fake.url();
    env["GITHUB_API_URL"] = fake.url();
    env["PROACT_AZURE_URL"] = fake.url();
    broker = std::make_shared<CredentialBroker>(EnvOf(env));
    ExecutorOptions options;
    options.base_backoff = 20ms;
    executor = std::make_unique<ActionExecutor>(program, broker, options);
  }

  ActionResult Run(const std::string& type, const json& params,
                   std::chrono::milliseconds budget = 10s) {
    int index = program->FindActionType(type);
    REQUIRE(index >= 0);
    ActionContext ctx{"p", type, 0, "event-1", "aws.s3", "req-1", params,
                      std::chrono::steady_clock::now() + budget};
    ActionResult r = executor->Run(index, ctx);
    // No secret in any message.
    CheckAbsent(r.message, kSecret);
    CheckAbsent(r.message, kToken);
    return r;
  }

  Fake fake;
  std::shared_ptr<const Program> program;
  std::shared_ptr<CredentialBroker> broker;
  std::unique_ptr<ActionExecutor> executor;
};

json S3Params() { return {{"bucket", kBucket}, {"region", "us-east-1"}}; }

json Only(const json& requests, const std::string& method) {
  json out = json::array();
  for (const json& r : requests) {
    if (r["method"] == method) out.push_back(r);
  }
  return out;
}

TEST_CASE("remediation executor: a read finding the bucket non-compliant, then a signed write") {
  REQUIRE_FAKE();
  Setup s({});
  s.fake.Script({{"method", "GET"}, {"path", "/"}, {"host", kS3Host},
                 {"responses", {{{"status", 404},
                                 {"body", "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code>"
                                          "<Message>none</Message></Error>"}}}}});
  ActionResult r = s.Run("t.s3.block_public_access", S3Params());
  INFO(r.message);
  CHECK(r.ok());
  CHECK_FALSE(r.already_compliant);
  CHECK_FALSE(r.provider_request_id.empty());
  json reqs = s.fake.Requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0]["method"] == "GET");
  CHECK(reqs[0]["host"] == kS3Host);
  CHECK(reqs[0]["query"] == "publicAccessBlock=");
  CheckVerified(reqs[0], "s3", "us-east-1");
  CHECK(reqs[1]["method"] == "PUT");
  CheckVerified(reqs[1], "s3", "us-east-1");
  std::string body = reqs[1]["body"];
  CHECK(body.find("<BlockPublicAcls>true</BlockPublicAcls>") != std::string::npos);
  CHECK(body.find("<RestrictPublicBuckets>true</RestrictPublicBuckets>") != std::string::npos);
  CHECK(reqs[1]["headers"].contains("content-md5"));
  CHECK(reqs[1]["headers"]["x-amz-security-token"] == kToken);
  // The request the plan shows is the request sent.
  std::vector<PlannedRequest> planned;
  auto set = PolicySet::FromString(Types(), "types.yaml");
  Action a{"t.s3.block_public_access", S3Params(), false};
  REQUIRE(PlanAction(set.value(), a, &planned).ok());
  REQUIRE(planned.size() == 2);
  CHECK(planned[1].body == body);
  CHECK(planned[1].url == "https://examplebucket.s3.us-east-1.amazonaws.com/?publicAccessBlock=");
}

TEST_CASE("remediation executor: a read finding the bucket compliant stops as already_compliant") {
  REQUIRE_FAKE();
  Setup s({});
  s.fake.Script({{"method", "GET"}, {"path", "/"}, {"host", kS3Host},
                 {"responses",
                  {{{"status", 200},
                    {"body",
                     "<?xml version=\"1.0\"?><PublicAccessBlockConfiguration xmlns=\"http://s3."
                     "amazonaws.com/doc/2006-03-01/\"><BlockPublicAcls>true</BlockPublicAcls>"
                     "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</"
                     "BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></"
                     "PublicAccessBlockConfiguration>"}}}}});
  ActionResult r = s.Run("t.s3.block_public_access", S3Params());
  INFO(r.message);
  CHECK(r.ok());
  CHECK(r.already_compliant);
  CHECK(Only(s.fake.Requests(), "PUT").empty());
}

TEST_CASE("remediation executor: throttling then success, 5xx until the deadline, permanent 403") {
  REQUIRE_FAKE();
  Setup s({});
  SUBCASE("throttled twice, then written") {
    s.fake.Script({{"method", "GET"}, {"path", "/"}, {"responses", {{{"status", 404}, {"body", "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code></Error>"}}}}});
    s.fake.Script({{"method", "PUT"}, {"path", "/"},
                   {"responses", {{{"status", 503}, {"body", "<Error><Code>SlowDown</Code></Error>"}},
                                  {{"status", 429}, {"body", "{}"}}}}});
    ActionResult r = s.Run("t.s3.block_public_access", S3Params());
    INFO(r.message);
    CHECK(r.ok());
    json puts = Only(s.fake.Requests(), "PUT");
    CHECK(puts.size() == 3);
    for (const json& p : puts) CheckVerified(p, "s3", "us-east-1");
  }
  SUBCASE("5xx on every attempt: retryable, bounded") {
    json many = json::array();
    for (int i = 0; i < 20; ++i) many.push_back({{"status", 500}, {"body", "<Error><Code>InternalError</Code></Error>"}});
    s.fake.Script({{"method", "GET"}, {"path", "/"}, {"responses", many}});
    ActionResult r = s.Run("t.s3.block_public_access", S3Params(), 3s);
    CHECK(r.failure == FailureClass::kRetryable);
    CHECK(r.message.find("HTTP 500 InternalError") != std::string::npos);
    CHECK(Only(s.fake.Requests(), "GET").size() <= 5);
  }
  SUBCASE("403 AccessDenied: permanent, with the code and the provider's request id") {
    s.fake.Script({{"method", "GET"}, {"path", "/"},
                   {"responses", {{{"status", 403},
                                   {"headers", {{"x-amzn-RequestId", "REQ123"}}},
                                   {"body", "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"}}}}});
    ActionResult r = s.Run("t.s3.block_public_access", S3Params());
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("HTTP 403 AccessDenied: Access Denied") != std::string::npos);
    CHECK(r.provider_request_id == "REQ123");
  }
  SUBCASE("a timeout is retryable") {
    s.fake.Script({{"method", "GET"}, {"path", "/"}, {"responses", {{{"status", 200}, {"delay_ms", 3000}, {"body", "{}"}}}}});
    ActionResult r = s.Run("t.s3.block_public_access", S3Params(), 1s);
    CHECK(r.failure == FailureClass::kRetryable);
  }
}

TEST_CASE("remediation executor: an expired credential is dropped and fetched again once") {
  REQUIRE_FAKE();
  Setup s({});
  s.fake.Script({{"method", "GET"}, {"path", "/"},
                 {"responses", {{{"status", 400}, {"body", "<Error><Code>ExpiredToken</Code></Error>"}},
                                {{"status", 404}, {"body", "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code></Error>"}}}}});
  ActionResult r = s.Run("t.s3.block_public_access", S3Params());
  INFO(r.message);
  CHECK(r.ok());
  CHECK(Only(s.fake.Requests(), "GET").size() == 2);
}

TEST_CASE("remediation executor: cross-account through AssumeRole, already done, a refused role") {
  REQUIRE_FAKE();
  Setup s({});
  json params = {{"account", "111122223333"}, {"region", "eu-west-1"}, {"group_id", "sg-0abc"},
                 {"rule_id", "sgr-0123"}};
  SUBCASE("revoked with the assumed role's credentials") {
    ActionResult r = s.Run("t.ec2.revoke_ingress", params);
    INFO(r.message);
    CHECK(r.ok());
    json reqs = s.fake.Requests();
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[0]["body"].get<std::string>().find("Action=AssumeRole") != std::string::npos);
    CHECK(reqs[0]["body"].get<std::string>().find("role%2Fproact-remediator") != std::string::npos);
    CHECK(reqs[1]["host"] == "ec2.eu-west-1.amazonaws.com");
    CHECK(reqs[1]["body"] == "Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-0abc&"
                             "SecurityGroupRuleId.1=sgr-0123");
    CheckVerified(reqs[1], "ec2", "eu-west-1");
    CHECK(reqs[1]["headers"]["authorization"].get<std::string>().find(kKey) == std::string::npos);
  }
  SUBCASE("InvalidPermission.NotFound means already done") {
    s.fake.Script({{"method", "POST"}, {"path", "/"}, {"host", "ec2.eu-west-1.amazonaws.com"},
                   {"responses", {{{"status", 400},
                                   {"body", "<Response><Errors><Error><Code>InvalidPermission.NotFound</Code>"
                                            "<Message>gone</Message></Error></Errors><RequestID>r-1</RequestID></Response>"}}}}});
    ActionResult r = s.Run("t.ec2.revoke_ingress", params);
    INFO(r.message);
    CHECK(r.ok());
    CHECK(r.already_compliant);
  }
  SUBCASE("AssumeRole refused: permanent, naming the role") {
    params["account"] = "999999999999";
    s.fake.Script({{"method", "POST"}, {"path", "/"}, {"host", "sts.amazonaws.com"},
                   {"responses", {{{"status", 403},
                                   {"body", "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                            "<Message>not authorized</Message></Error><RequestId>x</RequestId></ErrorResponse>"}}}}});
    ActionResult r = s.Run("t.ec2.revoke_ingress", params);
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("arn:aws:iam::999999999999:role/proact-remediator") != std::string::npos);
    CHECK(Only(s.fake.Requests(), "POST").size() == 1);  // AssumeRole only: nothing revoked
  }
}

TEST_CASE("remediation executor: a root access key deleted as root of the member account (AssumeRoot)") {
  REQUIRE_FAKE();
  Setup s({});
  json params = {{"account", "111122223333"}, {"access_key_id", "AKIAIOSFODNN7EXAMPLE"}};
  const std::string sts_host = "sts.us-east-1.amazonaws.com";
  SUBCASE("AssumeRoot on the regional endpoint, then DeleteAccessKey signed with the root session") {
    ActionResult r = s.Run("t.iam.delete_root_key", params);
    INFO(r.message);
    CHECK(r.ok());
    CHECK_FALSE(r.already_compliant);
    json reqs = s.fake.Requests();
    REQUIRE(reqs.size() == 2);
    // With the platform's own credentials, as AWS's model serializes AssumeRoot.
    CHECK(reqs[0]["host"] == sts_host);
    CheckVerified(reqs[0], "sts", "us-east-1");
    CHECK(reqs[0]["headers"]["authorization"].get<std::string>().find("Credential=" + std::string(kKey) + "/") !=
          std::string::npos);
    CHECK(reqs[0]["body"] ==
          "Action=AssumeRoot&DurationSeconds=900&TargetPrincipal=111122223333&TaskPolicyArn.arn="
          "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Froot-task%2FIAMDeleteRootUserCredentials&Version=2011-06-15");
    CHECK(reqs[0]["assume_root"]["model_error"] == "");
    std::string issued = reqs[0]["assume_root"]["issued"].get<std::string>();
    REQUIRE(issued.rfind("ASIA", 0) == 0);
    // No UserName: IAM deletes the key of the signing user, root.
    CHECK(reqs[1]["body"] == "Action=DeleteAccessKey&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE");
    CheckVerified(reqs[1], "iam", "us-east-1");
    CHECK(reqs[1]["headers"]["authorization"].get<std::string>().find("Credential=" + issued + "/") !=
          std::string::npos);
    CHECK(reqs[1]["headers"].contains("x-amz-security-token"));
    // The root session is cached per account and task policy: a second
    // action for the same account asks STS nothing.
    s.fake.Reset();
    ActionResult again = s.Run("t.iam.delete_root_key", params);
    CHECK(again.ok());
    json second = s.fake.Requests();
    REQUIRE(second.size() == 1);
    CHECK(second[0]["headers"]["authorization"].get<std::string>().find("Credential=" + issued + "/") !=
          std::string::npos);
    // Another account gets its own session.
    s.fake.Reset();
    params["account"] = "444455556666";
    CHECK(s.Run("t.iam.delete_root_key", params).ok());
    REQUIRE(s.fake.Requests().size() == 2);
    CHECK(s.fake.Requests()[0]["assume_root"]["target"] == "444455556666");
  }
  SUBCASE("a key that is already gone is already compliant") {
    s.fake.Script({{"method", "POST"}, {"path", "/"}, {"host", s.fake.hostport()},
                   {"responses", {{{"status", 404},
                                   {"body", "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
                                            "<Message>The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found."
                                            "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"}}}}});
    ActionResult r = s.Run("t.iam.delete_root_key", params);
    INFO(r.message);
    CHECK(r.ok());
    CHECK(r.already_compliant);
  }
  SUBCASE("AssumeRoot refused: permanent, naming the target account, without secrets") {
    s.fake.Script({{"method", "POST"}, {"path", "/"}, {"host", sts_host},
                   {"responses", {{{"status", 403},
                                   {"body", "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                            "<Message>User: arn:aws:sts::123456789012:assumed-role/proact/x is not "
                                            "authorized to perform: sts:AssumeRoot on resource: "
                                            "arn:aws:iam::111122223333:root</Message></Error>"
                                            "<RequestId>x</RequestId></ErrorResponse>"}}}}});
    ActionResult r = s.Run("t.iam.delete_root_key", params);
    INFO(r.message);
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("AssumeRoot into account 111122223333") != std::string::npos);
    CHECK(r.message.find("IAMDeleteRootUserCredentials") != std::string::npos);
    CHECK(r.message.find("AccessDenied") != std::string::npos);
    CheckAbsent(r.message, kKey);
    json reqs = s.fake.Requests();
    REQUIRE(reqs.size() == 1);  // AssumeRoot only: nothing deleted
    CHECK(reqs[0]["assume_root"]["model_error"] == "");
  }
  SUBCASE("AssumeRoot throttled: retryable") {
    s.fake.Script({{"method", "POST"}, {"path", "/"}, {"host", sts_host},
                   {"responses", {{{"status", 400},
                                   {"body", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                                            "<Message>Rate exceeded</Message></Error></ErrorResponse>"}}}}});
    ActionResult r = s.Run("t.iam.delete_root_key", params);
    CHECK(r.failure == FailureClass::kRetryable);
    CHECK(r.message.find("111122223333") != std::string::npos);
  }
  SUBCASE("a target that is no account id is refused before anything is sent") {
    params["account"] = "attacker.example/x";
    ActionResult r = s.Run("t.iam.delete_root_key", params);
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("12-digit account id") != std::string::npos);
    CHECK(s.fake.Requests().empty());
  }
}

TEST_CASE("remediation executor: event data cannot move a request to another host or path") {
  REQUIRE_FAKE();
  Setup s({});
  for (std::string bucket : {"attacker.example/x", "a@attacker.example", "x.attacker.example#",
                             "x:1@attacker.example", "-x", "a..b"}) {
    INFO(bucket);
    ActionResult r = s.Run("t.s3.block_public_access", {{"bucket", bucket}, {"region", "us-east-1"}});
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("not a DNS name") != std::string::npos);
  }
  // A path segment cannot climb or split.
  for (std::string branch : {"..", "a/../../admin"}) {
    ActionResult r = s.Run("t.github.restore_protection",
                           {{"owner", "o"}, {"repo", "r"}, {"branch", branch}, {"installation", 7}});
    if (branch == "..") {
      CHECK(r.failure == FailureClass::kPermanent);
    }
  }
  json reqs = s.fake.Requests();
  for (const json& r : reqs) {
    if (r["path"].get<std::string>().rfind("/repos/", 0) == 0) {
      CHECK(r["path"] == "/repos/o/r/branches/a%2F..%2F..%2Fadmin/protection");
    } else {
      CHECK(r["host"] != "attacker.example");
    }
  }
}

TEST_CASE("remediation executor: GitHub App read-modify-write carries the read's settings") {
  REQUIRE_FAKE();
  TempDir keys;
  std::string priv, pub;
  NewRsaKey(&priv, &pub);
  std::string pub_file = keys.File("app.pub", pub);
  Setup s({{"GITHUB_APP_ID", "12345"}, {"GITHUB_APP_PRIVATE_KEY", priv}},
          {"--github-app-public-key", pub_file, "--github-app-id", "12345"});
  s.fake.Script({{"method", "GET"}, {"path", "/repos/octo/app/branches/main/protection"},
                 {"responses", {{{"status", 200},
                                 {"headers", {{"x-github-request-id", "GH-1"}}},
                                 {"body", json({{"required_status_checks", {{"strict", true}, {"contexts", {"ci"}}}},
                                                {"enforce_admins", {{"enabled", false}}}}).dump()}}}}});
  ActionResult r = s.Run("t.github.restore_protection",
                         {{"owner", "octo"}, {"repo", "app"}, {"branch", "main"}, {"installation", 42}});
  INFO(r.message);
  CHECK(r.ok());
  json reqs = s.fake.Requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0]["path"] == "/app/installations/42/access_tokens");
  CHECK(reqs[0]["jwt"]["verified"] == true);
  CHECK(reqs[2]["method"] == "PUT");
  json body = json::parse(reqs[2]["body"].get<std::string>());
  CHECK(body["required_status_checks"] == json({{"strict", true}, {"contexts", {"ci"}}}));
  CHECK(body["enforce_admins"] == true);
  CHECK(body["restrictions"].is_null());
  CHECK(reqs[2]["headers"]["authorization"].get<std::string>().rfind("Bearer ghs_", 0) == 0);
  CheckAbsent(r.message, priv.substr(40, 40));
}

TEST_CASE("remediation executor: a long-running delete is polled until it succeeds or fails") {
  REQUIRE_FAKE();
  Setup s({{"IDENTITY_ENDPOINT", ""}, {"IDENTITY_HEADER", "idh"}}, {"--identity-header", "idh"});
  // The broker needs the identity endpoint on the fake.
  s.broker = std::make_shared<CredentialBroker>(EnvOf({{"IDENTITY_ENDPOINT", s.fake.url("/msi/token")},
                                                       {"IDENTITY_HEADER", "idh"},
                                                       {"PROACT_AZURE_URL", s.fake.url()}}));
  s.executor = std::make_unique<ActionExecutor>(s.program, s.broker);
  json params = {{"subscription", "00000000-0000-0000-0000-000000000001"}, {"group", "rg"},
                 {"nsg", "web"}, {"rule", "ssh-any"}};
  std::string path = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
                     "Microsoft.Network/networkSecurityGroups/web/securityRules/ssh-any";
  SUBCASE("succeeded") {
    s.fake.Script({{"method", "DELETE"}, {"path", path},
                   {"responses", {{{"status", 202}, {"headers", {{"Azure-AsyncOperation", s.fake.url("/op/1")}}}, {"body", ""}}}}});
    s.fake.Script({{"method", "GET"}, {"path", "/op/1"},
                   {"responses", {{{"status", 200}, {"body", R"({"status":"InProgress"})"}},
                                  {{"status", 200}, {"body", R"({"status":"Succeeded"})"}}}}});
    ActionResult r = s.Run("t.azure.delete_rule", params);
    INFO(r.message);
    CHECK(r.ok());
    json reqs = s.fake.Requests();
    CHECK(Only(reqs, "GET").size() == 3);  // the token, then two polls
    CHECK(Only(reqs, "DELETE")[0]["headers"]["authorization"].get<std::string>().rfind("Bearer ", 0) == 0);
  }
  SUBCASE("failed") {
    s.fake.Script({{"method", "DELETE"}, {"path", path},
                   {"responses", {{{"status", 202}, {"headers", {{"Azure-AsyncOperation", s.fake.url("/op/2")}}}, {"body", ""}}}}});
    s.fake.Script({{"method", "GET"}, {"path", "/op/2"},
                   {"responses", {{{"status", 200}, {"body", R"({"status":"Failed","error":{"code":"Conflict","message":"in use"}})"}}}}});
    ActionResult r = s.Run("t.azure.delete_rule", params);
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("the operation failed") != std::string::npos);
  }
  SUBCASE("an operation URL on another host is not polled") {
    s.fake.Script({{"method", "DELETE"}, {"path", path},
                   {"responses", {{{"status", 202}, {"headers", {{"Azure-AsyncOperation", "http://attacker.example/op"}}}, {"body", ""}}}}});
    ActionResult r = s.Run("t.azure.delete_rule", params);
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("not on the endpoint's host") != std::string::npos);
  }
}

TEST_CASE("remediation executor: Okta with an API token, or as an OAuth service app") {
  REQUIRE_FAKE();
  TempDir keys;
  std::string priv, pub;
  NewRsaKey(&priv, &pub);
  std::string pub_file = keys.File("okta.pub", pub);
  Fake fake({"--okta-public-key", pub_file, "--okta-client-id", "0oa1client"});
  auto set = PolicySet::FromString(kOktaType, "okta.yaml");
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  auto program = proact::internal::ProgramOf(set.value());
  auto run = [&](std::map<std::string, std::string> env) {
    env["OKTA_ORG_URL"] = fake.url();
    auto broker = std::make_shared<CredentialBroker>(EnvOf(env));
    ActionExecutor executor(program, broker);
    json params = {{"user", "00u1abc"}};
    ActionContext ctx{"p", "t.okta.clear_sessions", 0, "e", "okta", "r", params,
                      std::chrono::steady_clock::now() + 10s};
    return executor.Run(0, ctx);
  };
  fake.Script({{"method", "DELETE"}, {"path", "/api/v1/users/00u1abc/sessions"},
               {"responses", {{{"status", 204}, {"body", ""}}}}});
  SUBCASE("SSWS token") {
    ActionResult r = run({{"OKTA_API_TOKEN", "00abcSSWStoken"}});
    INFO(r.message);
    CHECK(r.ok());
    json reqs = fake.Requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0]["headers"]["authorization"] == "SSWS 00abcSSWStoken");
    CHECK(reqs[0]["query"] == "oauthTokens=true");
  }
  SUBCASE("service app: a client assertion checked by PyJWT, the type's scopes asked for") {
    ActionResult r = run({{"OKTA_CLIENT_ID", "0oa1client"}, {"OKTA_PRIVATE_KEY", priv}});
    INFO(r.message);
    CHECK(r.ok());
    json reqs = fake.Requests();
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[0]["path"] == "/oauth2/v1/token");
    CHECK(reqs[0]["okta"]["verified"] == true);
    CHECK(reqs[0]["okta"]["scope"] == "okta.users.manage okta.sessions.manage");  // as declared
    CHECK(reqs[1]["headers"]["authorization"].get<std::string>().rfind("Bearer eyJraWQi.okta-", 0) == 0);
  }
  SUBCASE("a user already gone is already done") {
    fake.Reset();
    fake.Script({{"method", "DELETE"}, {"path", "/api/v1/users/00u1abc/sessions"},
                 {"responses", {{{"status", 404}, {"body", R"({"errorCode":"E0000007","errorSummary":"Not found: Resource not found"})"}}}}});
    ActionResult r = run({{"OKTA_API_TOKEN", "00abcSSWStoken"}});
    CHECK(r.already_compliant);
  }
  SUBCASE("a refused assertion is a permanent error naming the client, without the key") {
    std::string other_priv, other_pub;
    NewRsaKey(&other_priv, &other_pub);
    ActionResult r = run({{"OKTA_CLIENT_ID", "0oa1client"}, {"OKTA_PRIVATE_KEY", other_priv}});
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("okta: token request for client 0oa1client") != std::string::npos);
    CHECK(r.message.find("invalid_client") != std::string::npos);
    CheckAbsent(r.message, other_priv.substr(40, 40));
  }
}

TEST_CASE("remediation executor: an answer reporting failure in a 200, and conditional requests") {
  REQUIRE_FAKE();
  Fake fake;
  auto set = PolicySet::FromString(kSlackType, "slack.yaml");
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  auto broker = std::make_shared<CredentialBroker>(
      EnvOf({{"SLACK_BOT_TOKEN", "xoxb-1-test"}, {"PROACT_SLACK_URL", fake.url()}}));
  ActionExecutor executor(proact::internal::ProgramOf(set.value()), broker);
  auto run = [&](const json& params) {
    ActionContext ctx{"p", "t.slack.post", 0, "e", "s", "r", params, std::chrono::steady_clock::now() + 10s};
    return executor.Run(0, ctx);
  };
  fake.Script({{"method", "POST"}, {"path", "/api/chat.postMessage"},
               {"responses", {{{"status", 200}, {"body", R"({"ok":false,"error":"channel_not_found"})"}}}}});
  ActionResult r = run({{"channel", "#nope"}, {"text", "x"}, {"thread", nullptr}});
  CHECK(r.failure == FailureClass::kPermanent);
  CHECK(r.message.find("HTTP 200, but the answer reports a failure: channel_not_found") != std::string::npos);
  fake.Reset();
  fake.Script({{"method", "POST"}, {"path", "/api/chat.postMessage"},
               {"responses", {{{"status", 200}, {"body", R"({"ok":true,"ts":"1.2"})"}}}}});
  r = run({{"channel", "#sec"}, {"text", "x"}, {"thread", nullptr}});
  CHECK(r.ok());
  CHECK(fake.Requests().size() == 1);  // no thread: the reply is not sent
  fake.Reset();
  r = run({{"channel", "#sec"}, {"text", "x"}, {"thread", "1.2"}});
  CHECK(r.ok());
  json reqs = fake.Requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1]["headers"]["authorization"] == "Bearer xoxb-1-test");
  CHECK(json::parse(reqs[1]["body"].get<std::string>())["thread_ts"] == "1.2");
}

TEST_CASE("remediation executor: dispatch reports outcomes, request ids, and no secrets") {
  REQUIRE_FAKE();
  Setup s({});
  s.fake.Script({{"method", "GET"}, {"path", "/"},
                 {"responses", {{{"status", 404}, {"body", "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code></Error>"}}}}});
  Dispatcher d;
  int type = s.program->FindActionType("t.s3.block_public_access");
  auto* exec = s.executor.get();
  d.Register("t.s3.block_public_access", [exec, type](const ActionContext& c) { return exec->Run(type, c); });
  int manual = s.program->FindActionType("t.manual.restore_repository");
  d.Register("t.manual.restore_repository",
             [exec, manual](const ActionContext& c) { return exec->Run(manual, c); });
  Decision decision;
  decision.id = "evt-1";
  PolicyMatch m;
  m.policy = "p";
  m.actions.push_back({"t.s3.block_public_access", S3Params(), false});
  m.actions.push_back({"t.s3.block_public_access", {{"bucket", "x/y"}, {"region", "us-east-1"}}, false});
  m.actions.push_back({"t.manual.restore_repository", {{"repo", "r"}}, false});
  decision.matches.push_back(m);
  DispatchReport report = d.Dispatch(decision);
  std::string text = report.ToJson().dump();
  INFO(text);
  CHECK(report.executed == 1);
  CHECK(report.failed == 1);
  CHECK(text.find("\"outcome\":\"succeeded\"") != std::string::npos);
  CHECK(text.find("\"outcome\":\"failed_permanent\"") != std::string::npos);
  CHECK(report.manual == 1);
  CHECK(text.find("\"outcome\":\"manual\",\"message\":\"manual: No API restores a deleted repository\"") !=
        std::string::npos);
  CHECK(text.find("\"provider_request_id\"") != std::string::npos);
  CheckAbsent(text, kSecret);
  CheckAbsent(text, kToken);
}

// The shipped pack's GitHub and Okta types (rules/actions/), against the
// fake's realistic answers (fake_providers.py: OKTA_ROLES, github_protection).
struct PackTypes {
  explicit PackTypes(const std::string& file, std::map<std::string, std::string> env) {
    auto set = PolicySet::FromString(
        testing::ReadFile(std::string(PROACT_SOURCE_DIR) + "/rules/actions/" + file), file);
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    program = proact::internal::ProgramOf(set.value());
    env["GITHUB_API_URL"] = fake.url();
    env["GITHUB_TOKEN"] = "ghp_packtypes";
    env["OKTA_ORG_URL"] = fake.url();
    env["OKTA_API_TOKEN"] = "00packtypes";
    executor = std::make_unique<ActionExecutor>(program, std::make_shared<CredentialBroker>(EnvOf(env)));
  }
  ActionResult Run(const std::string& type, const json& params) {
    int index = program->FindActionType(type);
    REQUIRE(index >= 0);
    ActionContext ctx{"p", type, 0, "e", "s", "r", params, std::chrono::steady_clock::now() + 10s};
    return executor->Run(index, ctx);
  }
  Fake fake;
  std::shared_ptr<const Program> program;
  std::unique_ptr<ActionExecutor> executor;
};

std::vector<std::string> Paths(const json& requests, const std::string& method) {
  std::vector<std::string> out;
  for (const json& r : requests) {
    if (r["method"] == method) out.push_back(r["path"]);
  }
  return out;
}

TEST_CASE("remediation executor: okta.admin_role.revoke deletes the granted assignments, for_each") {
  REQUIRE_FAKE();
  PackTypes t("okta.yaml", {});
  const std::string user = "00u6eup97mAJZWYmP357";
  SUBCASE("two of the user's three assignments match: two DELETEs, the third is kept") {
    t.fake.Script({{"method", "DELETE"}, {"path_prefix", "/api/v1/users/"},
                   {"responses", {{{"status", 204}}, {{"status", 204}}}}});
    ActionResult r = t.Run("okta.admin_role.revoke",
                           {{"principal_id", user}, {"principal_type", "User"}, {"principal", "alice@acme.io"},
                            {"roles", {"super administrator", "help desk administrator"}}});
    INFO(r.message);
    CHECK(r.ok());
    CHECK_FALSE(r.already_compliant);
    json reqs = t.fake.Requests();
    CHECK(Paths(reqs, "GET") == std::vector<std::string>{"/api/v1/users/" + user + "/roles"});
    CHECK(Paths(reqs, "DELETE") ==
          std::vector<std::string>{"/api/v1/users/" + user + "/roles/ra1b8aahBZuGJRRa30g4",
                                   "/api/v1/users/" + user + "/roles/ra1b7aguRQ7e5iKYb0g4"});
    CHECK(reqs[0]["headers"]["authorization"] == "SSWS 00packtypes");
  }
  SUBCASE("no assignment matches (already revoked): already compliant, nothing deleted") {
    ActionResult r = t.Run("okta.admin_role.revoke",
                           {{"principal_id", user}, {"principal_type", "User"}, {"principal", nullptr},
                            {"roles", {"read only admin"}}});
    INFO(r.message);
    CHECK(r.ok());
    CHECK(r.already_compliant);
    CHECK(Paths(t.fake.Requests(), "DELETE").empty());
  }
  SUBCASE("a group: the group's read and DELETE, never the user's") {
    t.fake.Script({{"method", "DELETE"}, {"path_prefix", "/api/v1/groups/"},
                   {"responses", {{{"status", 204}}}}});
    ActionResult r = t.Run("okta.admin_role.revoke",
                           {{"principal_id", "00g1emaKYZTWRYYRRTSK"}, {"principal_type", "UserGroup"},
                            {"principal", nullptr}, {"roles", {"help desk administrator"}}});
    INFO(r.message);
    CHECK(r.ok());
    json reqs = t.fake.Requests();
    CHECK(Paths(reqs, "GET") == std::vector<std::string>{"/api/v1/groups/00g1emaKYZTWRYYRRTSK/roles"});
    CHECK(Paths(reqs, "DELETE") ==
          std::vector<std::string>{"/api/v1/groups/00g1emaKYZTWRYYRRTSK/roles/ra1c9rtyWEYzMRh1O0g4"});
  }
  SUBCASE("a user gone (404 E0000007) is already compliant") {
    ActionResult r = t.Run("okta.admin_role.revoke",
                           {{"principal_id", "00uGONE"}, {"principal_type", "User"}, {"principal", nullptr},
                            {"roles", {"super administrator"}}});
    CHECK(r.already_compliant);
    CHECK(Paths(t.fake.Requests(), "DELETE").empty());
  }
}

TEST_CASE("remediation executor: github.branch_protection.restore maps the webhook rule onto REST") {
  REQUIRE_FAKE();
  PackTypes t("github.yaml", {});
  json rule = {{"name", "main"}, {"admin_enforced", true},
               {"pull_request_reviews_enforcement_level", "everyone"}, {"required_approving_review_count", 2},
               {"dismiss_stale_reviews_on_push", true}, {"require_code_owner_review", false},
               {"required_status_checks", {"ci"}}, {"required_status_checks_enforcement_level", "non_admins"},
               {"strict_required_status_checks_policy", true},
               {"signature_requirement_enforcement_level", "everyone"},
               {"linear_history_requirement_enforcement_level", "off"},
               {"allow_force_pushes_enforcement_level", "off"}, {"allow_deletions_enforcement_level", "everyone"},
               {"required_conversation_resolution_level", "off"}};
  json params = {{"owner", "octo-org"}, {"repo", "octo-repo"}, {"branch", "main"}, {"rule", rule},
                 {"previous", nullptr}, {"installation", nullptr}};
  SUBCASE("a deleted rule: nothing to keep from the read (404), signatures sent apart") {
    t.fake.Script({{"method", "GET"}, {"path", "/repos/octo-org/octo-repo/branches/main/protection"},
                   {"responses", {{{"status", 404}, {"body", R"({"message":"Branch not protected"})"}}}}});
    ActionResult r = t.Run("github.branch_protection.restore", params);
    INFO(r.message);
    CHECK(r.ok());
    json reqs = t.fake.Requests();
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[1]["method"] == "PUT");
    json body = json::parse(reqs[1]["body"].get<std::string>());
    CHECK(body == json::parse(R"({"required_status_checks":{"strict":true,"contexts":["ci"]},
      "enforce_admins":true,
      "required_pull_request_reviews":{"dismiss_stale_reviews":true,
        "require_code_owner_reviews":false,"required_approving_review_count":2,"require_last_push_approval":false},
      "restrictions":null,"required_linear_history":false,"allow_force_pushes":false,"allow_deletions":true,
      "block_creations":false,"required_conversation_resolution":false,"lock_branch":false,
      "allow_fork_syncing":false})"));
    CHECK(reqs[2]["method"] == "POST");
    CHECK(reqs[2]["path"] == "/repos/octo-org/octo-repo/branches/main/protection/required_signatures");
  }
  SUBCASE("a weakened rule: push and dismissal restrictions kept from the read, as logins and slugs") {
    rule["signature_requirement_enforcement_level"] = "off";
    rule["pull_request_reviews_enforcement_level"] = "off";
    params["rule"] = rule;
    ActionResult r = t.Run("github.branch_protection.restore", params);
    INFO(r.message);
    CHECK(r.ok());
    json reqs = t.fake.Requests();
    REQUIRE(reqs.size() == 2);  // no signatures request: the level is off
    json body = json::parse(reqs[1]["body"].get<std::string>());
    CHECK(body["restrictions"] ==
          json::parse(R"({"users":["release-bot"],"teams":["release-managers"],"apps":["octoapp"]})"));
    CHECK(body["required_pull_request_reviews"].is_null());
  }
  SUBCASE("a pattern rule (release/*) is refused: nothing sent") {
    params["branch"] = "release/*";
    ActionResult r = t.Run("github.branch_protection.restore", params);
    CHECK(r.failure == FailureClass::kPermanent);
    CHECK(r.message.find("branch") != std::string::npos);
    CHECK(t.fake.Requests().empty());
  }
}

TEST_CASE("remediation executor: a type none of whose requests applies fails, sending nothing") {
  auto set = PolicySet::FromString(R"(action_types:
  t.cond:
    params: {member: {type: string, nullable: true}}
    endpoint: https://api.example.com
    requests:
      - {name: w, method: PUT, path: "/members/{{ params.member }}", when: "{{ params.member }}"}
)", "cond.yaml");
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  ActionExecutor executor(proact::internal::ProgramOf(set.value()), std::make_shared<CredentialBroker>(EnvOf({})));
  ActionContext ctx{"p", "t.cond", 0, "e", "s", "r", {{"member", nullptr}},
                    std::chrono::steady_clock::now() + 10s};
  ActionResult r = executor.Run(0, ctx);
  CHECK(r.failure == FailureClass::kPermanent);
  CHECK(r.message.find("applies to these params") != std::string::npos);
}

}  // namespace
}  // namespace proact::internal
