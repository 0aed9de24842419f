// JSON Schema for policy files and test files, generated from the tables
// the compiler and the test runner check keys against.
#include "proact/policy_schema.h"

#include "action/assume_root.h"
#include "compile/action_type_compiler.h"
#include "compile/pattern_compiler.h"
#include "compile/policy_compiler.h"
#include "compile/source_compiler.h"
#include "testing/test_format.h"

namespace proact {

using internal::KeySpec;
using Json = nlohmann::ordered_json;

namespace {

Json TypeOf(std::string_view type, std::string_view name) {
  if (type == "string") return {{"type", "string"}};
  if (type == "boolean") return {{"type", "boolean"}};
  if (type == "number") return {{"type", "number"}, {"minimum", 0}};
  if (type == "mapping") return {{"type", "object"}};
  if (type == "list") return {{"type", "array"}};
  if (type == "event") return {{"type", {"string", "object", "array"}}};
  (void)name;
  return Json::object();  // any
}

// An object schema whose properties are the table's keys.
Json Object(const std::vector<KeySpec>& keys, const std::string& description,
            const std::function<Json(const KeySpec&)>& refine) {
  Json props = Json::object(), required = Json::array();
  for (const KeySpec& k : keys) {
    Json p = refine ? refine(k) : Json();
    if (p.is_null()) p = TypeOf(k.type, k.name);
    p["description"] = std::string(k.description);
    props[std::string(k.name)] = std::move(p);
    if (k.required) required.push_back(std::string(k.name));
  }
  Json o = {{"type", "object"}, {"description", description}, {"properties", std::move(props)},
            {"additionalProperties", false}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}

Json Enum(const std::vector<std::string_view>& values) {
  Json e = Json::array();
  for (std::string_view v : values) e.push_back(std::string(v));
  return {{"type", "string"}, {"enum", std::move(e)}};
}

}  // namespace

nlohmann::ordered_json PolicyFileSchema() {
  Json defs = Json::object();
  Json operators = Json::array();
  for (std::string_view op : internal::PatternCompiler::OperatorNames()) {
    operators.push_back(std::string(op));
  }
  defs["pattern"] = {
      {"description", "An AWS EventBridge event pattern (docs/policy-language.md)"},
      {"type", "object"},
      {"minProperties", 1},
      {"properties", {{"$or", {{"type", "array"}, {"minItems", 2}, {"items", {{"$ref", "#/$defs/pattern"}}}}}}},
      {"additionalProperties",
       {{"anyOf",
         Json::array({{{"$ref", "#/$defs/pattern"}},
                      {{"type", "array"}, {"minItems", 1}, {"items", {{"$ref", "#/$defs/patternValue"}}}}})}}}};
  defs["patternValue"] = {
      {"description", "A literal value, or an operator object with exactly one operator"},
      {"anyOf",
       Json::array({{{"type", Json::array({"string", "number", "boolean", "null"})}},
                    {{"type", "object"},
                     {"minProperties", 1},
                     {"maxProperties", 1},
                     {"propertyNames", {{"enum", operators}}}}})}};
  defs["action"] = Object(internal::ActionKeys(), "A remediation action", nullptr);
  defs["savings"] = Object(internal::SavingsKeys(), "Estimated manual effort saved", nullptr);
  defs["rateLimit"] = Object(internal::RateLimitKeys(), "Circuit breaker", nullptr);
  defs["policy"] = Object(internal::PolicyKeys(), "A policy", [](const KeySpec& k) -> Json {
    if (k.name == "severity") return Enum(internal::Severities());
    if (k.name == "mode") return Enum(internal::Modes());
    if (k.name == "match") return {{"$ref", "#/$defs/pattern"}};
    if (k.name == "except") return {{"type", "array"}, {"items", {{"$ref", "#/$defs/pattern"}}}};
    if (k.name == "actions") return {{"type", "array"}, {"items", {{"$ref", "#/$defs/action"}}}};
    if (k.name == "savings") return {{"$ref", "#/$defs/savings"}};
    if (k.name == "rate_limit") return {{"$ref", "#/$defs/rateLimit"}};
    if (k.name == "tags") return {{"type", "array"}, {"items", {{"type", "string"}}}};
    if (k.name == "known_fields") return {{"type", "array"}, {"items", {{"type", "string"}}}};
    return nullptr;
  });
  defs["policyOverride"] = Object(internal::OverrideKeys(),
                                  "Changes a policy another file defines: except, tags and known_fields "
                                  "entries are appended, any other key replaces (docs/policy-language.md)",
                                  [&defs](const KeySpec& k) -> Json {
                                    if (k.name == "override") return nullptr;
                                    return defs["policy"]["properties"][std::string(k.name)];
                                  });
  defs["responseRule"] = Object(internal::ResponseRuleKeys(), "An answer, by status and/or provider code",
                                [](const KeySpec& k) -> Json {
                                  if (k.name == "status") {
                                    return {{"anyOf", Json::array({{{"type", "integer"}},
                                                                   {{"type", "array"}, {"items", {{"type", "integer"}}}}})}};
                                  }
                                  return nullptr;
                                });
  defs["actionParam"] = Object(internal::ParamSpecKeys(), "A parameter of an action type",
                               [](const KeySpec& k) -> Json {
                                 if (k.name == "type") return Enum(internal::ParamTypeNames());
                                 return nullptr;
                               });
  defs["request"] = Object(internal::RequestKeys(), "An HTTP request of an action type",
                           [](const KeySpec& k) -> Json {
                             if (k.name == "method") return Enum(internal::HttpMethods());
                             if (k.name == "body") return Object(internal::BodyKeys(), "The request body", nullptr);
                             if (k.name == "poll") return Object(internal::PollKeys(), "Long-running operations", nullptr);
                             if (k.name == "compliant_if") return {{"$ref", "#/$defs/pattern"}};
                             if (k.name == "already_done" || k.name == "proceed_on" || k.name == "retry_on") {
                               return {{"type", "array"}, {"items", {{"$ref", "#/$defs/responseRule"}}}};
                             }
                             return nullptr;
                           });
  defs["actionType"] = Object(internal::ActionTypeKeys(), "A remediation declared as data (docs/remediation.md)",
                              [](const KeySpec& k) -> Json {
                                if (k.name == "params") {
                                  return {{"type", "object"},
                                          {"additionalProperties",
                                           {{"anyOf", Json::array({Enum(internal::ParamTypeNames()),
                                                                   {{"$ref", "#/$defs/actionParam"}}})}}}};
                                }
                                if (k.name == "credentials") {
                                  return Object(internal::CredentialKeys(), "Whose credentials sign the requests",
                                                [](const KeySpec& c) -> Json {
                                                  if (c.name == "provider") return Enum(internal::CredentialProviders());
                                                  if (c.name == "assume_root") {
                                                    return Object(internal::AssumeRootKeys(),
                                                                  "Root of a member account through STS AssumeRoot",
                                                                  [](const KeySpec& r) -> Json {
                                                                    if (r.name == "task_policy") {
                                                                      return Enum(internal::RootTaskPolicyNames());
                                                                    }
                                                                    return nullptr;
                                                                  });
                                                  }
                                                  return nullptr;
                                                });
                                }
                                if (k.name == "permissions") return Object(internal::PermissionKeys(), "What the credentials need", nullptr);
                                if (k.name == "requests") {
                                  return {{"type", "array"}, {"minItems", 1}, {"items", {{"$ref", "#/$defs/request"}}}};
                                }
                                return nullptr;
                              });
  defs["source"] = Object(
      internal::SourceKeys(), "A source definition (docs/sources.md#sources-as-data)",
      [](const KeySpec& k) -> Json {
        if (k.name == "recognize") return {{"$ref", "#/$defs/pattern"}};
        if (k.name == "map") {
          return Object(internal::SourceMapKeys(), "The envelope, as templates", [](const KeySpec& m) -> Json {
            if (m.name == "resources") return {{"type", Json::array({"array", "string"})}};
            if (m.name == "detail") return Json::object();
            return nullptr;
          });
        }
        if (k.name == "handshakes") {
          Json h = Object(internal::SourceHandshakeKeys(), "A handshake answered instead of events",
                          [](const KeySpec& hk) -> Json {
                            if (hk.name == "when") return {{"$ref", "#/$defs/pattern"}};
                            if (hk.name == "status") return {{"type", "integer"}, {"minimum", 100}, {"maximum", 599}};
                            if (hk.name == "body") return {{"type", Json::array({"string", "object"})}};
                            return nullptr;
                          });
          return {{"type", "array"}, {"items", h}};
        }
        if (k.name == "authenticate") {
          return Object(internal::SourceAuthKeys(), "How requests are verified", [](const KeySpec& a) -> Json {
            if (a.name == "hmac") {
              return Object(internal::SourceHmacKeys(), "An HMAC signature in a header",
                            [](const KeySpec& h) -> Json {
                              if (h.name == "algorithm") return Enum(std::vector<std::string_view>{"sha256", "sha1", "sha512"});
                              if (h.name == "encoding") return Enum(std::vector<std::string_view>{"hex", "base64"});
                              if (h.name == "timestamp") {
                                return Object(internal::SourceTimestampKeys(), "Where the signed timestamp is", nullptr);
                              }
                              return nullptr;
                            });
            }
            if (a.name == "token") return Object(internal::SourceTokenKeys(), "A shared token", nullptr);
            return nullptr;
          });
        }
        return nullptr;
      });
  defs["expectedAction"] = Object(internal::TestActionKeys(), "An action a test expects", nullptr);
  defs["expect"] = Object(internal::TestExpectKeys(), "What a test case expects", [](const KeySpec& k) -> Json {
    if (k.name == "actions") return {{"type", "array"}, {"items", {{"$ref", "#/$defs/expectedAction"}}}};
    if (k.name == "envelope") return {{"type", "object"}};
    if (k.name == "rejected") return {{"type", "string"}};
    if (k.name == "challenge") return {{"type", "object"}};
    return {{"type", "array"}, {"items", {{"type", "string"}}}};
  });
  defs["testCase"] = Object(internal::TestCaseKeys(), "A test case (docs/testing.md)", [](const KeySpec& k) -> Json {
    if (k.name == "expect") return {{"$ref", "#/$defs/expect"}};
    if (k.name == "events") return {{"type", "array"}, {"items", {{"type", Json::array({"string", "object", "array"})}}}};
    if (k.name == "headers" || k.name == "query" || k.name == "secrets") {
      return {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
    }
    return nullptr;
  });
  Json root = Object(internal::FileKeys(), "A proact policy file", [](const KeySpec& k) -> Json {
    if (k.name == "policies") {
      return {{"type", "array"},
              {"items", {{"anyOf", Json::array({{{"$ref", "#/$defs/policy"}},
                                                {{"$ref", "#/$defs/policyOverride"}}})}}}};
    }
    if (k.name == "lists") {
      Json values = {{"type", "array"}, {"minItems", 1},
                     {"items", {{"type", Json::array({"string", "number", "boolean", "null"})}}}};
      Json append = Object(internal::ListOverrideKeys(), "Values added to a list another file defines",
                           [&values](const KeySpec&) -> Json { return values; });
      return {{"type", "object"},
              {"additionalProperties", {{"anyOf", Json::array({values, append})}}}};
    }
    if (k.name == "tests") return {{"type", "array"}, {"items", {{"$ref", "#/$defs/testCase"}}}};
    if (k.name == "sources") return {{"type", "array"}, {"items", {{"$ref", "#/$defs/source"}}}};
    if (k.name == "action_effects") return {{"type", "object"}, {"additionalProperties", {{"type", "object"}}}};
    if (k.name == "action_types") {
      return {{"type", "object"}, {"additionalProperties", {{"$ref", "#/$defs/actionType"}}}};
    }
    return nullptr;
  });
  Json schema = Json::object();
  schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  schema["title"] = "proact policy file";
  for (auto it = root.begin(); it != root.end(); ++it) schema[it.key()] = it.value();
  schema["$defs"] = std::move(defs);
  return schema;
}

}  // namespace proact
