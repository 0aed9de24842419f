// Checking JSON text as the full parser reads it, without a DOM: the one
// definition shared by the normalizer's fast path (which passes payloads on
// byte for byte only when they pass) and the engine's checked read of
// envelopes (Engine::EvaluateEnvelope), so both accept the same texts.
//
// A text passes when it is valid JSON to nlohmann's parser and reads the
// same to every reader: no duplicate keys in any object (the full parser
// keeps the last, a reader of the raw text sees both), no escaped keys, no
// \u escape of a surrogate, no integer beyond 64 bits, nesting and key
// counts within the bounds below. What does not pass is not necessarily
// invalid: callers hand it to the full parser, which decides.
//
// Strings are read from the raw text (a padded buffer whose strings
// simdjson's stage 1 found closed) a block at a time: 16 bytes with SSE2,
// which every x86-64 has, so no run-time dispatch; 8-byte words elsewhere.
#ifndef PROACT_SRC_UTIL_JSON_CHECK_H_
#define PROACT_SRC_UTIL_JSON_CHECK_H_

#include <simdjson.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "util/strings.h"

#if defined(__SSE2__) && !defined(PROACT_PORTABLE_STRINGS)
#include <emmintrin.h>
#endif

namespace proact::internal {
namespace json_check {

// Deeper documents do not pass (the full parser's limit is 256).
inline constexpr int kMaxDepth = 200;
// Objects with more keys do not pass (duplicates are looked for by
// comparing each key with the ones before it).
inline constexpr std::size_t kMaxKeys = 128;

// One block of string bytes and the positions of the bytes that end a run
// of plain text: '"', '\\' and raw control characters (`Stops`), or
// backslashes alone (`Backslashes`). Bit i stands for byte i. SSE2 is part
// of x86-64, so this needs no run-time dispatch; elsewhere 8-byte words.
#if defined(__SSE2__) && !defined(PROACT_PORTABLE_STRINGS)
constexpr int kBlock = 16;
inline unsigned Stops(const char* p) {
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i special = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                 _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
  // x <= 0x1F (unsigned): min(x, 0x1F) == x.
  __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(special, control)));
}
inline unsigned Backslashes(const char* p) {
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
}
inline void CopyBlock(const char* from, char* to) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to),
                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(from)));
}
#else
constexpr int kBlock = 8;
inline std::uint64_t Load8(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
inline std::uint64_t HasLess(std::uint64_t x, unsigned n) { return (x - kOnes * n) & ~x & kHighs; }
inline std::uint64_t HasByte(std::uint64_t x, unsigned char b) { return HasLess(x ^ (kOnes * b), 1); }
// One bit per byte, exact up to and including the first flagged byte (the
// borrow of the word trick may flag later bytes; only the lowest is used).
inline unsigned Gather(std::uint64_t flags) {
  unsigned bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<unsigned>((flags >> (8 * i + 7)) & 1) << i;
  return bits;
}
inline std::uint64_t Word(const char* p) {
  std::uint64_t w = Load8(p);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}
inline unsigned Stops(const char* p) {
  std::uint64_t w = Word(p);
  return Gather(HasLess(w, 0x20) | HasByte(w, '"') | HasByte(w, '\\'));
}
inline unsigned Backslashes(const char* p) { return Gather(HasByte(Word(p), '\\')); }
inline void CopyBlock(const char* from, char* to) { std::memcpy(to, from, 8); }
#endif

inline int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// From just after a string's opening quote (in a padded buffer whose
// strings stage 1 found closed): the position of the closing quote, or
// nullptr when the string holds a raw control character, a malformed escape
// or a \u escape of a surrogate (left to the full parser).
inline const char* ScanString(const char* p, bool* escaped) {
  *escaped = false;
  while (true) {
    unsigned bits = Stops(p);
    if (bits == 0) {
      p += kBlock;
      continue;
    }
    p += std::countr_zero(bits);
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') return p;
    if (c < 0x20) return nullptr;
    *escaped = true;  // a backslash
    char e = p[1];
    if (e == 'u') {
      int v = 0;
      for (int k = 2; k < 6; ++k) {
        int h = Hex(p[k]);
        if (h < 0) return nullptr;
        v = v * 16 + h;
      }
      if (v >= 0xD800 && v <= 0xDFFF) return nullptr;
      p += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
               e == 'r' || e == 't') {
      p += 2;
    } else {
      return nullptr;
    }
  }
}

// Writes the value of a valid JSON string literal's inside `s` (escapes
// checked by ScanString: no surrogates; in a padded buffer, so reading a
// block past its end is safe) to `out`, which has room for s.size() plus a
// block. Returns the value's length.
inline std::size_t Unescape(std::string_view s, char* out) {
  const char* p = s.data();
  const char* end = p + s.size();
  char* o = out;
  while (p < end) {
    CopyBlock(p, o);
    unsigned bits = Backslashes(p);
    std::size_t left = static_cast<std::size_t>(end - p);
    std::size_t plain = bits == 0 ? kBlock : static_cast<std::size_t>(std::countr_zero(bits));
    if (plain >= left) {
      o += left;
      break;
    }
    p += plain;
    o += plain;
    if (plain == kBlock) continue;
    char e = p[1];
    p += 2;
    switch (e) {
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) v = v * 16 + static_cast<unsigned>(Hex(p[k]));
        p += 4;
        if (v < 0x80) {
          *o++ = static_cast<char>(v);
        } else if (v < 0x800) {
          *o++ = static_cast<char>(0xC0 | (v >> 6));
          *o++ = static_cast<char>(0x80 | (v & 0x3F));
        } else {
          *o++ = static_cast<char>(0xE0 | (v >> 12));
          *o++ = static_cast<char>(0x80 | ((v >> 6) & 0x3F));
          *o++ = static_cast<char>(0x80 | (v & 0x3F));
        }
        break;
      }
      default: *o++ = e; break;  // " \ /
    }
  }
  return static_cast<std::size_t>(o - out);
}

}  // namespace json_check

