// The shipped Google Cloud IAM policy edits (rules/actions/gcp.yaml:
// gcp.iam.revert_binding_deltas, remove_member,
// remove_primitive_role_bindings, gcp.logging.restore_audit_config)
// executed against tests/remediation/fake_providers.py, which holds a policy
// per resource and refuses a stale etag as IAM does.
#include <doctest/doctest.h>

#include "fake_providers.h"
#include "program/api_access.h"
#include "host/remediation/action_executor.h"
#include "proact/dispatch.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"

namespace proact::internal {
namespace {

using namespace fake;

constexpr char kOrg[] = "organizations/888888888888";
constexpr char kDisk[] = "projects/test-project/zones/us-central1-a/disks/disk-1";

const json kCondition = {{"title", "until-2030"},
                         {"expression", "request.time < timestamp('2030-01-01T00:00:00Z')"}};

struct GcpSetup {
  GcpSetup() {
    auto set = PolicySet::Load({std::string(PROACT_SOURCE_DIR) + "/rules/actions/gcp.yaml"});
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    program = proact::internal::ProgramOf(set.value());
    broker = std::make_shared<CredentialBroker>(
        EnvOf({{"PROACT_GCP_URL", fake.url()}, {"GCE_METADATA_HOST", fake.hostport()}}));
    ExecutorOptions options;
    options.base_backoff = 10ms;
    executor = std::make_unique<ActionExecutor>(program, broker, options);
  }

  ActionResult Run(const std::string& type, const json& params) {
    int index = program->FindActionType(type);
    REQUIRE(index >= 0);
    ActionContext ctx{"p", type, 0, "event-1", "gcp.cloudresourcemanager", "req-1", params,
                      std::chrono::steady_clock::now() + 10s};
    return executor->Run(index, ctx);
  }

  // Seeds the fake's policy for `resource`; returns its etag.
  std::string Seed(const std::string& resource, const json& policy) {
    httplib::Client cli("127.0.0.1", Port());
    auto res = cli.Post("/_fake/gcp/iam_policy", json({{"resource", resource}, {"policy", policy}}).dump(),
                        "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return json::parse(res->body)["etag"].get<std::string>();
  }

  json Policy(const std::string& resource) {
    httplib::Client cli("127.0.0.1", Port());
    auto res = cli.Get("/_fake/gcp/iam_policy?resource=" + resource);
    REQUIRE(res);
    return json::parse(res->body);
  }

  int Port() const { return std::stoi(fake.hostport().substr(fake.hostport().find(':') + 1)); }

  // The recorded requests to the IAM APIs (not the metadata server's).
  json IamRequests() {
    json out = json::array();
    for (const json& r : fake.Requests()) {
      if (r["path"].get<std::string>().find("IamPolicy") != std::string::npos) out.push_back(r);
    }
    return out;
  }

  Fake fake;
  std::shared_ptr<const Program> program;
  std::shared_ptr<CredentialBroker> broker;
  std::unique_ptr<ActionExecutor> executor;
};

json OrgPolicy() {
  return {{"version", 3},
          {"bindings",
           {{{"role", "roles/owner"}, {"members", {"user:owner@example.com", "user:backdoor@example.com"}}},
            {{"role", "roles/storage.admin"}, {"members", {"group:storage@example.com"}}, {"condition", kCondition}},
            {{"role", "roles/viewer"}, {"members", {"user:username@gmail.com"}}}}}};
}

TEST_CASE("gcp iam: revert_binding_deltas writes the policy read, changed, with its etag and version") {
  REQUIRE_FAKE();
  GcpSetup s;
  std::string etag = s.Seed(kOrg, OrgPolicy());
  json deltas = {{{"action", "ADD"}, {"role", "roles/owner"}, {"member", "user:backdoor@example.com"}},
                 {{"action", "ADD"}, {"role", "roles/viewer"}, {"member", "user:username@gmail.com"}},
                 {{"action", "REMOVE"}, {"role", "roles/editor"}, {"member", "user:ops@example.com"}}};
  ActionResult r = s.Run("gcp.iam.revert_binding_deltas", {{"resource", kOrg}, {"binding_deltas", deltas}});
  INFO(r.message);
  CHECK(r.ok());
  CHECK_FALSE(r.already_compliant);
  json reqs = s.IamRequests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0]["method"] == "POST");
  CHECK(reqs[0]["path"] == "/v3/organizations/888888888888:getIamPolicy");
  CHECK(json::parse(reqs[0]["body"].get<std::string>()) == json({{"options", {{"requestedPolicyVersion", 3}}}}));
  CHECK(reqs[0]["headers"]["authorization"].get<std::string>().rfind("Bearer ya29.fake-", 0) == 0);
  CHECK(reqs[1]["path"] == "/v3/organizations/888888888888:setIamPolicy");
  json sent = json::parse(reqs[1]["body"].get<std::string>());
  CHECK(sent["policy"]["etag"] == etag);
  CHECK(sent["policy"]["version"] == 3);
  // The backdoor is gone, the viewer binding left empty is dropped, the
  // conditional binding is kept, the removed editor is back.
  json want = {{{"role", "roles/owner"}, {"members", {"user:owner@example.com"}}},
               {{"role", "roles/storage.admin"}, {"members", {"group:storage@example.com"}}, {"condition", kCondition}},
               {{"role", "roles/editor"}, {"members", {"user:ops@example.com"}}}};
  CHECK(sent["policy"]["bindings"] == want);
  CHECK_FALSE(sent.contains("updateMask"));
  json now = s.Policy(kOrg);
  CHECK(now["bindings"] == want);
  CHECK(now["etag"] != etag);

