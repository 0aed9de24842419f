#include "lint/field_checker.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace proact::internal {
namespace {

using Json = nlohmann::json;

// JSON types a field may hold, as bits.
enum : unsigned {
  kStringBit = 1,
  kNumberBit = 2,
  kBooleanBit = 4,
  kNullBit = 8,
  kObjectBit = 16,
  kAnyBits = 31,
};

// The envelope's own fields (docs/policy-language.md): always present, of
// these types, whatever the source.
const std::vector<std::string_view>& EnvelopeNames() {
  static const std::vector<std::string_view> v = {
      "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"};
  return v;
}
bool IsEnvelopeString(std::string_view name) {
  return name != "resources" && name != "detail" &&
         std::find(EnvelopeNames().begin(), EnvelopeNames().end(), name) != EnvelopeNames().end();
}

const Json& StringShape() {
  static const Json j = "string";
  return j;
}
const Json& ResourcesShape() {
  static const Json j = {{"array", "string"}};
  return j;
}
const Json& OpenObjectShape() {
  static const Json j = {{"object", Json::object()}, {"open", true}};
  return j;
}

// Where a policy's events come from, and what their `detail` may hold.
struct Scope {
  bool known = false;  // false: detail is not checked below itself
  std::vector<ShapeRef> details;
  std::string label;   // "GuardDuty Finding events"
};

// The outcome of following a path through shapes.
struct Walk {
  bool unchecked = false;        // some alternative is open there
  std::vector<ShapeRef> ends;    // shapes found at the full path
  bool failed = false;
  std::size_t fail_at = 0;       // deepest segment no shape has
  std::set<std::string> siblings;  // the names that exist at fail_at
};

ShapeRef Deref(ShapeRef s) {
  for (int guard = 0; guard < 64 && s.shape->is_object() && s.shape->contains("$ref"); ++guard) {
    s.shape = &(*s.shapes)[(*s.shape)["$ref"].get<std::string>()];
  }
  return s;
}

void Fail(Walk* w, std::size_t i, const std::vector<std::string>& names) {
  if (!w->failed || i > w->fail_at) {
    w->failed = true;
    w->fail_at = i;
    w->siblings.clear();
  }
  if (i == w->fail_at) w->siblings.insert(names.begin(), names.end());
}

void Resolve(ShapeRef s, const std::vector<PathStep>& path, std::size_t i, Walk* w, int depth) {
  s = Deref(s);
  const Json& j = *s.shape;
  if (depth > 128 || (j.is_object() && j.contains("$ref")) || (j.is_string() && j == "any")) {
    w->unchecked = true;
    return;
  }
  if (j.is_array()) {
    for (const Json& alt : j) Resolve({&alt, s.shapes}, path, i, w, depth + 1);
    return;
  }
  if (i == path.size()) {
    w->ends.push_back(s);
    return;
  }
  if (j.is_object() && j.contains("array")) {
    // EventBridge matches through arrays: a key steps into every element.
    Resolve({&j["array"], s.shapes}, path, path[i].is_index ? i + 1 : i, w, depth + 1);
    return;
  }
  if (j.is_object() && j.contains("object") && !path[i].is_index) {
    const Json& members = j["object"];
    auto it = members.find(path[i].key);
    if (it != members.end()) {
      Resolve({&*it, s.shapes}, path, i + 1, w, depth + 1);
    } else {
      std::vector<std::string> names;
      bool case_typo = false;
      for (const auto& [k, v] : members.items()) {
        names.push_back(k);
        case_typo = case_typo || AsciiLower(k) == AsciiLower(path[i].key);
      }
      // An open object may hold members the catalogue does not list, but
      // not one that differs from a listed member only in case: providers
      // spell a field one way.
      if (j.value("open", false) && !case_typo) {
        w->unchecked = true;
      } else {
        Fail(w, i, names);
      }
    }
    return;
  }
  Fail(w, i, {});  // a scalar (or an index into an object) has no members
}

// Paths (from `prefix`) of members named `lower` in any case, anywhere
// under `s`, at most `depth` levels down: for "did you mean" when a field
// is written at the wrong level.
void FindNamed(ShapeRef s, const std::string& lower, const std::string& prefix, int depth,
               std::set<std::string>* out) {
  if (depth <= 0) return;
  s = Deref(s);
  const Json& j = *s.shape;
  if (j.is_array()) {
    for (const Json& alt : j) FindNamed({&alt, s.shapes}, lower, prefix, depth, out);
  } else if (j.is_object() && j.contains("array")) {
    FindNamed({&j["array"], s.shapes}, lower, prefix, depth, out);
  } else if (j.is_object() && j.contains("object")) {
    for (const auto& [k, v] : j["object"].items()) {
      std::string path = prefix + "." + k;
      if (AsciiLower(k) == lower) out->insert(path);
      FindNamed({&v, s.shapes}, lower, path, depth - 1, out);
    }
  }
}

unsigned LeafTypes(ShapeRef s, int depth) {
  s = Deref(s);
  const Json& j = *s.shape;
  if (depth > 128 || (j.is_object() && j.contains("$ref"))) return kAnyBits;
  if (j.is_string()) {
    const std::string& k = j.get_ref<const std::string&>();
    if (k == "string") return kStringBit;
    if (k == "number") return kNumberBit;
    if (k == "boolean") return kBooleanBit;
    if (k == "null") return kNullBit;
    return kAnyBits;
  }
  if (j.is_array()) {
    unsigned m = 0;
    for (const Json& alt : j) m |= LeafTypes({&alt, s.shapes}, depth + 1);
    return m;
  }
  if (j.contains("array")) return LeafTypes({&j["array"], s.shapes}, depth + 1);
  return kObjectBit;
}

Walk ResolvePath(const std::vector<PathStep>& path, const Scope& scope) {
  Walk w;
  if (path.empty()) {
    w.unchecked = true;
    return w;
  }
  if (path[0].is_index) {
    Fail(&w, 0, {});
    return w;
  }
  const std::string& root = path[0].key;
  if (root == "detail") {
    if (path.size() == 1) {
      w.ends.push_back({&OpenObjectShape(), nullptr});
    } else if (!scope.known) {
      w.unchecked = true;
    } else {
      for (const ShapeRef& d : scope.details) Resolve(d, path, 1, &w, 0);
    }
  } else if (root == "resources") {
    Resolve({&ResourcesShape(), nullptr}, path, 1, &w, 0);
  } else if (IsEnvelopeString(root)) {
    Resolve({&StringShape(), nullptr}, path, 1, &w, 0);
  } else {
    std::vector<std::string> names(EnvelopeNames().begin(), EnvelopeNames().end());
    Fail(&w, 0, names);
  }
  return w;
}

std::string Join(const std::vector<PathStep>& path, std::size_t replace_at = std::string::npos,
                 const std::string& replacement = "") {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i].is_index) {
      out += '[';
      out += std::to_string(path[i].index);
      out += ']';
      continue;
    }
    if (!out.empty()) out += ".";
    out += i == replace_at ? replacement : path[i].key;
  }
  return out;
}

