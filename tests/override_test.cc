// Overrides: a later file appends to a list or changes a policy another file
// defines (docs/policy-language.md, "Overrides"), and the refusals.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "proact/policy_test.h"
#include "test_util.h"

namespace proact {
namespace {

using testing::Matches;

const char kBase[] = R"(lists:
  automation-roles: [Terraform]
policies:
  - id: s3-acl-public
    severity: high
    match:
      source: [aws.s3]
      detail:
        eventName: [PutBucketAcl]
    except:
      - detail: {userIdentity: {userName: [{list: automation-roles}]}}
    actions:
      - action: s3.put_bucket_acl_private
        params: {bucket: "{{ detail.requestParameters.bucketName }}"}
  - id: s3-delete
    match:
      source: [aws.s3]
      detail:
        eventName: [DeleteBucket]
)";

std::string Event(const std::string& name, const std::string& user, const std::string& bucket) {
  return R"({"source":"aws.s3","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":")" + name +
         R"(","userIdentity":{"userName":")" + user + R"("},"requestParameters":{"bucketName":")" + bucket +
         R"("}}})";
}

Result<PolicySet> Compile(const std::string& team) {
  return PolicySet::FromSources({{"base.yaml", kBase}, {"team.yaml", team}});
}

// The diagnostics of a set that must not compile, one per line.
std::string Errors(const std::string& team) {
  Result<PolicySet> set = Compile(team);
  REQUIRE_FALSE(set.ok());
  std::string out;
  for (const Diagnostic& d : set.status().diagnostics()) {
    out += d.location.file + ":" + std::to_string(d.location.line) + ":" +
           std::to_string(d.location.column) + ": " + d.message + " [" + d.code + "]\n";
  }
  return out;
}

const PolicyInfo& Info(const PolicySet& set, const std::string& id) {
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (set.policy(i).id == id) return set.policy(i);
  }
  throw std::runtime_error("no policy " + id);
}

TEST_CASE("a list override appends values to the list another file defines") {
  Result<PolicySet> set = Compile("lists:\n  automation-roles: {append: [team-deployer, ci]}\n");
  REQUIRE(set.ok());
  Engine engine(set.value());
  CHECK(Matches(engine, Event("PutBucketAcl", "Terraform", "b")).empty());
  CHECK(Matches(engine, Event("PutBucketAcl", "team-deployer", "b")).empty());
  CHECK(Matches(engine, Event("PutBucketAcl", "ci", "b")).empty());
  CHECK(Matches(engine, Event("PutBucketAcl", "alice", "b")) == std::vector<std::string>{"s3-acl-public"});
}

TEST_CASE("a policy override replaces mode, severity and actions and appends except entries") {
  Result<PolicySet> set = Compile(R"(policies:
  - override: s3-acl-public
    mode: dry-run
    severity: critical
    except:
      - detail: {requestParameters: {bucketName: [{prefix: website-}]}}
    actions:
      - action: slack.notify
        params: {text: "{{ detail.requestParameters.bucketName }} made public"}
)");
  REQUIRE(set.ok());
  Engine engine(set.value());
  Decision d;
  REQUIRE(engine.Evaluate(Event("PutBucketAcl", "alice", "logs"), &d).ok());
  REQUIRE(d.matches.size() == 1);
  CHECK(d.matches[0].mode == "dry-run");
  CHECK(d.matches[0].severity == "critical");
  REQUIRE(d.matches[0].actions.size() == 1);
  CHECK(d.matches[0].actions[0].name == "slack.notify");
  CHECK(d.matches[0].actions[0].dry_run);
  CHECK(d.matches[0].actions[0].params["text"] == "logs made public");
  // The shipped except still holds, and the appended one too.
  CHECK(Matches(engine, Event("PutBucketAcl", "Terraform", "logs")).empty());
  CHECK(Matches(engine, Event("PutBucketAcl", "alice", "website-www")).empty());
  // The other policy is untouched, and the set keeps its load order.
  CHECK(Matches(engine, Event("DeleteBucket", "alice", "b")) == std::vector<std::string>{"s3-delete"});
  CHECK(set.value().policy(0).id == "s3-acl-public");
}

