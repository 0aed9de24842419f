// RequestBuilder: an action type's requests rendered for one action.
//
// Pure: no network, no credentials. The executor (host stage) sends what
// this builds; `proact plan` prints it. Every rendered value is encoded for
// the place it goes, so that no parameter or answer can change a request's
// structure:
//   endpoint host holes  must be DNS names (letters, digits, '-', '.'),
//                        else an error naming the parameter and the pattern
//   path holes           one percent-encoded segment each ('/' included);
//                        an empty value, "." or ".." is an error
//   query values         percent-encoded (RFC 3986 unreserved kept), the
//                        parameters sorted by name (SigV4's canonical order);
//                        a null value leaves its parameter out
//   header values        CR, LF and NUL rejected; a null value leaves the
//                        header out
// A hole rendering null in the endpoint or the path is an error (never the
// text "null").
//   json bodies          serialised by the JSON writer; whole-value holes keep
//                        their JSON type
//   xml bodies           element text and attributes escaped by the XML writer
//   form bodies          names and values percent-encoded; a name with
//                        "{n}" repeats its field per element of an array:
//                        `"X.{n}": "{{ params.list }}"`, or
//                        `"X.{n}": {each: "{{ params.list }}", value:
//                        "{{ item.field }}"}`, n counting from 1
//
// In plan mode (RequestContext::plan) values not known before sending are
// shown, not fetched: steps.X.Y as "<steps.X.Y>", config.NAME as
// "<config.NAME>", item.X of a for_each over a step's answer as "<item.X>",
// secrets.NAME as "[secret NAME]"; a when/unless or a body's {when, value}
// that reads one of them counts as holding.
#ifndef PROACT_SRC_ACTION_REQUEST_BUILDER_H_
#define PROACT_SRC_ACTION_REQUEST_BUILDER_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/export.h"
#include "action/action_type.h"
#include "action/assume_root.h"

namespace proact::internal {

struct RenderedRequest {
  std::string name;
  bool read = false;
  std::string method;
  std::string url;  // endpoint + path + "?" + query
  std::vector<std::pair<std::string, std::string>> headers;  // declared, Content-Type, Content-MD5
  std::string body;
};

struct RequestContext {
  const nlohmann::json* params = nullptr;  // the action's params (an object)
  const nlohmann::json* steps = nullptr;   // name -> {status, headers, body}; may be null
  // Resolves secrets.NAME (execution only).
  std::function<bool(std::string_view name, std::string* value, std::string* error)> secret;
  // Resolves config.NAME (execution only; plans show <config.NAME>): false
  // when it is not set.
  std::function<bool(std::string_view name, std::string* value)> config;
  bool plan = false;
  const nlohmann::json* item = nullptr;    // the element of an `each` or `for_each`
  bool item_unknown = false;               // plans: a for_each over a list still to be read
};

// The most elements a `for_each` may send a request for.
constexpr std::size_t kMaxForEachItems = 100;

// The elements a request with `for_each` is sent for: the rendered list
// (null or "": none; an object: itself, as XML answers read one child). In a plan, a list still to be read (a step's answer) sets
// *unknown instead. False with *error when the value is not a list or has
// more than kMaxForEachItems elements.
PROACT_EXPORT bool ForEachItems(const RequestSpec& spec, const RequestContext& ctx,
                  std::vector<nlohmann::json>* items, bool* unknown, std::string* error);

// Checks rendered params against the type: unknown or missing ones, types,
// allowed values, patterns. The message names the parameter.
PROACT_EXPORT bool CheckParams(const ActionType& type, const nlohmann::json& params, std::string* error);

// The endpoint with its holes filled and checked ("https://b.s3.r.amazonaws.com").
PROACT_EXPORT bool RenderEndpoint(const ActionType& type, const RequestContext& ctx, std::string* base,
                    std::string* error);

// Request `spec` of `type` against `base` (RenderEndpoint's, or an override).
PROACT_EXPORT bool BuildRequest(const ActionType& type, const RequestSpec& spec, std::string_view base,
                  const RequestContext& ctx, RenderedRequest* out, std::string* error);

// False when `spec` has a `when` that renders null, false, "" or a missing
// field, or an `unless` that renders anything else: the request is not sent
// (nor planned). False with *error set when a test fails for another reason
// (a filter refusing its value): the action fails, it does not skip.
PROACT_EXPORT bool ShouldSend(const RequestSpec& spec, const RequestContext& ctx, std::string* error);

// A credentials template (region, role, installation) rendered to text.
PROACT_EXPORT bool RenderText(const Template& t, const RequestContext& ctx, std::string* out,
                std::string* error);

// The STS AssumeRoot request of a type with `credentials.assume_root`: its
// target and the credentials' region rendered, then checked (a 12-digit
// account, a region). The message names what does not fit.
PROACT_EXPORT bool BuildAssumeRoot(const ActionType& type, const RequestContext& ctx, AssumeRootCall* out,
                     std::string* error);


}  // namespace proact::internal

#endif  // PROACT_SRC_ACTION_REQUEST_BUILDER_H_
