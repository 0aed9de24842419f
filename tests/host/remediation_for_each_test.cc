// for_each and config.NAME executed over real loopback HTTP
// (tests/remediation/fake_providers.py answers as each test scripts).
#include <doctest/doctest.h>

#include "fake_providers.h"
#include "program/api_access.h"
#include "host/remediation/action_executor.h"
#include "proact/dispatch.h"
#include "proact/policy_set.h"

namespace proact::internal {
namespace {

using namespace fake;

constexpr char kTypes[] = R"(action_types:
  t.revoke_roles:
    params:
      user: {type: string, required: true, pattern: '[a-z0-9]+'}
      roles: {type: array, required: true}
    credentials: {provider: none}
    endpoint: https://api.example.com
    endpoint_override: PROACT_TEST_URL
    requests:
      - name: read
        read: true
        method: GET
        path: "/users/{{ params.user }}/roles"
      - name: revoke
        method: DELETE
        path: "/users/{{ params.user }}/roles/{{ item.id }}"
        for_each: "{{ steps.read.body }}"
        when: "{{ item.label | lower | in(params.roles) }}"
        already_done: [{status: 404}]
  t.revoke_split:
    params:
      user: {type: string, required: true, pattern: '[a-z0-9]+'}
    credentials: {provider: none}
    endpoint: https://api.example.com
    endpoint_override: PROACT_TEST_URL
    requests:
      - name: read
        read: true
        method: GET
        path: "/users/{{ params.user }}/roles"
      - name: revoke
        method: DELETE
        path: "/users/{{ params.user }}/roles/{{ item.id }}"
        for_each: "{{ steps.read.body }}"
        when: "{{ item.label | split(',') | contains('admin') }}"
  t.baseline:
    params:
      name: {type: string, required: true, pattern: '[a-z0-9-]+'}
    credentials: {provider: none}
    endpoint: https://api.example.com
    endpoint_override: PROACT_TEST_URL
    requests:
      - name: create
        method: PUT
        path: "/trails/{{ params.name }}"
        body:
          json:
            bucket: "{{ config.TRAIL_BUCKET }}"
            kms: {when: "{{ config.TRAIL_KMS_KEY_ID }}", value: "{{ config.TRAIL_KMS_KEY_ID }}", else: none}
)";

struct Harness {
  explicit Harness(std::map<std::string, std::string> env = {}) {
    auto set = PolicySet::FromString(kTypes, "types.yaml");
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    program = proact::internal::ProgramOf(set.value());
    env["PROACT_TEST_URL"] = fake.url();
    executor = std::make_unique<ActionExecutor>(program, std::make_shared<CredentialBroker>(EnvOf(env)));
  }
  ActionResult Run(const std::string& type, const json& params) {
    int index = program->FindActionType(type);
    REQUIRE(index >= 0);
    ActionContext ctx{"p", type, 0, "event-1", "test", "req-1", params,
                      std::chrono::steady_clock::now() + 10s};
    return executor->Run(index, ctx);
  }
  std::vector<std::string> Sent() const {
    std::vector<std::string> out;
    for (const json& r : fake.Requests()) out.push_back(r["method"].get<std::string>() + " " + r["path"].get<std::string>());
    return out;
  }
  Fake fake;
  std::shared_ptr<const Program> program;
  std::unique_ptr<ActionExecutor> executor;
};

constexpr char kRoles[] = R"([{"id":"ra1","label":"Super Administrator"},
  {"id":"ra2","label":"Help Desk Administrator"},{"id":"ra3","label":"Read Only Admin"}])";

TEST_CASE("for_each: a request per matching element, an element already done does not stop the others") {
  REQUIRE_FAKE();
  Harness h;
  h.fake.Script({{"method", "GET"}, {"path", "/users/u1/roles"},
                 {"responses", {{{"status", 200}, {"headers", {{"Content-Type", "application/json"}}}, {"body", kRoles}}}}});
  h.fake.Script({{"method", "DELETE"}, {"path", "/users/u1/roles/ra1"}, {"responses", {{{"status", 404}}}}});
  h.fake.Script({{"method", "DELETE"}, {"path", "/users/u1/roles/ra3"}, {"responses", {{{"status", 204}}}}});
  ActionResult r = h.Run("t.revoke_roles", {{"user", "u1"}, {"roles", {"super administrator", "read only admin"}}});
  CHECK_MESSAGE(r.ok(), r.message);
  CHECK_FALSE(r.already_compliant);
  CHECK(r.message == "requests read, revoke x2 succeeded");  // what was sent, not what is declared
  CHECK(h.Sent() == std::vector<std::string>{"GET /users/u1/roles", "DELETE /users/u1/roles/ra1",
                                             "DELETE /users/u1/roles/ra3"});
}

TEST_CASE("for_each: a test whose filter refuses its value fails the action, it does not skip") {
  REQUIRE_FAKE();
  Harness h;
  h.fake.Script({{"method", "GET"}, {"path", "/users/u1/roles"},
                 {"responses", {{{"status", 200}, {"headers", {{"Content-Type", "application/json"}}},
                                 {"body", R"([{"id":"ra1","label":{"not":"text"}}])"}}}}});
  ActionResult r = h.Run("t.revoke_split", {{"user", "u1"}});
  CHECK(r.failure == FailureClass::kPermanent);
  CHECK(r.message == "request 'revoke': when: filter 'split' takes a string, not object");
  CHECK(h.Sent() == std::vector<std::string>{"GET /users/u1/roles"});
}

TEST_CASE("for_each: no element calls for a write, so the action is already compliant") {
  REQUIRE_FAKE();
  Harness h;
  h.fake.Script({{"method", "GET"}, {"path", "/users/u1/roles"},
                 {"responses", {{{"status", 200}, {"headers", {{"Content-Type", "application/json"}}}, {"body", kRoles}}}}});
  ActionResult r = h.Run("t.revoke_roles", {{"user", "u1"}, {"roles", {"org admin"}}});
  CHECK(r.ok());
  CHECK(r.already_compliant);
  CHECK(h.Sent() == std::vector<std::string>{"GET /users/u1/roles"});
}

TEST_CASE("config: values come from PROACT_CONFIG_NAME, and an unset one fails naming the variable") {
  REQUIRE_FAKE();
  {
    Harness h(std::map<std::string, std::string>{{"PROACT_CONFIG_TRAIL_BUCKET", "org-trail-logs"}});
    ActionResult r = h.Run("t.baseline", {{"name", "main"}});
    CHECK_MESSAGE(r.ok(), r.message);
    json reqs = h.fake.Requests();
    REQUIRE(reqs.size() == 1);
    // The optional KMS key is unset: the choice's else.
    CHECK(json::parse(reqs[0]["body"].get<std::string>()) == json{{"bucket", "org-trail-logs"}, {"kms", "none"}});
  }
  {
    Harness h;
    ActionResult r = h.Run("t.baseline", {{"name", "main"}});
    CHECK(r.failure == FailureClass::kPermanent);
    INFO(r.message);
    CHECK(r.message.find("config.TRAIL_BUCKET is not set (the environment variable PROACT_CONFIG_TRAIL_BUCKET)") !=
          std::string::npos);
    CHECK(h.fake.Requests().empty());
  }
}

}  // namespace
}  // namespace proact::internal
