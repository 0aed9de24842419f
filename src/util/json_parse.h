// The one entry point for parsing JSON text that arrives from outside
// (request bodies, envelopes, and documents carried inside their strings:
// an SQS body, an SNS Message, Pub/Sub data, a Function URL body). Limits are
// checked before any recursive code (nlohmann's DOM, its copy and dump)
// sees the text, and nothing it parses throws.
#ifndef PROACT_SRC_UTIL_JSON_PARSE_H_
#define PROACT_SRC_UTIL_JSON_PARSE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proact/export.h"

namespace proact::internal {

// Nesting of any one JSON document read from outside. Documents found inside
// another document's strings are checked again on their own; the
// normalizer also bounds how many envelopes may nest (8), so a value built
// from them stays within a few thousand levels, far inside any stack.
inline constexpr int kMaxJsonDepth = 256;

enum class JsonParse {
  kOk,
  kInvalid,  // not JSON (or a number out of range): the text may be read as text
  kLimit,    // JSON too deep or too large to read: always an error
};

struct JsonLimits {
  int max_depth = kMaxJsonDepth;
  std::size_t max_bytes = std::size_t{64} << 20;
};

// Parses `text` into `*out`. On kInvalid and kLimit, `*error` (when given)
// says why, with the byte position for syntax errors; `*out` is discarded.
PROACT_EXPORT JsonParse ParseJson(std::string_view text, nlohmann::json* out, std::string* error = nullptr,
                    const JsonLimits& limits = JsonLimits());

// True when `text` is one well-formed JSON document within `limits`,
// checked with simdjson (no nlohmann DOM): a fast answer for the common
// case. False does not say why: call ParseJson for the reason (it may also
// accept what this refuses, e.g. a number simdjson cannot represent).
PROACT_EXPORT bool IsWellFormedJson(std::string_view text, const JsonLimits& limits = JsonLimits());

// True when `text` is one JSON document that every reader reads the same
// (util/json_check.h: valid, no duplicate or escaped keys, no surrogate
// escapes, ...), within the default size limit: its text can stand for the
// value nlohmann would parse from it. Checked with simdjson On-Demand.
PROACT_EXPORT bool PassesJsonCheck(std::string_view text);

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_JSON_PARSE_H_
