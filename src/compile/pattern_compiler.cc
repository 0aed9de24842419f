#include "compile/pattern_compiler.h"


#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "compile/time_zone_loader.h"
#include "util/ip_address.h"
#include "util/strings.h"

namespace proact::internal {

std::vector<std::string> SplitDotted(std::string_view key) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = key.find('.', start);
    out.emplace_back(key.substr(start, dot == std::string_view::npos
                                           ? std::string_view::npos
                                           : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool ParseCidr(std::string_view text, Cidr* out, std::string* error) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos ||
      text.find('/', slash + 1) != std::string_view::npos) {
    *error = "malformed CIDR '" + std::string(text) + "': one '/' required";
    return false;
  }
  std::string_view ip = text.substr(0, slash);
  std::string_view mask = text.substr(slash + 1);
  if (mask.empty() || mask.size() > 3 ||
      !std::all_of(mask.begin(), mask.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    *error = "malformed CIDR '" + std::string(text) +
             "': mask bits must be an integer";
    return false;
  }
  if (!ParseIp(ip, &out->v6, out->bytes)) {
    *error = "malformed CIDR '" + std::string(text) + "': '" +
             std::string(ip) + "' is not an IP address";
    return false;
  }
  out->prefix = std::stoi(std::string(mask));
  int max = out->v6 ? 128 : 32;
  if (out->prefix > max) {
    *error = "malformed CIDR '" + std::string(text) + "': " +
             (out->v6 ? "IPv6" : "IPv4") + " mask bits must be at most " +
             std::to_string(max);
    return false;
  }
  return true;
}

const std::vector<std::string_view>& PatternCompiler::OperatorNames() {
  static const std::vector<std::string_view> names = {
      "prefix",   "suffix", "anything-but", "numeric", "exists",
      "equals-ignore-case", "wildcard", "cidr", "regex", "list", "local-time"};
  return names;
}

PatternCompiler::PatternCompiler(Program* program,
                                 const std::map<std::string, NamedList>* lists,
                                 const CompileOptions& options,
                                 DiagnosticSink* sink)
    : program_(program), lists_(lists), options_(options), sink_(sink) {
  for (std::size_t i = 0; i < program_->strings.size(); ++i) {
    string_ids_.emplace(program_->strings[i], static_cast<std::uint32_t>(i));
  }
  for (std::size_t i = 0; i < program_->time_zones.size(); ++i) {
    zone_ids_.emplace(program_->time_zones[i].name, static_cast<std::uint32_t>(i));
  }
}

void PatternCompiler::Error(const Node& at, const std::string& code,
                            const std::string& msg) {
  sink_->Error(at.file, at.mark.line, at.mark.column, code, msg);
}

std::uint32_t PatternCompiler::InternString(const std::string& s) {
  auto it = string_ids_.find(std::string_view(s));
  if (it != string_ids_.end()) return it->second;
  std::uint32_t id = static_cast<std::uint32_t>(program_->strings.size());
  string_ids_.emplace(s, id);
  program_->strings.push_back(s);
  return id;
}

std::uint32_t PatternCompiler::InternNumber(double d) {
  program_->numbers.push_back(d == 0 ? 0 : d);
  return static_cast<std::uint32_t>(program_->numbers.size() - 1);
}

bool PatternCompiler::Compile(const Node& pattern,
                              std::vector<Alternative>* out) {
  out->clear();
  if (pattern.kind != Node::Kind::kMap) {
    Error(pattern, "pattern-not-object",
          std::string("an event pattern must be a mapping (JSON object), not ") +
              pattern.KindName());
    return false;
  }
  return Expand(pattern, {}, out);
}

namespace {

// Cartesian product of two alternative lists.
std::vector<Alternative> Product(std::vector<Alternative>& a,
                                 std::vector<Alternative>& b) {
  if (a.size() == 1 && b.size() == 1) {  // the common case: no $or
    for (PendingFieldTest& t : b[0]) a[0].push_back(std::move(t));
    return std::move(a);
  }
  std::vector<Alternative> out;
  out.reserve(a.size() * b.size());
  for (const Alternative& x : a) {
    for (const Alternative& y : b) {
      Alternative z = x;
      z.insert(z.end(), y.begin(), y.end());
      out.push_back(std::move(z));
    }
  }
  return out;
}

}  // namespace

bool PatternCompiler::Expand(const Node& map,
                             const std::vector<std::string>& prefix,
                             std::vector<Alternative>* out) {
  std::vector<Alternative> alts(1);
  bool ok = true;
  if (map.entries.empty()) {
    Error(map, "empty-pattern",
          prefix.empty() ? "an event pattern must test at least one field"
                         : "an empty object tests nothing; remove it or add "
                           "fields");
    return false;
  }
  auto too_many = [&](const Node& at, std::size_t n) {
    if (n <= options_.max_pattern_alternatives) return false;
    Error(at, "pattern-too-complex",
          "pattern expands to more than " +
              std::to_string(options_.max_pattern_alternatives) +
              " alternatives once '$or' is multiplied out");
    return true;
  };
  for (const auto& [key, value] : map.entries) {
    if (key.kind != Node::Kind::kString && key.kind != Node::Kind::kNumber &&
        key.kind != Node::Kind::kBool && key.kind != Node::Kind::kNull) {
      Error(key, "bad-key", "pattern keys must be strings");
      ok = false;
      continue;
    }
    if (key.text == "$or") {
      if (value.kind != Node::Kind::kSeq) {
        Error(value, "bad-or",
              std::string("'$or' must be a list of patterns, not ") +
                  value.KindName());
        ok = false;
        continue;
      }
      if (value.items.size() < 2) {
        Error(value, "bad-or", "'$or' needs at least two patterns");
        ok = false;
        continue;
      }
      std::vector<Alternative> branches;
      bool branches_ok = true;
      for (const Node& branch : value.items) {
        if (branch.kind != Node::Kind::kMap) {
          Error(branch, "bad-or",
                std::string("each '$or' branch must be a pattern object, not ") +
                    branch.KindName());
          branches_ok = false;
          continue;
        }
        std::vector<Alternative> sub;
        if (!Expand(branch, prefix, &sub)) {
          branches_ok = false;
          continue;
        }
        branches.insert(branches.end(), sub.begin(), sub.end());
      }
      if (!branches_ok) {
        ok = false;
        continue;
      }
      if (too_many(value, alts.size() * branches.size())) return false;
      alts = Product(alts, branches);
      continue;
    }
    if (key.text.empty()) {
      Error(key, "bad-key", "empty field name in pattern");
      ok = false;
      continue;
    }
    std::vector<std::string> path = prefix;
    for (std::string& seg : SplitDotted(key.text)) path.push_back(std::move(seg));
    if (value.kind == Node::Kind::kMap) {
      std::vector<Alternative> sub;
      if (!Expand(value, path, &sub)) {
        ok = false;
        continue;
      }
      if (too_many(value, alts.size() * sub.size())) return false;
      alts = Product(alts, sub);
    } else if (value.kind == Node::Kind::kSeq) {
      if (!prefix.empty() &&
          std::find(OperatorNames().begin(), OperatorNames().end(),
                    key.text) != OperatorNames().end()) {
        sink_->Warning(key.file, key.mark.line, key.mark.column,
                       "operator-as-field",
                       "'" + key.text + "' is read as a field name here, not "
                       "an operator; for the operator write " +
                           prefix.back() + ": [{" + key.text + ": ...}]");
      }
      PendingFieldTest test;
      test.path = path;
      test.mark = key.mark;
      test.file = key.file;
      if (!LeafTests(value, &test)) {
        ok = false;
        continue;
      }
      if (alts.size() == 1) {
        alts[0].push_back(std::move(test));
      } else {
        for (Alternative& alt : alts) alt.push_back(test);
      }
    } else if (!prefix.empty() &&
               std::find(OperatorNames().begin(), OperatorNames().end(),
                         key.text) != OperatorNames().end()) {
      Error(key, "operator-not-in-array",
            "operator '" + key.text + "' must sit inside an array: write " +
                prefix.back() + ": [{" + key.text + ": ...}]");
      ok = false;
    } else {
      Error(value, "leaf-not-array",
            "'" + key.text + "' must be an object or an array of values, not " +
                value.KindName() + " (write [" +
                (value.kind == Node::Kind::kString ? "\"" + value.text + "\""
                                                   : value.text) +
                "])");
      ok = false;
    }
  }
  if (!ok) return false;
  out->insert(out->end(), alts.begin(), alts.end());
  return true;
}

bool PatternCompiler::ScalarList(const Node& node, bool allow_single,
                                 std::vector<const Node*>* out) {
  auto expand_ref = [&](const Node& ref) -> bool {
    const Node* name = ref.Find("list");
    if (ref.entries.size() != 1 || name == nullptr) return false;
    if (name->kind != Node::Kind::kString) {
      Error(*name, "bad-list-ref", "'list' takes the name of a list");
      return true;
    }
    auto it = lists_->find(name->text);
    if (it == lists_->end()) {
      std::vector<std::string_view> names;
      for (const auto& [n, l] : *lists_) names.push_back(n);
      Error(*name, "unknown-list",
            "unknown list '" + name->text + "'" +
                DidYouMeanSuffix(name->text, names));
      return true;
    }
    for (const Node& v : it->second.values) out->push_back(&v);
    return true;
  };
  std::size_t errors_before = sink_->error_count();
  if (node.kind == Node::Kind::kMap) {
    if (!expand_ref(node)) return false;
    return sink_->error_count() == errors_before;
  }
  if (node.kind == Node::Kind::kSeq) {
    for (const Node& item : node.items) {
      if (item.kind == Node::Kind::kMap && expand_ref(item)) continue;
      out->push_back(&item);
    }
    return sink_->error_count() == errors_before;
  }
  if (!allow_single) return false;
  out->push_back(&node);
  return true;
}

ValueTest PatternCompiler::ExactTest(const Node& scalar) {
  switch (scalar.kind) {
    case Node::Kind::kString:
      return {TestOp::kString, 0, 0, InternString(scalar.text)};
    case Node::Kind::kNumber:
      return {TestOp::kNumber, 0, 0, InternNumber(scalar.number)};
    case Node::Kind::kBool:
      return {scalar.boolean ? TestOp::kTrue : TestOp::kFalse};
    default:
      return {TestOp::kNull};
  }
}

bool PatternCompiler::LeafTests(const Node& values, PendingFieldTest* test) {
  if (values.items.empty()) {
    Error(values, "empty-array", "empty value arrays are not allowed");
    return false;
  }
  bool ok = true;
  for (const Node& item : values.items) {
    std::size_t before = test->tests.size();
    switch (item.kind) {
      case Node::Kind::kString:
      case Node::Kind::kNumber:
      case Node::Kind::kBool:
      case Node::Kind::kNull:
        test->tests.push_back(ExactTest(item));
        break;
      case Node::Kind::kSeq:
        Error(item, "nested-array",
              "values in a pattern array must be scalars or operator objects, "
              "not arrays");
        ok = false;
        break;
      case Node::Kind::kMap: {
        if (item.entries.size() != 1) {
          Error(item, "bad-operator",
                item.entries.empty()
                    ? std::string("an operator object needs one operator")
                    : "an operator object holds exactly one operator, found " +
                          std::to_string(item.entries.size()));
          ok = false;
          break;
        }
        if (!Operator(item.entries[0].first, item.entries[0].second, test))
          ok = false;
        break;
      }
    }
    if (options_.check_fields) {
      const Node& at = item.kind == Node::Kind::kMap && item.entries.size() == 1
                           ? item.entries[0].second : item;
      for (std::size_t i = before; i < test->tests.size(); ++i) {
        test->sites.push_back({at.mark, at.IsScalar() ? at.text : item.entries[0].first.text,
                               item.kind == Node::Kind::kMap ? Node::Kind::kMap : item.kind});
      }
    }
  }
  return ok;
}

bool PatternCompiler::StringOperand(const Node& key, const Node& operand,
                                    std::string* out) {
  if (operand.kind != Node::Kind::kString) {
    Error(operand, "bad-operand",
          "'" + key.text + "' takes a single string, not " +
              operand.KindName());
    return false;
  }
  *out = operand.text;
  return true;
}

bool PatternCompiler::Operator(const Node& key, const Node& operand,
                               PendingFieldTest* test) {
  const std::string& op = key.text;
  ValueTest t{TestOp::kExists};
  if (op == "prefix" || op == "suffix") {
    bool is_prefix = op == "prefix";
    if (operand.kind == Node::Kind::kMap) {
      const Node* eic = operand.Find("equals-ignore-case");
      if (operand.entries.size() != 1 || eic == nullptr) {
        Error(operand, "bad-operand",
              "'" + op + "' takes a string or {\"equals-ignore-case\": "
              "\"...\"}");
        return false;
      }
      std::string s;
      if (!StringOperand(operand.entries[0].first, *eic, &s)) return false;
      t.op = is_prefix ? TestOp::kPrefixIgnoreCase : TestOp::kSuffixIgnoreCase;
      t.a = InternString(AsciiLower(s));
    } else {
      std::string s;
      if (!StringOperand(key, operand, &s)) return false;
      t.op = is_prefix ? TestOp::kPrefix : TestOp::kSuffix;
      t.a = InternString(s);
    }
  } else if (op == "equals-ignore-case") {
    std::string s;
    if (!StringOperand(key, operand, &s)) return false;
    t.op = TestOp::kEqualsIgnoreCase;
    t.a = InternString(AsciiLower(s));
  } else if (op == "wildcard") {
    std::string s;
    if (!StringOperand(key, operand, &s)) return false;
    t.op = TestOp::kWildcard;
    if (!WildcardOperand(operand, s, &t.a)) return false;
  } else if (op == "exists") {
    if (operand.kind != Node::Kind::kBool) {
      Error(operand, "bad-operand",
            std::string("'exists' takes true or false, not ") +
                operand.KindName());
      return false;
    }
    if (!operand.boolean) {
      test->exists_false = true;
      return true;
    }
    t.op = TestOp::kExists;
  } else if (op == "numeric") {
    if (!Numeric(key, operand, &t)) return false;
  } else if (op == "cidr") {
    if (!CidrOperand(key, operand, &t)) return false;
  } else if (op == "anything-but") {
    if (!AnythingBut(key, operand, &t)) return false;
  } else if (op == "regex") {
    std::string s;
    if (!StringOperand(key, operand, &s)) return false;
    // A regex written several times is compiled once.
    if (auto it = regex_ids_.find(s); it != regex_ids_.end()) {
      t.op = TestOp::kRegex;
      t.a = it->second;
      test->tests.push_back(t);
      return true;
    }
    RE2::Options ro;
    ro.set_log_errors(false);
    ro.set_max_mem(options_.regex_max_mem);
    auto re = std::make_unique<RE2>(s, ro);
    if (!re->ok()) {
      Error(operand, "bad-regex",
            re->error_code() == RE2::ErrorPatternTooLarge
                ? "regex is too large: its program exceeds regex_max_mem (" +
                      std::to_string(options_.regex_max_mem) + " bytes)"
                : "invalid regex: " + re->error());
      return false;
    }
    t.op = TestOp::kRegex;
    t.a = static_cast<std::uint32_t>(program_->regexes.size());
    program_->regex_program_sizes.push_back(
        static_cast<std::uint32_t>(std::max(1, re->ProgramSize())));
    program_->regexes.push_back(std::move(re));
    regex_ids_.emplace(std::move(s), t.a);
  } else if (op == "local-time") {
    if (!LocalTimeOperand(operand, &t)) return false;
  } else if (op == "list") {
    std::vector<const Node*> values;
    Node wrapper;
    wrapper.kind = Node::Kind::kMap;
    wrapper.entries.emplace_back(key, operand);
    if (!ScalarList(wrapper, false, &values)) return false;
    for (const Node* v : values) test->tests.push_back(ExactTest(*v));
    return true;
  } else {
    Error(key, "unknown-operator",
          "unknown operator '" + op + "'" +
              DidYouMeanSuffix(op, OperatorNames()) +
              " (operators are case-sensitive)");
    return false;
  }
  test->tests.push_back(t);
  return true;
}

bool PatternCompiler::WildcardOperand(const Node& at, std::string_view text,
                                      std::uint32_t* id) {
  Wildcard w;
  w.chunks.emplace_back();
  int stars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '\\')) {
        w.chunks.back().push_back(text[++i]);
        continue;
      }
      Error(at, "bad-wildcard",
            "invalid escape in wildcard at position " + std::to_string(i) +
                ": '\\' may only escape '*' or '\\'");
      return false;
    }
    if (c == '*') {
      if (i + 1 < text.size() && text[i + 1] == '*') {
        Error(at, "bad-wildcard",
              "consecutive '*' in wildcard at position " +
                  std::to_string(i + 1));
        return false;
      }
      ++stars;
      w.chunks.emplace_back();
      continue;
    }
    w.chunks.back().push_back(c);
  }
  if (stars > 5) {
    Error(at, "wildcard-too-complex",
          "wildcard has " + std::to_string(stars) +
              " '*' characters; at most 5 are allowed (EventBridge rejects "
              "rules this complex)");
    return false;
  }
  for (std::size_t i = 1; i + 1 < w.chunks.size(); ++i) {
    w.scan_factor = std::max(w.scan_factor, static_cast<std::uint32_t>(w.chunks[i].size()));
  }
  *id = static_cast<std::uint32_t>(program_->wildcards.size());
  program_->wildcards.push_back(std::move(w));
  return true;
}

