// Action types as data: compile-time checks with file:line:col diagnostics,
// the schema, request building (each value encoded for its place), plans and
// permissions. Execution against real HTTP is in
// tests/host/remediation_executor_test.cc.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "proact/policy_schema.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"
#include "util/xml_json.h"

namespace proact {
namespace {

using nlohmann::json;

// The one diagnostic of `yaml` with `code`, rendered; "" when none.
std::string Diag(const std::string& yaml, const std::string& code) {
  Result<PolicySet> set = PolicySet::FromString(yaml, "t.yaml");
  if (set.ok()) return "";
  for (const Diagnostic& d : set.status().diagnostics()) {
    if (d.code == code) return d.location.ToString() + ": " + d.message;
  }
  std::string all;
  for (const Diagnostic& d : set.status().diagnostics()) all += d.ToString() + "\n";
  return "(no " + code + "; got: " + all + ")";
}

constexpr char kType[] = R"(action_types:
  t.bucket:
    params:
      bucket: {type: string, required: true, pattern: '[a-z0-9.-]{3,63}'}
      region: {type: string, required: true}
      mode: {type: string, allowed: [strict, loose]}
      count: {type: integer}
    credentials: {provider: aws, service: s3, region: "{{ params.region }}"}
    endpoint: "https://{{ params.bucket }}.s3.{{ params.region }}.amazonaws.com"
    requests:
      - name: write
        method: PUT
        query: {z: "{{ params.bucket }}", a: "x y&z", publicAccessBlock: ""}
        headers: {X-Mode: "{{ params.mode | default('strict') }}"}
        body: {xml: {Root: {"@xmlns": "urn:x", Name: "{{ params.bucket }}", Note: "a<b&c"}}}
)";

std::string WithPolicy(const std::string& params) {
  return std::string(kType) +
         "policies:\n  - id: p\n    match: {source: [x]}\n    actions:\n      - action: t.bucket\n"
         "        params: " + params + "\n";
}

TEST_CASE("action types: a policy action's params are checked against its type when compiling") {
  CHECK(PolicySet::FromString(WithPolicy("{bucket: abc, region: us-east-1}")).ok());
  CHECK(Diag(WithPolicy("{bukcet: abc, region: us-east-1}"), "unknown-param") ==
        "t.yaml:21:18: action type 't.bucket' has no parameter 'bukcet' (did you mean 'bucket'?)");
  CHECK(Diag(WithPolicy("{region: us-east-1}"), "missing-param") ==
        "t.yaml:20:9: action type 't.bucket' requires parameter 'bucket'");
  CHECK(Diag(WithPolicy("{bucket: A_B, region: us-east-1}"), "bad-param") ==
        "t.yaml:21:26: parameter 'bucket' of action type 't.bucket' is \"A_B\", which does not "
        "match the pattern '[a-z0-9.-]{3,63}'");
  CHECK(Diag(WithPolicy("{bucket: abc, region: us-east-1, mode: lax}"), "bad-param") ==
        "t.yaml:21:56: parameter 'mode' of action type 't.bucket' is \"lax\", not one of the "
        "allowed values (\"strict\", \"loose\")");
  CHECK(Diag(WithPolicy("{bucket: abc, region: us-east-1, count: many}"), "bad-param") ==
        "t.yaml:21:57: parameter 'count' of action type 't.bucket' must be an integer, not a string");
  // Templated values are checked when rendered, not now.
  CHECK(PolicySet::FromString(WithPolicy("{bucket: '{{ detail.b }}', region: '{{ region }}'}")).ok());
}

TEST_CASE("action types: a parameter pattern is checked when loading and compiled on first use") {
  auto with_pattern = [](const std::string& pattern, const std::string& value) {
    std::string yaml = WithPolicy("{bucket: " + value + ", region: us-east-1}");
    std::string from = "pattern: '[a-z0-9.-]{3,63}'";
    return yaml.replace(yaml.find(from), from.size(), "pattern: '" + pattern + "'");
  };
  // Bad syntax is a load error, with RE2's own message.
  CHECK(Diag(with_pattern("[a-z", "abc"), "bad-regex") ==
        "t.yaml:4:55: pattern '[a-z': missing ]: [a-z");
  // A long counted repetition loads and matches once compiled.
  CHECK(PolicySet::FromString(with_pattern("[a-z]{1,1000}", "abc")).ok());
  CHECK(Diag(with_pattern("[a-z]{1,1000}", "A1"), "bad-param") ==
        "t.yaml:21:26: parameter 'bucket' of action type 't.bucket' is \"A1\", which does not "
        "match the pattern '[a-z]{1,1000}'");
  // Valid syntax but too large for RE2's default budget: found when a value
  // is first checked, and said so.
  CHECK(Diag(with_pattern("(\\pL{1000}){1,1}x", "abc"), "bad-param") ==
        "t.yaml:21:26: parameter 'bucket' of action type 't.bucket' is \"abc\", which does not "
        "match the pattern '(\\pL{1000}){1,1}x' (the pattern cannot be compiled: pattern too large - "
        "compile failed)");
}

TEST_CASE("action types: mistakes in a type are errors naming where, with hints") {
  auto type = [](const std::string& body) {
    return "action_types:\n  t.x:\n    params: {name: string}\n" + body;
  };
  std::string req = "    requests:\n      - {name: w, method: PUT, path: '/{{ params.name }}'}\n";
  CHECK(PolicySet::FromString(type("    endpoint: https://api.example.com\n" + req)).ok());
  CHECK(Diag(type("    endpoint: https://api.example.com\n    reqests: []\n"), "unknown-key") ==
        "t.yaml:5:5: unknown key 'reqests' in action type 't.x' (did you mean 'requests'?)");
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUT, "
                  "path: '/{{ param.name }}'}\n"),
             "unknown-field")
            .find("action type templates start from params, steps, secrets, config or item (did you mean 'params'?)") !=
        std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUT, "
                  "path: '/{{ params.nme }}'}\n"),
             "unknown-param")
            .find("does not declare (did you mean 'name'?)") != std::string::npos);
  CHECK(Diag(type("    endpoint: 'https://{{ params.name }}'\n" + req), "bad-endpoint")
            .find("must end in a fixed domain") != std::string::npos);
  CHECK(Diag(type("    endpoint: http://api.example.com\n" + req), "bad-endpoint")
            .find("must start with https://") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUT, "
                  "body: {json: '{{ steps.later.body }}'}}\n      - {name: later, method: GET}\n"),
             "unknown-step")
            .find("step 'later', which is not an earlier request") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: r, read: true, "
                  "method: GET}\n"),
             "bad-request")
            .find("only reads") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUTT}\n"),
             "bad-request")
            .find("(did you mean 'PUT'?)") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    credentials: {provider: aws}\n" + req),
             "missing-key")
            .find("need 'service'") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    credentials: {provider: github, service: s3}\n" + req),
             "bad-credentials") == "t.yaml:5:46: 'service' applies to provider aws only");
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUT, "
                  "headers: {Authorization: x}}\n"),
             "bad-request")
            .find("is set by proact") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUT, "
                  "headers: {X-K: '{{ secrets.AWS_SECRET_ACCESS_KEY }}'}}\n"),
             "bad-template")
            .find("is a credential of a provider or of proact itself") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    requests:\n      - {name: w, method: PUT, "
                  "headers: {X-K: '{{ secrets.PROACT_GITHUB_SECRET }}'}}\n"),
             "bad-template")
            .find("is a credential") != std::string::npos);
  CHECK(Diag(type("    endpoint: https://api.example.com\n    permissions: {aws: [PutObject]}\n" + req),
             "bad-permission")
            .find("not shaped like s3:PutBucketPublicAccessBlock") != std::string::npos);
  {
    std::string file = type("    endpoint: https://api.example.com\n" + req);
    Result<PolicySet> twice = PolicySet::FromSources({{"a.yaml", file}, {"b.yaml", file}});
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.status().diagnostics()[0].ToString().find(
              "b.yaml:2:3: error: action type 't.x' is already declared at a.yaml:2:3") == 0);
  }
}

