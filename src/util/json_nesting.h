// Nesting depth of JSON text, read without parsing: for checking a limit
// before a recursive parser or serializer sees the text.
#ifndef PROACT_SRC_UTIL_JSON_NESTING_H_
#define PROACT_SRC_UTIL_JSON_NESTING_H_

#include <cstddef>
#include <string_view>

namespace proact::internal {

// Deepest nesting of arrays and objects in `text` (strings skipped). Text
// that is not JSON gives a meaningless but finite number.
inline int JsonNestingDepth(std::string_view text) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) max = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_JSON_NESTING_H_
