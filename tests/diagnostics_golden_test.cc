// Golden diagnostics: every tests/compile/testdata/*.yaml must fail (or
// warn) with exactly the diagnostics in the matching .expected file.
// Set PROACT_UPDATE_GOLDEN=1 to rewrite the .expected files after a
// deliberate change, then review the diff.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace proact {
namespace {

namespace fs = std::filesystem;

std::string Render(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags) out += d.ToString() + "\n";
  return out;
}

TEST_CASE("diagnostics match the golden files") {
  fs::path dir = fs::path(PROACT_TEST_DATA) / "compile" / "testdata";
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 10);
  bool update = std::getenv("PROACT_UPDATE_GOLDEN") != nullptr;
  for (const fs::path& input : inputs) {
    std::string name = "testdata/" + input.filename().string();
    INFO("golden file ", name);
    Result<PolicySet> set = PolicySet::FromString(testing::ReadFile(input.string()), name);
    std::string actual = set.ok() ? Render(set.value().warnings())
                                  : Render(set.status().diagnostics());
    CHECK_FALSE(actual.empty());
    fs::path expected_path = input;
    expected_path.replace_extension(".expected");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(expected_path), "missing " << expected_path.string());
    CHECK(actual == testing::ReadFile(expected_path.string()));
  }
}

}  // namespace
}  // namespace proact
