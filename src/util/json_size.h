// The length of a JSON value's compact text, without writing the text.
#ifndef PROACT_SRC_UTIL_JSON_SIZE_H_
#define PROACT_SRC_UTIL_JSON_SIZE_H_

#include <cstddef>
#include <optional>

#include <nlohmann/json.hpp>

namespace proact::internal {

// The number of bytes `v.dump()` writes (compact, no indent, non-ASCII
// text as UTF-8, control characters as \b \t \n \f \r or \u00XX, numbers as
// nlohmann writes them). Allocates nothing. nullopt when a string in `v`
// is not valid UTF-8 (dump() refuses those): the caller asks dump() itself.
std::optional<std::size_t> CompactJsonSize(const nlohmann::json& v);

// A cheap upper bound of CompactJsonSize(v) that reads no string's bytes:
// a string counts 6 bytes per byte (the longest escape, \u00XX), a number
// its longest form. When it is within a limit, so is the exact size.
std::size_t CompactJsonSizeBound(const nlohmann::json& v);

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_JSON_SIZE_H_
