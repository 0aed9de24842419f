// Program: the compiled, immutable form of a PolicySet.
//
// Everything the per-event path touches is flat: field paths are interned
// into a trie of path segments, value tests are trivially copyable
// ValueTest records whose operands are indices into side tables (strings,
// numbers, CIDR blocks, regexes), and a Rule (one alternative of a policy's
// pattern, after `$or` is multiplied out) is a run of FieldTests. An exact-
// value index maps (field, value) to the rules anchored on it, so per-event
// work grows with the event's matching values, not the number of policies.
#ifndef PROACT_SRC_PROGRAM_PROGRAM_H_
#define PROACT_SRC_PROGRAM_PROGRAM_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <cctz/time_zone.h>
#include <re2/re2.h>

#include "action/action_type.h"
#include "action/template.h"
#include "program/source_definition.h"
#include "program/value_index.h"
#include "proact/policy_set.h"
#include "proact/status.h"

namespace proact::internal {

// Kinds of a single value test (one entry of a pattern's value list).
enum class TestOp : std::uint8_t {
  kString,          // exact string                a: strings[a]
  kNumber,          // exact number by value       num: numbers[a]
  kTrue,
  kFalse,
  kNull,
  kPrefix,          // a: strings
  kSuffix,
  kPrefixIgnoreCase,   // a: lower-cased string
  kSuffixIgnoreCase,
  kEqualsIgnoreCase,
  kWildcard,        // a: wildcards
  kNumeric,         // lo/hi bounds
  kCidr,            // a: cidrs
  kRegex,           // a: regexes
  kExists,          // exists: true (any leaf value)
  // anything-but forms: match any value except ...; a/b: range in id_pool
  kAnythingButStrings,   // string ids
  kAnythingButNumbers,   // number ids
  kAnythingButPrefix,    // string ids
  kAnythingButSuffix,
  kAnythingButIgnoreCase,  // lower-cased string ids
  kAnythingButWildcard,  // wildcard ids
  kLocalTime,       // a: local_times (proact extension `local-time`)
};

// `anything-but` value lists up to this long are compared entry by entry;
// longer ones are looked up in Program::anything_but_index.
inline constexpr std::uint32_t kAnythingButLinear = 8;

struct ValueTest {
  TestOp op;
  std::uint8_t lo_inclusive = 0;
  std::uint8_t hi_inclusive = 0;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  // Per-event budget: for `anything-but` prefix and suffix lists the sum
  // of their entries' lengths (the most bytes one test compares), for
  // wildcard lists the sum of the wildcards' scan factors.
  std::uint32_t list_bytes = 0;
  double lo = 0;
  double hi = 0;
};

// All value tests one rule applies to one field (ORed).
static_assert(sizeof(ValueTest) == 32, "ValueTest stays four words");

struct FieldTest {
  std::uint32_t field = 0;       // FieldTrie field id
  std::uint32_t tests_begin = 0; // into Program::value_tests
  std::uint32_t tests_count = 0;
  bool exists_false = false;     // a missing field satisfies this test
  // Where the test is written (Program::files index, line, column): for
  // explanations.
  std::uint16_t file = 0;
  std::uint16_t column = 0;
  std::uint32_t line = 0;
};

// One conjunction of field tests: an alternative of a match or except
// pattern.
struct Rule {
  std::uint32_t policy = 0;
  std::uint32_t field_tests_begin = 0;
  std::uint32_t field_tests_count = 0;
  bool is_except = false;
  std::uint32_t except_entry = 0;  // is_except: which `except` entry, as written (0-based)
};

// A wildcard pattern split at its unescaped '*': chunks[0] * chunks[1] ...
struct Wildcard {
  std::vector<std::string> chunks;  // escapes resolved; size >= 1
  // Per-event budget: what matching reads per byte of the value, at worst
  // (the longest inner chunk, 1 when there is none).
  std::uint32_t scan_factor = 1;
};

struct Cidr {
  bool v6 = false;
  std::uint8_t bytes[16] = {};
  int prefix = 0;
};

// An IANA time zone, loaded when the policies are compiled.
struct TimeZone {
  std::string name;     // as written, e.g. "Europe/Berlin"
  cctz::time_zone zone;  // immutable, shared by every thread
};

// The operand of one `local-time` test: an RFC 3339 timestamp holds when,
// in zone `zone`, its weekday is in `days` and its time of day is in
// [start, end) (the window wraps midnight when start > end).
struct LocalTimeWindow {
  std::uint32_t zone = 0;     // Program::time_zones index
  std::uint8_t days = 0;      // bit 0 Monday ... bit 6 Sunday; 0: not given
  bool has_between = false;
  std::int32_t start = 0;     // seconds after local midnight
  std::int32_t end = 0;       // 1..86400
};

// Paths interned as a trie of segments. Pattern keys containing '.' are split
// into segments, and so are event keys, so that {"a.b": …} and {"a": {"b":
// …}} address the same field, as in EventBridge.
struct TrieNode {
  std::vector<std::pair<std::string, std::uint32_t>> children;  // segment→node
  std::int32_t field = -1;  // field id of the path ending here, or -1
  std::uint32_t ordinal = 0;  // position among its parent's children
  // Open-addressing table over `children` (index + 1; 0 empty), built by
  // FieldTrie::Freeze for nodes with several children.
  std::vector<std::uint32_t> slots;
  // Bit min(length, 63) is set for every child segment's length, and bit c
  // of first_chars for every child's first byte c: most event keys are
  // rejected by these two tests alone.
  std::uint64_t length_mask = 0;
  std::uint64_t first_chars[4] = {0, 0, 0, 0};