namespace {

constexpr std::string_view kDayNames[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// 0 (Monday) to 6 (Sunday), or -1; any ASCII case.
int DayIndex(std::string_view text) {
  std::string lower = AsciiLower(std::string(text));
  for (int d = 0; d < 7; ++d) {
    if (lower == kDayNames[d]) return d;
  }
  return -1;
}

// "HH:MM" as seconds after midnight, or -1. "24:00" only when `end`.
std::int32_t ClockSeconds(std::string_view text, bool end) {
  if (text.size() != 5 || text[2] != ':') return -1;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return -1;
  }
  int h = (text[0] - '0') * 10 + (text[1] - '0');
  int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && (!end || m != 0))) return -1;
  return h * 3600 + m * 60;
}

}  // namespace

std::int64_t PatternCompiler::ZoneId(const Node& at) {
  if (auto it = zone_ids_.find(at.text); it != zone_ids_.end()) return it->second;
  cctz::time_zone zone;
  if (!LoadTimeZone(at.text, &zone)) {
    Error(at, "unknown-time-zone", UnknownTimeZoneMessage(at.text));
    return -1;
  }
  std::uint32_t id = static_cast<std::uint32_t>(program_->time_zones.size());
  program_->time_zones.push_back({at.text, zone});
  zone_ids_.emplace(at.text, id);
  return id;
}

