// FieldCatalogue: which fields events of a source have, and their JSON
// types, read from the catalogue files in catalogues/ (format in
// docs/policy-language.md, "Field checks").
//
// A catalogue says which (source, detail-type) pairs it applies to and
// the shape of `detail` for each. Shapes are kept as the parsed JSON and
// walked by FieldChecker; Parse checks them once so the walk can trust
// them. Immutable after Parse; safe to share between threads.
#ifndef PROACT_SRC_LINT_FIELD_CATALOGUE_H_
#define PROACT_SRC_LINT_FIELD_CATALOGUE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/status.h"

namespace proact::internal {

// An exact name or a prefix, as `applies_to` writes source and detail-type.
struct NameMatcher {
  bool any = false;     // detail-type omitted: every detail-type
  bool prefix = false;
  std::string text;

  bool Matches(std::string_view name) const;
  // True when every name `inner` matches, this matches too.
  bool Covers(const NameMatcher& inner) const;
};

// A shape inside one catalogue: the node and the catalogue's `shapes`
// table its "$ref"s name.
struct ShapeRef {
  const nlohmann::json* shape = nullptr;
  const nlohmann::json* shapes = nullptr;
};

struct CatalogueEntry {
  NameMatcher source;
  NameMatcher detail_type;
  ShapeRef detail;
};

class FieldCatalogue {
 public:
  // Parses catalogue texts (one JSON document each; `names` label them in
  // errors and may be shorter than `texts`). Returns kInvalidArgument
  // naming the catalogue and the problem when one is malformed.
  static Status Parse(const std::vector<std::string>& texts,
                      const std::vector<std::string>& names, FieldCatalogue* out);

  const std::vector<CatalogueEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<std::unique_ptr<nlohmann::json>> docs_;
  std::vector<CatalogueEntry> entries_;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_LINT_FIELD_CATALOGUE_H_
