// Small text helpers shared by the compiler, the normalizer, the host
// adapters and the CLI.
#ifndef PROACT_SRC_UTIL_STRINGS_H_
#define PROACT_SRC_UTIL_STRINGS_H_

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace proact::internal {

// Text for XML and HTML content and attribute values: & < > " escaped,
// control characters other than newline and tab replaced by a space (XML
// 1.0 cannot hold them).
inline std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

// RFC 3986 percent-encoding of every byte but A-Z a-z 0-9 - . _ ~ (upper-
// case hex): URL path segments, query and form values, SigV4's canonical
// encoding.
inline std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Appends `s` as a JSON string literal, escaped as nlohmann-json's dump()
// escapes valid UTF-8: the quote, the backslash, backspace, form feed,
// newline, carriage return and tab by name (\n), other control characters
// as \u00xx (lower-case hex), every other byte as it is.
inline void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  std::size_t plain = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(u, 6);
      }
    }
  }
  out->append(s.data() + plain, s.size() - plain);
  out->push_back('"');
}

// `s` without the JSON whitespace (space, tab, CR, LF) around it.
inline std::string_view TrimJsonSpace(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

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

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_STRINGS_H_