TEST_CASE("each piece keeps the file and position it was written at") {
  Result<PolicySet> set = Compile(R"(policies:
  - override: s3-acl-public
    except:
      - detail: {requestParameters: {bucketName: [{prefix: website-}]}}
)");
  REQUIRE(set.ok());
  const PolicyInfo& info = Info(set.value(), "s3-acl-public");
  CHECK(info.location.ToString() == "base.yaml:4:5");
  REQUIRE(info.except_locations.size() == 2);
  CHECK(info.except_locations[0].ToString() == "base.yaml:11:9");
  CHECK(info.except_locations[1].ToString() == "team.yaml:4:9");
  REQUIRE(info.override_locations.size() == 1);
  CHECK(info.override_locations[0].ToString() == "team.yaml:2:5");
  // explain names the override and where each field test is written.
  Engine engine(set.value());
  std::string text;
  REQUIRE(engine.Explain(Event("PutBucketAcl", "alice", "website-a"), "s3-acl-public", &text).ok());
  CHECK(text.find("policy s3-acl-public (base.yaml:4:5, overridden at team.yaml:2:5): no match") !=
        std::string::npos);
  CHECK(text.find("except 2: holds: suppresses the match") != std::string::npos);
  CHECK(text.find("detail.requestParameters.bucketName = \"website-a\"  wants prefix \"website-\"  (team.yaml:4)") !=
        std::string::npos);
  // Diagnostics of a replaced action point at the override's file.
  std::string errors = Errors(R"(policies:
  - override: s3-acl-public
    actions:
      - action: notify
        params: {text: "{{ detial.x }}"}
)");
  CHECK(errors.find("team.yaml:5:28: template refers to 'detial.x'") != std::string::npos);
}

TEST_CASE("enabled: false in an override turns a shipped policy off") {
  Result<PolicySet> set = Compile("policies:\n  - override: s3-delete\n    enabled: false\n");
  REQUIRE(set.ok());
  CHECK_FALSE(Info(set.value(), "s3-delete").enabled);
  CHECK(Matches(Engine(set.value()), Event("DeleteBucket", "alice", "b")).empty());
}

TEST_CASE("overrides apply after every plain definition, whatever the file order") {
  // The overriding file comes first; the policy it names is defined later.
  Result<PolicySet> set = PolicySet::FromSources(
      {{"a-team.yaml", "lists:\n  automation-roles: {append: [ci]}\npolicies:\n  - override: s3-acl-public\n"
                       "    mode: dry-run\n"},
       {"base.yaml", kBase}});
  REQUIRE(set.ok());
  CHECK(Info(set.value(), "s3-acl-public").mode == "dry-run");
  CHECK(Matches(Engine(set.value()), Event("PutBucketAcl", "ci", "b")).empty());
}

TEST_CASE("two overrides of one key apply in load order, with a warning for a replaced value") {
  Result<PolicySet> set = PolicySet::FromSources(
      {{"base.yaml", kBase},
       {"org.yaml", "policies:\n  - override: s3-acl-public\n    mode: dry-run\n    tags: [org]\n"},
       {"team.yaml", "policies:\n  - override: s3-acl-public\n    mode: enforce\n    tags: [team]\n"}});
  REQUIRE(set.ok());
  const PolicyInfo& info = Info(set.value(), "s3-acl-public");
  CHECK(info.mode == "enforce");
  CHECK(info.tags == std::vector<std::string>{"org", "team"});
  REQUIRE(set.value().warnings().size() == 1);
  const Diagnostic& w = set.value().warnings()[0];
  CHECK(w.code == "repeated-override");
  CHECK(w.location.ToString() == "team.yaml:3:5");
  CHECK(w.message ==
        "'mode' of policy 's3-acl-public' is also replaced at org.yaml:3:5; overrides apply in load "
        "order, so this one, loaded later, wins");
}