  // Delivered again: the policy read already lacks what must be removed.
  s.fake.Reset();
  s.Seed(kOrg, now);
  r = s.Run("gcp.iam.revert_binding_deltas", {{"resource", kOrg}, {"binding_deltas", deltas}});
  INFO(r.message);
  CHECK(r.already_compliant);
  CHECK(s.IamRequests().size() == 1);  // the read only
}

TEST_CASE("gcp iam: a concurrent change (stale etag) is refused and retried, never overwritten") {
  REQUIRE_FAKE();
  GcpSetup s;
  s.Seed(kOrg, OrgPolicy());
  s.fake.Script({{"method", "POST"}, {"path", "/v3/organizations/888888888888:setIamPolicy"},
                 {"responses", json::array({{{"status", 409},
                                             {"body", R"({"error":{"code":409,"message":"There were concurrent policy changes.","status":"ABORTED"}})"}}})}});
  json deltas = {{{"action", "ADD"}, {"role", "roles/owner"}, {"member", "user:backdoor@example.com"}}};
  ActionResult r = s.Run("gcp.iam.revert_binding_deltas", {{"resource", kOrg}, {"binding_deltas", deltas}});
  INFO(r.message);
  // One 409 (scripted), then the fake's own answer to the same etag: accepted.
  CHECK(r.ok());
  CHECK(s.IamRequests().size() == 3);

  // The policy changes between the read and the write: the fake refuses
  // the stale etag every time; the action is retryable (a new delivery
  // reads again) and the other change stays.
  s.fake.Reset();
  std::string etag = s.Seed(kOrg, OrgPolicy());
  s.fake.Script({{"method", "POST"}, {"path", "/v3/organizations/888888888888:getIamPolicy"},
                 {"responses", json::array({{{"status", 200},
                                             {"body", json({{"version", 3}, {"etag", "BwXstale00="},
                                                            {"bindings", OrgPolicy()["bindings"]}}).dump()}}})}});
  r = s.Run("gcp.iam.revert_binding_deltas", {{"resource", kOrg}, {"binding_deltas", deltas}});
  INFO(r.message);
  CHECK(r.failure == FailureClass::kRetryable);
  CHECK(r.message.find("409 ABORTED") != std::string::npos);
  CHECK(s.Policy(kOrg)["etag"] == etag);
}

TEST_CASE("gcp iam: remove_member takes the member out of the role, whatever the condition") {
  REQUIRE_FAKE();
  GcpSetup s;
  const std::string project = "projects/target-project";
  json policy = {{"version", 3},
                 {"bindings",
                  {{{"role", "roles/owner"}, {"members", {"user:owner@example.com", "user:attacker@gmail.com"}}},
                   {{"role", "roles/owner"}, {"members", {"user:attacker@gmail.com"}}, {"condition", kCondition}},
                   {{"role", "roles/viewer"}, {"members", {"user:attacker@gmail.com"}}}}}};
  std::string etag = s.Seed(project, policy);
  json params = {{"resource", project}, {"member", "user:attacker@gmail.com"}, {"role", "roles/owner"}};
  ActionResult r = s.Run("gcp.iam.remove_member", params);
  INFO(r.message);
  CHECK(r.ok());
  json reqs = s.IamRequests();
  REQUIRE(reqs.size() == 2);
  json sent = json::parse(reqs[1]["body"].get<std::string>());
  CHECK(sent["policy"]["etag"] == etag);
  CHECK(sent["policy"]["version"] == 3);
  CHECK(sent["policy"]["bindings"] ==
        json({{{"role", "roles/owner"}, {"members", {"user:owner@example.com"}}},
              {{"role", "roles/viewer"}, {"members", {"user:attacker@gmail.com"}}}}));
  // Again: nothing to remove, no write.
  s.fake.Reset();
  r = s.Run("gcp.iam.remove_member", params);
  CHECK(r.already_compliant);
  CHECK(s.IamRequests().size() == 1);
  // A name that is not a Resource Manager resource is refused before
  // anything is sent.
  s.fake.Reset();
  r = s.Run("gcp.iam.remove_member", {{"resource", "projects/target-project/../../v1/x"},
                                      {"member", "user:attacker@gmail.com"}});
  CHECK(r.failure == FailureClass::kPermanent);
  CHECK(s.fake.Requests().empty());
}

TEST_CASE("gcp iam: remove_primitive_role_bindings on a compute disk keeps the rest of the policy") {
  REQUIRE_FAKE();
  GcpSetup s;
  json audit = {{{"service", "allServices"}, {"auditLogConfigs", {{{"logType", "ADMIN_READ"}}}}}};
  json policy = {{"version", 1},
                 {"bindings",
                  {{{"role", "roles/owner"}, {"members", {"user:someone@example.com"}}},
                   {{"role", "roles/compute.storageAdmin"}, {"members", {"group:storage-admins@example.com"}}},
                   {{"role", "roles/editor"}, {"members", {"user:other@example.com"}}}}},
                 {"auditConfigs", audit}};
  std::string etag = s.Seed(kDisk, policy);
  json params = {{"resource", kDisk}, {"service", "compute.googleapis.com"}};
  ActionResult r = s.Run("gcp.iam.remove_primitive_role_bindings", params);
  INFO(r.message);
  CHECK(r.ok());
  json reqs = s.IamRequests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0]["method"] == "GET");
  CHECK(reqs[0]["path"] == "/compute/v1/" + std::string(kDisk) + "/getIamPolicy");
  CHECK(reqs[0]["query"] == "optionsRequestedPolicyVersion=3");
  CHECK(reqs[1]["method"] == "POST");
  CHECK(reqs[1]["path"] == "/compute/v1/" + std::string(kDisk) + "/setIamPolicy");
  json sent = json::parse(reqs[1]["body"].get<std::string>());
  CHECK(sent["policy"]["etag"] == etag);
  CHECK(sent["policy"]["version"] == 1);
  CHECK(sent["policy"]["auditConfigs"] == audit);
  CHECK(sent["policy"]["bindings"] ==
        json({{{"role", "roles/compute.storageAdmin"}, {"members", {"group:storage-admins@example.com"}}}}));
  CHECK(s.Policy(kDisk)["auditConfigs"] == audit);
  // A disk that is gone: already compliant.
  s.fake.Reset();
  r = s.Run("gcp.iam.remove_primitive_role_bindings",
            {{"resource", "projects/test-project/zones/us-central1-a/disks/gone-disk"},
             {"service", "compute.googleapis.com"}});
  CHECK(r.already_compliant);
}

