// NearestField: for a field path an event lacks, the field it most likely
// meant. Explanations (`proact explain`, failed `proact test` cases) say
// "detail.eventname = missing; the event has detail.eventName", and
// `proact test`'s absent-field warnings name the field the test events have.
// Not for the hot path: it works on a parsed copy.
#ifndef PROACT_SRC_MATCH_NEAREST_FIELD_H_
#define PROACT_SRC_MATCH_NEAREST_FIELD_H_

#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace proact::internal {

// Adds to *out the field paths of `value` as patterns address them: keys
// joined with '.', arrays looked through, one path per leaf (scalar, or
// empty object or array).
void CollectFieldPaths(const nlohmann::json& value, std::set<std::string>* out);

// The path in `fields` (leaf paths, as CollectFieldPaths gives) that `path`
// most likely meant, or "" when none is near: each key that is not there
// replaced by the key at that level equal to it but for case, or a typo or
// two away (detail.eventname -> detail.eventName); else the same last key
// at another level (detail.bucketName ->
// detail.requestParameters.bucketName).
std::string NearestField(const std::set<std::string>& fields, std::string_view path);

// When NearestField finds nothing: "P has k1, k2" for the longest prefix P
// of `path` that `fields` has below it (at most 8 keys named), or "".
std::string KeysNear(const std::set<std::string>& fields, std::string_view path);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_NEAREST_FIELD_H_