TEST_CASE("action types: the schema lists exactly the compiler's keys") {
  nlohmann::ordered_json schema = PolicyFileSchema();
  auto keys = [](const nlohmann::ordered_json& o) {
    std::vector<std::string> out;
    for (auto it = o["properties"].begin(); it != o["properties"].end(); ++it) out.push_back(it.key());
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(keys(schema["$defs"]["actionType"]) ==
        std::vector<std::string>{"credentials", "description", "endpoint", "endpoint_override",
                                 "manual", "params", "permissions", "requests"});
  CHECK(keys(schema["$defs"]["actionType"]["properties"]["credentials"]) ==
        std::vector<std::string>{"assume_root", "installation", "provider", "region", "resource", "role",
                                 "service"});
  CHECK(keys(schema["$defs"]["actionType"]["properties"]["credentials"]["properties"]["assume_root"]) ==
        std::vector<std::string>{"target", "task_policy"});
  CHECK(keys(schema["$defs"]["request"]) ==
        std::vector<std::string>{"already_done", "body", "compliant_if", "content_md5", "content_type",
                                 "failed_if", "for_each", "headers", "method", "name", "path", "poll",
                                 "proceed_on", "query", "read", "retry_on", "success", "unless",
                                 "when"});
  // A type using every request key compiles.
  const char* every = R"(action_types:
  t.every:
    description: d
    params: {id: {type: string, required: true, nullable: false, pattern: '[a-z]+', description: x}}
    credentials: {provider: azure, resource: "https://management.azure.com/"}
    endpoint: https://management.azure.com
    endpoint_override: PROACT_AZURE_URL
    permissions: {azure: [Microsoft.Network/networkSecurityGroups/write], aws: [ec2:DescribeX],
                  github: {administration: write}, okta: [okta.users.manage], gcp: [compute.firewalls.update],
                  slack: ["chat:write"]}
    requests:
      - {name: r, read: true, method: GET, path: "/x/{{ params.id }}", query: {a: b}, headers: {X-A: b},
         proceed_on: [{status: 404}], retry_on: [{code: Busy}], already_done: [410],
         compliant_if: {properties: {state: [off]}}, success: [200]}
      - {name: w, method: PUT, path: /x, body: {form: {a: "{{ steps.r.body.etag }}"}}, content_type: text/plain,
         content_md5: true, poll: {status: [202], url_headers: [Location], done_if: {status: [Succeeded]},
         failed_if: {status: [Failed]}, interval_ms: 100}}
      - {name: e, method: DELETE, path: "/x/{{ item.id }}", for_each: "{{ steps.r.body.list }}",
         when: "{{ item.kind | eq('a') }}"}
)";
  Result<PolicySet> set = PolicySet::FromString(every);
  CHECK_MESSAGE(set.ok(), set.status().ToString());
}

