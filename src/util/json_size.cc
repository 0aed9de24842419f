#include "util/json_size.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/utf8.h"

namespace proact::internal {
namespace {

// True when one of the 8 bytes of `w` is '"', '\\', below 0x20 or above 0x7f:
// the bytes that are not copied as they are, or need a UTF-8 check.
inline bool NeedsLook(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  std::uint64_t q = w ^ (kOnes * '"');
  std::uint64_t b = w ^ (kOnes * '\\');
  std::uint64_t zero_q = (q - kOnes) & ~q;
  std::uint64_t zero_b = (b - kOnes) & ~b;
  std::uint64_t control = w - kOnes * 0x20;  // high bit set from a byte below 0x20
  return ((zero_q | zero_b | control | w) & kHighs) != 0;
}

// Quoted and escaped as nlohmann's serializer does; false when `s` is not
// valid UTF-8.
// The bytes `c` adds to its own count when escaped; sets *ascii false for a
// byte of a multibyte sequence.
inline std::size_t Extra(unsigned char c, bool* ascii) {
  if (c >= 0x80) {
    *ascii = false;
    return 0;
  }
  if (c == '"' || c == '\\' || c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
    return 1;
  }
  return c < 0x20 ? 5 : 0;  // \u00XX
}

bool StringSize(const std::string& s, std::size_t* size) {
  std::size_t n = s.size() + 2;
  bool ascii = true;
  std::size_t i = 0;
  // Eight bytes at a time; only a word holding something else than plain
  // ASCII is read bytewise.
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (!NeedsLook(w)) continue;
    for (std::size_t j = i; j < i + 8; ++j) n += Extra(static_cast<unsigned char>(s[j]), &ascii);
  }
  for (; i < s.size(); ++i) n += Extra(static_cast<unsigned char>(s[i]), &ascii);
  if (!ascii && !IsValidUtf8(s)) return false;
  *size += n;
  return true;
}

std::size_t UnsignedDigits(std::uint64_t x) {
  std::size_t digits = 1;
  while (x >= 10) {
    x /= 10;
    ++digits;
  }
  return digits;
}

bool Size(const nlohmann::json& v, std::size_t* size) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      *size += 4;
      return true;
    case nlohmann::json::value_t::boolean:
      *size += v.get<bool>() ? 4 : 5;
      return true;
    case nlohmann::json::value_t::string:
      return StringSize(v.get_ref<const std::string&>(), size);
    case nlohmann::json::value_t::number_unsigned:
      *size += UnsignedDigits(v.get<std::uint64_t>());
      return true;
    case nlohmann::json::value_t::number_integer: {
      std::int64_t x = v.get<std::int64_t>();
      // The magnitude of INT64_MIN does not fit an int64_t.
      std::uint64_t magnitude = x < 0 ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
      *size += (x < 0 ? 1 : 0) + UnsignedDigits(magnitude);
      return true;
    }
    case nlohmann::json::value_t::number_float: {
      double x = v.get<double>();
      if (!std::isfinite(x)) {
        *size += 4;  // null
        return true;
      }
      // The serializer's own shortest round-trip form.
      std::array<char, 64> buffer{};
      char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
      *size += static_cast<std::size_t>(end - buffer.data());
      return true;
    }
    case nlohmann::json::value_t::object: {
      *size += 2;  // {}
      bool first = true;
      for (const auto& [key, value] : v.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) *size += 1;  // ,
        first = false;
        if (!StringSize(key, size)) return false;
        *size += 1;  // :
        if (!Size(value, size)) return false;
      }
      return true;
    }
    case nlohmann::json::value_t::array: {
      *size += 2;  // []
      if (!v.empty()) *size += v.size() - 1;  // ,
      for (const nlohmann::json& x : v) {
        if (!Size(x, size)) return false;
      }
      return true;
    }
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      return false;  // never rendered; dump() decides
  }
  return false;
}

std::size_t Bound(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return 6 * v.get_ref<const std::string&>().size() + 2;
    case nlohmann::json::value_t::object: {
      std::size_t n = 2;
      for (const auto& [key, value] : v.get_ref<const nlohmann::json::object_t&>()) {
        n += 6 * key.size() + 2 + 1 + Bound(value) + 1;  // "key":value,
      }
      return n;
    }
    case nlohmann::json::value_t::array: {
      std::size_t n = 2;
      for (const nlohmann::json& x : v) n += Bound(x) + 1;
      return n;
    }
    default:
      // null, booleans and numbers: "-9223372036854775808" and
      // "-1.7976931348623157e+308" are the longest forms (24 bytes).
      return 32;
  }
}

}  // namespace

std::size_t CompactJsonSizeBound(const nlohmann::json& v) { return Bound(v); }

std::optional<std::size_t> CompactJsonSize(const nlohmann::json& v) {
  std::size_t size = 0;
  if (!Size(v, &size)) return std::nullopt;
  return size;
}

}  // namespace proact::internal