  bool MayHaveChildStartingWith(unsigned char c) const {
    return (first_chars[c >> 6] >> (c & 63)) & 1;
  }
};

struct FieldTrie {
  std::vector<TrieNode> nodes{TrieNode{}};  // node 0 is the root
  std::vector<std::string> field_paths;      // field id → dotted path

  // Interns the path (segments); returns its field id.
  std::uint32_t Intern(const std::vector<std::string>& segments);
  // Builds the lookup tables; call once after the last Intern.
  void Freeze();
  // Child of `node` for `segment`, or -1. When `padded`, the 8 bytes from
  // segment.data() may be read even if the segment is shorter (the event
  // buffer is padded), which makes hashing a single load.
  std::int32_t Child(std::uint32_t node, std::string_view segment,
                     bool padded = false) const {
    const TrieNode& n = nodes[node];
    if ((n.length_mask >> (segment.size() < 63 ? segment.size() : 63) & 1) == 0 ||
        segment.empty() ||
        !n.MayHaveChildStartingWith(static_cast<unsigned char>(segment[0]))) {
      // The empty segment is never a child: patterns reject empty keys.
      return -1;
    }
    if (n.slots.empty()) {
      for (const auto& [seg, child] : n.children) {
        if (seg == segment) return static_cast<std::int32_t>(child);
      }
      return -1;
    }
    std::size_t mask = n.slots.size() - 1;
    for (std::size_t i = SegmentHash(segment, padded) & mask;; i = (i + 1) & mask) {
      std::uint32_t slot = n.slots[i];
      if (slot == 0) return -1;
      const auto& [seg, child] = n.children[slot - 1];
      if (seg == segment) return static_cast<std::int32_t>(child);
    }
  }
  // Hash of the length and the first 8 bytes.
  static std::uint64_t SegmentHash(std::string_view s, bool padded) {
    std::uint64_t w = 0;
    std::size_t n = s.size() < 8 ? s.size() : 8;
    if (padded) {
      std::memcpy(&w, s.data(), 8);
      if (n < 8) w &= (std::uint64_t{1} << (8 * n)) - 1;
    } else {
      std::memcpy(&w, s.data(), n);
    }
    std::uint64_t h = (w ^ (s.size() * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
  }
};

// Fields every decision reports.
inline constexpr std::uint32_t kFieldId = 0;
inline constexpr std::uint32_t kFieldSource = 1;
inline constexpr std::uint32_t kFieldDetailType = 2;

// The two fields (by id, first < second) of a pair anchor.
struct PairSignature {
  std::uint32_t first;
  std::uint32_t second;
};

struct CompiledAction {
  std::string name;
  ParamTree params;
  int type = -1;  // index in Program::action_types when the name is declared
  int file = 0;  // where the action is written, for diagnostics
  int line = 0;
  int column = 0;
};

struct CompiledPolicy {
  PolicyInfo info;
  std::vector<std::uint32_t> except_rules;  // rule ids
  std::vector<CompiledAction> actions;
};

struct Program {
  FieldTrie trie;
  std::vector<std::string> strings;
  std::vector<double> numbers;
  std::vector<Cidr> cidrs;
  std::vector<Wildcard> wildcards;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<std::uint32_t> regex_program_sizes;  // RE2::ProgramSize
  std::vector<TimeZone> time_zones;           // distinct zones, by name
  std::vector<LocalTimeWindow> local_times;   // `local-time` operands
  std::vector<std::uint32_t> id_pool;  // lists of string/number ids
  std::vector<ValueTest> value_tests;
  std::vector<FieldTest> field_tests;
  std::vector<Rule> rules;
  std::vector<CompiledPolicy> policies;  // load order
  // Action types declared in the loaded files (`action_types:`), and the
  // conditions their requests test answers with (each an event pattern
  // compiled as a one-policy program).
  std::vector<ActionType> action_types;
  std::vector<std::unique_ptr<Program>> conditions;
  // Source definitions (`sources:`), in load order; their recognize and
  // handshake patterns are conditions.
  std::vector<SourceDefinition> sources;

  // Index of the action type named `name`, or -1.
  int FindActionType(std::string_view name) const {
    for (std::size_t i = 0; i < action_types.size(); ++i) {
      if (action_types[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

  // Exact-value index over match rules anchored on one field.
  ValueIndex index;
  // Rules anchored on two fields: pair_index maps (signature, both values,
  // see AppendPairKey) to rules; pair_fallback maps (signature, first value)
  // to the same rules, for events with too many value combinations.
  std::vector<PairSignature> pair_signatures;
  ValueIndex pair_index;
  ValueIndex pair_fallback;
  // Per field id: 1 when some rule is anchored on it (its values are looked
  // up in the index).
  std::vector<std::uint8_t> anchor_field;
  // Per field id: 1 when its values take part in any index lookup (single or
  // pair): the event reader hashes them once as it records them.
  std::vector<std::uint8_t> hashed_field;
  // Match rules with no anchor: checked for every event.
  std::vector<std::uint32_t> unanchored_rules;
  // The values of every `anything-but` value list (strings, numbers,
  // equals-ignore-case) longer than kAnythingButLinear, keyed by the test's
  // id_pool offset (ValueTest::a) in place of a field: a value is looked up
  // once instead of being compared with each entry.
  ValueIndex anything_but_index;

  // What the whole set costs against CompileOptions' set budget (each
  // policy's share is in its PolicyInfo::cost).
  PolicyCost total_cost;

  std::vector<Diagnostic> warnings;
  std::vector<std::string> files;
  // Indices into `files` of the files holding overrides (list appends or
  // policy overrides), ascending.
  std::vector<std::uint32_t> override_files;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_PROGRAM_PROGRAM_H_
