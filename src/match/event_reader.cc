#include "match/event_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <string>

#include "util/json_check.h"

namespace proact::internal {
namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

// The first '"' or '\\' at or after p, eight bytes at a time. The text is
// followed by SIMDJSON_PADDING readable bytes and stage 1 saw the closing
// quote, so reading whole words up to it stays inside the buffer.
inline const char* FindQuoteOrBackslash(const char* p) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  while (true) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    std::uint64_t q = w ^ (kOnes * '"');
    std::uint64_t b = w ^ (kOnes * '\\');
    std::uint64_t hit = ((q - kOnes) & ~q & kHighs) | ((b - kOnes) & ~b & kHighs);
    if (hit != 0) return p + (__builtin_ctzll(hit) >> 3);
    p += 8;
  }
}

template <bool kChecked>
class Walker {
 public:
  // With `check`, every value is checked as JsonChecker checks it (the
  // ones no policy reads included, objects read to their end) and any
  // that does not pass fails the walk with kNotChecked.
  Walker(const Program& program, const EngineOptions& options,
         ScratchRep* s, JsonChecker* check = nullptr)
      : program_(program), options_(options), s_(s), check_(check) {}

  // The error of a checked walk over a text that does not pass.
  static constexpr error_code kNotChecked = simdjson::INCORRECT_TYPE;

  // Checks a value the walk does not read.
  error_code Skip(od::value value, int depth) {
    if constexpr (!kChecked) return simdjson::SUCCESS;
    return check_->Value(value, depth) ? simdjson::SUCCESS : kNotChecked;
  }

  // Walks `value` found at trie node `node`.
  error_code Walk(od::value value, std::uint32_t node, int depth) {
    if (depth > options_.max_event_depth) {
      limit_ = "event nesting is deeper than max_event_depth (" +
               std::to_string(options_.max_event_depth) + ")";
      return simdjson::DEPTH_ERROR;
    }
    if (kChecked && depth > json_check::kMaxDepth) return kNotChecked;
    od::json_type type;
    if (error_code e = value.type().get(type)) return e;
    const TrieNode& tn = program_.trie.nodes[node];
    switch (type) {
      case od::json_type::object: {
        if (tn.children.empty()) return Skip(value, depth);
        od::object obj;
        if (error_code e = value.get_object().get(obj)) return e;
        bool complete;
        return WalkObject(obj, node, depth, &complete);
      }
      case od::json_type::array: {
        od::array arr;
        if (error_code e = value.get_array().get(arr)) return e;
        std::uint32_t array_id = s_->next_array++;
        ++s_->array_depth;
        std::uint32_t index = 0;
        for (auto element_result : arr) {
          od::value element;
          if (error_code e = std::move(element_result).get(element)) return e;
          od::json_type et;
          if (error_code e = element.type().get(et)) return e;
          if (et == od::json_type::object || et == od::json_type::array) {
            // Fields read inside one element must be matched together.
            if (et == od::json_type::array || !tn.children.empty()) {
              s_->trail.push_back(TrailStep{array_id, index});
              error_code e = Walk(element, node, depth + 1);
              s_->trail.pop_back();
              if (e) return e;
            } else if (error_code e = Skip(element, depth + 1)) {
              return e;
            }
          } else if (error_code e = Walk(element, node, depth + 1)) {
            return e;
          }
          ++index;
        }
        --s_->array_depth;
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        if (tn.field < 0) return Skip(value, depth);
        std::string_view str;
        if constexpr (kChecked) {
          // Read in place; a value holding escapes is left to the
          // normalizer (rare in the fields policies read).
          od::raw_json_string raw;
          if (error_code e = value.get_raw_json_string().get(raw)) return e;
          bool escaped;
          const char* end = json_check::ScanString(raw.raw(), &escaped);
          if (end == nullptr || escaped) return kNotChecked;
          str = std::string_view(raw.raw(), static_cast<std::size_t>(end - raw.raw()));
        } else if (error_code e = value.get_string().get(str)) {
          return e;
        }
        return Record(tn.field, ValueKind::kString, str, 0);
      }
      case od::json_type::number: {
        if (tn.field < 0) return Skip(value, depth);
        double d;
        if constexpr (kChecked) {
          od::number n;  // integers beyond 64 bits do not pass
          if (value.get_number().get(n)) return kNotChecked;
          d = n.as_double();
        } else if (error_code e = value.get_double().get(d)) {
          return e;
        }
        return Record(tn.field, ValueKind::kNumber, {}, d);
      }
      case od::json_type::boolean: {
        if (tn.field < 0) return Skip(value, depth);
        bool b;
        if (error_code e = value.get_bool().get(b)) return e;
        return Record(tn.field, b ? ValueKind::kTrue : ValueKind::kFalse, {}, 0);
      }
      case od::json_type::null: {
        if (tn.field < 0) return Skip(value, depth);
        bool is_null = false;
        if (error_code e = value.is_null().get(is_null)) return e;
        if (!is_null) return simdjson::INCORRECT_TYPE;
        return Record(tn.field, ValueKind::kNull, {}, 0);
      }
    }
    return simdjson::SUCCESS;
  }

