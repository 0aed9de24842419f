#include "program/value_index.h"

#include <functional>

namespace proact::internal {

namespace {

std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  return x;
}

// 128-bit multiply, folded: the mixing step of the hash below.
std::uint64_t Fold(std::uint64_t a, std::uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

std::uint64_t Load(const char* p, std::size_t n) {
  std::uint64_t w = 0;
  if (n != 0) std::memcpy(&w, p, n);  // p may be null when n is 0
  return w;
}

// Sixteen bytes per multiply; values are short (names, ARNs, ids).
std::uint64_t HashBytes(std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t seed = 0xA0761D6478BD642Full ^ n;
  while (n > 16) {
    seed = Fold(Load(p, 8) ^ 0xE7037ED1A0B428DBull, Load(p + 8, 8) ^ seed);
    p += 16;
    n -= 16;
  }
  std::uint64_t a = Load(p, n < 8 ? n : 8);
  std::uint64_t b = n > 8 ? Load(p + 8, n - 8) : 0;
  return Fold(a ^ 0xE7037ED1A0B428DBull, b ^ seed ^ 0x8EBC6AF09C88C6E3ull);
}

std::uint64_t SlotOf(std::uint64_t hash, std::size_t entry) {
  return (hash >> 32 << 32) | static_cast<std::uint32_t>(entry + 1);
}

}  // namespace

std::uint64_t ValueIndex::ValueHash(ValueKind kind, std::string_view bytes) {
  return HashBytes(bytes) ^ (static_cast<std::uint64_t>(kind) + 1) * 0xC2B2AE3D27D4EB4Full;
}

std::uint64_t ValueIndex::PairHash(std::uint64_t first, std::uint64_t second) {
  return Mix(first * 0x9E3779B97F4A7C15ull ^ second);
}

std::uint64_t ValueIndex::Hash(std::uint32_t field, std::uint64_t value_hash) {
  return Mix(value_hash ^ (static_cast<std::uint64_t>(field) + 1) * 0x9E3779B97F4A7C15ull);
}

std::int64_t ValueIndex::Lookup(std::uint64_t hash, std::uint32_t field,
                                ValueKind kind, std::string_view bytes) const {
  if (slots_.empty()) return -1;
  std::size_t mask = slots_.size() - 1;
  const std::uint32_t tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    std::uint64_t slot = slots_[i];
    if (slot == 0) return -1;
    if (static_cast<std::uint32_t>(slot >> 32) != tag) continue;
    const Entry& e = entries_[static_cast<std::uint32_t>(slot) - 1];
    if (e.hash == hash && e.field == field && e.kind == kind && KeyEquals(e, bytes)) {
      return static_cast<std::uint32_t>(slot) - 1;
    }
  }
}

void ValueIndex::Rehash(std::size_t slots) {
  slots_.assign(slots, 0);
  std::size_t mask = slots - 1;
  for (std::size_t n = 0; n < entries_.size(); ++n) {
    std::size_t i = entries_[n].hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = SlotOf(entries_[n].hash, n);
  }
}

void ValueIndex::Reserve(std::size_t adds, std::size_t key_bytes, bool distinct) {
  added_.reserve(added_.size() + adds);
  if (!distinct) return;
  std::size_t entries = entries_.size() + adds;
  entries_.reserve(entries);
  counts_.reserve(entries);
  last_rule_.reserve(entries);
  keys_.reserve(keys_.size() + key_bytes);
  // Slots for the adds at a load of 3/4: adds repeat keys, so the distinct
  // keys usually stay under half of them (Add doubles the table when they
  // do not). At a load of 1/2 the 118,000 pair keys of 100,000 W2 patterns
  // (132,000 adds) took 524,288 slots, 4 MB, a load of 0.23.
  std::size_t slots = slots_.empty() ? 16 : slots_.size();
  while ((entries + 1) * 4 > slots * 3) slots *= 2;
  if (slots != slots_.size()) Rehash(slots);
}

void ValueIndex::AddHashed(std::uint32_t field, ValueKind kind,
                           std::string_view bytes, std::uint64_t value_hash,
                           std::uint32_t rule) {
  std::uint64_t h = Hash(field, value_hash);
  std::int64_t found = Lookup(h, field, kind, bytes);
  if (found < 0) {
    Grow();
    std::size_t offset = keys_.size();
    keys_.append(bytes);
    found = NewEntry(h, field, kind, offset);
  }
  AddRule(found, rule);
}

void ValueIndex::Grow() {
  if ((entries_.size() + 1) * 2 > slots_.size()) {
    Rehash(slots_.empty() ? 16 : slots_.size() * 2);
  }
}

