// The field checks (src/lint/): each mistake of issue 16 written into a copy
// of the quickstart, reported at its file:line:col with a fix, against the
// hand-made catalogues in tests/catalogues/testdata/.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "doctest_lines.h"
#include "proact/policy_set.h"

namespace {

namespace fs = std::filesystem;

const char kQuickstart[] = "examples/quickstart/policies.yaml";

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

proact::CompileOptions CheckOptions() {
  proact::CompileOptions options;
  options.check_fields = true;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(PROACT_TEST_DATA) / "catalogues/testdata")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    options.field_catalogues.push_back(ReadText(f));
    options.field_catalogue_names.push_back(f.filename().string());
  }
  return options;
}

// The quickstart with `from` replaced by `to` (which must occur).
std::string Quickstart(const std::string& from, const std::string& to) {
  std::string text = ReadText(fs::path(PROACT_SOURCE_DIR) / kQuickstart);
  std::size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return text.replace(at, from.size(), to);
}

// Every diagnostic as "file:line:col: severity: message [code]".
std::vector<std::string> Diagnose(const std::string& yaml,
                                  const proact::CompileOptions& options = CheckOptions()) {
  auto set = proact::PolicySet::FromSources({{kQuickstart, yaml}}, options);
  const std::vector<proact::Diagnostic>& diags =
      set.ok() ? set.value().warnings() : set.status().diagnostics();
  std::vector<std::string> out;
  for (const proact::Diagnostic& d : diags) {
    out.push_back(d.location.file + ":" + std::to_string(d.location.line) + ":" +
                  std::to_string(d.location.column) + ": " +
                  (d.severity == proact::Severity::kError ? "error" : "warning") + ": " +
                  d.message + " [" + d.code + "]");
  }
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("field checks: the quickstart as shipped passes") {
  CHECK(Diagnose(Quickstart("", "")) == Lines{});
}

TEST_CASE("field checks: a field name typo in match") {
  CHECK(Diagnose(Quickstart("        eventName: [CreateBucket]", "        eventname: [CreateBucket]")) ==
        Lines{"examples/quickstart/policies.yaml:18:9: error: no field detail.eventname in AWS API "
              "Call via CloudTrail events; did you mean detail.eventName? [no-such-field]"});
}

TEST_CASE("field checks: a dotted key with a typo") {
  CHECK(Diagnose(Quickstart("      detail:\n        eventName: [CreateBucket]",
                            "      detail.eventname: [CreateBucket]")) ==
        Lines{"examples/quickstart/policies.yaml:17:7: error: no field detail.eventname in AWS API "
              "Call via CloudTrail events; did you mean detail.eventName? [no-such-field]"});
}

TEST_CASE("field checks: the right field at the wrong level") {
  CHECK(Diagnose(Quickstart("        eventName: [CreateBucket]",
                            "        eventName: [CreateBucket]\n        userName: [alice]")) ==
        Lines{"examples/quickstart/policies.yaml:19:9: error: no field detail.userName in AWS API "
              "Call via CloudTrail events; did you mean detail.userIdentity.userName? "
              "[no-such-field]"});
}

TEST_CASE("field checks: an unknown name with no near one lists the fields and known_fields") {
  Lines got = Diagnose(Quickstart("        eventName: [CreateBucket]",
                                  "        eventName: [CreateBucket]\n        userIdentity: {zzz: [1]}"));
  CHECK(got == Lines{"examples/quickstart/policies.yaml:19:24: error: no field "
                     "detail.userIdentity.zzz in AWS API Call via CloudTrail events "
                     "(detail.userIdentity has: accessKeyId, accountId, arn, invokedBy, "
                     "principalId, sessionContext, type, userName); if the field exists, list it "
                     "under the policy's known_fields [no-such-field]"});
}

TEST_CASE("field checks: paths step through arrays, and a typo under $or is reported once") {
  CHECK(Diagnose(Quickstart("        eventName: [CreateBucket]",
                            "        eventName: [CreateBucket]\n        resources: {ARN: [{prefix: \"arn:\"}]}")) ==
        Lines{});
  CHECK(Diagnose(Quickstart("        eventName: [CreateBucket]",
                            "        $or:\n          - eventName: [CreateBucket]\n          - eventSource: [s3.amazonaws.com]\n"
                            "        resources: {arn: [{prefix: \"arn:\"}]}")) ==
        Lines{"examples/quickstart/policies.yaml:21:21: error: no field detail.resources.arn in AWS "
              "API Call via CloudTrail events; did you mean detail.resources.ARN? [no-such-field]"});
}

TEST_CASE("field checks: a list whose values have the wrong type") {
  std::string text = Quickstart("    - ci-deployer\n", "    - ci-deployer\n  ports: [22, 3389]\n");
  std::string from = "        eventName: [CreateBucket]";
  text.replace(text.find(from), from.size(), from + "\n        userAgent: [{list: ports}]");
  CHECK(Diagnose(text) ==
        Lines{"examples/quickstart/policies.yaml:20:28: error: detail.userAgent is a string in AWS API "
              "Call via CloudTrail events, but a value of the list is a number: it can never match; "
              "every value of the list must be a string [field-type]"});
}

TEST_CASE("field checks: an unquoted account number") {
  CHECK(Diagnose(Quickstart("      source: [aws.s3]\n", "      source: [aws.s3]\n      account: [101010101111]\n")) ==
        Lines{"examples/quickstart/policies.yaml:16:17: error: account is a string in every event, "
              "but 101010101111 is a number: it can never match; write \"101010101111\" (quoted) "
              "[field-type]"});
}

TEST_CASE("field checks: a quoted number where the catalogue has a number") {
  CHECK(Diagnose(Quickstart("severity: [{numeric: [\">=\", 4]}]", "severity: [\"5\"]")) ==
        Lines{"examples/quickstart/policies.yaml:55:20: error: detail.severity is a number in "
              "GuardDuty Finding events, but \"5\" is a string: it can never match; write 5 (unquoted) "
              "[field-type]"});
}

TEST_CASE("field checks: a string operator on a number field") {
  CHECK(Diagnose(Quickstart("severity: [{numeric: [\">=\", 4]}]", "severity: [{prefix: \"8\"}]")) ==
        Lines{"examples/quickstart/policies.yaml:55:29: error: 'prefix' tests strings, but "
              "detail.severity is a number in GuardDuty Finding events: it can never match; use numeric "
              "[field-type]"});
}

TEST_CASE("field checks: local-time on a number field, and on the envelope's time") {
  CHECK(Diagnose(Quickstart("severity: [{numeric: [\">=\", 4]}]",
                          "severity: [{local-time: {zone: UTC, days: [sat, sun]}}]")) ==
        Lines{"examples/quickstart/policies.yaml:55:33: error: 'local-time' tests RFC 3339 timestamp "
              "strings, but detail.severity is a number in GuardDuty Finding events: it can never "
              "match; test a timestamp string field such as time [field-type]"});
  // `time` is a string in every event: accepted, and not "matches everything".
  CHECK(Diagnose(Quickstart("severity: [{numeric: [\">=\", 4]}]",
                          "severity: [{numeric: [\">=\", 4]}]\n      time: [{local-time: {zone: "
                          "Europe/Berlin, between: [\"18:00\", \"08:00\"]}}]"))
            .empty());
}

TEST_CASE("field checks: a typo inside except") {
  CHECK(Diagnose(Quickstart("                userName: [{list", "                username: [{list")) ==
        Lines{"examples/quickstart/policies.yaml:25:17: error: no field "
              "detail.userIdentity.sessionContext.sessionIssuer.username in AWS API Call via "
              "CloudTrail events; did you mean "
              "detail.userIdentity.sessionContext.sessionIssuer.userName? [no-such-field]"});
}

TEST_CASE("field checks: a template path the source never has") {
  CHECK(Diagnose(Quickstart("bucket: \"{{ detail.requestParameters.bucketName }}\"",
                            "bucket: \"{{ detail.requestParameters.bucketname }}\"")) ==
        Lines{"examples/quickstart/policies.yaml:29:23: error: template reads "
              "detail.requestParameters.bucketname, but there is no field "
              "detail.requestParameters.bucketname in AWS API Call via CloudTrail events; did you "
              "mean detail.requestParameters.bucketName? [no-such-field]"});
}

TEST_CASE("field checks: a template filter argument is checked too") {
  CHECK(Diagnose(Quickstart("summary: \"{{ detail.type }}\"",
                          "summary: \"{{ detail.type | default(detail.titel) }}\"")) ==
        Lines{"examples/quickstart/policies.yaml:59:46: error: template reads detail.titel, but "
              "there is no field detail.titel in GuardDuty Finding events; did you mean detail.title? "
              "[no-such-field]"});
}

TEST_CASE("field checks: an open part is not checked below it") {
  CHECK(Diagnose(Quickstart("bucket: \"{{ detail.requestParameters.bucketName }}\"",
                            "bucket: \"{{ detail.requestParameters.acl.x }}\"")) == Lines{});
  CHECK(Diagnose(Quickstart("        eventName: [CreateBucket]",
                            "        eventName: [CreateBucket]\n        responseElements: {a: {b: [1]}}")) ==
        Lines{});
}

TEST_CASE("field checks: an unknown source is checked only at the envelope") {
  // ec2-instance-launch-audit: no catalogue covers aws.ec2.
  CHECK(Diagnose(Quickstart("\"detail\": {\"state\": [\"pending\"]}", "\"detail\": {\"stat\": [\"pending\"]}")) ==
        Lines{});
  CHECK(Diagnose(Quickstart("\"region\": [{\"anything-but\"", "\"regoin\": [{\"anything-but\"")) ==
        Lines{"examples/quickstart/policies.yaml:41:129: error: no field regoin in events; did you "
              "mean region? [no-such-field]"});
}

TEST_CASE("field checks: known_fields vouches for a field") {
  CHECK(Diagnose(Quickstart("        eventName: [CreateBucket]\n",
                            "        eventName: [CreateBucket]\n        custom: {flag: [true]}\n    "
                            "known_fields: [detail.custom]\n")) == Lines{});
}

TEST_CASE("field checks: a policy in enforce mode that matches every event") {
  CHECK(Diagnose(Quickstart("      source: [aws.guardduty]\n      detail-type: [GuardDuty Finding]\n      detail:\n        severity: [{numeric: [\">=\", 4]}]",
                            "      source: [{prefix: \"\"}]")) ==
        Lines{"examples/quickstart/policies.yaml:52:25: warning: policy 'guardduty-high-severity' "
              "is in enforce mode and matches every event: this test holds for any value of "
              "source; narrow the match, or set mode: dry-run [matches-everything]"});
  CHECK(Diagnose(Quickstart("      source: [aws.guardduty]\n      detail-type: [GuardDuty Finding]\n      detail:\n        severity: [{numeric: [\">=\", 4]}]",
                            "      id: [{exists: true}]")) ==
        Lines{"examples/quickstart/policies.yaml:52:21: warning: policy 'guardduty-high-severity' "
              "is in enforce mode and matches every event: this test holds for any value of id; "
              "narrow the match, or set mode: dry-run [matches-everything]"});
  // An anything-but of a number: the account is a string, never that number.
  CHECK(Diagnose(Quickstart("      source: [aws.guardduty]\n      detail-type: [GuardDuty Finding]\n      detail:\n        severity: [{numeric: [\">=\", 4]}]",
                            "      source: [aws.guardduty]\n      account: [{anything-but: 123}]")) ==
        Lines{"examples/quickstart/policies.yaml:53:32: warning: policy 'guardduty-high-severity' "
              "is in enforce mode and matches every event of its sources: this test holds for any "
              "value of account; narrow the match, or set mode: dry-run [matches-everything]"});
  // The same in dry-run mode, or naming only source and detail-type: no warning.
  CHECK(Diagnose(Quickstart("    severity: critical\n    match:\n      source: [aws.guardduty]\n      detail-type: [GuardDuty Finding]\n      detail:\n        severity: [{numeric: [\">=\", 4]}]",
                            "    severity: critical\n    mode: dry-run\n    match:\n      source: [{prefix: \"\"}]")) ==
        Lines{});
  CHECK(Diagnose(Quickstart("      source: [aws.guardduty]\n      detail-type: [GuardDuty Finding]\n      detail:\n        severity: [{numeric: [\">=\", 4]}]",
                            "      source: [aws.guardduty]")) == Lines{});
}

TEST_CASE("field checks: off by default, and no catalogues checks only the envelope") {
  std::string typo = Quickstart("        eventName: [CreateBucket]", "        eventname: [CreateBucket]");
  CHECK(Diagnose(typo, proact::CompileOptions{}) == Lines{});
  proact::CompileOptions envelope_only;
  envelope_only.check_fields = true;
  CHECK(Diagnose(typo, envelope_only) == Lines{});
  CHECK(Diagnose(Quickstart("      source: [aws.s3]\n", "      source: [aws.s3]\n      account: [101010101111]\n"),
                 envelope_only)
            .size() == 1);
}

TEST_CASE("field checks: a malformed catalogue fails loading and names it") {
  proact::CompileOptions options;
  options.check_fields = true;
  options.field_catalogues = {R"({"applies_to": [{"source": "x"}], "detail": {"object": {"a": "strin"}}})"};
  options.field_catalogue_names = {"bad.json"};
  auto set = proact::PolicySet::FromString("policies: []\n", "p.yaml", options);
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == proact::StatusCode::kInvalidArgument);
  CHECK(set.status().message() ==
        "field catalogue bad.json: \"detail\": member \"a\": unknown shape \"strin\" (expected "
        "string, number, boolean, null or any)");
}

