// The set budget (CompileOptions::max_set_*) and the per-event evaluation
// bound (EngineOptions::max_event_steps, max_event_scan_bytes,
// max_event_regex_cost): each limit rejected with a diagnostic naming it,
// and crafted events evaluated within the bound (asserted on the work
// counters, never on time).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace proact {
namespace {

using testing::MustCompile;

std::string RegexPolicies(int n, int first = 0) {
  std::string yaml = "policies:\n";
  for (int i = first; i < first + n; ++i) {
    yaml += "  - id: r" + std::to_string(i) + "\n    match: {detail: {v: [{regex: 'a" +
            std::to_string(i) + "b[0-9]+'}]}}\n";
  }
  return yaml;
}

std::vector<std::string> Errors(const Result<PolicySet>& r) {
  std::vector<std::string> out;
  if (r.ok()) return out;
  for (const Diagnostic& d : r.status().diagnostics()) out.push_back(d.ToString());
  return out;
}

bool AnyContains(const std::vector<std::string>& v, const std::string& s) {
  for (const std::string& x : v) {
    if (x.find(s) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("set budget: max_set_regexes names the policy that crosses it") {
  CompileOptions o;
  o.max_set_regexes = 2;
  auto r = PolicySet::FromString(RegexPolicies(3), "set.yaml", o);
  REQUIRE_FALSE(r.ok());
  // The third policy starts at line 6, column 5.
  CHECK(AnyContains(Errors(r),
                    "set.yaml:6:5: error: policy 'r2' takes the policy set over max_set_regexes "
                    "(2): the set would need 3 distinct regexes, 1 of them for this policy "
                    "[set-budget]"));
  // A regex written again is compiled, and charged, once.
  std::string same = "policies:\n";
  for (int i = 0; i < 5; ++i) {
    same += "  - id: s" + std::to_string(i) + "\n    match: {detail: {v: [{regex: 'x+'}]}}\n";
  }
  auto ok = PolicySet::FromString(same, "same.yaml", o);
  REQUIRE(ok.ok());
  CHECK(ok.value().total_cost().regexes == 1);
  CHECK(ok.value().policy(0).cost.regexes == 1);
  CHECK(ok.value().policy(1).cost.regexes == 0);
}

TEST_CASE("set budget: max_set_regex_mem is regex_max_mem summed over the set") {
  CompileOptions o;
  o.regex_max_mem = 1 << 20;
  o.max_set_regex_mem = 2 << 20;
  auto fits = PolicySet::FromString(RegexPolicies(2), "set.yaml", o);
  REQUIRE(fits.ok());
  CHECK(fits.value().total_cost().regex_mem == (2 << 20));
  // Across files: the second file's policy crosses it.
  auto r = PolicySet::FromSources(
      {{"a.yaml", RegexPolicies(2)}, {"b.yaml", RegexPolicies(1, 2)}}, o);
  REQUIRE_FALSE(r.ok());
  CHECK(AnyContains(Errors(r),
                    "b.yaml:2:5: error: policy 'r2' takes the policy set over max_set_regex_mem "
                    "(2097152): the set would need 3145728 bytes of regex memory, 1048576 of "
                    "them for this policy [set-budget]"));
}

TEST_CASE("set budget: max_set_value_tests counts anything-but lists") {
  CompileOptions o;
  o.max_set_value_tests = 100;
  std::string list;
  for (int i = 0; i < 60; ++i) list += std::string(i ? ", " : "") + "p" + std::to_string(i);
  std::string yaml = "policies:\n"
                     "  - id: a\n    match: {detail: {v: [{anything-but: {prefix: [" + list + "]}}]}}\n"
                     "  - id: b\n    match: {detail: {w: [{anything-but: {suffix: [" + list + "]}}]}}\n";
  auto r = PolicySet::FromString(yaml, "t.yaml", o);
  REQUIRE_FALSE(r.ok());
  CHECK(AnyContains(Errors(r),
                    "t.yaml:4:5: error: policy 'b' takes the policy set over max_set_value_tests "
                    "(100): the set would need 122 value tests, 61 of them for this policy "
                    "[set-budget]"));
  o.max_set_value_tests = 122;
  auto fits = PolicySet::FromString(yaml, "t.yaml", o);
  REQUIRE(fits.ok());
  CHECK(fits.value().policy(0).cost.value_tests == 61);
  CHECK(fits.value().total_cost().value_tests == 122);
}

TEST_CASE("set budget: max_set_program_bytes") {
  CompileOptions o;
  o.max_set_program_bytes = 4096;
  std::string yaml = "policies:\n";
  for (int i = 0; i < 40; ++i) {
    yaml += "  - id: p" + std::to_string(i) + "\n    match: {source: [" + std::string(100, 'x') +
            std::to_string(i) + "]}\n";
  }
  auto r = PolicySet::FromString(yaml, "t.yaml", o);
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> errors = Errors(r);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("takes the policy set over max_set_program_bytes (4096)") !=
        std::string::npos);
  CHECK(errors[0].find("[set-budget]") != std::string::npos);
  // The default budget holds the same set.
  auto fits = PolicySet::FromString(yaml, "t.yaml");
  REQUIRE(fits.ok());
  CHECK(fits.value().total_cost().program_bytes > 4096);
}

// A 10,000-value anything-but and an event whose 50,000 array elements are
// all excluded: a hash lookup per element, not a scan of the list.
TEST_CASE("evaluation bound: a 10,000-value anything-but is a lookup per value") {
  std::string list;
  for (int i = 0; i < 10000; ++i) list += std::string(i ? "," : "") + "\"v" + std::to_string(i) + "\"";
  for (const std::string& form : {std::string("[") + list + "]",
                                  "{equals-ignore-case: [" + list + "]}"}) {
    CAPTURE(form.substr(0, 30));
    Engine engine(MustCompile("policies:\n  - id: p\n    match: {detail: {v: [{anything-but: " +
                              form + "}]}}\n"), testing::RawEvents());
    std::string event = R"({"detail":{"v":[)";
    for (int i = 0; i < 50000; ++i) event += std::string(i ? "," : "") + "\"V" + std::to_string(9999 - i % 10000) + "\"";
    if (form[0] == '[') {
      for (char& c : event) {
        if (c == 'V') c = 'v';
      }
    }
    event += "]}}";
    Scratch scratch;
    Decision d;
    REQUIRE(engine.Evaluate(event, scratch, &d).ok());
    CHECK(d.matches.empty());
    // One rule, one field test, 50,000 (value, test) pairs of two steps.
    CHECK(scratch.last_work().steps <= 2 + 2 * 50000);
    // Not excluded: matches.
    REQUIRE(engine.Evaluate(R"({"detail":{"v":["v10000"]}})", scratch, &d).ok());
    CHECK(d.matches.size() == 1);
    REQUIRE(engine.Evaluate(R"({"detail":{"v":["v1","v2","other"]}})", scratch, &d).ok());
    CHECK(d.matches.size() == 1);
  }
  // Numbers too, with -0 and 0 one value.
  std::string nums;
  for (int i = 0; i < 20; ++i) nums += std::string(i ? "," : "") + std::to_string(i);
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {detail: {n: [{anything-but: [" +
                            nums + "]}]}}\n"), testing::RawEvents());
  CHECK(testing::Matches(engine, R"({"detail":{"n":-0}})").empty());
  CHECK(testing::Matches(engine, R"({"detail":{"n":19.0}})").empty());
  CHECK(testing::Matches(engine, R"({"detail":{"n":20}})").size() == 1);
}

TEST_CASE("evaluation bound: regexes past max_event_regex_cost fail the event, naming it") {
  // Hostile for RE2's DFA: it falls back to the NFA, ~6 ns per byte per
  // instruction.
  std::string yaml = "policies:\n";
  for (int i = 0; i < 8; ++i) {
    yaml += "  - id: r" + std::to_string(i) + "\n    match: {detail: {v: [{regex: '[ab]*a[ab]{20}c" +
            std::to_string(i) + "'}]}}\n";
  }
  Engine engine(MustCompile(yaml), testing::RawEvents());
  std::string value(1 << 20, 'a');
  for (std::size_t i = 0; i < value.size(); i += 3) value[i] = 'b';
  std::string event = R"({"detail":{"v":")" + value + R"("}})";
  Scratch scratch;
  Decision d;
  Status st = engine.Evaluate(event, scratch, &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message() ==
        "event not matched: its regex runs would cost more than max_event_regex_cost (10000000) "
        "(value bytes times regex program size)");
  CHECK(d.matches.empty());
  // The run that would have crossed the bound never ran.
  CHECK(scratch.last_work().regex_cost <= EngineOptions().max_event_regex_cost);
  // The same policies on a short value match as usual.
  std::string small = R"({"detail":{"v":"xxa)" + std::string(20, 'b') + R"(c3"}})";
  REQUIRE(engine.Evaluate(small, scratch, &d).ok());
  REQUIRE(d.matches.size() == 1);
  CHECK(d.matches[0].policy == "r3");
}

TEST_CASE("evaluation bound: max_event_steps over many rules and array values") {
  std::string yaml = "policies:\n";
  for (int i = 0; i < 200; ++i) {
    yaml += "  - id: p" + std::to_string(i) + "\n    match: {detail: {v: [{prefix: q" +
            std::to_string(i) + "}]}}\n";
  }
  EngineOptions o;
  o.max_event_steps = 10000;
  Engine engine(MustCompile(yaml), testing::RawEvents(o));
  std::string event = R"({"detail":{"v":[)";
  for (int i = 0; i < 1000; ++i) event += std::string(i ? "," : "") + "\"zz\"";
  event += "]}}";
  Scratch scratch;
  Decision d;
  Status st = engine.Evaluate(event, scratch, &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message() ==
        "event not matched: evaluating it takes more than max_event_steps (10000) steps (rules, "
        "field tests and value tests tried)");
  CHECK(scratch.last_work().steps <= 10000);
  // With the default bound, the same event is evaluated in full.
  Engine roomy(MustCompile(yaml), testing::RawEvents());
  REQUIRE(roomy.Evaluate(event, scratch, &d).ok());
  CHECK(scratch.last_work().steps > 10000);
}

TEST_CASE("evaluation bound: the same-element search is bounded") {
  // x and y in one element each, z in others: without a bound the search
  // tries every (x, y) pair against every z.
  EngineOptions o;
  o.max_event_steps = 100000;
  Engine engine(MustCompile(
                    "policies:\n  - id: p\n    match: {detail: {a: {x: [1], y: [1], z: [1]}}}\n"), testing::RawEvents(o));
  std::string event = R"({"detail":{"a":[)";
  for (int i = 0; i < 3000; ++i) event += std::string(i ? "," : "") + R"({"x":1,"y":1})";
  for (int i = 0; i < 3000; ++i) event += R"(,{"z":1})";
  event += "]}}";
  Scratch scratch;
  Decision d;
  Status st = engine.Evaluate(event, scratch, &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message().find("max_event_steps (100000)") != std::string::npos);
  CHECK(scratch.last_work().steps <= 100000);
}

TEST_CASE("evaluation bound: wildcards charge their search to max_event_scan_bytes") {
  EngineOptions o;
  o.max_event_scan_bytes = 1 << 20;
  Engine engine(MustCompile(
                    "policies:\n  - id: p\n    match: {detail: {v: [{wildcard: '*" +
                    std::string(64, 'a') + "b*'}]}}\n"), testing::RawEvents(o));
  std::string event = R"({"detail":{"v":")" + std::string(100000, 'a') + R"("}})";
  Scratch scratch;
  Decision d;
  Status st = engine.Evaluate(event, scratch, &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message() ==
        "event not matched: its string tests would read more than max_event_scan_bytes "
        "(1048576) bytes of its values");
  // Within the bound it is an ordinary wildcard.
  REQUIRE(engine.Evaluate(R"({"detail":{"v":"x)" + std::string(64, 'a') + R"(by"}})", scratch, &d).ok());
  CHECK(d.matches.size() == 1);
}

}  // namespace
}  // namespace proact
