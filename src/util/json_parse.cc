#include "util/json_parse.h"

#include "util/json_check.h"

#include <simdjson.h>

#include "util/json_nesting.h"

namespace proact::internal {

JsonParse ParseJson(std::string_view text, nlohmann::json* out, std::string* error,
                    const JsonLimits& limits) {
  *out = nlohmann::json(nlohmann::json::value_t::discarded);
  if (text.size() > limits.max_bytes) {
    if (error) {
      *error = "JSON document of " + std::to_string(text.size()) + " bytes is over the limit of " +
               std::to_string(limits.max_bytes) + " bytes";
    }
    return JsonParse::kLimit;
  }
  if (JsonNestingDepth(text) > limits.max_depth) {
    if (error) {
      *error = "JSON nests deeper than " + std::to_string(limits.max_depth) + " levels";
    }
    return JsonParse::kLimit;
  }
  // nlohmann's parser keeps its own stack (no recursion on input depth);
  // with exceptions on, every failure (syntax, number out of range) comes
  // back as one json::exception with its position.
  try {
    *out = nlohmann::json::parse(text.begin(), text.end());
    return JsonParse::kOk;
  } catch (const nlohmann::json::exception& e) {
    if (error) {
      std::string what = e.what();
      // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
      std::size_t close = what.find("] ");
      *error = close == std::string::npos ? what : what.substr(close + 2);
    }
  } catch (const std::exception& e) {  // bad_alloc and the like: one document fails
    if (error) *error = std::string("JSON not read: ") + e.what();
  }
  *out = nlohmann::json(nlohmann::json::value_t::discarded);
  return JsonParse::kInvalid;
}

bool IsWellFormedJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes || JsonNestingDepth(text) > limits.max_depth) return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text.data(), text.size(), true).get(root) == simdjson::SUCCESS;
}

bool PassesJsonCheck(std::string_view text) {
  if (text.size() > JsonLimits().max_bytes) return false;
  thread_local std::string buffer;
  thread_local simdjson::ondemand::parser parser;
  thread_local JsonChecker check;
  buffer.assign(text);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::ondemand::document doc;
  if (parser.iterate(simdjson::padded_string_view(buffer.data(), text.size(), buffer.size()))
          .get(doc)) {
    return false;
  }
  simdjson::ondemand::value root;
  if (doc.get_value().get(root)) return false;
  check.Reset();
  if (!check.Value(root, 1)) return false;
  const char* loc = nullptr;
  return doc.current_location().get(loc) != simdjson::SUCCESS;  // nothing after it
}

}  // namespace proact::internal
