// ScratchRep: the per-thread working memory behind proact::Scratch.
//
// Everything here is reused from event to event; after the first few events
// of a workload its vectors have their final capacity and evaluating a
// non-matching event allocates nothing.
#ifndef PROACT_SRC_MATCH_SCRATCH_H_
#define PROACT_SRC_MATCH_SCRATCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "program/value_index.h"
#include "util/json_check.h"

namespace proact::internal {

// One leaf value the event holds at a field the policies use.
struct EventValue {
  std::uint32_t field;
  ValueKind kind;
  std::uint8_t in_array;       // 1 when the value is an array element
  std::uint16_t trail_length;  // array elements (objects, arrays) entered
  std::uint32_t trail_begin;   // into ScratchRep::trail_pool
  std::int32_t next;           // next value of the same field, or -1
  std::string_view str;        // kString: unescaped, in the parser's buffer
  double num;                  // kNumber
  std::uint64_t hash;          // ValueIndex::ValueHash, for hashed fields
};

// One step through an array of objects: which array, which element.
struct TrailStep {
  std::uint32_t array;
  std::uint32_t index;
};

struct ScratchRep {
  simdjson::ondemand::parser parser;
  JsonChecker checker;  // ReadEvent's checked read
  std::vector<char> buffer;  // copy of the event text + SIMDJSON_PADDING
  const char* text = nullptr;  // the text being read: buffer or the caller's
  std::size_t text_size = 0;

  std::vector<EventValue> values;
  std::vector<TrailStep> trail;       // current path while walking
  int array_depth = 0;                // arrays entered on the current path
  std::vector<TrailStep> trail_pool;  // trails of recorded values
  std::uint32_t next_array = 0;

  // Per field: head of its value list, valid when stamp == event_stamp.
  std::vector<std::int32_t> field_head;
  std::vector<std::uint32_t> field_stamp;
  // Per rule: stamp of the last event it was checked for.
  std::vector<std::uint32_t> rule_stamp;
  std::uint32_t event_stamp = 0;

  std::string pair_key;  // two-field index key being looked up
  std::vector<std::uint32_t> matched_rules;
  std::vector<std::uint32_t> matched_policies;

  // For rules whose fields sit under arrays of objects: matching values per
  // field test, and the chosen combination.
  std::vector<std::int32_t> candidates;
  std::vector<std::uint32_t> candidate_begin;
  std::vector<std::uint32_t> choice;

  // Per-event evaluation budget (EngineOptions::max_event_steps and
  // max_event_scan_bytes, max_event_regex_cost), reset by ReadEvent and charged by the matcher.
  // Once either is spent, matching stops and `over_budget` names the limit.
  std::uint64_t steps = 0;
  std::uint64_t scan_bytes = 0;
  std::uint64_t regex_cost = 0;
  std::uint64_t max_steps = ~std::uint64_t{0};
  std::uint64_t max_scan_bytes = ~std::uint64_t{0};
  std::uint64_t max_regex_cost = ~std::uint64_t{0};
  enum class Over : std::uint8_t { kNone, kSteps, kScanBytes, kRegexCost };
  Over over_budget = Over::kNone;
  // A value lower-cased for a hashed `anything-but` equals-ignore-case test.
  std::string folded;

  // Full parse of the event: validation (EngineOptions::validate_json) and
  // rendering actions of matched events. dom_valid: dom_root is this event's.
  simdjson::dom::parser dom_parser;
  simdjson::dom::element dom_root;
  bool dom_valid = false;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_SCRATCH_H_
