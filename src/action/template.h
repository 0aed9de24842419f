// Templates in action parameters: `{{ detail.requestParameters.bucketName }}`.
//
// A parameter string is literal text with `{{ expression }}` holes. An
// expression is a field path from the event root followed by filters:
//
//   {{ detail.userIdentity.userName | default("unknown") | lower }}
//
// Paths are dotted (`detail.userIdentity.arn`, `detail-type`), with `[n]`
// array indexes and a quoted form for keys holding dots (`detail."a.b"` or
// `detail["a.b"]`). A string that is exactly one hole yields the field's
// JSON value (object, number, array...); mixed text yields a string.
//
// Filters: default(LITERAL) (used when the field is missing or null), lower,
// upper, trim, json (the value as JSON text), url (percent-encoding), path
// (in an action type's request path: the value is several segments).
#ifndef PROACT_SRC_ACTION_TEMPLATE_H_
#define PROACT_SRC_ACTION_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace proact::internal {

struct PathStep {
  bool is_index = false;
  std::string key;
  std::size_t index = 0;
};

// Parses a field path ("detail.a[0].\"x.y\""). On failure returns false and
// sets *error and *offset (byte offset into `text`).
bool ParseFieldPath(std::string_view text, std::vector<PathStep>* steps,
                    std::string* error, std::size_t* offset);

// kPath changes no value: in an action type's `path` it makes the hole a
// run of path segments (request_builder.h).
enum class FilterKind : std::uint8_t { kDefault, kLower, kUpper, kTrim, kJson, kUrl, kPath };

struct Filter {
  FilterKind kind;
  nlohmann::json arg;  // kDefault: the default value
};

struct TemplateExpr {
  std::string path_text;  // as written, for messages
  std::vector<PathStep> path;
  std::vector<Filter> filters;
};

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
  enum class Kind : std::uint8_t { kLiteral, kTemplate, kObject, kArray };
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
};

// Renders `tree` against the event. Returns false with *error naming the
// parameter and field when a field is missing and has no default.
bool RenderParams(const ParamTree& tree, const FieldSource& event,
                  nlohmann::json* out, std::string* error);

// Renders one template: a whole-value template yields the field's JSON
// value, mixed text a string. False with *error when a field is missing
// and has no default.
bool RenderTemplate(const Template& t, const FieldSource& fields, nlohmann::json* out,
                    std::string* error);

// A rendered value as text: strings as they are, other values as JSON.
std::string TemplateValueText(const nlohmann::json& v);

}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_TEMPLATE_H_
