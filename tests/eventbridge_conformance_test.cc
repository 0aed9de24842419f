// EventBridge semantics: the shared conformance vectors (mostly validated
// against the real service) and the cases written from the AWS EventBridge
// documentation (tests/eventbridge/testdata). A pattern must give the
// verdict EventBridge gives; a pattern EventBridge rejects must be rejected
// with a diagnostic.
#include <doctest/doctest.h>

#include <filesystem>

#include "test_util.h"

namespace proact {
namespace {

using testing::PolicyWithPattern;
using testing::ReadJsonLines;

std::string SharedDir() { return PROACT_TESTDATA_DIR; }  // tests/data
std::string TestData() { return PROACT_TEST_DATA; }

void RunVerdicts(const std::string& path, std::size_t minimum) {
  REQUIRE_MESSAGE(std::filesystem::exists(path), "missing vectors: " << path);
  std::vector<nlohmann::json> cases = ReadJsonLines(path);
  REQUIRE(cases.size() >= minimum);
  std::size_t checked = 0;
  for (const nlohmann::json& c : cases) {
    std::string id = c["id"];
    INFO("case ", id, ": ", c["pattern"].dump(), " vs ", c["event"].dump());
    Result<PolicySet> set =
        PolicySet::FromString(PolicyWithPattern(c["pattern"]), id + ".yaml");
    if (!set.ok()) {
      std::string diags;
      for (const auto& d : set.status().diagnostics()) diags += d.ToString();
      FAIL_CHECK("pattern rejected: ", diags);
      continue;
    }
    Engine engine(std::move(set).value(), testing::RawEvents());
    Decision d;
    Status st = engine.Evaluate(c["event"].dump(), &d);
    REQUIRE_MESSAGE(st.ok(), st.message());
    bool matched = !d.matches.empty();
    CHECK_MESSAGE(matched == c["match"].get<bool>(),
                  "expected match=", c["match"].get<bool>(), " (", c["why"].get<std::string>(), ")");
    ++checked;
  }
  CHECK(checked == cases.size());
}

void RunInvalid(const std::string& path, std::size_t minimum) {
  REQUIRE_MESSAGE(std::filesystem::exists(path), "missing vectors: " << path);
  std::vector<nlohmann::json> cases = ReadJsonLines(path);
  REQUIRE(cases.size() >= minimum);
  for (const nlohmann::json& c : cases) {
    std::string id = c["id"];
    INFO("case ", id, ": ", c["pattern"].dump(), " (", c["why"].get<std::string>(), ")");
    Result<PolicySet> set =
        PolicySet::FromString(PolicyWithPattern(c["pattern"]), id + ".yaml");
    CHECK_FALSE(set.ok());
    if (set.ok()) continue;
    const auto& diags = set.status().diagnostics();
    REQUIRE_FALSE(diags.empty());
    // Every rejection names where: the file, a line and a column.
    CHECK(diags[0].location.file == id + ".yaml");
    CHECK(diags[0].location.line >= 2);
    CHECK(diags[0].location.column >= 1);
    CHECK(diags[0].severity == Severity::kError);
  }
}

TEST_CASE("EventBridge conformance: shared verdicts") {
  RunVerdicts(SharedDir() + "/conformance/eventbridge/cases.jsonl", 100);
}

TEST_CASE("EventBridge conformance: shared rejected patterns") {
  RunInvalid(SharedDir() + "/conformance/eventbridge/invalid.jsonl", 40);
}

TEST_CASE("EventBridge documentation cases: verdicts") {
  RunVerdicts(TestData() + "/eventbridge/testdata/doc_cases.jsonl", 150);
}

TEST_CASE("EventBridge documentation cases: rejected patterns") {
  RunInvalid(TestData() + "/eventbridge/testdata/doc_invalid.jsonl", 30);
}

}  // namespace
}  // namespace proact