TEST_CASE("an override of an unknown policy is an error with a did-you-mean") {
  CHECK(Errors("policies:\n  - override: s3-acl-publc\n    mode: dry-run\n") ==
        "team.yaml:2:15: override of policy 's3-acl-publc', which no loaded file defines (did you mean "
        "'s3-acl-public'?) (an override changes a policy of another file; to define a new policy, "
        "write 'id:' and 'match:') [unknown-override]\n");
}

TEST_CASE("an override may not replace match or carry an id") {
  std::string errors = Errors("policies:\n  - override: s3-acl-public\n    match: {source: [aws.ec2]}\n");
  CHECK(errors ==
        "team.yaml:3:5: an override cannot replace the 'match' of policy 's3-acl-public': that is a "
        "different policy. Define it with its own 'id:' and 'match:', and turn this one off with "
        "'override: s3-acl-public' and 'enabled: false' [bad-override]\n");
  errors = Errors("policies:\n  - id: s3-acl-public\n    override: s3-acl-public\n    mode: dry-run\n");
  CHECK(errors.find("team.yaml:2:5: an entry with 'override:' changes the policy it names and takes no "
                    "'id:'; remove 'id:', or remove 'override:' to define a new policy [bad-override]") !=
        std::string::npos);
  CHECK(Errors("policies:\n  - override: s3-acl-public\n") ==
        "team.yaml:2:5: override of policy 's3-acl-public' changes nothing: give the keys it replaces "
        "(mode, enabled, severity, actions, ...) or appends to (except, tags, known_fields) [bad-override]\n");
}

TEST_CASE("unknown keys and wrong types in overrides are errors at their position") {
  CHECK(Errors("policies:\n  - override: s3-acl-public\n    mdoe: dry-run\n") ==
        "team.yaml:3:5: unknown key 'mdoe' in policy override (did you mean 'mode'?) [unknown-key]\n");
  CHECK(Errors("policies:\n  - override: [s3-acl-public]\n    mode: dry-run\n") ==
        "team.yaml:2:15: 'override' must be the id of a policy (a string), not a list [wrong-type]\n");
  CHECK(Errors("policies:\n  - override: s3-acl-public\n    except: {detail: {x: [1]}}\n") ==
        "team.yaml:3:13: 'except' in an override must be a list (its entries are added to the policy's), "
        "not a mapping [wrong-type]\n");
  // A replaced value is checked like the policy's own.
  CHECK(Errors("policies:\n  - override: s3-acl-public\n    mode: dryrun\n") ==
        "team.yaml:3:11: mode 'dryrun' is not one of enforce, dry-run (did you mean 'dry-run'?) [bad-mode]\n");
  // An appended except entry is compiled like the policy's own.
  CHECK(Errors("policies:\n  - override: s3-acl-public\n    except:\n      - detail: {x: 1}\n") ==
        "team.yaml:4:21: 'x' must be an object or an array of values, not a number (write [1]) "
        "[leaf-not-array]\n");
}

TEST_CASE("list overrides: unknown list, bad values, unknown keys") {
  CHECK(Errors("lists:\n  automation-role: {append: [ci]}\n") ==
        "team.yaml:2:3: list 'automation-role' is defined in no loaded file, so there is nothing to append "
        "to (did you mean 'automation-roles'?) (to define it, write 'automation-role: [VALUE, ...]') "
        "[unknown-override]\n");
  CHECK(Errors("lists:\n  automation-roles: {append: ci}\n") ==
        "team.yaml:2:30: 'append' of list 'automation-roles' must be a list of values, not a string "
        "[wrong-type]\n");
  CHECK(Errors("lists:\n  automation-roles: {append: []}\n") ==
        "team.yaml:2:30: 'append' of list 'automation-roles' is empty: it adds nothing [bad-list]\n");
  CHECK(Errors("lists:\n  automation-roles: {append: [{a: 1}]}\n") ==
        "team.yaml:2:31: list 'automation-roles' may hold only scalars, not a mapping [bad-list]\n");
  std::string errors = Errors("lists:\n  automation-roles: {apend: [ci]}\n");
  CHECK(errors.find("team.yaml:2:22: unknown key 'apend' in list override 'automation-roles' (did you mean "
                    "'append'?) [unknown-key]") != std::string::npos);
  CHECK(errors.find("list override 'automation-roles' is missing required key 'append' [missing-key]") !=
        std::string::npos);
  CHECK(Errors("lists:\n  extra: ci\n") ==
        "team.yaml:2:10: list 'extra' must be a list of values, not a string (to add values to a list "
        "defined in another file, write 'extra: {append: [...]}') [wrong-type]\n");
}

