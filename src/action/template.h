// Templates in action parameters: `{{ detail.requestParameters.bucketName }}`.
//
// A parameter string is literal text with `{{ expression }}` holes. An
// expression is a field path from the event root followed by filters:
//
//   {{ detail.userIdentity.userName | default("unknown") | lower }}
//
// Paths are dotted (`detail.userIdentity.arn`, `detail-type`), with `[n]`
// array indexes, `[*]` (every element: a list) and `[matched]` (the
// elements the policy's pattern held in: a list), and a quoted form for keys
// holding dots (`detail."a.b"` or `detail["a.b"]`). A string that is exactly one hole yields the field's
// JSON value (object, number, array...); mixed text yields a string.
//
// Filters (template_filters.h has each one's contract): default(V) (used
// when the field is missing or null), lower, upper, trim, json (the value as
// JSON text), url (percent-encoding), path (in an action type's request
// path: the value is several segments), comparisons eq(V), ne(V), in(V...),
// in_field(LIST, F), contains(V), lists split(SEP), pluck(KEY), map(K, V, ...), uuid, and
// document edits revert_changes(CHANGES) (GitHub webhooks) and the IAM
// policy edits revert_binding_deltas(DELTAS), without_member(MEMBER[, ROLE]),
// without_roles(ROLE...), restore_audit_logging(DELTAS) (Google Cloud).
// An argument is a literal (a quoted string, number, true, false, null) or
// a field path from the same root as the expression's.
#ifndef PROACT_SRC_ACTION_TEMPLATE_H_
#define PROACT_SRC_ACTION_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace proact::internal {

// One step of a field path: a key, an array index `[n]`, every element
// `[*]`, or the elements the policy's match held in `[matched]`. The last
// two are array steps too (is_index), so checks that walk array shapes
// treat them alike.
struct PathStep {
  enum class Each : std::uint8_t { kNone, kAll, kMatched };
  bool is_index = false;
  Each each = Each::kNone;
  std::string key;
  std::size_t index = 0;
  // "[3]", "[*]" or "[matched]" for an array step.
  std::string IndexText() const {
    if (each == Each::kAll) return "[*]";
    if (each == Each::kMatched) return "[matched]";
    return "[" + std::to_string(index) + "]";
  }
};

// Parses a field path ("detail.a[0].\"x.y\"", "detail.items[*].id",
// "detail.items[matched].id"). `[matched]` may appear once, after keys
// only. On failure returns false and sets *error and *offset (byte offset
// into `text`).
bool ParseFieldPath(std::string_view text, std::vector<PathStep>* steps,
                    std::string* error, std::size_t* offset);

// kPath changes no value: in an action type's `path` it makes the hole a
// run of path segments (request_builder.h).
enum class FilterKind : std::uint8_t {
  kDefault, kLower, kUpper, kTrim, kJson, kUrl, kPath,
  kEq, kNe, kIn, kInField, kContains, kSplit, kPluck, kMap, kUuid, kRfc3339,
  kRevertChanges, kRevertBindingDeltas, kWithoutMember, kWithoutRoles, kRestoreAuditLogging,
};

// A filter argument: a literal, or a field path looked up like the
// expression's own (a missing field is null).
struct FilterArg {
  bool is_path = false;
  nlohmann::json literal;
  std::vector<PathStep> path;
  std::string text;  // as written, for messages
};

struct Filter {
  FilterKind kind;
  std::vector<FilterArg> args;
};

struct TemplateExpr {
  std::string path_text;  // as written, for messages
  std::vector<PathStep> path;
  std::vector<Filter> filters;
};

// Calls fn with every field path `e` reads: its own, then its filters'
// path arguments (with each one's text as written).
void ForEachPath(const TemplateExpr& e,
                 const std::function<void(const std::vector<PathStep>&, const std::string&)>& fn);

struct Template {
  // Alternating literal text and expressions: parts[i] is literal when
  // expr_index[i] < 0.
  std::vector<std::string> literals;
  std::vector<int> expr_index;
  std::vector<TemplateExpr> exprs;
  bool whole_value = false;  // exactly one hole and no literal text
  bool has_holes() const { return !exprs.empty(); }
};