  // Walks the fields of `obj` at trie node `node`. Stops early, with
  // *complete false, once every child of the node has been found: nothing
  // after that can change the values read (a repeated key in one object is
  // read only up to that point).
  error_code WalkObject(od::object& obj, std::uint32_t node, int depth,
                        bool* complete) {
    const TrieNode& tn = program_.trie.nodes[node];
    const std::uint64_t all = tn.children.size() >= 64
                                  ? 0  // too many to track: read everything
                                  : (std::uint64_t{1} << tn.children.size()) - 1;
    std::uint64_t seen = 0;
    *complete = true;
    const std::size_t base = kChecked ? check_->Open() : 0;
    for (auto field_result : obj) {
      od::field field;
      if (error_code e = std::move(field_result).get(field)) return e;
      std::string_view key;
      bool padded = true;
      if constexpr (kChecked) {
        if (!check_->Key(field, base, &key)) return kNotChecked;
      } else if (error_code e = Key(field, &key, &padded)) {
        return e;
      }
      bool direct;
      std::int32_t child = Descend(node, key, padded, &direct);
      if (child < 0) {
        if (error_code e = Skip(field.value(), depth + 1)) return e;
        continue;
      }
      if (error_code e = Walk(field.value(), static_cast<std::uint32_t>(child), depth + 1))
        return e;
      if constexpr (kChecked) continue;  // read to the end
      if (direct && all != 0) {
        seen |= std::uint64_t{1} << program_.trie.nodes[child].ordinal;
        if (seen == all) {
          *complete = false;
          return simdjson::SUCCESS;
        }
      }
    }
    if constexpr (kChecked) check_->Close(base);
    return simdjson::SUCCESS;
  }

  // The key of `field` as written, without copying; keys holding escapes
  // are unescaped into the parser's buffer.
  // *in_buffer tells whether the key points into the padded event buffer.
  static error_code Key(od::field& field, std::string_view* out,
                        bool* in_buffer) {
    const char* raw = field.key().raw();
    const char* p = FindQuoteOrBackslash(raw);
    if (*p == '"') {
      *out = std::string_view(raw, static_cast<std::size_t>(p - raw));
      *in_buffer = true;
      return simdjson::SUCCESS;
    }
    *in_buffer = false;
    return field.unescaped_key().get(*out);
  }