bool PatternCompiler::LocalTimeOperand(const Node& operand, ValueTest* t) {
  static const std::string kShape =
      "{zone: Europe/Berlin, days: [sat, sun], between: [\"18:00\", \"08:00\"]}";
  if (operand.kind != Node::Kind::kMap) {
    Error(operand, "bad-local-time",
          std::string("'local-time' takes a mapping such as ") + kShape + ", not " +
              operand.KindName());
    return false;
  }
  const Node* zone = nullptr;
  const Node* days = nullptr;
  const Node* between = nullptr;
  for (const auto& [k, v] : operand.entries) {
    if (k.text == "zone") {
      zone = &v;
    } else if (k.text == "days") {
      days = &v;
    } else if (k.text == "between") {
      between = &v;
    } else {
      static const std::vector<std::string_view> keys = {"zone", "days", "between"};
      Error(k, "bad-local-time",
            "unknown key '" + k.text + "' in 'local-time'" + DidYouMeanSuffix(k.text, keys) +
                " (keys: zone, days, between)");
      return false;
    }
  }
  if (zone == nullptr) {
    Error(operand, "bad-local-time",
          "'local-time' needs 'zone', an IANA time-zone name such as Europe/Berlin or "
          "America/New_York");
    return false;
  }
  if (days == nullptr && between == nullptr) {
    Error(operand, "bad-local-time",
          "'local-time' needs 'days', 'between' or both, e.g. days: [mon, tue, wed, thu, fri] "
          "or between: [\"08:00\", \"18:00\"]");
    return false;
  }
  if (zone->kind != Node::Kind::kString) {
    Error(*zone, "bad-local-time",
          std::string("'zone' takes an IANA time-zone name such as Europe/Berlin, not ") +
              zone->KindName());
    return false;
  }
  LocalTimeWindow w;
  if (days != nullptr) {
    if (days->kind != Node::Kind::kSeq || days->items.empty()) {
      Error(*days, "bad-local-time",
            "'days' takes a non-empty list of weekdays (mon, tue, wed, thu, fri, sat, sun) or "
            "ranges of them (mon-fri), e.g. [sat, sun]");
      return false;
    }
    for (const Node& item : days->items) {
      std::string_view text = item.text;
      std::size_t dash = text.find('-');
      int first = item.kind == Node::Kind::kString ? DayIndex(text.substr(0, dash)) : -1;
      int last = dash == std::string_view::npos ? first : DayIndex(text.substr(dash + 1));
      if (first < 0 || last < 0) {
        std::vector<std::string_view> names(std::begin(kDayNames), std::end(kDayNames));
        Error(item, "bad-local-time",
              (item.IsScalar() ? "'" + item.text + "'" : std::string(item.KindName())) +
                  " is not a weekday" +
                  (item.kind == Node::Kind::kString && dash == std::string_view::npos
                       ? DidYouMeanSuffix(AsciiLower(item.text).substr(0, 3), names)
                       : std::string()) +
                  ": write mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri");
        return false;
      }
      for (int d = first;; d = (d + 1) % 7) {  // a range may wrap: fri-mon
        w.days = static_cast<std::uint8_t>(w.days | 1u << d);
        if (d == last) break;
      }
    }
  }
  if (between != nullptr) {
    if (between->kind != Node::Kind::kSeq || between->items.size() != 2) {
      Error(*between, "bad-local-time",
            "'between' takes two local times, start and end: [\"08:00\", \"18:00\"]");
      return false;
    }
    std::int32_t bounds[2];
    for (int i = 0; i < 2; ++i) {
      const Node& item = between->items[i];
      bounds[i] = item.kind == Node::Kind::kString ? ClockSeconds(item.text, i == 1) : -1;
      if (bounds[i] < 0) {
        Error(item, "bad-local-time",
              (item.IsScalar() ? "'" + item.text + "'" : std::string(item.KindName())) +
                  " is not a time of day: write \"HH:MM\", 00:00 to 23:59" +
                  (i == 1 ? ", or 24:00 for the end of the day" : ""));
        return false;
      }
    }
    if (bounds[0] == bounds[1] || (bounds[0] == 0 && bounds[1] == 86400)) {
      Error(*between, "bad-local-time",
            "'between' from " + between->items[0].text + " to " + between->items[1].text +
                " leaves no time out of the day: to test whole days, leave 'between' out");
      return false;
    }
    w.has_between = true;
    w.start = bounds[0];
    w.end = bounds[1];
  }
  std::int64_t zone_id = ZoneId(*zone);
  if (zone_id < 0) return false;
  w.zone = static_cast<std::uint32_t>(zone_id);
  t->op = TestOp::kLocalTime;
  t->a = static_cast<std::uint32_t>(program_->local_times.size());
  program_->local_times.push_back(w);
  return true;
}

