// The field catalogues built into the proact CLI: the catalogues/*.json of
// the source tree when it was built (cmake/embed_texts.cmake), used by
// `proact validate` and `proact test` unless --catalogues DIR is given.
#ifndef PROACT_SRC_CLI_EMBEDDED_CATALOGUES_H_
#define PROACT_SRC_CLI_EMBEDDED_CATALOGUES_H_

#include <cstddef>

namespace proact::cli {

// kEmbeddedCatalogueCount texts (JSON) and their file names; each table
// ends with nullptr.
extern const char* const kEmbeddedCatalogues[];
extern const char* const kEmbeddedCatalogueNames[];
extern const std::size_t kEmbeddedCatalogueCount;

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_EMBEDDED_CATALOGUES_H_
