// The source definitions built into the library: rules/sources/*.yaml of
// the source tree when it was built (cmake/embed_texts.cmake). The
// Normalizer compiles them on first use (source_runner.h).
#ifndef PROACT_SRC_NORMALIZE_EMBEDDED_SOURCES_H_
#define PROACT_SRC_NORMALIZE_EMBEDDED_SOURCES_H_

#include <cstddef>

namespace proact::internal {

// kEmbeddedSourceCount YAML texts and their file names.
extern const char* const kEmbeddedSources[];
extern const char* const kEmbeddedSourceNames[];
extern const std::size_t kEmbeddedSourceCount;

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_EMBEDDED_SOURCES_H_
