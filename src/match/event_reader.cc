#include "match/event_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <string>

namespace proact::internal {
namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

#include "match/event_walker.inc"

}  // namespace

Status WalkEventBuiltin(std::size_t size, const Program& program,
                        const EngineOptions& options, ScratchRep* s) {
  return WalkEventText(size, program, options, s, 0);
}

namespace {

using WalkFn = Status (*)(std::size_t, const Program&, const EngineOptions&,
                          ScratchRep*);

struct Kernel {
  WalkFn walk;
  const char* name;
};

// The best copy of the walk this process can run, chosen once. The AVX2
// copy runs when simdjson's own run-time choice (which also honours
// SIMDJSON_FORCE_IMPLEMENTATION) is an AVX2 kernel.
Kernel ChooseKernel() {
#if PROACT_HASWELL_READER
  const std::string_view active = simdjson::get_active_implementation()->name();
  if (active == "haswell" || active == "icelake") {
    return Kernel{&WalkEventHaswell, "haswell"};
  }
#endif
  return Kernel{&WalkEventBuiltin, simdjson::builtin_implementation()->name().c_str()};
}

const Kernel& ActiveKernel() {
  static const Kernel kernel = ChooseKernel();
  return kernel;
}

}  // namespace

std::string JsonErrorMessage(simdjson::error_code error) {
  switch (error) {
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "invalid JSON: a number is malformed or out of range (integers "
             "must fit in 64 bits, other numbers in a double)";
    case simdjson::UTF8_ERROR:
      return "invalid JSON: the text is not valid UTF-8";
    case simdjson::DEPTH_ERROR:
      return "invalid JSON: nesting is deeper than the parser's limit of " +
             std::to_string(simdjson::DEFAULT_MAX_DEPTH) + " levels";
    default:
      return std::string("invalid JSON: ") + simdjson::error_message(error);
  }
}

namespace {

// The single top-level string recorded for `field`, or null.
const EventValue* TopLevelString(const ScratchRep& s, std::uint32_t field) {
  if (s.field_stamp.size() <= field || s.field_stamp[field] != s.event_stamp) return nullptr;
  const EventValue& v = s.values[s.field_head[field]];
  if (v.kind != ValueKind::kString || v.in_array || v.next >= 0) return nullptr;
  return &v;
}

// What was recorded for `field` instead of one string ("" when nothing
// was: the field is missing or an object).
std::string Found(const ScratchRep& s, std::uint32_t field) {
  if (s.field_stamp.size() <= field || s.field_stamp[field] != s.event_stamp) return "";
  const EventValue& v = s.values[s.field_head[field]];
  if (v.in_array) return " (it is an array)";
  if (v.next >= 0) return " (it appears more than once)";
  switch (v.kind) {
    case ValueKind::kNumber: return " (it is a number)";
    case ValueKind::kTrue:
    case ValueKind::kFalse: return " (it is a boolean)";
    case ValueKind::kNull: return " (it is null)";
    default: return "";
  }
}

}  // namespace

Status RequireEnvelope(const ScratchRep& s) {
  const bool source = TopLevelString(s, kFieldSource) != nullptr;
  const bool detail_type = TopLevelString(s, kFieldDetailType) != nullptr;
  if (source && detail_type) [[likely]] return Status::Ok();
  std::string what;
  if (!source) what = "no string \"source\" at the top level" + Found(s, kFieldSource);
  if (!detail_type) {
    what += what.empty() ? "no" : ", and no";
    what += " string \"detail-type\" at the top level" + Found(s, kFieldDetailType);
  }
  return Status(StatusCode::kInvalidArgument,
                "event is not an EventBridge envelope: " + what +
                    ". Normalize it first (proact::Normalizer::Normalize; proact_normalize in C; "
                    "proact.normalize in Python; `proact normalize`, or `--input auto` on the "
                    "command line), or set raw_events (EngineOptions::raw_events; "
                    "proact_engine_options_set_raw_events in C; Engine(..., raw_events=True) in "
                    "Python; `--input raw` on the command line) to match it as it is");
}

Status ReadEvent(std::string_view json, bool padded, const Program& program,
                 const EngineOptions& options, ScratchRep* s) {
  if (json.size() > options.max_event_bytes) {
    return Status(StatusCode::kLimitExceeded,
                  "event is " + std::to_string(json.size()) +
                      " bytes, over max_event_bytes (" +
                      std::to_string(options.max_event_bytes) + ")");
  }
  // Per-event state.
  s->steps = 0;
  s->scan_bytes = 0;
  s->regex_cost = 0;
  s->max_steps = options.max_event_steps;
  s->max_scan_bytes = options.max_event_scan_bytes;
  s->max_regex_cost = options.max_event_regex_cost;
  s->over_budget = ScratchRep::Over::kNone;
  s->values.clear();
  s->trail.clear();
  s->trail_pool.clear();
  s->next_array = 0;
  s->array_depth = 0;
  if (++s->event_stamp == 0) {
    // Wrapped: forget every stamp.
    std::fill(s->field_stamp.begin(), s->field_stamp.end(), 0);
    std::fill(s->rule_stamp.begin(), s->rule_stamp.end(), 0);
    s->event_stamp = 1;
  }
  std::size_t fields = program.trie.field_paths.size();
  if (s->field_head.size() < fields) {
    s->field_head.resize(fields, -1);
    s->field_stamp.resize(fields, 0);
  }
  if (padded) {
    s->text = json.data();
  } else {
    std::size_t needed = json.size() + simdjson::SIMDJSON_PADDING;
    if (s->buffer.size() < needed) s->buffer.resize(needed);
    std::memcpy(s->buffer.data(), json.data(), json.size());
    std::memset(s->buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    s->text = s->buffer.data();
  }
  s->text_size = json.size();

  s->dom_valid = false;
  if (options.validate_json) {
    error_code e = s->dom_parser.parse(s->text, json.size(), false)
                       .get(s->dom_root);
    if (e) {
      return Status(StatusCode::kInvalidArgument, JsonErrorMessage(e));
    }
    s->dom_valid = true;
  }
  return ActiveKernel().walk(json.size(), program, options, s);
}

const char* EventReaderKernel() { return ActiveKernel().name; }

}  // namespace proact::internal
