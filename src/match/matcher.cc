#include "match/matcher.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "match/local_time.h"
#include "util/ip_address.h"

namespace proact::internal {
namespace {

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// `s` equals already-lower-cased `lower`, ignoring ASCII case.
bool EqualsFolded(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (Lower(s[i]) != lower[i]) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
}

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() &&
         std::memcmp(s.data() + s.size() - p.size(), p.data(), p.size()) == 0;
}

bool InRange(const ValueTest& t, double v) {
  bool lo_ok = t.lo_inclusive ? v >= t.lo : v > t.lo;
  bool hi_ok = t.hi_inclusive ? v <= t.hi : v < t.hi;
  return lo_ok && hi_ok;
}

bool CidrContains(const Cidr& c, std::string_view s) {
  bool v6 = false;
  std::uint8_t bytes[16];
  if (s.size() > 45 || !ParseIp(s, &v6, bytes) || v6 != c.v6) return false;
  int full = c.prefix / 8, rem = c.prefix % 8;
  if (std::memcmp(bytes, c.bytes, full) != 0) return false;
  if (rem == 0) return true;
  std::uint8_t mask = static_cast<std::uint8_t>(0xFF << (8 - rem));
  return (bytes[full] & mask) == (c.bytes[full] & mask);
}

}  // namespace

bool WildcardMatch(const Wildcard& w, std::string_view s) {
  const auto& chunks = w.chunks;
  if (chunks.size() == 1) return s == chunks[0];
  const std::string& first = chunks.front();
  const std::string& last = chunks.back();
  if (s.size() < first.size() + last.size()) return false;
  if (!StartsWith(s, first) || !EndsWith(s, last)) return false;
  std::size_t pos = first.size();
  std::size_t end = s.size() - last.size();
  for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
    std::string_view window = s.substr(pos, end - pos);
    std::size_t found = window.find(chunks[i]);
    if (found == std::string_view::npos) return false;
    pos += found + chunks[i].size();
  }
  return true;
}

namespace {

// True when the hashed value list of `anything-but` test `t` holds `v`.
bool InAnythingButIndex(const Program& p, const ValueTest& t, ValueKind kind,
                        std::string_view bytes) {
  return !p.anything_but_index
              .FindHashed(t.a, kind, bytes, ValueIndex::ValueHash(kind, bytes))
              .empty();
}

}  // namespace