TEST_CASE("action types: plans encode every value for its place") {
  Result<PolicySet> set = PolicySet::FromString(kType);
  REQUIRE(set.ok());
  std::vector<PlannedRequest> plan;
  Action a{"t.bucket", {{"bucket", "my.bucket"}, {"region", "eu-west-1"}}, false};
  REQUIRE(PlanAction(set.value(), a, &plan).ok());
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].method == "PUT");
  // Query parameters sorted, values percent-encoded, the valueless one as "name=".
  CHECK(plan[0].url == "https://my.bucket.s3.eu-west-1.amazonaws.com/?a=x%20y%26z&publicAccessBlock=&z=my.bucket");
  CHECK(plan[0].body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Root xmlns=\"urn:x\"><Name>my.bucket</Name>"
        "<Note>a&lt;b&amp;c</Note></Root>");
  CHECK(plan[0].headers == std::vector<std::pair<std::string, std::string>>{
                               {"X-Mode", "strict"}, {"Content-Type", "application/xml"}});
  CHECK(plan[0].auth == "aws-sigv4 s3 eu-west-1");
  // Params are checked again after rendering (event data): type, pattern.
  Action bad{"t.bucket", {{"bucket", "evil.example/x"}, {"region", "eu-west-1"}}, false};
  Status st = PlanAction(set.value(), bad, &plan);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("parameter 'bucket'") == 0);
  Action unknown{"log", json::object(), false};
  CHECK(PlanAction(set.value(), unknown, &plan).code() == StatusCode::kNotFound);
}