TEST_CASE("gcp iam: restore_audit_config writes the merged auditConfigs with updateMask auditConfigs") {
  REQUIRE_FAKE();
  GcpSetup s;
  const std::string project = "projects/western-verve-123456";
  json bindings = {{{"role", "roles/owner"}, {"members", {"user:owner@example.com"}}}};
  json policy = {{"version", 1},
                 {"bindings", bindings},
                 {"auditConfigs",
                  {{{"service", "allServices"}, {"auditLogConfigs", {{{"logType", "ADMIN_READ"}}}}},
                   {{"service", "storage.googleapis.com"},
                    {"auditLogConfigs",
                     {{{"logType", "DATA_READ"}, {"exemptedMembers", {"user:spy@example.com", "user:ci@example.com"}}}}}}}}};
  std::string etag = s.Seed(project, policy);
  json deltas = {{{"action", "REMOVE"}, {"service", "allServices"}, {"logType", "DATA_READ"}},
                 {{"action", "REMOVE"}, {"service", "allServices"}, {"logType", "DATA_WRITE"}},
                 {{"action", "ADD"}, {"service", "storage.googleapis.com"}, {"logType", "DATA_READ"},
                  {"exemptedMember", "user:spy@example.com"}},
                 {{"action", "ADD"}, {"service", "iam.googleapis.com"}, {"logType", "ADMIN_READ"}}};
  json params = {{"resource", project}, {"audit_config_deltas", deltas}};
  ActionResult r = s.Run("gcp.logging.restore_audit_config", params);
  INFO(r.message);
  CHECK(r.ok());
  json reqs = s.IamRequests();
  REQUIRE(reqs.size() == 2);
  json sent = json::parse(reqs[1]["body"].get<std::string>());
  CHECK(sent["updateMask"] == "auditConfigs");
  CHECK(sent["policy"]["etag"] == etag);
  CHECK_FALSE(sent["policy"].contains("bindings"));
  json want = {{{"service", "allServices"},
                {"auditLogConfigs", {{{"logType", "ADMIN_READ"}}, {{"logType", "DATA_READ"}}, {{"logType", "DATA_WRITE"}}}}},
               {{"service", "storage.googleapis.com"},
                {"auditLogConfigs", {{{"logType", "DATA_READ"}, {"exemptedMembers", {"user:ci@example.com"}}}}}}};
  CHECK(sent["policy"]["auditConfigs"] == want);
  json now = s.Policy(project);
  CHECK(now["auditConfigs"] == want);
  CHECK(now["bindings"] == bindings);  // not touched
  s.fake.Reset();
  s.Seed(project, now);
  r = s.Run("gcp.logging.restore_audit_config", params);
  CHECK(r.already_compliant);
  CHECK(s.IamRequests().size() == 1);
}