bool TestValue(const Program& p, const ValueTest& t, const EventValue& v,
               std::string* folded) {
  const bool is_string = v.kind == ValueKind::kString;
  switch (t.op) {
    case TestOp::kString:
      return is_string && v.str == p.strings[t.a];
    case TestOp::kNumber:
      return v.kind == ValueKind::kNumber && v.num == p.numbers[t.a];
    case TestOp::kTrue:
      return v.kind == ValueKind::kTrue;
    case TestOp::kFalse:
      return v.kind == ValueKind::kFalse;
    case TestOp::kNull:
      return v.kind == ValueKind::kNull;
    case TestOp::kPrefix:
      return is_string && StartsWith(v.str, p.strings[t.a]);
    case TestOp::kSuffix:
      return is_string && EndsWith(v.str, p.strings[t.a]);
    case TestOp::kPrefixIgnoreCase: {
      const std::string& pre = p.strings[t.a];
      return is_string && v.str.size() >= pre.size() &&
             EqualsFolded(v.str.substr(0, pre.size()), pre);
    }
    case TestOp::kSuffixIgnoreCase: {
      const std::string& suf = p.strings[t.a];
      return is_string && v.str.size() >= suf.size() &&
             EqualsFolded(v.str.substr(v.str.size() - suf.size()), suf);
    }
    case TestOp::kEqualsIgnoreCase:
      return is_string && EqualsFolded(v.str, p.strings[t.a]);
    case TestOp::kWildcard:
      return is_string && WildcardMatch(p.wildcards[t.a], v.str);
    case TestOp::kNumeric:
      return v.kind == ValueKind::kNumber && InRange(t, v.num);
    case TestOp::kCidr:
      return is_string && CidrContains(p.cidrs[t.a], v.str);
    case TestOp::kRegex:
      return is_string && RE2::PartialMatch(v.str, *p.regexes[t.a]);
    case TestOp::kExists:
      return true;
    case TestOp::kLocalTime:
      return is_string && LocalTimeMatches(p, p.local_times[t.a], v.str);
    case TestOp::kAnythingButStrings: {
      if (!is_string) return true;
      if (t.b > kAnythingButLinear) {
        return !InAnythingButIndex(p, t, ValueKind::kString, v.str);
      }
      for (std::uint32_t i = 0; i < t.b; ++i) {
        if (v.str == p.strings[p.id_pool[t.a + i]]) return false;
      }
      return true;
    }
    case TestOp::kAnythingButNumbers: {
      if (v.kind != ValueKind::kNumber) return true;
      if (t.b > kAnythingButLinear) {
        char buf[8];
        return !InAnythingButIndex(p, t, ValueKind::kNumber,
                                   NumberKeyBytes(v.num, buf));
      }
      for (std::uint32_t i = 0; i < t.b; ++i) {
        if (v.num == p.numbers[p.id_pool[t.a + i]]) return false;
      }
      return true;
    }
    case TestOp::kAnythingButPrefix:
    case TestOp::kAnythingButSuffix:
    case TestOp::kAnythingButIgnoreCase:
    case TestOp::kAnythingButWildcard: {
      if (!is_string) return true;
      if (t.op == TestOp::kAnythingButIgnoreCase && t.b > kAnythingButLinear) {
        folded->resize(v.str.size());
        for (std::size_t i = 0; i < v.str.size(); ++i) (*folded)[i] = Lower(v.str[i]);
        return !InAnythingButIndex(p, t, ValueKind::kString, *folded);
      }
      for (std::uint32_t i = 0; i < t.b; ++i) {
        std::uint32_t id = p.id_pool[t.a + i];
        bool hit = t.op == TestOp::kAnythingButPrefix
                       ? StartsWith(v.str, p.strings[id])
                   : t.op == TestOp::kAnythingButSuffix
                       ? EndsWith(v.str, p.strings[id])
                   : t.op == TestOp::kAnythingButIgnoreCase
                       ? EqualsFolded(v.str, p.strings[id])
                       : WildcardMatch(p.wildcards[id], v.str);
        if (hit) return false;
      }
      return true;
    }
  }
  return false;
}

std::uint64_t RegexCost(const Program& p, const ValueTest& t,
                        const EventValue& v) {
  if (t.op != TestOp::kRegex || v.kind != ValueKind::kString) return 0;
  return (v.str.size() + kRegexRunBytes) * p.regex_program_sizes[t.a];
}

