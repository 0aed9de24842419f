// Small text helpers shared by the compiler, the normalizer, the host
// adapters and the CLI.
#ifndef PROACT_SRC_UTIL_STRINGS_H_
#define PROACT_SRC_UTIL_STRINGS_H_

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace proact::internal {

// ASCII letters lower-cased; every other byte as it is.
inline std::string AsciiLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The items of a `sep`-separated list, spaces and tabs trimmed, empty
// items dropped: "a, b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> SplitTrimmed(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t end = text.find(sep);
    std::string_view item = text.substr(0, end);
    std::size_t first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
      out.emplace_back(item);
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

// A yes/no environment variable: 1, true, yes, on (any case) are true;
// 0, false, no, off are false; unset or anything else gives `fallback`.
inline bool EnvFlag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr) return fallback;
  std::string s = AsciiLower(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  return fallback;
}

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_STRINGS_H_