std::int64_t ValueIndex::NewEntry(std::uint64_t h, std::uint32_t field, ValueKind kind,
                                  std::size_t offset) {
  Entry e{h, field, kind, static_cast<std::uint32_t>(offset),
          static_cast<std::uint32_t>(keys_.size() - offset), 0, 0};
  entries_.push_back(e);
  counts_.push_back(0);
  last_rule_.push_back(~std::uint32_t{0});
  std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = SlotOf(h, entries_.size() - 1);
  return static_cast<std::int64_t>(entries_.size()) - 1;
}

void ValueIndex::AddRule(std::int64_t found, std::uint32_t rule) {
  if (last_rule_[found] == rule) return;  // the same rule, another test value
  last_rule_[found] = rule;
  ++counts_[found];
  added_.emplace_back(static_cast<std::uint32_t>(found), rule);
}

namespace {
constexpr char kByString = static_cast<char>(0x80);
std::uint32_t ReadU32(const char* p) {
  std::uint32_t n;
  std::memcpy(&n, p, sizeof n);
  return n;
}
}  // namespace

void ValueIndex::AppendStoredPart(ValueKind kind, std::string_view bytes, std::uint32_t string) {
  if (kind == ValueKind::kString && string != kNoString && string < string_count_ &&
      std::string_view(strings_[string]) == bytes) {
    keys_.push_back(static_cast<char>(static_cast<char>(kind) | kByString));
    keys_.append(reinterpret_cast<const char*>(&string), sizeof string);
    return;
  }
  AppendPairKey(&keys_, kind, bytes);
}

bool ValueIndex::PairKeyEquals(const Entry& e, std::string_view key) const {
  const char* s = keys_.data() + e.key_offset;
  const char* s_end = s + e.key_length;
  std::size_t q = 0;
  while (s < s_end) {
    if (q + 5 > key.size()) return false;
    char tag = *s;
    if ((tag & ~kByString) != key[q]) return false;
    std::uint32_t n = ReadU32(key.data() + q + 1);
    if (q + 5 + n > key.size()) return false;
    std::string_view want(key.data() + q + 5, n);
    std::string_view have;
    if (tag & kByString) {
      const std::string& str = strings_[ReadU32(s + 1)];
      have = str;
      s += 5;
    } else {
      have = std::string_view(s + 5, ReadU32(s + 1));
      s += 5 + have.size();
    }
    if (have != want) return false;
    q += 5 + n;
  }
  return q == key.size();
}

void ValueIndex::AddPairHashed(std::uint32_t field, std::string_view key, ValueKind first_kind,
                               std::string_view first, std::uint32_t first_string,
                               ValueKind second_kind, std::string_view second,
                               std::uint32_t second_string, std::uint64_t value_hash,
                               std::uint32_t rule) {
  pair_keys_ = true;
  std::uint64_t h = Hash(field, value_hash);
  std::int64_t found = Lookup(h, field, ValueKind::kString, key);
  if (found < 0) {
    Grow();
    std::size_t offset = keys_.size();
    AppendStoredPart(first_kind, first, first_string);
    AppendStoredPart(second_kind, second, second_string);
    found = NewEntry(h, field, ValueKind::kString, offset);
  }
  AddRule(found, rule);
}

std::size_t ValueIndex::Count(std::uint32_t field, ValueKind kind,
                              std::string_view bytes) const {
  std::int64_t found = Lookup(Hash(field, ValueHash(kind, bytes)), field, kind, bytes);
  return found < 0 ? 0 : counts_[found];
}

void ValueIndex::Build() {
  // Counting sort of the (entry, rule) pairs: rules stay in insertion order.
  std::uint32_t total = 0;
  for (std::size_t n = 0; n < entries_.size(); ++n) {
    entries_[n].postings_begin = total;
    entries_[n].postings_count = 0;
    total += counts_[n];
  }
  postings_.assign(total, 0);
  for (const auto& [entry, rule] : added_) {
    Entry& e = entries_[entry];
    postings_[e.postings_begin + e.postings_count++] = rule;
  }
  added_ = {};
  counts_ = {};
  last_rule_ = {};
}

std::span<const std::uint32_t> ValueIndex::FindHashed(
    std::uint32_t field, ValueKind kind, std::string_view bytes,
    std::uint64_t value_hash) const {
  std::int64_t found = Lookup(Hash(field, value_hash), field, kind, bytes);
  if (found < 0) return {};
  const Entry& e = entries_[found];
  return std::span<const std::uint32_t>(postings_.data() + e.postings_begin,
                                        e.postings_count);
}

}  // namespace proact::internal