TEST_CASE("action types: path holes are single segments, headers refuse line breaks, json keeps types") {
  const char* yaml = R"(action_types:
  t.gh:
    params: {repo: string, branch: string, settings: {type: object}, token_name: string}
    credentials: {provider: github}
    endpoint: https://api.github.com
    requests:
      - name: read
        read: true
        method: GET
        path: "/repos/{{ params.repo }}/branches/{{ params.branch }}/protection"
      - name: write
        method: PUT
        path: "/repos/{{ params.repo }}/branches/{{ params.branch }}/protection"
        headers: {X-Note: "{{ params.token_name }}", X-Key: "{{ secrets.API_KEY }}"}
        body: {json: {settings: "{{ params.settings }}", etag: "{{ steps.read.headers.etag }}", n: 3}}
)";
  Result<PolicySet> set = PolicySet::FromString(yaml);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  std::vector<PlannedRequest> plan;
  json params = {{"repo", "a/b"}, {"branch", "feature/x y"}, {"settings", {{"strict", true}}}, {"token_name", "n"}};
  REQUIRE(PlanAction(set.value(), {"t.gh", params, false}, &plan).ok());
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].url == "https://api.github.com/repos/a%2Fb/branches/feature%2Fx%20y/protection");
  CHECK(json::parse(plan[1].body) ==
        json({{"settings", {{"strict", true}}}, {"etag", "<steps.read.headers.etag>"}, {"n", 3}}));
  CHECK(plan[1].headers[1] == std::pair<std::string, std::string>{"X-Key", "[secret API_KEY]"});
  params["token_name"] = "x\r\nX-Injected: 1";
  Status st = PlanAction(set.value(), {"t.gh", params, false}, &plan);
  CHECK(st.message().find("renders a line break") != std::string::npos);
  params["token_name"] = "n";
  params["branch"] = "..";
  CHECK(PlanAction(set.value(), {"t.gh", params, false}, &plan).message().find("cannot be a path segment") !=
        std::string::npos);
}

TEST_CASE("action types: multi-segment path holes and conditional requests") {
  const char* yaml = R"(action_types:
  t.azure:
    params:
      id: {type: string, required: true, pattern: '(/[^/]+)+'}
      invitation: {type: string, nullable: true}
      member: {type: string, nullable: true}
    endpoint: https://management.azure.com
    requests:
      - {name: del, method: DELETE, path: "{{ params.id | path }}", query: {api-version: "2023-09-01"}}
      - {name: inv, method: DELETE, path: "/invitations/{{ params.invitation }}", when: "{{ params.invitation }}"}
      - {name: mem, method: PUT, path: "/members/{{ params.member }}", when: "{{ params.member }}"}
)";
  Result<PolicySet> set = PolicySet::FromString(yaml);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  std::vector<PlannedRequest> plan;
  json params = {{"id", "/subscriptions/s1/resourceGroups/rg (x)/providers/Microsoft.Network/x"},
                 {"invitation", nullptr}, {"member", "octo"}};
  REQUIRE(PlanAction(set.value(), {"t.azure", params, false}, &plan).ok());
  REQUIRE(plan.size() == 2);  // the invitation request is not sent: its `when` is null
  CHECK(plan[0].url ==
        "https://management.azure.com/subscriptions/s1/resourceGroups/rg%20%28x%29/providers/"
        "Microsoft.Network/x?api-version=2023-09-01");
  CHECK(plan[1].name == "mem");
  params["invitation"] = "42";
  params["member"] = nullptr;
  REQUIRE(PlanAction(set.value(), {"t.azure", params, false}, &plan).ok());
  REQUIRE(plan.size() == 2);
  CHECK(plan[1].name == "inv");
  // A null path hole is an error, never the segment "null".
  json null_member = {{"id", "/subscriptions/s1/x"}, {"invitation", "42"}, {"member", nullptr}};
  const char* nullpath = R"(action_types:
  t.n:
    params: {member: {type: string, nullable: true}}
    endpoint: https://api.example.com
    requests: [{name: w, method: PUT, path: "/members/{{ params.member }}", query: {m: "{{ params.member }}"}}]
)";
  Result<PolicySet> ns = PolicySet::FromString(nullpath);
  REQUIRE(ns.ok());
  CHECK(PlanAction(ns.value(), {"t.n", {{"member", nullptr}}, false}, &plan).message().find(
            "{{ params.member }} renders null") != std::string::npos);
  // `| path` still refuses empty and dot segments.
  params["id"] = "/subscriptions/s1/../x";
  CHECK(PlanAction(set.value(), {"t.azure", params, false}, &plan).message().find(
            "has an empty, '.' or '..' segment") != std::string::npos);
}