  // The trie node for `key` under `node`; keys holding '.' descend one
  // segment per part, as EventBridge flattens them.
  std::int32_t Descend(std::uint32_t node, std::string_view key,
                       bool padded, bool* is_direct) const {
    std::int32_t direct = program_.trie.Child(node, key, padded);
    *is_direct = direct >= 0;
    // A dotted key can only match when its first segment could be a child.
    if (direct >= 0 || key.empty() ||
        !program_.trie.nodes[node].MayHaveChildStartingWith(
            static_cast<unsigned char>(key[0])) ||
        key.find('.') == std::string_view::npos) {
      return direct;
    }
    std::int32_t cur = static_cast<std::int32_t>(node);
    std::size_t start = 0;
    while (cur >= 0) {
      std::size_t dot = key.find('.', start);
      cur = program_.trie.Child(static_cast<std::uint32_t>(cur),
                                key.substr(start, dot == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return cur;
  }

  const std::string& limit() const { return limit_; }

 private:
  error_code Record(std::int32_t field, ValueKind kind, std::string_view str,
                    double num) {
    if (s_->values.size() >= options_.max_event_values) {
      limit_ = "event supplies more than max_event_values (" +
               std::to_string(options_.max_event_values) +
               ") values to the matcher";
      return simdjson::CAPACITY;
    }
    auto f = static_cast<std::uint32_t>(field);
    std::int32_t head = -1;
    if (s_->field_stamp[f] == s_->event_stamp) head = s_->field_head[f];
    EventValue v;
    v.field = f;
    v.kind = kind;
    v.in_array = s_->array_depth > 0 ? 1 : 0;
    v.trail_length = static_cast<std::uint16_t>(s_->trail.size());
    v.trail_begin = static_cast<std::uint32_t>(s_->trail_pool.size());
    v.next = head;
    v.str = str;
    v.num = num;
    v.hash = 0;
    if (program_.hashed_field[f]) {
      char buf[8];
      std::string_view key = kind == ValueKind::kString   ? str
                             : kind == ValueKind::kNumber ? NumberKeyBytes(num, buf)
                                                          : std::string_view();
      v.hash = ValueIndex::ValueHash(kind, key);
    }
    s_->trail_pool.insert(s_->trail_pool.end(), s_->trail.begin(),
                          s_->trail.end());
    s_->values.push_back(v);
    s_->field_head[f] = static_cast<std::int32_t>(s_->values.size() - 1);
    s_->field_stamp[f] = s_->event_stamp;
    return simdjson::SUCCESS;
  }

  const Program& program_;
  const EngineOptions& options_;
  ScratchRep* s_;
  JsonChecker* check_;
  std::string limit_;
};

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

namespace {

// Parses the text ReadEvent set up in `s` and walks it (checked or not:
// two instantiations, so the unchecked walk carries no test of the mode).
template <bool kChecked>
Status WalkEvent(std::string_view json, const Program& program, const EngineOptions& options,
                 ScratchRep* s) {
  Walker<kChecked> walker(program, options, s, kChecked ? &s->checker : nullptr);
  auto fail = [&](error_code e, const char* what) -> Status {
    if (!walker.limit().empty()) {
      return Status(StatusCode::kLimitExceeded, walker.limit());
    }
    (void)what;
    return Status(StatusCode::kInvalidArgument, JsonErrorMessage(e));
  };
  od::document doc;
  error_code e = s->parser
                     .iterate(simdjson::padded_string_view(
                         s->text, json.size(),
                         json.size() + simdjson::SIMDJSON_PADDING))
                     .get(doc);
  if (e) return fail(e, "parse");
  od::json_type type;
  if ((e = doc.type().get(type))) return fail(e, "type");
  if (type != od::json_type::object) {
    return Status(StatusCode::kInvalidArgument,
                  "an event must be a JSON object");
  }
  od::object root;
  if ((e = doc.get_object().get(root))) return fail(e, "object");
  bool complete;
  if ((e = walker.WalkObject(root, 0, 0, &complete))) {
    if (kChecked) return Status(StatusCode::kInvalidArgument, "not checked");
    return fail(e, "value");
  }
  // Anything after the object is an error (checked when it was read to the
  // end; validate_json checks every event in full).
  const char* loc = nullptr;
  if (complete && doc.current_location().get(loc) == simdjson::SUCCESS) {
    return Status(StatusCode::kInvalidArgument,
                  "invalid JSON: unexpected content after the event object "
                  "at byte " + std::to_string(loc - s->text));
  }
  return Status::Ok();
}

}  // namespace

Status ReadEvent(std::string_view json, bool padded, const Program& program,
                 const EngineOptions& options, ScratchRep* s, bool checked) {
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
  if (options.validate_json && !checked) {  // a checked read is valid JSON
    error_code e = s->dom_parser.parse(s->text, json.size(), false)
                       .get(s->dom_root);
    if (e) {
      return Status(StatusCode::kInvalidArgument, JsonErrorMessage(e));
    }
    s->dom_valid = true;
  }
  if (checked) {
    s->checker.Reset();
    return WalkEvent<true>(json, program, options, s);
  }
  return WalkEvent<false>(json, program, options, s);
}

}  // namespace proact::internal