bool PatternCompiler::Numeric(const Node& key, const Node& operand,
                              ValueTest* t) {
  if (operand.kind != Node::Kind::kSeq || operand.items.empty()) {
    Error(operand, "bad-numeric",
          "'numeric' takes an array such as [\">\", 0, \"<=\", 5]");
    return false;
  }
  (void)key;
  const auto& items = operand.items;
  auto op_at = [&](std::size_t i, std::string* op) -> bool {
    if (items[i].kind != Node::Kind::kString) {
      Error(items[i], "bad-numeric",
            std::string("expected a comparison operator (=, <, <=, >, >=), "
                        "found ") + items[i].KindName());
      return false;
    }
    *op = items[i].text;
    if (*op != "=" && *op != "<" && *op != "<=" && *op != ">" && *op != ">=") {
      Error(items[i], "bad-numeric",
            "unknown numeric operator '" + *op + "' (use =, <, <=, >, >=)");
      return false;
    }
    return true;
  };
  auto value_at = [&](std::size_t i, const std::string& op, double* v) -> bool {
    if (i >= items.size()) {
      Error(items[i - 1], "bad-numeric", "'" + op + "' needs a number after it");
      return false;
    }
    if (items[i].kind != Node::Kind::kNumber) {
      Error(items[i], "bad-numeric",
            "value of '" + op + "' must be a number, not " +
                items[i].KindName());
      return false;
    }
    *v = items[i].number;
    return true;
  };
  t->op = TestOp::kNumeric;
  t->lo = -HUGE_VAL;
  t->hi = HUGE_VAL;
  t->lo_inclusive = t->hi_inclusive = 1;
  std::string op;
  double v = 0;
  if (!op_at(0, &op) || !value_at(1, op, &v)) return false;
  if (op == "=") {
    if (items.size() != 2) {
      Error(items[2], "bad-numeric", "'=' takes exactly one value");
      return false;
    }
    t->lo = t->hi = v;
    return true;
  }
  if (op == "<" || op == "<=") {
    if (items.size() != 2) {
      Error(items[2], "bad-numeric",
            "an upper bound ('" + op + "') must come last: write the lower "
            "bound first");
      return false;
    }
    t->hi = v;
    t->hi_inclusive = op == "<=";
    return true;
  }
  t->lo = v;
  t->lo_inclusive = op == ">=";
  if (items.size() == 2) return true;
  std::string op2;
  double v2 = 0;
  if (!op_at(2, &op2)) return false;
  if (op2 != "<" && op2 != "<=") {
    Error(items[2], "bad-numeric",
          "after a lower bound comes an upper bound ('<' or '<='), not '" +
              op2 + "'");
    return false;
  }
  if (!value_at(3, op2, &v2)) return false;
  if (items.size() > 4) {
    Error(items[4], "bad-numeric", "too many elements in numeric range");
    return false;
  }
  if (!(v < v2)) {
    Error(items[3], "bad-numeric",
          "empty numeric range: the lower bound must be less than the upper "
          "bound");
    return false;
  }
  t->hi = v2;
  t->hi_inclusive = op2 == "<=";
  return true;
}