TEST_CASE("action types: form fields repeated per list element, and unless") {
  const char* yaml = R"(action_types:
  t.ec2:
    params:
      group: {type: string, required: true}
      rules: {type: array, nullable: true}
      accounts: {type: array}
    endpoint: https://ec2.us-east-1.amazonaws.com
    requests:
      - name: by_id
        method: POST
        when: "{{ params.rules }}"
        body:
          form:
            Action: RevokeSecurityGroupIngress
            GroupId: "{{ params.group }}"
            "SecurityGroupRuleId.{n}": {each: "{{ params.rules }}", value: "{{ item.securityGroupRuleId }}"}
      - name: other
        method: POST
        unless: "{{ params.rules }}"
        body: {form: {Action: X, "ValuesToRemove.AttributeValue.{n}": "{{ params.accounts }}"}}
)";
  Result<PolicySet> set = PolicySet::FromString(yaml);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  std::vector<PlannedRequest> plan;
  json params = {{"group", "sg-1"},
                 {"rules", {{{"securityGroupRuleId", "sgr-a"}}, {{"securityGroupRuleId", "sgr-b"}}}},
                 {"accounts", {"111", "222"}}};
  REQUIRE(PlanAction(set.value(), {"t.ec2", params, false}, &plan).ok());
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].body ==
        "Action=RevokeSecurityGroupIngress&GroupId=sg-1&SecurityGroupRuleId.1=sgr-a&SecurityGroupRuleId.2=sgr-b");
  params["rules"] = nullptr;
  REQUIRE(PlanAction(set.value(), {"t.ec2", params, false}, &plan).ok());
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].name == "other");
  CHECK(plan[0].body == "Action=X&ValuesToRemove.AttributeValue.1=111&ValuesToRemove.AttributeValue.2=222");
  params["accounts"] = json::array();
  REQUIRE(PlanAction(set.value(), {"t.ec2", params, false}, &plan).ok());
  CHECK(plan[0].body == "Action=X");
}

TEST_CASE("action types: in a plan, a value still to be read shows as its expression, filters unapplied") {
  const char* yaml = R"(action_types:
  t.rmw:
    endpoint: https://api.example.com
    requests:
      - {name: read, read: true, method: GET, path: /x}
      - name: write
        method: PUT
        path: /x
        body:
          json:
            users: "{{ steps.read.body.users | pluck('login') }}"
            n: "{{ steps.read.body.n | eq(3) }}"
)";
  Result<PolicySet> set = PolicySet::FromString(yaml);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  std::vector<PlannedRequest> plan;
  Status st = PlanAction(set.value(), {"t.rmw", json::object(), false}, &plan);
  REQUIRE_MESSAGE(st.ok(), st.message());
  REQUIRE(plan.size() == 2);
  CHECK(plan[1].body == R"({"users":"<steps.read.body.users | pluck(\"login\")>","n":"<steps.read.body.n | eq(3)>"})");
}

// A shipped file of rules/actions/.
std::string PackFile(const std::string& name) {
  std::ifstream in(std::string(PROACT_SOURCE_DIR) + "/rules/actions/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("action types: plans of read-modify-write types show what only the answer says") {
  std::vector<PlannedRequest> plan;
  SUBCASE("okta.admin_role.revoke: the principal type's read, a DELETE per matching assignment") {
    Result<PolicySet> set = PolicySet::FromString(PackFile("okta.yaml"), "okta.yaml");
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    json params = {{"principal_id", "00u1"}, {"principal_type", "User"}, {"principal", nullptr},
                   {"roles", {"super administrator"}}};
    REQUIRE(PlanAction(set.value(), {"okta.admin_role.revoke", params, false}, &plan).ok());
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].url == "https://example.okta.com/api/v1/users/00u1/roles");
    CHECK(plan[1].method == "DELETE");
    CHECK(plan[1].url == "https://example.okta.com/api/v1/users/00u1/roles/%3Citem.id%3E");
    params["principal_type"] = "UserGroup";
    REQUIRE(PlanAction(set.value(), {"okta.admin_role.revoke", params, false}, &plan).ok());
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].url == "https://example.okta.com/api/v1/groups/00u1/roles");
    CHECK(plan[1].url == "https://example.okta.com/api/v1/groups/00u1/roles/%3Citem.id%3E");
  }
  SUBCASE("github.branch_protection.restore: levels mapped, filters leave answer placeholders alone") {
    Result<PolicySet> set = PolicySet::FromString(PackFile("github.yaml"), "github.yaml");
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    json params = {{"owner", "o"}, {"repo", "r"}, {"branch", "release/1.x"},
                   {"rule", {{"admin_enforced", true}, {"required_status_checks_enforcement_level", "off"},
                             {"pull_request_reviews_enforcement_level", "non_admins"},
                             {"allow_force_pushes_enforcement_level", "off"},
                             {"allow_deletions_enforcement_level", "everyone"},
                             {"signature_requirement_enforcement_level", "off"}}}};
    REQUIRE(PlanAction(set.value(), {"github.branch_protection.restore", params, false}, &plan).ok());
    REQUIRE(plan.size() == 2);  // no signatures request: the level is off
    CHECK(plan[1].url == "https://api.github.com/repos/o/r/branches/release%2F1.x/protection");
    json body = json::parse(plan[1].body);
    CHECK(body["required_status_checks"].is_null());
    CHECK(body["enforce_admins"] == true);
    CHECK(body["allow_force_pushes"] == false);
    CHECK(body["allow_deletions"] == true);
    CHECK(body["required_pull_request_reviews"]["required_approving_review_count"] == 1);
    CHECK(body["restrictions"]["users"] == "<steps.read.body.restrictions.users | pluck(\"login\")>");
    params["rule"]["signature_requirement_enforcement_level"] = "everyone";
    REQUIRE(PlanAction(set.value(), {"github.branch_protection.restore", params, false}, &plan).ok());
    REQUIRE(plan.size() == 3);
    CHECK(plan[2].url == "https://api.github.com/repos/o/r/branches/release%2F1.x/protection/required_signatures");
    params["branch"] = "release/*";
    CHECK(PlanAction(set.value(), {"github.branch_protection.restore", params, false}, &plan).message().find(
              "parameter 'branch'") != std::string::npos);
  }
}

