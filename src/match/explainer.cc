#include "match/explainer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "match/event_reader.h"
#include "match/local_time.h"
#include "match/matcher.h"
#include "match/nearest_field.h"

namespace proact::internal {
namespace {

std::string Quote(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

std::string Number(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  std::string s = buf;
  // Shortest form that reads back the same.
  for (int precision = 1; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) return buf;
  }
  return s;
}

std::string WildcardText(const Wildcard& w) {
  std::string out;
  for (std::size_t i = 0; i < w.chunks.size(); ++i) {
    if (i) out += '*';
    for (char c : w.chunks[i]) {
      if (c == '*' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

std::string CidrText(const Cidr& c) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(c.v6 ? AF_INET6 : AF_INET, c.bytes, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(c.prefix);
}

std::string ValueText(const EventValue& v) {
  switch (v.kind) {
    case ValueKind::kString: {
      std::string s = Quote(v.str);
      if (s.size() > 80) s = s.substr(0, 77) + "...\"";
      return s;
    }
    case ValueKind::kNumber: return Number(v.num);
    case ValueKind::kTrue: return "true";
    case ValueKind::kFalse: return "false";
    case ValueKind::kNull: return "null";
  }
  return "?";
}

std::string List(const Program& p, const ValueTest& t,
                 std::string (*item)(const Program&, std::uint32_t)) {
  std::string out = "[";
  for (std::uint32_t i = 0; i < t.b; ++i) {
    if (i) out += ", ";
    out += item(p, p.id_pool[t.a + i]);
  }
  return out + "]";
}

std::string StringItem(const Program& p, std::uint32_t id) { return Quote(p.strings[id]); }
std::string NumberItem(const Program& p, std::uint32_t id) { return Number(p.numbers[id]); }
std::string WildcardItem(const Program& p, std::uint32_t id) {
  return Quote(WildcardText(p.wildcards[id]));
}

std::string LocalTimeText(const Program& p, const LocalTimeWindow& w) {
  static constexpr const char* kDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  std::string out = "local-time {zone: " + p.time_zones[w.zone].name;
  if (w.days != 0) {
    out += ", days: [";
    bool first = true;
    for (int d = 0; d < 7; ++d) {
      if ((w.days >> d & 1) == 0) continue;
      out += std::string(first ? "" : ", ") + kDays[d];
      first = false;
    }
    out += "]";
  }
  if (w.has_between) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", between: [\"%02d:%02d\", \"%02d:%02d\"]", w.start / 3600,
                  w.start / 60 % 60, w.end / 3600, w.end / 60 % 60);
    out += buf;
  }
  return out + "}";
}

// What a local-time test computed for `v`: "Sat 2024-03-30 20:30:00 +01:00
// (CET) in Europe/Berlin", or why there is no local time.
std::string LocalTimeFound(const Program& p, const LocalTimeWindow& w, const EventValue& v) {
  static constexpr const char* kDays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const std::string& zone = p.time_zones[w.zone].name;
  if (v.kind != ValueKind::kString) return ValueText(v) + " is not a string: no local time";
  LocalTime local;
  if (!ToLocalTime(p.time_zones[w.zone].zone, v.str, &local)) {
    return ValueText(v) + " is not an RFC 3339 timestamp: no local time";
  }
  const int offset = local.offset < 0 ? -local.offset : local.offset;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %04lld-%02d-%02d %02d:%02d:%02d %c%02d:%02d (%s)",
                kDays[local.weekday], static_cast<long long>(local.civil.year()),
                local.civil.month(), local.civil.day(), local.civil.hour(), local.civil.minute(),
                local.civil.second(), local.offset < 0 ? '-' : '+', offset / 3600,
                offset / 60 % 60, local.abbreviation);
  return std::string(buf) + " in " + zone + (InWindow(w, local) ? ": inside" : ": outside");
}

}  // namespace

std::string DescribeTest(const Program& p, const ValueTest& t) {
  switch (t.op) {
    case TestOp::kString: return Quote(p.strings[t.a]);
    case TestOp::kNumber: return Number(p.numbers[t.a]);
    case TestOp::kTrue: return "true";
    case TestOp::kFalse: return "false";
    case TestOp::kNull: return "null";
    case TestOp::kPrefix: return "prefix " + Quote(p.strings[t.a]);
    case TestOp::kSuffix: return "suffix " + Quote(p.strings[t.a]);
    case TestOp::kPrefixIgnoreCase: return "prefix equals-ignore-case " + Quote(p.strings[t.a]);
    case TestOp::kSuffixIgnoreCase: return "suffix equals-ignore-case " + Quote(p.strings[t.a]);
    case TestOp::kEqualsIgnoreCase: return "equals-ignore-case " + Quote(p.strings[t.a]);
    case TestOp::kWildcard: return "wildcard " + Quote(WildcardText(p.wildcards[t.a]));
    case TestOp::kNumeric: {
      std::string out = "numeric [";
      bool any = false;
      if (t.lo == t.hi && t.lo_inclusive && t.hi_inclusive) return "numeric [\"=\", " + Number(t.lo) + "]";
      if (t.lo != -HUGE_VAL) {
        out += std::string(t.lo_inclusive ? "\">=\", " : "\">\", ") + Number(t.lo);
        any = true;
      }
      if (t.hi != HUGE_VAL) {
        out += std::string(any ? ", " : "") + (t.hi_inclusive ? "\"<=\", " : "\"<\", ") + Number(t.hi);
      }
      return out + "]";
    }
    case TestOp::kCidr: return "cidr " + Quote(CidrText(p.cidrs[t.a]));
    case TestOp::kRegex: return "regex " + Quote(p.regexes[t.a]->pattern());
    case TestOp::kExists: return "exists: true";
    case TestOp::kAnythingButStrings: return "anything-but " + List(p, t, StringItem);
    case TestOp::kAnythingButNumbers: return "anything-but " + List(p, t, NumberItem);
    case TestOp::kAnythingButPrefix: return "anything-but prefix " + List(p, t, StringItem);
    case TestOp::kAnythingButSuffix: return "anything-but suffix " + List(p, t, StringItem);
    case TestOp::kAnythingButIgnoreCase:
      return "anything-but equals-ignore-case " + List(p, t, StringItem);
    case TestOp::kAnythingButWildcard: return "anything-but wildcard " + List(p, t, WildcardItem);
    case TestOp::kLocalTime: return LocalTimeText(p, p.local_times[t.a]);
  }
  return "?";
}

Status TraceMatches(const Program& p, const EngineOptions& options, std::string_view event_json,
                    ScratchRep* s, std::vector<std::uint32_t>* matched,
                    std::vector<std::pair<std::uint32_t, std::uint32_t>>* suppressed) {
  matched->clear();
  suppressed->clear();
  Status st = ReadEvent(event_json, false, p, options, s);
  if (st.ok() && !options.raw_events) st = RequireEnvelope(*s);
  if (!st.ok()) return st;
  MatchEvent(p, s);
  *matched = s->matched_policies;
  for (std::uint32_t index = 0; index < p.policies.size(); ++index) {
    const CompiledPolicy& cp = p.policies[index];
    if (!cp.info.enabled || cp.except_rules.empty()) continue;
    if (std::binary_search(matched->begin(), matched->end(), index)) continue;
    bool match_holds = false;
    for (std::uint32_t r = 0; r < p.rules.size() && !match_holds; ++r) {
      match_holds = p.rules[r].policy == index && !p.rules[r].is_except && RuleHolds(p, r, s);
    }
    if (!match_holds) continue;
    std::vector<std::uint32_t> entries;
    for (std::uint32_t r : cp.except_rules) {
      if (RuleHolds(p, r, s)) entries.push_back(p.rules[r].except_entry);
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    for (std::uint32_t e : entries) suppressed->emplace_back(index, e);
  }
  return Status::Ok();
}

Status Explain(const Program& p, const EngineOptions& options, std::string_view event_json,
               std::string_view policy_id, ScratchRep* s, std::string* out) {
  bool found = policy_id.empty();
  for (const CompiledPolicy& cp : p.policies) found = found || cp.info.id == policy_id;
  if (!found) {
    return Status(StatusCode::kNotFound, "no policy with id '" + std::string(policy_id) + "'");
  }
  Status st = ReadEvent(event_json, false, p, options, s);
  if (st.ok() && !options.raw_events) st = RequireEnvelope(*s);
  if (!st.ok()) return st;
  MatchEvent(p, s);
  // Parsed only when a field is missing, to name the nearest one it has.
  std::set<std::string> event_fields;
  bool parsed = false;
  for (std::uint32_t index = 0; index < p.policies.size(); ++index) {
    const CompiledPolicy& cp = p.policies[index];
    if (!policy_id.empty() && cp.info.id != policy_id) continue;
    bool matched = std::binary_search(s->matched_policies.begin(), s->matched_policies.end(), index);
    std::string overridden;
    for (const SourceLocation& o : cp.info.override_locations) {
      overridden += (overridden.empty() ? ", overridden at " : ", ") + o.ToString();
    }
    *out += "policy " + cp.info.id + " (" + cp.info.location.ToString() + overridden + "): " +
            (matched ? "MATCHED" : "no match") + (cp.info.enabled ? "" : " (disabled)") + "\n";
    if (!cp.info.enabled) continue;
    int alternative = 0, except = 0;
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      const Rule& rule = p.rules[r];
      if (rule.policy != index) continue;
      bool holds = RuleHolds(p, r, s);
      *out += "  " + std::string(rule.is_except ? "except " + std::to_string(++except)
                                                : "match alternative " + std::to_string(++alternative)) +
              ": " + (holds ? (rule.is_except ? "holds: suppresses the match" : "holds")
                            : "does not hold") +
              "\n";
      // Field tests in the order written.
      std::vector<const FieldTest*> tests;
      for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
        tests.push_back(&p.field_tests[rule.field_tests_begin + f]);
      }
      std::sort(tests.begin(), tests.end(), [](const FieldTest* a, const FieldTest* b) {
        return std::tie(a->file, a->line, a->column) < std::tie(b->file, b->line, b->column);
      });
      bool all_fields_hold = true;
      for (const FieldTest* ft : tests) {
        std::vector<const EventValue*> values;
        if (s->field_stamp[ft->field] == s->event_stamp) {
          for (std::int32_t v = s->field_head[ft->field]; v >= 0; v = s->values[v].next) {
            values.push_back(&s->values[v]);
          }
        }
        std::reverse(values.begin(), values.end());
        bool ok = false;
        std::string found_text;
        if (values.empty()) {
          found_text = "missing";
          ok = ft->exists_false;
          if (!ok) {
            if (!parsed) {
              CollectFieldPaths(nlohmann::json::parse(event_json, nullptr, false), &event_fields);
              parsed = true;
            }
            const std::string& path = p.trie.field_paths[ft->field];
            std::string near = NearestField(event_fields, path);
            if (!near.empty()) {
              found_text += "; the event has " + near;
            } else {
              near = KeysNear(event_fields, path);
              if (!near.empty()) found_text += "; " + near;
            }
          }
        } else {
          for (std::size_t i = 0; i < values.size(); ++i) {
            if (i == 4) {
              found_text += ", ... (" + std::to_string(values.size()) + " values)";
              break;
            }
            found_text += (i ? ", " : "") + ValueText(*values[i]);
          }
          for (const EventValue* v : values) {
            for (std::uint32_t t = 0; t < ft->tests_count && !ok; ++t) {
              ok = TestValue(p, p.value_tests[ft->tests_begin + t], *v, &s->folded);
            }
          }
        }
        std::string wanted;
        for (std::uint32_t t = 0; t < ft->tests_count; ++t) {
          wanted += (t ? " | " : "") + DescribeTest(p, p.value_tests[ft->tests_begin + t]);
        }
        if (ft->exists_false) wanted += std::string(wanted.empty() ? "" : " | ") + "exists: false";
        std::string where = ft->file < p.files.size()
                                ? p.files[ft->file] + ":" + std::to_string(ft->line)
                                : std::string();
        all_fields_hold = all_fields_hold && ok;
        *out += "    " + std::string(ok ? "yes" : "NO ") + "  " + p.trie.field_paths[ft->field] +
                " = " + found_text + "  wants " + wanted + (where.empty() ? "" : "  (" + where + ")") +
                "\n";
        // A local-time test also shows the local time it computed.
        for (std::uint32_t t = 0; t < ft->tests_count; ++t) {
          const ValueTest& vt = p.value_tests[ft->tests_begin + t];
          if (vt.op != TestOp::kLocalTime) continue;
          for (std::size_t i = 0; i < values.size() && i < 4; ++i) {
            *out += "         local time: " +
                    LocalTimeFound(p, p.local_times[vt.a], *values[i]) + "\n";
          }
        }
      }
      if (all_fields_hold && !holds) {
        *out += "    each field holds somewhere, but not within one element: fields under the "
                "same array of objects must hold in the same element\n";
      }
    }
  }
  return Status::Ok();
}

}  // namespace proact::internal