void TestCost(const Program& p, const ValueTest& t, const EventValue& v,
              std::uint64_t* steps, std::uint64_t* scan_bytes) {
  // Bytes: an upper bound of what the test reads of the value (comparisons
  // included), so that long pattern strings cannot hide work either.
  *steps = 1;
  *scan_bytes = 0;
  if (v.kind != ValueKind::kString) {
    if (t.op == TestOp::kAnythingButPrefix || t.op == TestOp::kAnythingButSuffix ||
        t.op == TestOp::kAnythingButWildcard) {
      *steps = t.b;  // still a list, though a non-string passes at once
    }
    return;
  }
  const std::uint64_t length = v.str.size();
  switch (t.op) {
    case TestOp::kString:
    case TestOp::kEqualsIgnoreCase:
      if (p.strings[t.a].size() == length) *scan_bytes = length;
      return;
    case TestOp::kPrefix:
    case TestOp::kSuffix:
    case TestOp::kPrefixIgnoreCase:
    case TestOp::kSuffixIgnoreCase: {
      std::uint64_t n = p.strings[t.a].size();
      if (n <= length) *scan_bytes = n;
      return;
    }
    case TestOp::kRegex:
      return;  // charged by RegexCost
    case TestOp::kLocalTime:
      // Parsing reads at most kMaxTimestampLength bytes (a longer value is
      // refused by its length), then the zone's transitions are searched.
      *steps = 2;
      *scan_bytes = length <= kMaxTimestampLength ? length : 0;
      return;
    case TestOp::kWildcard:
      *scan_bytes = length * p.wildcards[t.a].scan_factor;
      return;
    case TestOp::kAnythingButStrings:
    case TestOp::kAnythingButIgnoreCase:
      // Hashed: the value is hashed (folded) once and compared once; a short
      // list compares each entry of the same length.
      *scan_bytes = t.b > kAnythingButLinear ? 2 * length : t.b * length;
      return;
    case TestOp::kAnythingButPrefix:
    case TestOp::kAnythingButSuffix:
      *steps = t.b;
      *scan_bytes = std::min<std::uint64_t>(t.list_bytes, t.b * length);
      return;
    case TestOp::kAnythingButWildcard:
      *steps = t.b;
      *scan_bytes = t.list_bytes * length;
      return;
    default:
      return;
  }
}

namespace {

// Charges work to the event's budget. Returns false, with over_budget set,
// when the work would pass a limit: the caller stops.
bool Charge(ScratchRep* s, std::uint64_t steps, std::uint64_t scan_bytes = 0,
            std::uint64_t regex_cost = 0) {
  // Work that would pass a limit is refused, not done: the counters never
  // exceed their limits.
  if (steps > s->max_steps - s->steps) {
    s->over_budget = ScratchRep::Over::kSteps;
    return false;
  }
  if (scan_bytes > s->max_scan_bytes - s->scan_bytes) {
    s->over_budget = ScratchRep::Over::kScanBytes;
    return false;
  }
  if (regex_cost > s->max_regex_cost - s->regex_cost) {
    s->over_budget = ScratchRep::Over::kRegexCost;
    return false;
  }
  s->steps += steps;
  s->scan_bytes += scan_bytes;
  s->regex_cost += regex_cost;
  return true;
}

bool OverBudget(const ScratchRep& s) {
  return s.over_budget != ScratchRep::Over::kNone;
}

// One (field test, event value) pair: a step, then each test's cost before
// it runs (a test past the budget does not run).
bool AnyTest(const Program& p, const FieldTest& ft, const EventValue& v,
             ScratchRep* s) {
  if (!Charge(s, 1)) return false;
  for (std::uint32_t i = 0; i < ft.tests_count; ++i) {
    const ValueTest& t = p.value_tests[ft.tests_begin + i];
    std::uint64_t steps, scan_bytes;
    TestCost(p, t, v, &steps, &scan_bytes);
    if (!Charge(s, steps, scan_bytes, RegexCost(p, t, v))) return false;
    if (TestValue(p, t, v, &s->folded)) return true;
  }
  return false;
}

std::int32_t Head(const ScratchRep& s, std::uint32_t field) {
  return s.field_stamp[field] == s.event_stamp ? s.field_head[field] : -1;
}

// Two values can be used together when every array of objects both pass
// through is entered at the same element.
bool Compatible(const ScratchRep& s, const EventValue& a, const EventValue& b) {
  std::uint16_t n = std::min(a.trail_length, b.trail_length);
  for (std::uint16_t i = 0; i < n; ++i) {
    const TrailStep& x = s.trail_pool[a.trail_begin + i];
    const TrailStep& y = s.trail_pool[b.trail_begin + i];
    if (x.array != y.array) return true;  // different arrays from here on
    if (x.index != y.index) return false;
  }
  return true;
}

// Backtracking search for one value per field test, pairwise compatible.
bool Consistent(ScratchRep* s, std::size_t tests, std::size_t k) {
  if (k == tests) return true;
  for (std::uint32_t c = s->candidate_begin[k]; c < s->candidate_begin[k + 1];
       ++c) {
    std::int32_t vi = s->candidates[c];
    bool ok = true;
    if (!Charge(s, 1 + k)) return false;  // the candidate and its checks
    if (vi >= 0) {
      for (std::size_t j = 0; j < k && ok; ++j) {
        std::int32_t vj = s->candidates[s->choice[j]];
        if (vj >= 0) ok = Compatible(*s, s->values[vi], s->values[vj]);
      }
    }
    if (!ok) continue;
    s->choice[k] = c;
    if (Consistent(s, tests, k + 1)) return true;
    if (OverBudget(*s)) return false;
  }
  return false;
}

bool VerifyRule(const Program& p, const Rule& rule, ScratchRep* s) {
  if (!Charge(s, 1)) return false;
  bool trails = false;
  for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
    const FieldTest& ft = p.field_tests[rule.field_tests_begin + f];
    if (!Charge(s, 1)) return false;
    std::int32_t head = Head(*s, ft.field);
    if (head < 0) {
      if (ft.exists_false) continue;
      return false;
    }
    bool found = false;
    for (std::int32_t v = head; v >= 0; v = s->values[v].next) {
      const EventValue& ev = s->values[v];
      if (AnyTest(p, ft, ev, s)) {
        found = true;
        if (ev.trail_length > 0) trails = true;
        else break;  // compatible with anything: no need to look further
      }
    }
    if (!found || OverBudget(*s)) return false;
  }
  if (!trails || rule.field_tests_count < 2) return true;
  // Some tests are satisfied only under arrays of objects: find one value per
  // test such that all of them sit in the same array elements.
  s->candidates.clear();
  s->candidate_begin.clear();
  for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
    const FieldTest& ft = p.field_tests[rule.field_tests_begin + f];
    s->candidate_begin.push_back(static_cast<std::uint32_t>(s->candidates.size()));
    std::int32_t head = Head(*s, ft.field);
    if (head < 0) {
      s->candidates.push_back(-1);  // satisfied by absence (exists: false)
      continue;
    }
    for (std::int32_t v = head; v >= 0; v = s->values[v].next) {
      if (AnyTest(p, ft, s->values[v], s)) s->candidates.push_back(v);
      if (OverBudget(*s)) return false;
    }
  }
  s->candidate_begin.push_back(static_cast<std::uint32_t>(s->candidates.size()));
  s->choice.assign(rule.field_tests_count, 0);
  return Consistent(s, rule.field_tests_count, 0);
}