TEST_CASE("action types: a manual type plans nothing and says why") {
  const char* yaml = R"(action_types:
  t.restore_repo:
    manual: No API restores a deleted repository; GitHub Support can, within 90 days
    params: {repo: {type: string, required: true}}
    permissions: {github: {administration: write}}
policies:
  - {id: p, match: {source: [x]}, actions: [{action: t.restore_repo, params: {repo: "{{ detail.r }}"}}]}
)";
  Result<PolicySet> set = PolicySet::FromString(yaml);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  CHECK(ManualReason(set.value(), "t.restore_repo").find("No API restores") == 0);
  Decision d;
  d.id = "e";
  PolicyMatch m;
  m.policy = "p";
  m.actions.push_back({"t.restore_repo", {{"repo", "a"}}, false});
  d.matches.push_back(m);
  auto lines = PlanDecision(set.value(), d);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["requests"].empty());
  CHECK(lines[0]["manual"] == "No API restores a deleted repository; GitHub Support can, within 90 days");
  CHECK(lines[0]["error"].is_null());
  // Manual types need no permissions.
  CHECK_FALSE(RequiredPermissions(set.value()).contains("github"));
  CHECK(Diag("action_types:\n  t.x:\n    manual: why\n    endpoint: https://a.example.com\n", "bad-action-type") ==
        "t.yaml:4:15: a manual action type has no 'endpoint'");
  CHECK(Diag("action_types:\n  t.x:\n    params: {a: string}\n", "missing-key") ==
        "t.yaml:3:5: action type 't.x' is missing required key 'endpoint' (or 'manual', when no API can do it)");
}

TEST_CASE("action types: permissions of the enabled policies' types, merged") {
  const char* yaml = R"(action_types:
  t.a:
    credentials: {provider: aws, service: ec2, region: us-east-1, role: "arn:aws:iam::{{ params.account }}:role/fixer"}
    params: {account: string}
    endpoint: https://ec2.us-east-1.amazonaws.com
    permissions: {aws: [ec2:RevokeSecurityGroupIngress, ec2:DescribeSecurityGroups], github: {contents: read}}
    requests: [{name: w, method: POST}]
  t.b:
    endpoint: https://api.github.com
    permissions: {aws: [ec2:RevokeSecurityGroupIngress], github: {contents: write, administration: write}}
    requests: [{name: w, method: PUT}]
  t.unused:
    endpoint: https://api.github.com
    permissions: {okta: [okta.users.manage]}
    requests: [{name: w, method: PUT}]
  t.cloud:
    endpoint: https://management.azure.com
    permissions: {azure: [Microsoft.Network/networkSecurityGroups/securityRules/delete],
                  gcp: [compute.firewalls.update, compute.firewalls.get]}
    requests: [{name: w, method: DELETE}]
policies:
  - {id: p1, match: {source: [x]}, actions: [{action: t.a, params: {account: "{{ account }}"}}, {action: t.b}]}
  - {id: p2, match: {source: [y]}, actions: [{action: t.b}, {action: t.cloud}]}
  - {id: p3, enabled: false, match: {source: [z]}, actions: [{action: t.unused}]}
)";
  Result<PolicySet> set = PolicySet::FromString(yaml);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  nlohmann::ordered_json p = RequiredPermissions(set.value());
  CHECK(p["aws"]["remediation_policy"]["Statement"][0]["Action"] ==
        json({"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress"}));
  CHECK(p["aws"]["assume_role_policy"]["Statement"][0]["Action"] == json({"sts:AssumeRole"}));
  CHECK(p["aws"]["assume_role_policy"]["Statement"][0]["Resource"] == json({"arn:aws:iam::*:role/fixer"}));
  CHECK(p["github"]["permissions"] == json({{"administration", "write"}, {"contents", "write"}}));
  CHECK_FALSE(p.contains("okta"));
  CHECK(p["gcp"]["custom_role"]["includedPermissions"] == json({"compute.firewalls.get", "compute.firewalls.update"}));
  CHECK(p["azure"]["role_definition"]["Actions"] ==
        json({"Microsoft.Network/networkSecurityGroups/securityRules/delete"}));
  CHECK(p["azure"]["role_definition"]["IsCustom"] == true);
  CHECK(p["action_types"]["t.b"] == json({"p1", "p2"}));
}

}  // namespace
}  // namespace proact