bool PatternCompiler::CidrOperand(const Node& key, const Node& operand,
                                  ValueTest* t) {
  std::string s;
  if (!StringOperand(key, operand, &s)) return false;
  Cidr c;
  std::string error;
  if (!ParseCidr(s, &c, &error)) {
    Error(operand, "bad-cidr", error);
    return false;
  }
  t->op = TestOp::kCidr;
  t->a = static_cast<std::uint32_t>(program_->cidrs.size());
  program_->cidrs.push_back(c);
  return true;
}

bool PatternCompiler::AnythingBut(const Node& key, const Node& operand,
                                  ValueTest* t) {
  auto pool_begin = [&] {
    return static_cast<std::uint32_t>(program_->id_pool.size());
  };
  // {"anything-but": {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": ...}}
  if (operand.kind == Node::Kind::kMap && operand.Find("list") == nullptr) {
    if (operand.entries.size() != 1) {
      Error(operand, "bad-anything-but",
            "'anything-but' takes a value, a list, or one of prefix, suffix, "
            "equals-ignore-case, wildcard");
      return false;
    }
    const Node& inner_key = operand.entries[0].first;
    const Node& inner = operand.entries[0].second;
    const std::string& form = inner_key.text;
    std::vector<const Node*> values;
    if (form == "local-time") {
      Error(inner_key, "bad-anything-but",
            "'anything-but' cannot wrap 'local-time': to match outside a time window, put the "
            "window in 'except', or write the window that is left (between: [\"18:00\", "
            "\"08:00\"] is outside 08:00-18:00)");
      return false;
    }
    if (form != "prefix" && form != "suffix" && form != "equals-ignore-case" &&
        form != "wildcard") {
      static const std::vector<std::string_view> forms = {
          "prefix", "suffix", "equals-ignore-case", "wildcard"};
      Error(inner_key, "bad-anything-but",
            "'anything-but' does not accept '" + form + "'" +
                DidYouMeanSuffix(form, forms) +
                "; it takes a value, a list, or one of prefix, suffix, "
                "equals-ignore-case, wildcard");
      return false;
    }
    std::size_t errors_before = sink_->error_count();
    if (!ScalarList(inner, true, &values)) {
      if (sink_->error_count() == errors_before) {
        Error(inner, "bad-anything-but",
              "'anything-but' " + form +
                  " takes a string or a list of strings, not " +
                  inner.KindName());
      }
      return false;
    }
    if (values.empty()) {
      Error(inner, "bad-anything-but", "empty list in 'anything-but'");
      return false;
    }
    std::uint32_t begin = pool_begin();
    for (const Node* v : values) {
      if (v->kind != Node::Kind::kString) {
        Error(*v, "bad-anything-but",
              "'anything-but' " + form + " values must be strings, not " +
                  v->KindName());
        return false;
      }
      if ((form == "prefix" || form == "suffix") && v->text.empty()) {
        Error(*v, "bad-anything-but",
              "'anything-but' " + form + " cannot be the empty string");
        return false;
      }
      std::uint32_t id = 0;
      if (form == "wildcard") {
        if (!WildcardOperand(*v, v->text, &id)) return false;
      } else if (form == "equals-ignore-case") {
        id = InternString(AsciiLower(v->text));
      } else {
        id = InternString(v->text);
      }
      program_->id_pool.push_back(id);
    }
    t->op = form == "prefix"   ? TestOp::kAnythingButPrefix
            : form == "suffix" ? TestOp::kAnythingButSuffix
            : form == "wildcard" ? TestOp::kAnythingButWildcard
                                 : TestOp::kAnythingButIgnoreCase;
    t->a = begin;
    t->b = static_cast<std::uint32_t>(values.size());
    if (t->op != TestOp::kAnythingButIgnoreCase) {
      std::uint64_t bytes = 0;
      for (std::uint32_t i = 0; i < t->b; ++i) {
        std::uint32_t id = program_->id_pool[begin + i];
        bytes += t->op == TestOp::kAnythingButWildcard
                     ? program_->wildcards[id].scan_factor
                     : program_->strings[id].size();
      }
      t->list_bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, ~std::uint32_t{0}));
    }
    if (t->op == TestOp::kAnythingButIgnoreCase) IndexAnythingBut(*t);
    return true;
  }
  std::vector<const Node*> values;
  std::size_t errors_before = sink_->error_count();
  if (!ScalarList(operand, true, &values)) {
    if (sink_->error_count() == errors_before) {
      Error(operand, "bad-anything-but",
            "'anything-but' takes a string, a number or a list of them");
    }
    return false;
  }
  if (values.empty()) {
    Error(operand, "bad-anything-but", "empty list in 'anything-but'");
    return false;
  }
  bool strings = false, numbers = false;
  for (const Node* v : values) {
    if (v->kind == Node::Kind::kString) {
      strings = true;
    } else if (v->kind == Node::Kind::kNumber) {
      numbers = true;
    } else {
      Error(*v, "bad-anything-but",
            std::string("'anything-but' values must be strings or numbers, "
                        "not ") + v->KindName());
      return false;
    }
  }
  if (strings && numbers) {
    Error(operand, "bad-anything-but",
          "'anything-but' list must be all strings or all numbers");
    return false;
  }
  std::uint32_t begin = pool_begin();
  for (const Node* v : values) {
    program_->id_pool.push_back(strings ? InternString(v->text)
                                        : InternNumber(v->number));
  }
  t->op = strings ? TestOp::kAnythingButStrings : TestOp::kAnythingButNumbers;
  t->a = begin;
  t->b = static_cast<std::uint32_t>(values.size());
  IndexAnythingBut(*t);
  (void)key;
  return true;
}

void PatternCompiler::IndexAnythingBut(const ValueTest& t) {
  if (t.b <= kAnythingButLinear) return;
  for (std::uint32_t i = 0; i < t.b; ++i) {
    std::uint32_t id = program_->id_pool[t.a + i];
    if (t.op == TestOp::kAnythingButNumbers) {
      char buf[8];
      program_->anything_but_index.Add(t.a, ValueKind::kNumber,
                                       NumberKeyBytes(program_->numbers[id], buf), 0);
    } else {
      program_->anything_but_index.Add(t.a, ValueKind::kString,
                                       program_->strings[id], 0);
    }
  }
}

}  // namespace proact::internal