// True when the first key of the JSON object `text` is one an EventBridge
// envelope begins with ("version" first as EventBridge writes them; any of
// the envelope's keys in hand-made events). A cheap guess, no check: it
// picks whether a checked read as an envelope is worth trying.
inline bool StartsLikeEnvelope(std::string_view text) {
  text = TrimJsonSpace(text);
  if (text.empty() || text[0] != '{') return false;
  text = TrimJsonSpace(text.substr(1));
  if (text.empty() || text[0] != '"') return false;
  std::size_t end = text.find_first_of("\"\\", 1);
  if (end == std::string_view::npos || text[end] != '"') return false;
  std::string_view key = text.substr(1, end - 1);
  for (std::string_view k : {"version", "id", "detail-type", "source", "account", "time",
                             "region", "resources", "detail"}) {
    if (key == k) return true;
  }
  return false;
}

// Checks values in full, keeping the keys of the objects being walked
// (reused from text to text: no allocation in steady state).
class JsonChecker {
 public:
  // Restarts for a new text.
  void Reset() {
    keys_.clear();
    masks_.clear();
  }

  // The value `v` at nesting `depth` (the root object is 1) passes.
  bool Value(simdjson::ondemand::value v, int depth) {
    namespace od = simdjson::ondemand;
    if (depth > json_check::kMaxDepth) return false;
    od::json_type type;
    if (v.type().get(type)) return false;
    switch (type) {
      case od::json_type::object: {
        od::object o;
        if (v.get_object().get(o)) return false;
        return Object(o, depth + 1);
      }
      case od::json_type::array: {
        od::array a;
        if (v.get_array().get(a)) return false;
        for (auto element : a) {
          od::value ev;
          if (element.get(ev)) return false;
          if (!Value(ev, depth + 1)) return false;
        }
        return true;
      }
      case od::json_type::string: {
        od::raw_json_string raw;
        if (v.get_raw_json_string().get(raw)) return false;
        bool escaped;
        return json_check::ScanString(raw.raw(), &escaped) != nullptr;
      }
      case od::json_type::number: {
        // Out-of-range numbers (integers beyond 64 bits included) do not pass.
        od::number n;
        return !v.get_number().get(n);
      }
      case od::json_type::boolean: {
        bool b;
        return !v.get_bool().get(b);
      }
      case od::json_type::null: {
        bool is_null = false;
        return !v.is_null().get(is_null) && is_null;
      }
    }
    return false;
  }

  // Every field of the object `o` at nesting `depth` passes.
  bool Object(simdjson::ondemand::object o, int depth) {
    if (depth > json_check::kMaxDepth) return false;
    std::size_t base = Open();
    for (auto field_result : o) {
      simdjson::ondemand::field field;
      std::string_view key;
      if (std::move(field_result).get(field) || !Key(field, base, &key)) return false;
      if (!Value(field.value(), depth)) return false;
    }
    Close(base);
    return true;
  }

  // Starts the keys of an object; the result is given to Key and Close.
  std::size_t Open() {
    masks_.push_back(0);
    return keys_.size();
  }
  // Reads the key of `field`, an object's next, into `key`: false when it
  // is escaped, repeats a key of the object begun at `base`, or is one too
  // many.
  bool Key(simdjson::ondemand::field& field, std::size_t base, std::string_view* key) {
    const char* k = field.key().raw();
    bool escaped;
    const char* end = json_check::ScanString(k, &escaped);
    if (end == nullptr || escaped) return false;
    *key = std::string_view(k, static_cast<std::size_t>(end - k));
    // Keys are compared only when one before had the same length and first
    // and last bytes, by a 64-bit summary of the object's keys.
    std::size_t n = key->size();
    unsigned char first = n > 0 ? static_cast<unsigned char>((*key)[0]) : 0;
    unsigned char last = n > 0 ? static_cast<unsigned char>((*key)[n - 1]) : 0;
    std::uint64_t bit = std::uint64_t{1} << ((n * 7 + first * 3 + last) & 63);
    std::uint64_t& mask = masks_.back();
    bool maybe = (mask & bit) != 0;
    mask |= bit;
    for (std::size_t i = maybe ? base : keys_.size(); i < keys_.size(); ++i) {
      const std::string_view& seen = keys_[i];
      if (seen.size() == key->size() && seen.data()[0] == key->data()[0] &&
          std::memcmp(seen.data(), key->data(), key->size()) == 0) {
        return false;
      }
    }
    if (keys_.size() - base >= json_check::kMaxKeys) return false;
    keys_.push_back(*key);
    return true;
  }
  // Ends the object begun at `base`.
  void Close(std::size_t base) {
    keys_.resize(base);
    masks_.pop_back();
  }

 private:
  std::vector<std::string_view> keys_;
  std::vector<std::uint64_t> masks_;  // of the objects open, innermost last
};

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_JSON_CHECK_H_
