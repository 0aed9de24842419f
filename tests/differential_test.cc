// The fast path against a naive reference: random EventBridge patterns and
// events (fixed seeds) are evaluated both by the engine (trie walk, value
// index with single and pair anchors, early exit, verification) and by a
// direct, obviously-correct reading of the semantics over nlohmann-json,
// and the match sets must be equal.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "test_util.h"

namespace proact {
namespace {

using Json = nlohmann::json;

// --- reference semantics (scalars and arrays of scalars at leaves) --------

std::vector<Json> LeafValues(const Json& event, const std::vector<std::string>& path) {
  const Json* cur = &event;
  for (const std::string& key : path) {
    if (!cur->is_object() || !cur->contains(key)) return {};
    cur = &(*cur)[key];
  }
  if (cur->is_array()) {
    std::vector<Json> out;
    for (const Json& v : *cur) {
      if (!v.is_object() && !v.is_array()) out.push_back(v);
    }
    return out;
  }
  if (cur->is_object()) return {};
  return {*cur};
}

bool MatchOne(const Json& m, const Json& v) {
  if (!m.is_object()) {
    if (m.is_number() && v.is_number()) return m.get<double>() == v.get<double>();
    return m == v && m.type() == v.type();
  }
  const std::string op = m.begin().key();
  const Json& arg = m.begin().value();
  if (op == "prefix") return v.is_string() && v.get<std::string>().rfind(arg.get<std::string>(), 0) == 0;
  if (op == "suffix") {
    if (!v.is_string()) return false;
    std::string s = v.get<std::string>(), x = arg.get<std::string>();
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
  }
  if (op == "anything-but") {
    for (const Json& a : arg) {
      if (a.is_string() && v.is_string() && a == v) return false;
    }
    return true;
  }
  if (op == "numeric") {
    if (!v.is_number()) return false;
    double x = v.get<double>();
    for (std::size_t i = 0; i < arg.size(); i += 2) {
      std::string o = arg[i];
      double b = arg[i + 1];
      if ((o == ">" && !(x > b)) || (o == ">=" && !(x >= b)) || (o == "<" && !(x < b)) ||
          (o == "<=" && !(x <= b)) || (o == "=" && !(x == b)))
        return false;
    }
    return true;
  }
  if (op == "exists") return arg.get<bool>();
  return false;
}

bool Reference(const Json& pattern, const Json& event, std::vector<std::string> prefix) {
  for (auto it = pattern.begin(); it != pattern.end(); ++it) {
    if (it.key() == "$or") {
      bool any = false;
      for (const Json& branch : it.value()) any = any || Reference(branch, event, prefix);
      if (!any) return false;
      continue;
    }
    std::vector<std::string> path = prefix;
    path.push_back(it.key());
    if (it.value().is_object()) {
      if (!Reference(it.value(), event, path)) return false;
      continue;
    }
    std::vector<Json> values = LeafValues(event, path);
    bool ok = false;
    for (const Json& m : it.value()) {
      if (m.is_object() && m.begin().key() == "exists") {
        ok = ok || (m.begin().value().get<bool>() ? !values.empty() : values.empty());
        continue;
      }
      for (const Json& v : values) ok = ok || MatchOne(m, v);
    }
    if (!ok) return false;
  }
  return true;
}

// --- generators ------------------------------------------------------------

struct Gen {
  std::mt19937 rng;
  explicit Gen(unsigned seed) : rng(seed) {}
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

  // Small vocabularies so that patterns and events collide often.
  Json Scalar() {
    switch (Pick(6)) {
      case 0: return "s" + std::to_string(Pick(6));
      case 1: return "pre-" + std::to_string(Pick(4)) + "-x";
      case 2: return Pick(20) - 5;
      case 3: return Pick(2) == 0;
      case 4: return nullptr;
      default: return std::to_string(Pick(3));  // "1" is not 1
    }
  }

  static const char* Field(int i) {
    static const char* names[] = {"source", "account", "region", "a", "b", "c"};
    return names[i];
  }

  Json Matcher() {
    switch (Pick(9)) {
      case 0: return {{"prefix", "pre-" + std::to_string(Pick(4))}};
      case 1: return {{"suffix", "-x"}};
      case 2: return {{"anything-but", {"s" + std::to_string(Pick(6)), "s" + std::to_string(Pick(6))}}};
      case 3: return {{"numeric", {">=", Pick(10) - 3, "<", Pick(10) + 7}}};
      case 4: return {{"numeric", {"=", Pick(20) - 5}}};
      case 5: return {{"exists", Pick(2) == 0}};
      default: {
        Json s = Scalar();
        return s;
      }
    }
  }

  Json Values() {
    Json list = Json::array();
    int n = 1 + Pick(3);
    for (int i = 0; i < n; ++i) list.push_back(Matcher());
    return list;
  }

  Json Pattern() {
    Json p = Json::object();
    int fields = 1 + Pick(3);
    for (int i = 0; i < fields; ++i) {
      int f = Pick(6);
      if (f >= 3) {
        p["detail"][Field(f)] = Values();
      } else {
        p[Field(f)] = Values();
      }
    }
    if (Pick(5) == 0) {
      p["$or"] = Json::array({{{"detail", {{"c", Values()}}}}, {{"region", Values()}}});
    }
    return p;
  }

  Json Event() {
    Json e = {{"id", "e"}, {"detail-type", "t"}};
    for (int f = 0; f < 6; ++f) {
      if (Pick(4) == 0) continue;  // missing
      Json value = Pick(4) == 0 ? Json::array({Scalar(), Scalar()}) : Scalar();
      if (f >= 3) e["detail"][Field(f)] = value;
      else e[Field(f)] = value;
    }
    if (Pick(6) == 0) e["detail"]["c"] = Json::object({{"nested", 1}});  // an object is no value
    return e;
  }
};

TEST_CASE("the engine agrees with the reference semantics on random patterns and events") {
  for (unsigned seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    Gen gen(seed);
    std::vector<Json> patterns;
    for (int i = 0; i < 400; ++i) patterns.push_back(gen.Pattern());
    Result<PolicySet> set = PolicySet::FromPatterns(Json(patterns).dump());
    REQUIRE_MESSAGE(set.ok(), set.status().ToString());
    Engine engine(set.value(), testing::RawEvents());
    std::size_t matches = 0;
    for (int i = 0; i < 1500; ++i) {
      Json event = gen.Event();
      std::set<std::string> expected;
      for (std::size_t p = 0; p < patterns.size(); ++p) {
        if (Reference(patterns[p], event, {})) expected.insert(std::to_string(p));
      }
      Decision d;
      REQUIRE(engine.Evaluate(event.dump(), &d).ok());
      std::set<std::string> actual;
      for (const PolicyMatch& m : d.matches) actual.insert(m.policy);
      if (actual != expected) {
        std::string diff;
        for (const auto& id : expected) if (!actual.count(id)) diff += " missing " + id + ": " + patterns[std::stoul(id)].dump();
        for (const auto& id : actual) if (!expected.count(id)) diff += " extra " + id + ": " + patterns[std::stoul(id)].dump();
        FAIL("event " << event.dump() << diff);
      }
      matches += expected.size();
    }
    CHECK(matches > 500);  // the generator really exercises matching
  }
}

}  // namespace
}  // namespace proact
