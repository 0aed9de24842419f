// Helpers shared by the tests.
#ifndef PROACT_TESTS_TEST_UTIL_H_
#define PROACT_TESTS_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/engine.h"
#include "proact/policy_set.h"

namespace proact::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// Options for an engine that matches any JSON object as it is
// (EngineOptions::raw_events): for tests whose events are deliberately not
// EventBridge envelopes (pattern semantics on bare objects, conformance
// vectors, generated events).
inline EngineOptions RawEvents(EngineOptions options = {}) {
  options.raw_events = true;
  return options;
}

// A one-policy YAML document whose match is `pattern` (JSON is YAML).
inline std::string PolicyWithPattern(const nlohmann::json& pattern) {
  return "policies:\n  - id: p\n    match: " + pattern.dump() + "\n";
}

// Compiles `yaml`; REQUIREs success.
inline PolicySet MustCompile(const std::string& yaml) {
  Result<PolicySet> set = PolicySet::FromString(yaml, "test.yaml");
  if (!set.ok()) {
    std::string all;
    for (const auto& d : set.status().diagnostics()) all += d.ToString() + "\n";
    throw std::runtime_error("policy did not compile: " +
                             set.status().message() + "\n" + all);
  }
  return std::move(set).value();
}

// Ids of the policies `event` matches.
inline std::vector<std::string> Matches(const Engine& engine,
                                        const std::string& event) {
  Decision d;
  Status st = engine.Evaluate(event, &d);
  if (!st.ok()) throw std::runtime_error("evaluate failed: " + st.message());
  std::vector<std::string> ids;
  for (const auto& m : d.matches) ids.push_back(m.policy);
  return ids;
}

}  // namespace proact::testing

#endif  // PROACT_TESTS_TEST_UTIL_H_