TEST_CASE("gcp iam: plans show the read, and the write with the edit still to compute") {
  auto set = PolicySet::Load({std::string(PROACT_SOURCE_DIR) + "/rules/actions/gcp.yaml"});
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  std::vector<PlannedRequest> plan;
  json deltas = {{{"action", "ADD"}, {"role", "roles/owner"}, {"member", "user:backdoor@example.com"}}};
  Action a{"gcp.iam.revert_binding_deltas", {{"resource", kOrg}, {"binding_deltas", deltas}}, false};
  Status st = PlanAction(set.value(), a, &plan);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].read);
  CHECK(plan[0].url == "https://cloudresourcemanager.googleapis.com/v3/organizations/888888888888:getIamPolicy");
  CHECK(json::parse(plan[0].body) == json({{"options", {{"requestedPolicyVersion", 3}}}}));
  CHECK(plan[1].url == "https://cloudresourcemanager.googleapis.com/v3/organizations/888888888888:setIamPolicy");
  json body = json::parse(plan[1].body);
  CHECK(body["policy"]["bindings"] ==
        "<steps.read.body.bindings | revert_binding_deltas(params.binding_deltas)>");
  CHECK(body["policy"]["etag"] == "<steps.read.body.etag>");

  Action disk{"gcp.iam.remove_primitive_role_bindings", {{"resource", kDisk}, {"service", "compute.googleapis.com"}}, false};
  st = PlanAction(set.value(), disk, &plan);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].url == "https://compute.googleapis.com/compute/v1/" + std::string(kDisk) +
                           "/getIamPolicy?optionsRequestedPolicyVersion=3");
  CHECK(json::parse(plan[1].body)["policy"]["bindings"] ==
        "<steps.read.body.bindings | without_roles(\"roles/owner\", \"roles/editor\")>");

  // Names of other shapes are refused before anything is planned.
  for (const char* bad : {"projects/p-123456/global/firewalls/x", "billingAccounts/0000", "projects/p-123456/../x",
                          "organizations/888/../../v1/x"}) {
    Action b{"gcp.logging.restore_audit_config", {{"resource", bad}, {"audit_config_deltas", json::array()}}, false};
    CHECK(PlanAction(set.value(), b, &plan).code() == StatusCode::kInvalidArgument);
  }
  Action c{"gcp.iam.remove_primitive_role_bindings", {{"resource", kDisk}, {"service", "storage.googleapis.com"}}, false};
  CHECK(PlanAction(set.value(), c, &plan).code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace proact::internal