TEST_CASE("field checks: the shipped pack gets no new diagnostic from them") {
  auto plain = proact::PolicySet::Load({std::string(PROACT_SOURCE_DIR) + "/rules"});
  auto checked = proact::PolicySet::Load({std::string(PROACT_SOURCE_DIR) + "/rules"}, CheckOptions());
  REQUIRE(plain.ok());
  REQUIRE_MESSAGE(checked.ok(), (checked.ok() ? std::string() : checked.status().diagnostics().empty()
                                                                    ? checked.status().message()
                                                                    : checked.status().diagnostics()[0].ToString()));
  CHECK(checked.value().warnings().size() == plain.value().warnings().size());
}

TEST_CASE("except checks: an except that can never hold together with the match is a warning at the entry") {
  const char* yaml = R"(policies:
  - id: p
    match: {source: [aws.iam], detail-type: [AWS API Call via CloudTrail], detail: {errorCode: [{exists: false}]}}
    except:
      - {source: [aws.s3]}
      - {detail: {userIdentity: {type: [Root]}}}
      - {source: [aws.iam, aws.sts]}
      - {detail: {errorCode: [AccessDenied]}}
      - $or:
          - {region: [eu-west-1]}
          - {source: [aws.ec2]}
)";
  auto set = proact::PolicySet::FromString(yaml, "p.yaml");
  REQUIRE(set.ok());
  std::vector<std::string> got;
  for (const proact::Diagnostic& d : set.value().warnings()) {
    got.push_back(d.location.ToString() + " " + d.code + ": " + d.message);
  }
  // Entries 2, 3 and 5 (an $or with a branch that can hold) may hold.
  CHECK(got == std::vector<std::string>{
                   "p.yaml:5:9 except-never-holds: policy 'p': except 1 can never hold together with the "
                   "match, so it suppresses nothing: 'source' is \"aws.iam\" for the match but \"aws.s3\" "
                   "for the except",
                   "p.yaml:8:9 except-never-holds: policy 'p': except 4 can never hold together with the "
                   "match, so it suppresses nothing: 'detail.errorCode' must be missing for one and have a "
                   "value for the other"});
}