namespace proact::internal {
namespace {

TEST_CASE("action types: root of a member account through AssumeRoot: checked, planned, permitted") {
  auto type = [](const std::string& credentials, const std::string& aws = "[iam:DeleteAccessKey]") {
    return "action_types:\n  t.root:\n    params: {account: string, key: string}\n    credentials: " +
           credentials +
           "\n    endpoint: https://iam.amazonaws.com\n    permissions: {aws: " + aws +
           "}\n    requests:\n      - {name: write, method: POST, body: {form: {Action: DeleteAccessKey, "
           "Version: '2010-05-08', AccessKeyId: '{{ params.key }}'}}}\n"
           "policies:\n  - {id: p, match: {source: [x]}, actions: [{action: t.root, params: "
           "{account: '{{ account }}', key: k}}]}\n";
  };
  auto root = [](const std::string& assume_root, const std::string& extra = "") {
    return "{provider: aws, service: iam, region: us-east-1, " + extra + "assume_root: " + assume_root + "}";
  };
  const std::string ok = root("{target: '{{ params.account }}', task_policy: IAMDeleteRootUserCredentials}");
  Result<PolicySet> set = PolicySet::FromString(type(ok));
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());

  SUBCASE("mistakes are errors naming where") {
    CHECK(Diag(type(root("{target: '{{ params.account }}', task_policy: IAMDeleteRootUserCredential}")),
               "bad-credentials")
              .find("t.yaml:4:126: unknown root task policy 'IAMDeleteRootUserCredential' (did you mean "
                    "'IAMDeleteRootUserCredentials'?)") == 0);
    CHECK(Diag(type(root("{target: '12345', task_policy: IAMDeleteRootUserCredentials}")), "bad-credentials") ==
          "t.yaml:4:89: 'target' is the member account id, 12 digits, not '12345'");
    CHECK(Diag(type(root("{target: '{{ params.account }}', task_policy: IAMDeleteRootUserCredentials}",
                         "role: 'arn:aws:iam::{{ params.account }}:role/x', ")),
               "bad-credentials")
              .find("'role' and 'assume_root' exclude each other") != std::string::npos);
    CHECK(Diag(type("{provider: github, assume_root: {target: '111122223333', task_policy: "
                    "IAMDeleteRootUserCredentials}}"),
               "bad-credentials")
              .find("'assume_root' applies to provider aws only") != std::string::npos);
    CHECK(Diag(type(root("{targt: '{{ params.account }}', task_policy: IAMDeleteRootUserCredentials}")),
               "unknown-key")
              .find("(did you mean 'target'?)") != std::string::npos);
    CHECK(Diag(type(root("{target: '{{ params.acount }}', task_policy: IAMDeleteRootUserCredentials}")),
               "unknown-param")
              .find("(did you mean 'account'?)") != std::string::npos);
    // The session can only do what its task policy leaves to root.
    CHECK(Diag(type(ok, "[iam:DeleteAccessKey, iam:UpdateAccessKey]"), "bad-permission") ==
          "t.yaml:6:46: 'iam:UpdateAccessKey' is not allowed by root task policy IAMDeleteRootUserCredentials, "
          "which scopes this type's root session");
  }