TEST_CASE("the field checks see appended except entries at their own position") {
  CompileOptions options;
  options.check_fields = true;
  options.field_catalogues = {testing::ReadFile(std::string(PROACT_SOURCE_DIR) + "/catalogues/cloudtrail.json")};
  options.field_catalogue_names = {"cloudtrail.json"};
  // The catalogues apply to CloudTrail events: the policy names its detail-type.
  Result<PolicySet> set = PolicySet::FromSources(
      {{"base.yaml",
        "policies:\n  - id: acl\n    match:\n      source: [aws.s3]\n"
        "      detail-type: [AWS API Call via CloudTrail]\n"},
       {"team.yaml",
        "policies:\n  - override: acl\n    except:\n      - detail: {userIdentity: {usrName: [x]}}\n"}},
      options);
  REQUIRE_FALSE(set.ok());
  REQUIRE(set.status().diagnostics().size() == 1);
  const Diagnostic& d = set.status().diagnostics()[0];
  CHECK(d.code == "no-such-field");
  CHECK(d.location.ToString() == "team.yaml:4:33");
  CHECK(d.message.find("did you mean detail.userIdentity.userName?") != std::string::npos);
}

// Writes `text` to dir/name.
void Write(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  std::filesystem::create_directories((dir / name).parent_path());
  std::ofstream(dir / name) << text;
}

TEST_CASE("proact test: a file's cases see the overrides of the files loaded up to it") {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "proact_override_test";
  std::filesystem::remove_all(dir);
  // The shipped case expects the shipped action; the team's case the
  // replaced one. Both pass in one run.
  Write(dir, "rules/s3.yaml", std::string(kBase) + R"(tests:
  - name: shipped action
    policy: s3-acl-public
    event: {source: aws.s3, detail-type: x, detail: {eventName: PutBucketAcl, userIdentity: {userName: a}, requestParameters: {bucketName: b}}}
    expect:
      actions: [{action: s3.put_bucket_acl_private, params: {bucket: b}}]
)");
  Write(dir, "team/s3.yaml", R"(policies:
  - override: s3-acl-public
    actions: [{action: slack.notify, params: {text: hi}}]
    except:
      - detail: {requestParameters: {bucketName: [website]}}
tests:
  - name: team action
    policy: s3-acl-public
    event: {source: aws.s3, detail-type: x, detail: {eventName: PutBucketAcl, userIdentity: {userName: a}, requestParameters: {bucketName: b}}}
    expect:
      actions: [{action: slack.notify, params: {text: hi}}]
  - name: the team's except
    policy: s3-acl-public
    event: {source: aws.s3, detail-type: x, detail: {eventName: PutBucketAcl, userIdentity: {userName: a}, requestParameters: {bucketName: website}}}
    expect: {excludes: [s3-acl-public]}
)");
  PolicyTestReport report = RunPolicyTests({(dir / "team").string(), (dir / "rules").string()});
  for (const PolicyTestCase& c : report.cases) {
    if (!c.passed) FAIL_CHECK(c.name << ": " << c.failure);
  }
  CHECK(report.diagnostics.empty());
  CHECK(report.passed == 3);
  CHECK(report.failed == 0);
  // The appended except entry is counted where the team wrote it.
  REQUIRE(report.except_coverage.size() == 2);
  CHECK(report.except_coverage[1].location.ToString() == (dir / "team/s3.yaml").string() + ":5:9");
  CHECK(report.except_coverage[1].cases == 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace proact