void Consider(const Program& p, std::uint32_t r, ScratchRep* s) {
  if (s->rule_stamp[r] == s->event_stamp || OverBudget(*s)) return;
  s->rule_stamp[r] = s->event_stamp;
  if (VerifyRule(p, p.rules[r], s)) s->matched_rules.push_back(r);
}

// Index key bytes of a recorded value.
std::string_view KeyOf(const EventValue& v, char (&buf)[8]) {
  if (v.kind == ValueKind::kString) return v.str;
  if (v.kind == ValueKind::kNumber) return NumberKeyBytes(v.num, buf);
  return {};
}

// Value combinations above this are looked up by the first field alone.
constexpr std::size_t kMaxEventPairs = 256;

void ConsiderPairs(const Program& p, ScratchRep* s) {
  char buf_a[8], buf_b[8];
  for (std::uint32_t sig = 0; sig < p.pair_signatures.size(); ++sig) {
    const PairSignature& ps = p.pair_signatures[sig];
    std::int32_t ha = Head(*s, ps.first), hb = Head(*s, ps.second);
    if (ha < 0 || hb < 0) continue;
    std::size_t na = 0, nb = 0;
    for (std::int32_t v = ha; v >= 0 && na <= kMaxEventPairs; v = s->values[v].next) ++na;
    for (std::int32_t v = hb; v >= 0 && nb <= kMaxEventPairs; v = s->values[v].next) ++nb;
    if (na * nb > kMaxEventPairs) {
      for (std::int32_t va = ha; va >= 0; va = s->values[va].next) {
        const EventValue& a = s->values[va];
        for (std::uint32_t r : p.pair_fallback.FindHashed(sig, a.kind, KeyOf(a, buf_a), a.hash)) {
          Consider(p, r, s);
        }
      }
      continue;
    }
    for (std::int32_t va = ha; va >= 0; va = s->values[va].next) {
      const EventValue& a = s->values[va];
      for (std::int32_t vb = hb; vb >= 0; vb = s->values[vb].next) {
        const EventValue& b = s->values[vb];
        auto key = [&]() -> std::string_view {
          s->pair_key.clear();
          AppendPairKey(&s->pair_key, a.kind, KeyOf(a, buf_a));
          AppendPairKey(&s->pair_key, b.kind, KeyOf(b, buf_b));
          return s->pair_key;
        };
        if (!Charge(s, 1)) return;  // one lookup
        std::uint64_t hash = ValueIndex::PairHash(a.hash, b.hash);
        for (std::uint32_t r : p.pair_index.FindLazy(sig, ValueKind::kString, hash, key)) {
          Consider(p, r, s);
        }
      }
    }
  }
}

}  // namespace