struct TemplateError {
  std::size_t offset = 0;  // byte offset in the string
  std::string message;
};

// Parses a parameter string. Returns false and fills *error on a syntax
// error (unclosed hole, empty expression, unknown filter, bad literal).
bool ParseTemplate(std::string_view text, Template* out, TemplateError* error);

// A compiled `params:` value.
struct ParamTree {
  // kChoice (action type bodies only): tmpl is the test, items[0] the
  // value when it renders a value other than null, false or "", items[1]
  // (when present) the value otherwise; with no items[1] the member, list
  // element or form field is left out.
  enum class Kind : std::uint8_t { kLiteral, kTemplate, kObject, kArray, kChoice };
  Kind kind = Kind::kLiteral;
  nlohmann::json literal;
  Template tmpl;
  struct Member;                 // a key and its value
  std::vector<Member> members;
  std::vector<ParamTree> items;
};

struct ParamTree::Member {
  std::string first;
  ParamTree second;
  Member() = default;
  Member(std::string key, ParamTree value) : first(std::move(key)), second(std::move(value)) {}
};

// Looks up event fields for rendering. Implemented over the parsed event.
class FieldSource {
 public:
  virtual ~FieldSource() = default;
  // Sets *out to the value at `path`; returns false when it is missing.
  virtual bool Lookup(const std::vector<PathStep>& path,
                      nlohmann::json* out) const = 0;
  // True when `path` names a value known only later (a plan's step
  // answers): an expression reading it, itself or through a filter
  // argument, renders as "<the expression as written>", filters unapplied.
  virtual bool Unknown(const std::vector<PathStep>& /*path*/) const { return false; }
  // For text around holes: appends the string at `path` (keys and `[n]`
  // steps only) to *out and returns true, sparing a copy; false, appending
  // nothing, when the value is missing or not a string, and the caller
  // looks it up with Lookup. A source whose Unknown() may be true for
  // `path` returns false.
  virtual bool AppendString(const std::vector<PathStep>& /*path*/, std::string* /*out*/) const {
    return false;
  }
  // Why `path` is missing, when the source knows better than "field 'X' is
  // missing" (an unset configuration variable, an unreadable secret); "" if
  // not.
  virtual std::string MissingReason(const std::vector<PathStep>& /*path*/) const { return ""; }
  // For `[matched]`: sets *out to the indexes (ascending) of the elements of
  // `array`, the value at `prefix` (keys only), in which the matched
  // policy's pattern held: every field the pattern tests under `prefix`
  // holds within that element. False when the source has no match to ask
  // (action type requests); then the path is missing.
  virtual bool MatchedElements(const std::vector<PathStep>& /*prefix*/,
                               const nlohmann::json& /*array*/,
                               std::vector<std::size_t>* /*out*/) const {
    return false;
  }
};

// Looks `path` up in `fields`. A path with `[*]` or `[matched]` is a list:
// the rest of the path looked up in each chosen element (elements where it
// is missing are skipped; a later `[*]` adds its list's items, so the list
// stays flat). The array itself missing, or not an array, is missing.
bool LookupPath(const FieldSource& fields, const std::vector<PathStep>& path,
                nlohmann::json* out);

// Renders `tree` against the event. Returns false with *error naming the
// parameter and field when a field is missing and has no default.
bool RenderParams(const ParamTree& tree, const FieldSource& event,
                  nlohmann::json* out, std::string* error);

// Renders one template: a whole-value template yields the field's JSON
// value, mixed text a string. False with *error when a field is missing
// and has no default; then *missing (when given) says whether the cause was
// a missing field (rather than a filter refusing its value).
bool RenderTemplate(const Template& t, const FieldSource& fields, nlohmann::json* out,
                    std::string* error, bool* missing = nullptr);

// A rendered value as text: strings as they are, other values as JSON.
std::string TemplateValueText(const nlohmann::json& v);

}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_TEMPLATE_H_
