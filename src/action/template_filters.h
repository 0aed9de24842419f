// The filters of template expressions (`{{ path | filter(args) }}`): their
// names, arities and what each does to a value.
//
// A filter receives the value so far, or "missing" (a field that is not
// there). Arguments are evaluated first: literals as written, field paths
// looked up in the same source as the expression (missing = null).
//
//   default(V)        V when the value is missing or null
//   lower upper trim  strings (other values as their JSON text)
//   json              the value as JSON text
//   url               percent-encoded text (RFC 3986 unreserved kept)
//   path              no change (request paths: several segments)
//   eq(V) ne(V)       true/false: the value equals V (JSON equality;
//                     missing compares as null)
//   in(V...)          true when the value equals an argument, or, with one
//                     argument that is a list, an element of it
//   in_field(LIST, F) true when an element of LIST (objects; one object
//                     counts as a list of one) has member F equal to the value
//   contains(V)       true when a string has V as a substring, or a list
//                     has an element equal to V
//   split(SEP)        a string cut at SEP: a list of its parts, each trimmed,
//                     empty parts dropped (a list passes unchanged)
//   pluck(KEY)        a list of objects: the list of their KEY members
//                     (elements without it are skipped)
//   map(K1, V1, ...)  V of the first K equal to the value; missing if none
//                     (follow with default(...) for a fallback)
//   rfc3339(UNIT)     a number (or numeric string) of seconds since the
//                     epoch ("ms": milliseconds) as RFC 3339 UTC text,
//                     e.g. 1700000000 -> "2023-11-14T22:13:20Z"; anything
//                     else (text, a time outside 1970-9999) is missing, so
//                     default(...) decides
//   uuid              an RFC 4122 version 5 UUID (URL namespace) of the
//                     value's text: the same text, the same UUID (client
//                     tokens that make a retried request idempotent)
//   revert_changes(C) an object with the changes of a GitHub webhook's
//                     `changes` ({field: {from: old}}) undone: each field
//                     named there set back to its `from`
//   revert_binding_deltas, without_member, without_roles,
//   restore_audit_logging: Google Cloud IAM policy edits (iam_policy.h)
//
// A filter given a value of the wrong type fails with a message naming
// the filter and the type it wanted; rendering then fails (an action's
// request is not sent).
#ifndef PROACT_SRC_ACTION_TEMPLATE_FILTERS_H_
#define PROACT_SRC_ACTION_TEMPLATE_FILTERS_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "action/template.h"

namespace proact::internal {

struct FilterInfo {
  std::string_view name;
  FilterKind kind;
  int min_args;
  int max_args;  // -1: any number
};

// Every filter, in the order the documentation lists them.
const std::vector<FilterInfo>& AllFilters();

// The filter named `name`, or null.
const FilterInfo* FindFilter(std::string_view name);

// The name a filter is written with.
std::string_view FilterName(FilterKind kind);

// Applies `f` with its arguments already evaluated (`args`). *found says
// whether the value exists, before and after. False with *error when the
// value has a type the filter does not take.
bool ApplyFilter(const Filter& f, const std::vector<nlohmann::json>& args, bool* found,
                 nlohmann::json* value, std::string* error);

}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_TEMPLATE_FILTERS_H_
