// The JSON Schema and the compiler / test runner accept the same keys: every
// key the schema lists is accepted, and a key it does not list is refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "proact/policy_schema.h"
#include "proact/policy_test.h"
#include "test_util.h"

namespace proact {
namespace {

std::set<std::string> Keys(const nlohmann::ordered_json& object_schema) {
  std::set<std::string> out;
  for (auto it = object_schema["properties"].begin(); it != object_schema["properties"].end(); ++it) {
    out.insert(it.key());
  }
  return out;
}

// A valid YAML value for each policy key. A key added to the compiler's
// table without a sample here fails the test, so schema and compiler are
// checked together.
const std::map<std::string, std::string>& PolicySamples() {
  static const std::map<std::string, std::string> samples = {
      {"id", "p"}, {"description", "d"}, {"severity", "high"}, {"tags", "[a]"},
      {"enabled", "true"}, {"mode", "dry-run"}, {"savings", "{minutes: 5, usd: 1}"},
      {"metadata", "{owner: x}"}, {"match", "{source: [x]}"}, {"except", "[{account: ['1']}]"},
      {"actions", "[{action: a, params: {k: v}}]"}, {"rate_limit", "{max: 20, per_seconds: 300}"},
      {"known_fields", "[detail.custom.flag]"}};
  return samples;
}

TEST_CASE("every policy key in the schema is accepted by the compiler, and only those") {
  nlohmann::ordered_json schema = PolicyFileSchema();
  CHECK(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  std::set<std::string> policy_keys = Keys(schema["$defs"]["policy"]);
  std::set<std::string> sample_keys;
  for (const auto& [k, v] : PolicySamples()) sample_keys.insert(k);
  CHECK(policy_keys == sample_keys);
  std::string yaml = "policies:\n  - id: p\n    match: {source: [x]}\n";
  for (const auto& [key, value] : PolicySamples()) {
    if (key == "id" || key == "match") continue;
    yaml += "    " + key + ": " + value + "\n";
  }
  Result<PolicySet> all = PolicySet::FromString(yaml);
  if (!all.ok()) {
    for (const auto& d : all.status().diagnostics()) FAIL_CHECK(d.ToString());
  }
  Result<PolicySet> extra = PolicySet::FromString(yaml + "    bogus: 1\n");
  REQUIRE_FALSE(extra.ok());
  CHECK(extra.status().diagnostics()[0].code == "unknown-key");
  CHECK(policy_keys.count("bogus") == 0);
  // Overrides: every policy key but id and match, plus `override`, each
  // accepted by the compiler in an override entry.
  std::set<std::string> override_keys = Keys(schema["$defs"]["policyOverride"]);
  std::set<std::string> expected_override = sample_keys;
  expected_override.erase("id");
  expected_override.erase("match");
  expected_override.insert("override");
  CHECK(override_keys == expected_override);
  std::string team = "policies:\n  - override: p\n";
  for (const auto& [key, value] : PolicySamples()) {
    if (key == "id" || key == "match") continue;
    team += "    " + key + ": " + value + "\n";
  }
  Result<PolicySet> overridden = PolicySet::FromSources({{"base.yaml", yaml}, {"team.yaml", team}});
  if (!overridden.ok()) {
    for (const auto& d : overridden.status().diagnostics()) FAIL_CHECK(d.ToString());
  }
  CHECK(schema["properties"]["lists"]["additionalProperties"]["anyOf"][1]["required"] ==
        nlohmann::ordered_json::array({"append"}));
  // File-level keys.
  CHECK(Keys(schema) == std::set<std::string>{"policies", "lists", "tests", "action_effects", "action_types", "sources"});
  CHECK_FALSE(PolicySet::FromString("polices: []\n").ok());
  // Operators offered for value objects are the compiler's.
  auto ops = schema["$defs"]["patternValue"]["anyOf"][1]["propertyNames"]["enum"];
  CHECK(std::find(ops.begin(), ops.end(), "anything-but") != ops.end());
  CHECK(std::find(ops.begin(), ops.end(), "regex") != ops.end());
  CHECK(std::find(ops.begin(), ops.end(), "local-time") != ops.end());
}

TEST_CASE("every test-case key in the schema is accepted by the runner, and only those") {
  nlohmann::ordered_json schema = PolicyFileSchema();
  CHECK(Keys(schema["$defs"]["testCase"]) ==
        std::set<std::string>{"name", "policy", "event", "events", "raw", "headers", "query",
                              "source", "secrets", "now", "expect"});
  CHECK(Keys(schema["$defs"]["expect"]) == std::set<std::string>{"matches", "includes", "excludes", "actions", "envelope",
                              "rejected", "challenge"});
  CHECK(Keys(schema["$defs"]["expectedAction"]) ==
        std::set<std::string>{"action", "policy", "params", "params_exact"});
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "proact_schema_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "p.yaml") << R"(
policies:
  - id: p
    match: {source: [x]}
    actions: [{action: a, params: {k: v}}]
tests:
  - name: every key
    policy: p
    event: {source: x, detail-type: y}
    events: [{source: x, detail-type: y}]
    raw: true
    headers: {X-Thing: y}
    expect:
      matches: [p]
      includes: [p]
      excludes: []
      actions:
        - {action: a, policy: p, params: {k: v}}
        - {action: a, params_exact: {k: v}}
  - name: an unknown key
    policy: p
    event: {source: x, detail-type: y}
    expect: {matches: [p]}
    bogus: 1
)";
  PolicyTestReport report = RunPolicyTests({dir.string()});
  CHECK(report.diagnostics.empty());
  REQUIRE(report.cases.size() == 2);
  CHECK_MESSAGE(report.cases[0].passed, report.cases[0].failure);
  CHECK_FALSE(report.cases[1].passed);
  CHECK(report.cases[1].failure.find("unknown key 'bogus' in test case") == 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace proact