std::string OverBudgetMessage(const ScratchRep& s) {
  if (s.over_budget == ScratchRep::Over::kRegexCost) {
    return "event not matched: its regex runs would cost more than "
           "max_event_regex_cost (" +
           std::to_string(s.max_regex_cost) +
           ") (value bytes times regex program size)";
  }
  if (s.over_budget == ScratchRep::Over::kSteps) {
    return "event not matched: evaluating it takes more than max_event_steps (" +
           std::to_string(s.max_steps) +
           ") steps (rules, field tests and value tests tried)";
  }
  return "event not matched: its string tests would read more than "
         "max_event_scan_bytes (" +
         std::to_string(s.max_scan_bytes) + ") bytes of its values";
}

bool RuleHolds(const Program& p, std::uint32_t rule, ScratchRep* s) {
  return VerifyRule(p, p.rules[rule], s);
}

void MatchEvent(const Program& p, ScratchRep* s) {
  s->matched_rules.clear();
  s->matched_policies.clear();
  if (s->rule_stamp.size() < p.rules.size()) s->rule_stamp.resize(p.rules.size(), 0);
  if (!p.index.empty()) {
    char buf[8];
    for (std::size_t i = 0; i < s->values.size(); ++i) {
      const EventValue& v = s->values[i];
      if (!p.anchor_field[v.field]) continue;
      for (std::uint32_t r : p.index.FindHashed(v.field, v.kind, KeyOf(v, buf), v.hash)) {
        Consider(p, r, s);
      }
    }
  }
  if (!p.pair_signatures.empty()) ConsiderPairs(p, s);
  for (std::uint32_t r : p.unanchored_rules) {
    Consider(p, r, s);
    if (OverBudget(*s)) break;
  }
  // Past the budget the answer is incomplete: report nothing (the engine
  // fails the event naming the limit).
  if (s->matched_rules.empty() || OverBudget(*s)) {
    s->matched_rules.clear();
    return;
  }
  for (std::uint32_t r : s->matched_rules) s->matched_policies.push_back(p.rules[r].policy);
  std::sort(s->matched_policies.begin(), s->matched_policies.end());
  s->matched_policies.erase(
      std::unique(s->matched_policies.begin(), s->matched_policies.end()),
      s->matched_policies.end());
  // Except patterns suppress.
  std::size_t out = 0;
  for (std::uint32_t policy : s->matched_policies) {
    bool suppressed = false;
    for (std::uint32_t r : p.policies[policy].except_rules) {
      if (VerifyRule(p, p.rules[r], s)) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) s->matched_policies[out++] = policy;
  }
  s->matched_policies.resize(out);
  if (OverBudget(*s)) s->matched_policies.clear();
}

}  // namespace proact::internal