std::vector<PathStep> Steps(const std::vector<std::string>& segments) {
  std::vector<PathStep> out;
  for (const std::string& s : segments) {
    PathStep step;
    step.key = s;
    out.push_back(std::move(step));
  }
  return out;
}


// A name among `names` the author likely meant: one equal but for case
// first, else the nearest by edit distance; "" if none is close.
std::string Suggest(const std::string& word, const std::set<std::string>& names) {
  for (const std::string& n : names) {
    if (AsciiLower(n) == AsciiLower(word)) return n;
  }
  std::vector<std::string_view> candidates(names.begin(), names.end());
  return DidYouMean(word, candidates);
}

std::string TypeNames(unsigned mask) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kStringBit, "a string"}, {kNumberBit, "a number"}, {kBooleanBit, "a boolean"},
      {kNullBit, "null"}, {kObjectBit, "an object"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((mask & bit) == 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

// The JSON types a value test can match; 0 for tests that any type passes
// or fails alike (exists, the anything-but forms).
unsigned Wants(TestOp op) {
  switch (op) {
    case TestOp::kString: case TestOp::kPrefix: case TestOp::kSuffix:
    case TestOp::kPrefixIgnoreCase: case TestOp::kSuffixIgnoreCase:
    case TestOp::kEqualsIgnoreCase: case TestOp::kWildcard: case TestOp::kCidr:
    case TestOp::kRegex: case TestOp::kLocalTime:
      return kStringBit;
    case TestOp::kNumber: case TestOp::kNumeric:
      return kNumberBit;
    case TestOp::kTrue: case TestOp::kFalse:
      return kBooleanBit;
    case TestOp::kNull:
      return kNullBit;
    default:
      return 0;
  }
}

const char* OperatorName(TestOp op) {
  switch (op) {
    case TestOp::kPrefix: return "prefix";
    case TestOp::kSuffix: return "suffix";
    case TestOp::kPrefixIgnoreCase: return "prefix: {equals-ignore-case}";
    case TestOp::kSuffixIgnoreCase: return "suffix: {equals-ignore-case}";
    case TestOp::kEqualsIgnoreCase: return "equals-ignore-case";
    case TestOp::kWildcard: return "wildcard";
    case TestOp::kCidr: return "cidr";
    case TestOp::kRegex: return "regex";
    case TestOp::kLocalTime: return "local-time";
    case TestOp::kNumeric: return "numeric";
    default: return nullptr;
  }
}

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !std::isspace(static_cast<unsigned char>(s[0]));
}

// What to write instead of value `site` (of kind `got`) for a field of
// types `mask`.
std::string Fix(const ValueSite& site, unsigned mask) {
  const std::string& v = site.text;
  if ((mask & kStringBit) && site.kind != Node::Kind::kString) {
    return "write \"" + v + "\" (quoted)";
  }
  if ((mask & kNumberBit) && site.kind == Node::Kind::kString && LooksNumeric(v)) {
    return "write " + v + " (unquoted)";
  }
  if ((mask & kBooleanBit) && site.kind == Node::Kind::kString && (v == "true" || v == "false")) {
    return "write " + v + " (unquoted)";
  }
  if (mask == kObjectBit) return "test a field under it";
  return "write " + TypeNames(mask);
}

// A test every event passes for an envelope field every event has.
bool Vacuous(const PendingFieldTest& t, std::size_t i) {
  if (t.path.size() != 1 || !IsEnvelopeString(t.path[0]) || t.exists_false) return false;
  const ValueTest& v = t.tests[i];
  const std::string* text = i < t.sites.size() ? &t.sites[i].text : nullptr;
  switch (v.op) {
    case TestOp::kExists:
      return true;
    case TestOp::kPrefix: case TestOp::kSuffix:
    case TestOp::kPrefixIgnoreCase: case TestOp::kSuffixIgnoreCase:
      return text != nullptr && text->empty() && t.sites[i].kind == Node::Kind::kMap;
    case TestOp::kWildcard:
      return text != nullptr && !text->empty() &&
             text->find_first_not_of('*') == std::string::npos;
    case TestOp::kAnythingButNumbers:
      return true;  // the field is a string: never one of the numbers
    default:
      return false;
  }
}

bool FieldVacuous(const PendingFieldTest& t) {
  for (std::size_t i = 0; i < t.tests.size(); ++i) {
    if (Vacuous(t, i)) return true;
  }
  return false;
}

// Reads the exact and prefix values of the test on envelope field `name`
// in `alt`. Returns false when the alternative does not pin it to such
// values (absent, or other operators, or values from a list).
bool NameValues(const Alternative& alt, const std::string& name, std::vector<NameMatcher>* out) {
  for (const PendingFieldTest& t : alt) {
    if (t.path.size() != 1 || t.path[0] != name) continue;
    if (t.exists_false || t.tests.empty() || t.sites.size() != t.tests.size()) return false;
    for (std::size_t i = 0; i < t.tests.size(); ++i) {
      NameMatcher m;
      m.text = t.sites[i].text;
      if (t.tests[i].op == TestOp::kString && t.sites[i].kind == Node::Kind::kString) {
      } else if (t.tests[i].op == TestOp::kPrefix && t.sites[i].kind == Node::Kind::kMap) {
        m.prefix = true;
      } else {
        return false;
      }
      out->push_back(std::move(m));
    }
    return true;
  }
  return false;
}

std::string Label(const std::vector<NameMatcher>& names) {
  std::set<std::string> seen;
  std::string out;
  for (const NameMatcher& n : names) {
    std::string text = n.prefix ? n.text + "*" : n.text;
    if (!seen.insert(text).second) continue;
    if (!out.empty()) out += " or ";
    out += text;
  }
  return out + " events";
}

class PolicyChecker {
 public:
  PolicyChecker(const FieldCatalogue& catalogue, const PolicyFacts& policy, DiagnosticSink* sink)
      : catalogue_(catalogue), policy_(policy), sink_(sink) {}

  void Run() {
    Scope all;
    all.known = !policy_.match->empty();
    std::set<std::string> labels;
    for (const Alternative& alt : *policy_.match) {
      Scope s = ScopeOf(alt);
      for (const PendingFieldTest& t : alt) CheckTest(t, s);
      if (!s.known) all.known = false;
      for (const ShapeRef& d : s.details) AddDetail(&all, d);
      labels.insert(s.label);
    }
    for (const std::string& l : labels) all.label += (all.label.empty() ? "" : " or ") + l;
    for (const auto& alts : policy_.except) {
      for (const Alternative& alt : alts) {
        for (const PendingFieldTest& t : alt) CheckTest(t, all);
      }
    }
    for (const TemplatePath& tp : policy_.template_paths) CheckTemplate(tp, all);
    CheckMatchesEverything();
  }

 private:
  static void AddDetail(Scope* s, const ShapeRef& d) {
    for (const ShapeRef& e : s->details) {
      if (e.shape == d.shape) return;
    }
    s->details.push_back(d);
  }

  Scope ScopeOf(const Alternative& alt) const {
    Scope s;
    std::vector<NameMatcher> sources, types;
    if (!NameValues(alt, "source", &sources)) return s;
    bool typed = NameValues(alt, "detail-type", &types);
    if (!typed) {
      types.clear();
      NameMatcher any;
      any.any = true;
      types.push_back(any);
    }
    for (const NameMatcher& src : sources) {
      for (const NameMatcher& type : types) {
        bool found = false;
        for (const CatalogueEntry& e : catalogue_.entries()) {
          if (!e.source.Covers(src) || !e.detail_type.Covers(type)) continue;
          AddDetail(&s, e.detail);
          found = true;
        }
        if (!found) return Scope();
      }
    }
    s.known = true;
    s.label = Label(typed ? types : sources);
    return s;
  }

  bool Known(const std::vector<PathStep>& path) const {
    for (const KnownField& k : policy_.known_fields) {
      std::vector<const std::string*> a, b;
      for (const PathStep& s : k.path) if (!s.is_index) a.push_back(&s.key);
      for (const PathStep& s : path) if (!s.is_index) b.push_back(&s.key);
      if (a.size() > b.size()) continue;
      bool prefix = true;
      for (std::size_t i = 0; i < a.size() && prefix; ++i) prefix = *a[i] == *b[i];
      if (prefix) return true;
    }
    return false;
  }

  bool Once(int file, Mark m, const std::string& code) {
    return reported_.emplace(file, m.line, m.column, code).second;
  }

  std::string NoField(const std::vector<PathStep>& path, const std::string& text,
                      const Walk& w, const Scope& scope) const {
    std::string where = w.fail_at == 0 ? "events" : scope.label;
    std::string msg = "no field " + text + " in " + where;
    std::string word = path[w.fail_at].is_index ? "" : path[w.fail_at].key;
    std::string suggestion = word.empty() ? "" : Suggest(word, w.siblings);
    if (!suggestion.empty()) return msg + "; did you mean " + Join(path, w.fail_at, suggestion) + "?";
    if (!word.empty() && w.fail_at > 0 && path[0].key == "detail") {
      // The right name at the wrong level.
      std::set<std::string> found;
      for (const ShapeRef& d : scope.details) FindNamed(d, AsciiLower(word), "detail", 6, &found);
      if (!found.empty()) {
        std::string best = *found.begin();
        for (const std::string& f : found) {
          if (f.size() < best.size()) best = f;
        }
        std::vector<PathStep> rest(path.begin() + static_cast<std::ptrdiff_t>(w.fail_at) + 1, path.end());
        std::string tail = Join(rest);
        return msg + "; did you mean " + best + (tail.empty() || tail[0] == '[' ? "" : ".") + tail + "?";
      }
    }
    if (!w.siblings.empty() && w.siblings.size() <= 12) {
      std::string names;
      for (const std::string& n : w.siblings) names += (names.empty() ? "" : ", ") + n;
      msg += " (" + (w.fail_at == 0 ? std::string("events") : Join(std::vector<PathStep>(
                path.begin(), path.begin() + static_cast<std::ptrdiff_t>(w.fail_at)))) +
             " has: " + names + ")";
    }
    return msg + "; if the field exists, list it under the policy's known_fields";
  }

  void CheckTest(const PendingFieldTest& t, const Scope& scope) {
    std::vector<PathStep> path = Steps(t.path);
    if (Known(path)) return;
    Walk w = ResolvePath(path, scope);
    std::string text = Join(path);
    if (!w.unchecked && w.ends.empty()) {
      if (Once(t.file, t.mark, "no-such-field")) {
        sink_->Error(t.file, t.mark.line, t.mark.column, "no-such-field",
                     NoField(path, text, w, scope));
      }
      return;
    }
    if (w.unchecked) return;
    unsigned mask = 0;
    for (const ShapeRef& e : w.ends) mask |= LeafTypes(e, 0);
    if ((mask & kAnyBits) == kAnyBits) return;
    std::string where = path.size() == 1 && IsEnvelopeString(path[0].key) ? "in every event"
                        : path[0].key == "resources"                    ? "in every event"
                                                                        : "in " + scope.label;
    for (std::size_t i = 0; i < t.tests.size() && i < t.sites.size(); ++i) {
      unsigned want = Wants(t.tests[i].op);
      if (want == 0 || (want & mask) != 0) continue;
      const ValueSite& site = t.sites[i];
      if (!Once(t.file, site.mark, "field-type")) continue;
      std::string msg;
      const char* op = OperatorName(t.tests[i].op);
      if (site.kind == Node::Kind::kMap && t.tests[i].op == TestOp::kLocalTime) {
        msg = "'local-time' tests RFC 3339 timestamp strings, but " + text + " is " +
              TypeNames(mask) + " " + where +
              ": it can never match; test a timestamp string field such as time";
      } else if (site.kind == Node::Kind::kMap && op != nullptr) {
        msg = "'" + std::string(op) + "' tests " + TypeNames(want).substr(TypeNames(want).find(' ') + 1) +
              "s, but " + text + " is " + TypeNames(mask) + " " + where + ": it can never match; " +
              (mask & kNumberBit ? "use numeric" : mask & kStringBit ? "use a string test" : "test " + TypeNames(mask));
      } else if (site.kind == Node::Kind::kMap) {
        msg = text + " is " + TypeNames(mask) + " " + where + ", but a value of the list is " +
              TypeNames(want) + ": it can never match; every value of the list must be " + TypeNames(mask);
      } else {
        std::string shown = site.kind == Node::Kind::kString ? "\"" + site.text + "\"" : site.text;
        msg = text + " is " + TypeNames(mask) + " " + where + ", but " + shown + " is " +
              TypeNames(want) + ": it can never match; " + Fix(site, mask);
      }
      sink_->Error(t.file, site.mark.line, site.mark.column, "field-type", msg);
      break;
    }
  }

  void CheckTemplate(const TemplatePath& tp, const Scope& scope) {
    if (Known(tp.path)) return;
    // Templates read one value: an index selects an element, a key does not
    // step into arrays (that is rendered as null), but the catalogue's
    // arrays are walked the same way as for patterns: conservative.
    Walk w = ResolvePath(tp.path, scope);
    if (w.unchecked || !w.ends.empty()) return;
    if (w.fail_at == 0) return;  // top-level names are reported by the compiler
    if (!Once(tp.file, tp.mark, "no-such-field")) return;
    sink_->Error(tp.file, tp.mark.line, tp.mark.column, "no-such-field",
                 "template reads " + tp.text + ", but there is " +
                     NoField(tp.path, tp.text, w, scope));
  }

  void CheckMatchesEverything() {
    if (!policy_.enabled || policy_.mode != "enforce") return;
    for (const Alternative& alt : *policy_.match) {
      const PendingFieldTest* vacuous = nullptr;
      bool narrowed_by_source = false;
      bool other = false;
      for (const PendingFieldTest& t : alt) {
        if (FieldVacuous(t)) {
          if (vacuous == nullptr) vacuous = &t;
        } else if (t.path.size() == 1 && (t.path[0] == "source" || t.path[0] == "detail-type")) {
          narrowed_by_source = true;
        } else {
          other = true;
        }
      }
      if (vacuous == nullptr || other) continue;
      Mark at = vacuous->mark;
      for (std::size_t i = 0; i < vacuous->tests.size() && i < vacuous->sites.size(); ++i) {
        if (Vacuous(*vacuous, i)) {
          at = vacuous->sites[i].mark;
          break;
        }
      }
      std::string id = policy_.id.empty() ? "policy" : "policy '" + policy_.id + "'";
      sink_->Warning(vacuous->file, at.line, at.column, "matches-everything",
                     id + " is in enforce mode and matches every event" +
                         (narrowed_by_source ? std::string(" of its sources") : std::string()) +
                         ": this test holds for any value of " + vacuous->path[0] +
                         "; narrow the match, or set mode: dry-run");
      return;
    }
  }

  const FieldCatalogue& catalogue_;
  const PolicyFacts& policy_;
  DiagnosticSink* sink_;
  std::set<std::tuple<int, int, int, std::string>> reported_;
};

}  // namespace

void FieldChecker::Check(const PolicyFacts& policy, DiagnosticSink* sink) const {
  if (policy.match == nullptr) return;
  PolicyChecker(*catalogue_, policy, sink).Run();
}

}  // namespace proact::internal
