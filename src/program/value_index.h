// ValueIndex: an open-addressing hash table from (field, typed value) to a
// list of rule ids. Built once at compile time; lookups allocate nothing.
#ifndef PROACT_SRC_PROGRAM_VALUE_INDEX_H_
#define PROACT_SRC_PROGRAM_VALUE_INDEX_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace proact::internal {

enum class ValueKind : std::uint8_t { kString, kNumber, kTrue, kFalse, kNull };

// Canonical bytes of a number key: -0 and 0 are one value.
inline std::string_view NumberKeyBytes(double v, char (&buf)[8]) {
  if (v == 0) v = 0;
  std::memcpy(buf, &v, 8);
  return std::string_view(buf, 8);
}

// Appends one value of a two-field key: kind, length, bytes.
inline void AppendPairKey(std::string* out, ValueKind kind,
                          std::string_view bytes) {
  out->push_back(static_cast<char>(kind));
  std::uint32_t n = static_cast<std::uint32_t>(bytes.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(bytes);
}

class ValueIndex {
 public:
  // Hash of a typed value, independent of the field: computed once per
  // event value and reused for every lookup it takes part in.
  static std::uint64_t ValueHash(ValueKind kind, std::string_view bytes);
  // Hash of a two-field key from its values' hashes.
  static std::uint64_t PairHash(std::uint64_t first, std::uint64_t second);

  // Building.
  void Add(std::uint32_t field, ValueKind kind, std::string_view bytes,
           std::uint32_t rule) {
    AddHashed(field, kind, bytes, ValueHash(kind, bytes), rule);
  }
  // With the value hash given (ValueHash, or PairHash for two-field keys).
  void AddHashed(std::uint32_t field, ValueKind kind, std::string_view bytes,
                 std::uint64_t value_hash, std::uint32_t rule);
  // Two-field keys (the pair index). `key` is the AppendPairKey form of
  // both values (what lookups pass); a string value with an id in the
  // string pool (SetStringPool; kNoString otherwise) is stored as that id
  // instead of its bytes, so a key costs 10 bytes instead of both values'
  // bytes again. Keys compare by bytes, so equal values under different
  // ids are one key. An index takes either these or Add/AddHashed calls.
  static constexpr std::uint32_t kNoString = ~std::uint32_t{0};
  void AddPairHashed(std::uint32_t field, std::string_view key, ValueKind first_kind,
                     std::string_view first, std::uint32_t first_string, ValueKind second_kind,
                     std::string_view second, std::uint32_t second_string,
                     std::uint64_t value_hash, std::uint32_t rule);
  // The strings pair keys refer to by id (Program::strings): it must not
  // change while the index is in use.
  void SetStringPool(const std::string* strings, std::size_t count) {
    strings_ = strings;
    string_count_ = count;
  }
  // Room for `adds` more Add calls of `key_bytes` bytes in all, so that
  // building grows nothing (an upper bound is fine). Unless `distinct` (most
  // adds bring a new key), room is made for the (entry, rule) pairs only.
  void Reserve(std::size_t adds, std::size_t key_bytes, bool distinct);
  // Freezes the table; call once after every Add.
  void Build();
  // How many rules were added under this key so far (used while choosing
  // anchors).
  std::size_t Count(std::uint32_t field, ValueKind kind,
                    std::string_view bytes) const;

  // Rules anchored on (field, kind, bytes); empty if none.
  std::span<const std::uint32_t> Find(std::uint32_t field, ValueKind kind,
                                      std::string_view bytes) const {
    return FindHashed(field, kind, bytes, ValueHash(kind, bytes));
  }
  std::span<const std::uint32_t> FindHashed(std::uint32_t field, ValueKind kind,
                                            std::string_view bytes,
                                            std::uint64_t value_hash) const;

  // Like FindHashed, for keys costly to build: `key()` is called only when
  // an entry's hash matches, to confirm the bytes.
  template <typename KeyFn>
  std::span<const std::uint32_t> FindLazy(std::uint32_t field, ValueKind kind,
                                          std::uint64_t value_hash,
                                          KeyFn key) const {
    if (slots_.empty()) return {};
    const std::uint64_t hash = Hash(field, value_hash);
    const std::uint32_t tag = static_cast<std::uint32_t>(hash >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::uint64_t slot = slots_[i];
      if (slot == 0) return {};
      if (static_cast<std::uint32_t>(slot >> 32) != tag) continue;
      const Entry& e = entries_[static_cast<std::uint32_t>(slot) - 1];
      if (e.hash != hash || e.field != field || e.kind != kind) continue;
      if (KeyEquals(e, key())) {
        return std::span<const std::uint32_t>(postings_.data() + e.postings_begin,
                                              e.postings_count);
      }
    }
  }

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t hash;
    std::uint32_t field;
    ValueKind kind;
    std::uint32_t key_offset;
    std::uint32_t key_length;
    std::uint32_t postings_begin;
    std::uint32_t postings_count;
  };
  static std::uint64_t Hash(std::uint32_t field, std::uint64_t value_hash);
  std::int64_t Lookup(std::uint64_t hash, std::uint32_t field, ValueKind kind,
                      std::string_view bytes) const;
  void Rehash(std::size_t slots);
  // Makes room for one more entry (doubling the slots past half full).
  void Grow();
  // Adds the entry for hash `h` whose key is keys_[offset, end), with no
  // rule yet; returns its index.
  std::int64_t NewEntry(std::uint64_t h, std::uint32_t field, ValueKind kind,
                        std::size_t offset);
  // Counts `rule` under the entry `found`, once per rule.
  void AddRule(std::int64_t found, std::uint32_t rule);
  // The entry's key is `bytes` (in AppendPairKey form for pair keys).
  bool KeyEquals(const Entry& e, std::string_view bytes) const {
    if (pair_keys_) return PairKeyEquals(e, bytes);
    return e.key_length == bytes.size() &&
           (bytes.empty() ||
            std::memcmp(keys_.data() + e.key_offset, bytes.data(), bytes.size()) == 0);
  }
  bool PairKeyEquals(const Entry& e, std::string_view bytes) const;
  // One value of a stored pair key: kind byte (high bit: by string id),
  // then the 4-byte id, or the 4-byte length and the bytes.
  void AppendStoredPart(ValueKind kind, std::string_view bytes, std::uint32_t string);

  std::string keys_;                       // key bytes arena
  std::vector<Entry> entries_;
  // While building: (entry, rule) pairs, grouped per entry by Build; and per
  // entry the number of distinct rules added and the last one.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> added_;
  std::vector<std::uint32_t> counts_;
  std::vector<std::uint32_t> last_rule_;
  // Per slot: high 32 bits of the entry's hash, low 32 bits entry index + 1
  // (0 = empty), so that most misses never touch an entry.
  std::vector<std::uint64_t> slots_;
  std::vector<std::uint32_t> postings_;
  bool pair_keys_ = false;  // keys are stored pair keys (AddPairHashed)
  const std::string* strings_ = nullptr;
  std::size_t string_count_ = 0;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_PROGRAM_VALUE_INDEX_H_
