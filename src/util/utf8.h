// UTF-8 validation shared by the stages that read text.
#ifndef PROACT_SRC_UTIL_UTF8_H_
#define PROACT_SRC_UTIL_UTF8_H_

#include <cstddef>
#include <string_view>

#include "proact/export.h"

namespace proact::internal {

// Offset of the first byte that is not valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF included), or npos.
PROACT_EXPORT std::size_t FirstInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) {
  return FirstInvalidUtf8(s) == std::string_view::npos;
}

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_UTF8_H_