  SUBCASE("the plan shows the AssumeRoot request and whose root signs") {
    Action a{"t.root", {{"account", "111122223333"}, {"key", "AKIAIOSFODNN7EXAMPLE"}}, false};
    std::vector<PlannedRequest> plan, credentials;
    REQUIRE(PlanAction(set.value(), a, &plan).ok());
    REQUIRE(plan.size() == 1);
    CHECK(plan[0].url == "https://iam.amazonaws.com/");
    CHECK(plan[0].auth ==
          "aws-sigv4 iam us-east-1 as root of 111122223333 (AssumeRoot, task policy IAMDeleteRootUserCredentials)");
    REQUIRE(PlanCredentials(set.value(), a, &credentials).ok());
    REQUIRE(credentials.size() == 1);
    CHECK(credentials[0].name == "assume_root");
    CHECK(credentials[0].method == "POST");
    CHECK(credentials[0].url == "https://sts.us-east-1.amazonaws.com/");
    CHECK(credentials[0].body ==
          "Action=AssumeRoot&DurationSeconds=900&TargetPrincipal=111122223333&TaskPolicyArn.arn="
          "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Froot-task%2FIAMDeleteRootUserCredentials&Version=2011-06-15");
    CHECK(credentials[0].auth == "aws-sigv4 sts us-east-1");
    Decision d;
    d.id = "e";
    PolicyMatch m;
    m.policy = "p";
    m.actions.push_back(a);
    d.matches.push_back(m);
    auto lines = PlanDecision(set.value(), d);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["error"].is_null());
    CHECK(lines[0]["identity_requests"][0]["url"] == "https://sts.us-east-1.amazonaws.com/");
    CHECK(lines[0]["identity_requests"][0]["identity"] == "aws-sigv4 sts us-east-1");
    // A target that is no account id is refused before anything is planned.
    Action bad{"t.root", {{"account", "1234"}, {"key", "k"}}, false};
    Status st = PlanAction(set.value(), bad, &plan);
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find("the AssumeRoot target must be a 12-digit account id, not '1234'") != std::string::npos);
    CHECK(PlanCredentials(set.value(), bad, &credentials).code() == StatusCode::kInvalidArgument);
  }

  SUBCASE("permissions: sts:AssumeRoot for the task policy, nothing for the member role") {
    nlohmann::ordered_json p = RequiredPermissions(set.value());
    CHECK_FALSE(p["aws"].contains("remediation_policy"));
    CHECK_FALSE(p["aws"].contains("assume_role_policy"));
    const std::string arn = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials";
    CHECK(p["aws"]["assume_root_policy"].dump() ==
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRoot"],)"
          R"("Resource":["arn:aws:iam::*:root"],"Condition":{"StringEquals":{"sts:TaskPolicyArn":)"
          R"(["arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"]}}}]})");
    CHECK(p["aws"]["root_task_actions"].dump() == "{\"" + arn + "\":[\"iam:DeleteAccessKey\"]}");
  }
}

TEST_CASE("action types: XML answers read as JSON, bounded in depth") {
  nlohmann::json j;
  std::string error;
  REQUIRE(XmlToJson("<?xml version=\"1.0\"?><R xmlns=\"urn:x\"><a>1</a><b><c>x</c></b><i>1</i><i>2</i>"
                    "<i>3</i><e/><n:m xmlns:n=\"urn:n\">t</n:m></R>",
                    &j, &error));
  CHECK(j == nlohmann::json::parse(R"({"R":{"a":"1","b":{"c":"x"},"i":["1","2","3"],"e":"","m":"t"}})"));
  CHECK_FALSE(XmlToJson("<a><b></a>", &j, &error));
  CHECK(error.find("invalid XML") == 0);
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "<d>";
  for (int i = 0; i < 200; ++i) deep += "</d>";
  CHECK_FALSE(XmlToJson(deep, &j, &error));
  CHECK(error.find("XML nested deeper than 128 elements") == 0);
  // Writing: order kept, text and attributes escaped, arrays repeated.
  std::string xml;
  REQUIRE(JsonToXml(nlohmann::ordered_json::parse(R"({"R":{"@id":"a\"b","z":"<&>","a":[1,true]}})"), &xml,
                    &error));
  CHECK(xml == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><R id=\"a&quot;b\"><z>&lt;&amp;&gt;</z><a>1</a>"
               "<a>true</a></R>");
  CHECK_FALSE(JsonToXml(nlohmann::ordered_json::parse(R"({"R":{"bad name":1}})"), &xml, &error));
}

}  // namespace
}  // namespace proact::internal
