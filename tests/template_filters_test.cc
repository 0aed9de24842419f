// Template filters with arguments, the Google Cloud IAM policy edits, and
// the request forms built on them (for_each, {when, value, else}, config).
// Expected values are written from the formats' documentation (RFC 4122's
// version 5 UUIDs, GitHub's `changes` object, Google Cloud's Policy and
// policyDelta shapes), not from this code's output.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "action/iam_policy.h"
#include "action/template.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"

namespace proact {
namespace {

using nlohmann::json;
using internal::FieldSource;
using internal::PathStep;

class JsonFields : public FieldSource {
 public:
  explicit JsonFields(json root) : root_(std::move(root)) {}
  bool Lookup(const std::vector<PathStep>& path, json* out) const override {
    const json* cur = &root_;
    for (const PathStep& s : path) {
      if (s.is_index) {
        if (!cur->is_array() || s.index >= cur->size()) return false;
        cur = &(*cur)[s.index];
      } else {
        if (!cur->is_object() || !cur->contains(s.key)) return false;
        cur = &(*cur)[s.key];
      }
    }
    *out = *cur;
    return true;
  }

 private:
  json root_;
};

const json kEvent = {
    {"id", "evt-1"},
    {"detail",
     {{"level", "off"},
      {"name", "Alice"},
      {"granted", "Super administrator, Read only admin ,"},
      {"roles", json::array({{{"id", "ra1"}, {"label", "Super Administrator"}},
                             {{"id", "ra2"}, {"label", "Help Desk Administrator"}}})},
      {"rule", {{"name", "main"}, {"admin_enforced", false}, {"required_approving_review_count", 0}}},
      {"changes",
       {{"admin_enforced", {{"from", true}}}, {"required_approving_review_count", {{"from", 2}}}}},
      {"wanted", json::array({"a", "b"})}}}};

// Renders `text` against kEvent; on failure returns "ERROR: message".
json Render(const std::string& text) {
  internal::Template t;
  internal::TemplateError terr;
  if (!internal::ParseTemplate(text, &t, &terr)) return "PARSE: " + terr.message;
  json out;
  std::string error;
  if (!internal::RenderTemplate(t, JsonFields(kEvent), &out, &error)) return "ERROR: " + error;
  return out;
}

TEST_CASE("filters: comparisons and lists take literal or field-path arguments") {
  CHECK(Render("{{ detail.level | eq('off') }}") == true);
  CHECK(Render("{{ detail.level | ne('off') }}") == false);
  CHECK(Render("{{ detail.missing | eq(null) }}") == true);  // missing compares as null
  CHECK(Render("{{ detail.name | in('Bob', 'Alice') }}") == true);
  CHECK(Render("{{ detail.name | lower | in(detail.wanted) }}") == false);
  CHECK(Render("{{ detail.wanted | contains('b') }}") == true);
  CHECK(Render("{{ detail.name | contains('lic') }}") == true);
  CHECK(Render("{{ detail.granted | lower | split(',') }}") ==
        json::array({"super administrator", "read only admin"}));  // trimmed, empties dropped
  CHECK(Render("{{ detail.roles | pluck('id') }}") == json::array({"ra1", "ra2"}));
  CHECK(Render("{{ detail.level | map('off', false, 'everyone', true) }}") == false);
  CHECK(Render("{{ detail.name | map('x', 1) | default(detail.level) }}") == "off");
  CHECK(Render("{{ detail.roles[0].id | in_field(detail.roles, 'id') }}") == true);
  CHECK(Render("{{ detail.name | in_field(detail.roles, 'id') }}") == false);
  // RFC 4122 version 5 in the URL namespace, as Python's uuid.uuid5 computes it.
  CHECK(Render("{{ id | uuid }}") == "8f3bccb7-8d64-5b25-908b-0638e13f394c");
}

TEST_CASE("filters: revert_changes undoes a GitHub webhook's changes object") {
  json r = Render("{{ detail.rule | revert_changes(detail.changes) }}");
  CHECK(r == json{{"name", "main"}, {"admin_enforced", true}, {"required_approving_review_count", 2}});
  // No changes (a deleted rule): the object as it is.
  CHECK(Render("{{ detail.rule | revert_changes(detail.missing) }}") == kEvent["detail"]["rule"]);
}

TEST_CASE("filters: wrong types and arities are errors naming the filter") {
  CHECK(Render("{{ detail.rule | split(',') }}") ==
        "ERROR: filter 'split' takes a string, not object");
  CHECK(Render("{{ detail.name | eq }}") == "PARSE: filter 'eq' takes 1 argument, not 0");
  CHECK(Render("{{ detail.name | map('a') }}") ==
        "PARSE: filter 'map' takes at least 2 arguments, not 1");
  CHECK(Render("{{ detail.name | lower(1) }}") == "PARSE: filter 'lower' takes 0 arguments, not 1");
  CHECK(Render("{{ detail.name | eq('a' }}") == "PARSE: filter 'eq(...)' needs a closing ')'");
  CHECK(Render("{{ detail.name | eq(a b) }}").get<std::string>().rfind(
            "PARSE: filter 'eq': argument 'a b' is neither a literal nor a field path", 0) == 0);
}

TEST_CASE("IAM policy edits: binding deltas reverted, empty bindings dropped, conditions apart") {
  json cond = {{"title", "temp"}, {"expression", "request.time < timestamp('2030-01-01T00:00:00Z')"}};
  json bindings = json::array({
      {{"role", "roles/owner"}, {"members", {"user:admin@example.com", "user:backdoor@example.com"}}},
      {{"role", "roles/viewer"}, {"members", {"user:username@gmail.com"}}},
      {{"role", "roles/viewer"}, {"members", {"user:username@gmail.com"}}, {"condition", cond}},
  });
  json deltas = json::array({
      {{"action", "ADD"}, {"role", "roles/owner"}, {"member", "user:backdoor@example.com"}},
      {{"action", "ADD"}, {"role", "roles/viewer"}, {"member", "user:username@gmail.com"}},
      {{"action", "REMOVE"}, {"role", "roles/editor"}, {"member", "group:ops@example.com"}},
  });
  json out;
  std::string error;
  REQUIRE(internal::RevertBindingDeltas(bindings, deltas, &out, &error));
  CHECK(out == json::array({
                   {{"role", "roles/owner"}, {"members", {"user:admin@example.com"}}},
                   // the conditional binding is another binding: the delta had no condition
                   {{"role", "roles/viewer"}, {"members", {"user:username@gmail.com"}}, {"condition", cond}},
                   {{"role", "roles/editor"}, {"members", {"group:ops@example.com"}}},
               }));
  // Already reverted: the same policy again (idempotent).
  json again;
  REQUIRE(internal::RevertBindingDeltas(out, deltas, &again, &error));
  CHECK(again == out);
  // A policy with no bindings at all (the member key absent) reads as empty.
  REQUIRE(internal::RevertBindingDeltas(nullptr, json::array(), &out, &error));
  CHECK(out == json::array());
  CHECK_FALSE(internal::RevertBindingDeltas(bindings, json::array({{{"action", "SWAP"}, {"role", "r"}, {"member", "m"}}}), &out, &error));
  CHECK(error == "binding delta action 'SWAP' is not ADD or REMOVE");

  REQUIRE(internal::WithoutMember(bindings, "user:username@gmail.com", nullptr, &out, &error));
  CHECK(out == json::array({bindings[0]}));
  REQUIRE(internal::WithoutMember(bindings, "user:backdoor@example.com", "roles/owner", &out, &error));
  CHECK(out[0]["members"] == json::array({"user:admin@example.com"}));
  REQUIRE(internal::WithoutRoles(bindings, json::array({"roles/owner", "roles/editor"}), &out, &error));
  CHECK(out == json::array({bindings[1], bindings[2]}));
}

TEST_CASE("IAM policy edits: audit logging restored, only what reduced it undone") {
  json configs = json::array({
      {{"service", "allServices"},
       {"auditLogConfigs", json::array({{{"logType", "ADMIN_READ"},
                                         {"exemptedMembers", {"user:quiet@example.com"}}}})}},
  });
  json deltas = json::array({
      {{"action", "REMOVE"}, {"service", "allServices"}, {"logType", "DATA_READ"}},
      {{"action", "REMOVE"}, {"service", "storage.googleapis.com"}, {"logType", "DATA_WRITE"}},
      {{"action", "ADD"}, {"service", "allServices"}, {"logType", "ADMIN_READ"},
       {"exemptedMember", "user:quiet@example.com"}},
      // increased logging: left as it is
      {{"action", "REMOVE"}, {"service", "allServices"}, {"logType", "ADMIN_READ"},
       {"exemptedMember", "user:other@example.com"}},
  });
  json out;
  std::string error;
  REQUIRE(internal::RestoreAuditLogging(configs, deltas, &out, &error));
  CHECK(out == json::array({
                   {{"service", "allServices"},
                    {"auditLogConfigs", json::array({{{"logType", "ADMIN_READ"}}, {{"logType", "DATA_READ"}}})}},
                   {{"service", "storage.googleapis.com"},
                    {"auditLogConfigs", json::array({{{"logType", "DATA_WRITE"}}})}},
               }));
  // An exemption added where no config holds it changes nothing (no empty
  // entry is created, so a `when: ... | ne(read)` sends no write).
  json one = json::array({{{"action", "ADD"}, {"service", "s"}, {"logType", "DATA_READ"},
                           {"exemptedMember", "user:x@example.com"}}});
  REQUIRE(internal::RestoreAuditLogging(json::array(), one, &out, &error));
  CHECK(out == json::array());
}

constexpr char kForEach[] = R"(action_types:
  t.each:
    params:
      ids: {type: array, required: true}
      level: {type: string, required: true}
      user: {type: string, required: true, pattern: '[a-z0-9]+'}
    credentials: {provider: none}
    endpoint: https://api.example.com
    requests:
      - name: read
        read: true
        method: GET
        path: "/users/{{ params.user }}/roles"
      - name: revoke
        method: DELETE
        path: "/users/{{ params.user }}/roles/{{ item.id }}"
        for_each: "{{ steps.read.body }}"
        when: "{{ item.label | lower | in(params.ids) }}"
      - name: each_param
        method: PUT
        path: "/users/{{ params.user }}/tags/{{ item }}"
        for_each: "{{ params.ids }}"
        unless: "{{ item | eq('skip') }}"
      - name: protect
        method: PUT
        path: "/protect/{{ params.user }}"
        body:
          json:
            reviews: {when: "{{ params.level | ne('off') }}", value: {count: 1}}
            checks: {when: "{{ params.level | eq('off') }}", value: on, else: off}
            bucket: "{{ config.TRAIL_BUCKET }}"
            tags: [a, {when: "{{ params.level | eq('x') }}", value: b}, c]
      - name: form
        method: POST
        path: /form
        body:
          form:
            Action: Go
            Level: {when: "{{ params.level | ne('off') }}", value: "{{ params.level }}"}
)";

TEST_CASE("for_each plans a request per element, or one <item...> over a list still to be read") {
  Result<PolicySet> set = PolicySet::FromString(kForEach);
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  std::vector<PlannedRequest> plan;
  Action a{"t.each", {{"ids", {"admin", "skip", "ops"}}, {"level", "off"}, {"user", "u1"}}, false};
  REQUIRE(PlanAction(set.value(), a, &plan).ok());
  std::vector<std::string> urls;
  for (const PlannedRequest& p : plan) urls.push_back(p.method + " " + p.url);
  CHECK(urls == std::vector<std::string>{
                    "GET https://api.example.com/users/u1/roles",
                    "DELETE https://api.example.com/users/u1/roles/%3Citem.id%3E",
                    "PUT https://api.example.com/users/u1/tags/admin",
                    "PUT https://api.example.com/users/u1/tags/ops",
                    "PUT https://api.example.com/protect/u1",
                    "POST https://api.example.com/form"});
  // {when, value} with no else: the member is left out; config is shown,
  // not read, in plans.
  REQUIRE(plan.size() == 6);
  CHECK(json::parse(plan[4].body) ==
        json{{"checks", "on"}, {"bucket", "<config.TRAIL_BUCKET>"}, {"tags", {"a", "c"}}});
  CHECK(plan[5].body == "Action=Go");  // the form field is left out too
  Action b{"t.each", {{"ids", json::array()}, {"level", "non_admins"}, {"user", "u1"}}, false};
  REQUIRE(PlanAction(set.value(), b, &plan).ok());
  CHECK(json::parse(plan[plan.size() - 2].body)["reviews"] == json{{"count", 1}});
  CHECK(json::parse(plan[plan.size() - 2].body)["checks"] == "off");
  CHECK(plan.back().body == "Action=Go&Level=non_admins");
  // A for_each over something that is not a list is an error naming the request.
  Action c{"t.each", {{"ids", "admin"}, {"level", "off"}, {"user", "u1"}}, false};
  Status st = PlanAction(set.value(), c, &plan);
  CHECK(st.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("for_each, filters and config are checked when the type compiles") {
  auto diag = [](const std::string& request) {
    std::string yaml = std::string(R"(action_types:
  t.x:
    params: {id: {type: string}}
    credentials: {provider: none}
    endpoint: https://api.example.com
    requests:
      - {name: r, read: true, method: GET, path: /r}
)") + request;
    Result<PolicySet> set = PolicySet::FromString(yaml, "t.yaml");
    if (set.ok()) return std::string();
    return set.status().diagnostics().front().ToString();
  };
  CHECK(diag("      - {name: w, method: PUT, path: '/x/{{ item.id }}', for_each: 'ids: {{ steps.r.body }}'}\n")
            .find("'for_each' is one hole naming a list") != std::string::npos);
  CHECK(diag("      - {name: w, method: PUT, path: /x, for_each: '{{ steps.nope.body }}'}\n")
            .find("step 'nope', which is not an earlier request") != std::string::npos);
  CHECK(diag("      - {name: w, method: PUT, path: '/x/{{ params.id | eq(params.idd) }}'}\n")
            .find("parameter 'idd'") != std::string::npos);  // filter arguments are checked too
  CHECK(diag("      - {name: w, method: PUT, path: '/x/{{ config.bucket }}'}\n")
            .find("config values are named in capitals") != std::string::npos);
  CHECK(diag("      - {name: w, method: PUT, path: /x, when: '{{ params.id | eq(secrets.TOKEN) }}'}\n")
            .find("may not test secrets") != std::string::npos);
  CHECK(diag("      - {name: w, method: PUT, path: /x, for_each: '{{ params.id }}'}\n").empty());
}

}  // namespace
}  // namespace proact
