#include "compile/action_type_compiler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>

#include "action/assume_root.h"
#include "compile/param_tree_builder.h"

namespace proact::internal {

const std::vector<KeySpec>& ActionTypeKeys() {
  static const std::vector<KeySpec> keys = {
      {"description", "string", false, "what the remediation does"},
      {"params", "mapping", false,
       "the parameters a policy action passes: name -> {type, required, nullable, allowed, "
       "pattern, description}"},
      {"credentials", "mapping", false,
       "whose credentials sign the requests: {provider: aws|github|okta|gcp|azure|slack|"
       "pagerduty|none, ...}"},
      {"manual", "string", false,
       "why no API can do this (a person must): the type then has no endpoint and no requests, "
       "and its actions are reported as manual"},
      {"endpoint", "string", false,
       "https://HOST[:PORT][/BASE]: where every request goes; holes in HOST are checked to be "
       "DNS labels, and HOST must end in a fixed domain"},
      {"endpoint_override", "string", false,
       "an environment variable naming another base URL (default per provider: "
       "AWS_ENDPOINT_URL_<SERVICE>, GITHUB_API_URL, ...)"},
      {"permissions", "mapping", false,
       "what the credentials need: aws (IAM actions), github (App permissions), okta (scopes), "
       "gcp (IAM permissions), azure (role actions), slack (scopes)"},
      {"requests", "list", false, "the HTTP requests, run in order (required unless manual)"},
  };
  return keys;
}

const std::vector<KeySpec>& ParamSpecKeys() {
  static const std::vector<KeySpec> keys = {
      {"type", "string", false,
       "string (default), integer, number, boolean, object, array or any"},
      {"required", "boolean", false, "every action of this type must pass it"},
      {"nullable", "boolean", false, "null is accepted and means 'not applicable'"},
      {"allowed", "list", false, "the only values accepted"},
      {"pattern", "string", false, "strings: an RE2 expression the whole value must match"},
      {"description", "string", false, "what the parameter means"},
  };
  return keys;
}

const std::vector<KeySpec>& CredentialKeys() {
  static const std::vector<KeySpec> keys = {
      {"provider", "string", true, "aws, github, okta, gcp, azure, slack, pagerduty or none"},
      {"service", "string", false, "aws: the signing name (s3, ec2, iam, ...)"},
      {"region", "string", false, "aws: the signing region (a template; IAM and STS: us-east-1)"},
      {"role", "string", false,
       "aws: a role ARN to assume first (a template, e.g. arn:aws:iam::{{ params.account }}:"
       "role/proact-remediator)"},
      {"installation", "string", false,
       "github: the App installation id (a template; default GITHUB_APP_INSTALLATION_ID)"},
      {"resource", "string", false, "azure: the token audience (default https://management.azure.com/)"},
      {"assume_root", "mapping", false,
       "aws: short-term root credentials of an AWS Organizations member account, from STS "
       "AssumeRoot called with the platform's credentials (the management account or IAM's "
       "delegated administrator): {target: ACCOUNT, task_policy: NAME}; excludes role"},
  };
  return keys;
}

const std::vector<KeySpec>& AssumeRootKeys() {
  static const std::vector<KeySpec> keys = {
      {"target", "string", true,
       "the member account id, 12 digits (a template, e.g. \"{{ params.account }}\")"},
      {"task_policy", "string", true,
       "the AWS managed root task policy that scopes the session: IAMAuditRootUserCredentials, "
       "IAMCreateRootUserPassword, IAMDeleteRootUserCredentials, S3UnlockBucketPolicy or "
       "SQSUnlockQueuePolicy"},
  };
  return keys;
}

const std::vector<KeySpec>& PermissionKeys() {
  static const std::vector<KeySpec> keys = {
      {"aws", "list", false, "IAM actions, e.g. s3:PutBucketPublicAccessBlock"},
      {"github", "mapping", false, "GitHub App permissions: name -> read|write|admin"},
      {"okta", "list", false, "Okta OAuth scopes, e.g. okta.users.manage"},
      {"gcp", "list", false, "IAM permissions, e.g. storage.buckets.setIamPolicy"},
      {"azure", "list", false, "role actions, e.g. Microsoft.Network/networkSecurityGroups/write"},
      {"slack", "list", false, "bot token scopes, e.g. chat:write"},
  };
  return keys;
}

const std::vector<KeySpec>& RequestKeys() {
  static const std::vector<KeySpec> keys = {
      {"name", "string", true, "the request's name; later requests read steps.NAME"},
      {"read", "boolean", false,
       "a read of the current state: compliant_if or already_done stop the action as "
       "already_compliant"},
      {"method", "string", true, "GET, PUT, POST, PATCH, DELETE or HEAD"},
      {"path", "string", false, "the path after the endpoint (default /); each hole is one "
       "percent-encoded path segment"},
      {"query", "mapping", false, "query parameters: name -> template (percent-encoded)"},
      {"headers", "mapping", false, "request headers: name -> template"},
      {"body", "mapping", false, "one of json: VALUE, xml: {ROOT: VALUE}, form: {NAME: VALUE}"},
      {"content_type", "string", false, "the Content-Type (default by body kind)"},
      {"content_md5", "boolean", false, "send the body's Content-MD5 (S3 writes need it)"},
      {"success", "list", false, "HTTP statuses meaning success (default: any 2xx)"},
      {"already_done", "list", false,
       "answers meaning the change is already in place: [{status: N, code: X}]"},
      {"proceed_on", "list", false,
       "reads: answers meaning 'not compliant', so the action goes on ([{status: 404}])"},
      {"retry_on", "list", false, "answers to retry besides throttling and 5xx"},
      {"when", "string", false,
       "a template: the request is sent only when it renders a value other than null, false or "
       "\"\" (a missing field counts as null), e.g. \"{{ params.invitation_id }}\""},
      {"for_each", "string", false,
       "a template rendering a list (of params, config or an earlier step's answer): the "
       "request is sent once per element, which templates read as item; when/unless are "
       "tested per element"},
      {"unless", "string", false,
       "a template: the request is not sent when it renders a value other than null, false or "
       "\"\" (the other branch of a `when`)"},
      {"failed_if", "mapping", false,
       "an event pattern on a successful answer that means failure (Slack answers 200 with "
       "{ok: false})"},
      {"compliant_if", "mapping", false,
       "reads: an event pattern; when the answer matches, the action stops as already_compliant"},
      {"poll", "mapping", false,
       "long-running operations: {status, url_headers, done_if, failed_if, interval_ms}"},
  };
  return keys;
}

const std::vector<KeySpec>& BodyKeys() {
  static const std::vector<KeySpec> keys = {
      {"json", "any", false, "a JSON body; whole-value holes keep their JSON type"},
      {"xml", "mapping", false, "an XML body: {ROOT: {...}}; '@name' keys are attributes"},
      {"form", "mapping", false, "an application/x-www-form-urlencoded body, in the order written"},
  };
  return keys;
}

const std::vector<KeySpec>& ResponseRuleKeys() {
  static const std::vector<KeySpec> keys = {
      {"status", "number", false, "an HTTP status, or a list of them"},
      {"code", "string", false, "the provider's error code (AWS <Code>, JSON code fields)"},
  };
  return keys;
}

const std::vector<KeySpec>& PollKeys() {
  static const std::vector<KeySpec> keys = {
      {"status", "list", false, "answers that start polling (default [202])"},
      {"url_headers", "list", false,
       "headers holding the operation's URL, first found wins (default [Azure-AsyncOperation, "
       "Location])"},
      {"done_if", "mapping", false, "an event pattern on the poll answer: done (default: any 200)"},
      {"failed_if", "mapping", false, "an event pattern on the poll answer: the operation failed"},
      {"interval_ms", "number", false, "wait between polls unless Retry-After says (default 1000)"},
  };
  return keys;
}

const std::vector<std::string_view>& CredentialProviders() {
  static const std::vector<std::string_view> v = {"aws",   "github", "okta",      "gcp",
                                                  "azure", "slack",  "pagerduty", "none"};
  return v;
}

const std::vector<std::string_view>& ParamTypeNames() {
  static const std::vector<std::string_view> v = {"string", "integer", "number", "boolean",
                                                  "object", "array",   "any"};
  return v;
}

const std::vector<std::string_view>& HttpMethods() {
  static const std::vector<std::string_view> v = {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"};
  return v;
}

namespace {

// RE2::FullMatch(text, "pattern") compiles the pattern on every call; the
// compiler's fixed shapes are compiled once each, here.
bool Shaped(std::string_view text, const char* pattern) {
  static std::mutex mu;
  static auto* compiled = new std::map<std::string, std::unique_ptr<RE2>>();
  const RE2* re = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu);
    std::unique_ptr<RE2>& slot = (*compiled)[pattern];
    if (!slot) slot = std::make_unique<RE2>(pattern);
    re = slot.get();
  }
  return RE2::FullMatch(text, *re);
}

// Parameter patterns, shared by every type (and every load) that writes
// the same one: the pack's types repeat a few (account ids, regions). Each
// is compiled on first use (LazyRegex); here only its syntax is checked, by
// compiling it under a budget too small for any program: RE2 parses (and
// reports syntax errors exactly as the full compile would) and stops at the
// first instruction. Returns nullptr with *error set for a bad pattern.
std::shared_ptr<const LazyRegex> ParamPattern(const std::string& pattern, std::string* error) {
  static std::mutex mu;
  static auto* compiled = new std::map<std::string, std::weak_ptr<const LazyRegex>>();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = compiled->find(pattern);
    if (it != compiled->end()) {
      if (std::shared_ptr<const LazyRegex> re = it->second.lock()) return re;
    }
  }
  RE2::Options probe_options(RE2::Quiet);
  probe_options.set_max_mem(100);
  RE2 probe(pattern, probe_options);
  if (!probe.ok() && probe.error_code() != RE2::ErrorPatternTooLarge) {
    *error = probe.error();
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mu);
  if (compiled->size() >= 4096) {  // forget the patterns no loaded type uses any more
    for (auto it = compiled->begin(); it != compiled->end();) {
      it = it->second.expired() ? compiled->erase(it) : std::next(it);
    }
  }
  std::weak_ptr<const LazyRegex>& slot = (*compiled)[pattern];
  std::shared_ptr<const LazyRegex> re = slot.lock();
  if (!re) {
    re = std::make_shared<const LazyRegex>(pattern);
    slot = re;
  }
  return re;
}

}  // namespace

namespace {

// Variables holding the providers' credentials, and proact's own secrets:
// not readable as secrets.NAME (a type could otherwise send them to its
// endpoint instead of using them to sign).
bool IsCredentialVariable(std::string_view name) {
  static const char* kNames[] = {
      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      "GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE",
      "OKTA_API_TOKEN", "OKTA_API_TOKEN_FILE", "OKTA_PRIVATE_KEY", "OKTA_PRIVATE_KEY_FILE",
      "IDENTITY_HEADER", "IDENTITY_HEADER_FILE", "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN_FILE"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return name.rfind("PROACT_", 0) == 0;  // webhook secrets, Redis URLs, ...
}


class TypeCompiler {
 public:
  TypeCompiler(DiagnosticSink* sink, const ConditionCompiler& conditions, ActionType* out)
      : sink_(sink), conditions_(conditions), t_(out) {}

  bool Run(const Node& name, const Node& node) {
    std::size_t before = sink_->error_count();
    t_->name = name.text;
    t_->file = name.file;
    t_->line = name.mark.line;
    t_->column = name.mark.column;
    if (name.text.empty()) Error(name, "bad-action-type", "action type names must not be empty");
    if (!Expect(node, Node::Kind::kMap, "action type '" + name.text + "'")) return false;
    CheckKeys(node, ActionTypeKeys(), "action type '" + name.text + "'");
    if (const Node* d = node.Find("description")) String(*d, "'description'", &t_->description);
    if (const Node* p = node.Find("params")) Params(*p);
    if (const Node* c = node.Find("credentials")) Credentials(*c);
    if (const Node* e = node.Find("endpoint")) Endpoint(*e);
    if (const Node* o = node.Find("endpoint_override")) {
      if (String(*o, "'endpoint_override'", &t_->endpoint_override) &&
          !Shaped(t_->endpoint_override, "[A-Z][A-Z0-9_]*")) {
        Error(*o, "bad-action-type",
              "'endpoint_override' names an environment variable (A-Z, 0-9, _), not '" +
                  t_->endpoint_override + "'");
      }
    }
    if (const Node* p = node.Find("permissions")) Permissions(*p);
    if (const Node* r = node.Find("requests")) Requests(*r);
    if (const Node* m = node.Find("manual")) {
      if (String(*m, "'manual'", &t_->manual) && t_->manual.empty()) {
        Error(*m, "bad-action-type", "'manual' says why no API can do it; it must not be empty");
      }
      for (const char* key : {"endpoint", "requests", "credentials", "endpoint_override"}) {
        if (const Node* k = node.Find(key)) {
          Error(*k, "bad-action-type", std::string("a manual action type has no '") + key + "'");
        }
      }
    } else {
      for (const char* key : {"endpoint", "requests"}) {
        if (node.Find(key) == nullptr) {
          Error(node, "missing-key", "action type '" + name.text + "' is missing required key '" +
                                         key + "' (or 'manual', when no API can do it)");
        }
      }
    }
    return sink_->error_count() == before;
  }

 private:
  void Error(const Node& at, const std::string& code, const std::string& msg) {
    sink_->Error(at.file, at.mark.line, at.mark.column, code, msg);
  }
  void ErrorAt(const Node& at, std::size_t offset, const std::string& code, const std::string& msg) {
    sink_->Error(at.file, at.mark.line, ScalarColumn(at, offset), code, msg);
  }

  bool Expect(const Node& n, Node::Kind kind, const std::string& what) {
    if (n.kind == kind) return true;
    Error(n, "wrong-type", what + " must be " + NodeKindName(kind) + ", not " + n.KindName());
    return false;
  }

  void CheckKeys(const Node& map, const std::vector<KeySpec>& keys, const std::string& what) {
    CheckMapKeys(map, keys, what, sink_);
  }


  bool String(const Node& n, const std::string& what, std::string* out) {
    if (n.kind != Node::Kind::kString) {
      Error(n, "wrong-type", what + " must be a string, not " + n.KindName());
      return false;
    }
    *out = n.text;
    return true;
  }

  bool Bool(const Node& n, const std::string& what, bool* out) {
    if (n.kind != Node::Kind::kBool) {
      Error(n, "wrong-type", what + " must be true or false, not " + n.KindName());
      return false;
    }
    *out = n.boolean;
    return true;
  }

  bool Status(const Node& n, int* out) {
    if (n.kind != Node::Kind::kNumber || n.number != std::floor(n.number) || n.number < 100 ||
        n.number > 599) {
      Error(n, "bad-status", "an HTTP status must be a number from 100 to 599, not '" + n.text + "'");
      return false;
    }
    *out = static_cast<int>(n.number);
    return true;
  }

  void StatusList(const Node& n, const std::string& what, std::vector<int>* out) {
    if (n.kind == Node::Kind::kNumber) {
      int s;
      if (Status(n, &s)) out->push_back(s);
      return;
    }
    if (!Expect(n, Node::Kind::kSeq, what)) return;
    for (const Node& item : n.items) {
      int s;
      if (Status(item, &s)) out->push_back(s);
    }
  }

  void Params(const Node& n) {
    if (n.kind == Node::Kind::kNull) return;
    if (!Expect(n, Node::Kind::kMap, "'params'")) return;
    for (const auto& [k, v] : n.entries) {
      ParamSpec p;
      p.name = k.text;
      p.line = k.mark.line;
      p.column = k.mark.column;
      if (!Shaped(k.text, "[A-Za-z_][A-Za-z0-9_]*")) {
        Error(k, "bad-param", "parameter names are identifiers (letters, digits, _), not '" +
                                  k.text + "'");
      }
      if (v.kind == Node::Kind::kString) {
        // Shorthand: `bucket: string`.
        TypeName(v, &p.type);
      } else if (v.kind != Node::Kind::kNull) {
        if (!Expect(v, Node::Kind::kMap, "parameter '" + k.text + "'")) continue;
        CheckKeys(v, ParamSpecKeys(), "parameter '" + k.text + "'");
        if (const Node* t = v.Find("type")) TypeName(*t, &p.type);
        if (const Node* r = v.Find("required")) Bool(*r, "'required'", &p.required);
        if (const Node* r = v.Find("nullable")) Bool(*r, "'nullable'", &p.nullable);
        if (const Node* d = v.Find("description")) String(*d, "'description'", &p.description);
        if (const Node* pat = v.Find("pattern")) {
          if (String(*pat, "'pattern'", &p.pattern)) {
            std::string error;
            std::shared_ptr<const LazyRegex> re = ParamPattern(p.pattern, &error);
            if (re == nullptr) {
              Error(*pat, "bad-regex", "pattern '" + p.pattern + "': " + error);
            } else {
              p.re = std::move(re);
            }
            if (p.type != ParamType::kString) {
              Error(*pat, "bad-param", "'pattern' applies to string parameters only");
            }
          }
        }
        if (const Node* a = v.Find("allowed")) {
          if (Expect(*a, Node::Kind::kSeq, "'allowed'")) {
            for (const Node& item : a->items) {
              if (!item.IsScalar()) {
                Error(item, "wrong-type", "'allowed' holds scalars, not " + std::string(item.KindName()));
                continue;
              }
              nlohmann::json value = NodeToJson(item);
              ParamSpec probe = p;
              probe.allowed.clear();
              std::string why;
              if (!CheckParamValue(probe, value, &why)) {
                Error(item, "bad-param", "allowed value of parameter '" + p.name + "' " + why);
              }
              p.allowed.push_back(std::move(value));
            }
          }
        }
      }
      if (t_->FindParam(p.name) != nullptr) {
        Error(k, "duplicate-param", "parameter '" + p.name + "' is declared twice");
        continue;
      }
      t_->params.push_back(std::move(p));
    }
  }

  void TypeName(const Node& n, ParamType* out) {
    std::string s;
    if (!String(n, "a parameter type", &s)) return;
    const auto& names = ParamTypeNames();
    auto it = std::find(names.begin(), names.end(), s);
    if (it == names.end()) {
      Error(n, "bad-param", "unknown parameter type '" + s + "'" + DidYouMeanSuffix(s, names) +
                                " (types: string, integer, number, boolean, object, array, any)");
      return;
    }
    *out = static_cast<ParamType>(it - names.begin());
  }

  // Parses a template and checks that every hole starts from params.NAME
  // (a declared parameter), secrets.NAME, or (when allow_steps) steps.NAME
  // of an earlier request.
  bool Tmpl(const Node& n, const std::string& what, bool allow_steps, Template* out) {
    if (n.kind != Node::Kind::kString) {
      if (n.IsScalar() && n.kind != Node::Kind::kNull) {
        out->literals = {n.text};
        out->expr_index = {-1};
        return true;
      }
      Error(n, "wrong-type", what + " must be a string, not " + n.KindName());
      return false;
    }
    TemplateError err;
    if (!ParseTemplate(n.text, out, &err)) {
      ErrorAt(n, err.offset, "bad-template", err.message);
      return false;
    }
    return CheckHoles(n, *out, allow_steps);
  }

  static bool ReadsRoot(const Template& t, std::string_view root) {
    bool reads = false;
    for (const TemplateExpr& e : t.exprs) {
      ForEachPath(e, [&](const std::vector<PathStep>& path, const std::string&) {
        if (!path.empty() && path[0].key == root) reads = true;
      });
    }
    return reads;
  }

  bool CheckHoles(const Node& n, const Template& t, bool allow_steps) {
    bool ok = true;
    for (const TemplateExpr& e : t.exprs) {
      ForEachPath(e, [&](const std::vector<PathStep>& path, const std::string& text) {
        if (!CheckPath(n, path, text, allow_steps)) ok = false;
      });
    }
    return ok;
  }

  bool CheckPath(const Node& n, const std::vector<PathStep>& path, const std::string& path_text,
                 bool allow_steps) {
    std::size_t at = n.text.find(path_text);
    if (at == std::string::npos) at = 0;
    const PathStep& root = path[0];
    static const std::vector<std::string_view> roots = {"params", "steps", "secrets", "config",
                                                        "item"};
    if (root.is_index || std::find(roots.begin(), roots.end(), root.key) == roots.end()) {
      ErrorAt(n, at, "unknown-field",
              "template refers to '" + path_text + "': action type templates start from "
              "params, steps, secrets, config or item" + DidYouMeanSuffix(root.key, roots));
      return false;
    }
    for (const PathStep& step : path) {
      if (step.each == PathStep::Each::kMatched) {
        ErrorAt(n, at, "bad-template",
                "template refers to '" + path_text + "': '[matched]' selects elements of the "
                "event a policy matched, so it belongs in a policy action's params; pass the "
                "list as a parameter");
        return false;
      }
    }
    if (root.key == "item") return true;  // an element of `each` or `for_each`
    if (path.size() < 2 || path[1].is_index) {
      ErrorAt(n, at, "unknown-field", "template refers to '" + path_text +
                                          "': name a member, e.g. " + root.key + ".NAME");
      return false;
    }
    const std::string& member = path[1].key;
    if (root.key == "params") {
      if (t_->FindParam(member) == nullptr) {
        std::vector<std::string_view> names;
        for (const ParamSpec& p : t_->params) names.push_back(p.name);
        ErrorAt(n, at, "unknown-param",
                "template refers to parameter '" + member + "', which action type '" +
                    t_->name + "' does not declare" + DidYouMeanSuffix(member, names));
        return false;
      }
    } else if (root.key == "steps") {
      if (!allow_steps) {
        ErrorAt(n, at, "unknown-field", "'" + path_text + "': steps are not known here");
        return false;
      }
      bool earlier = std::any_of(t_->requests.begin(), t_->requests.end(),
                                 [&](const RequestSpec& r) { return r.name == member; });
      if (!earlier) {
        std::vector<std::string_view> names;
        for (const RequestSpec& r : t_->requests) names.push_back(r.name);
        ErrorAt(n, at, "unknown-step",
                "template refers to step '" + member + "', which is not an earlier request" +
                    DidYouMeanSuffix(member, names));
        return false;
      }
      if (path.size() < 3 || (path[2].key != "status" && path[2].key != "headers" &&
                              path[2].key != "body")) {
        ErrorAt(n, at, "unknown-field", "'" + path_text + "': a step has status, headers and body");
        return false;
      }
    } else if (root.key == "config") {
      if (!Shaped(member, "[A-Z][A-Z0-9_]*") || path.size() != 2) {
        ErrorAt(n, at, "bad-template",
                "'" + path_text + "': config values are named in capitals (config.TRAIL_BUCKET, "
                "read from the environment variable PROACT_CONFIG_TRAIL_BUCKET)");
        return false;
      }
    } else if (!Shaped(member, "[A-Z][A-Z0-9_]*")) {
      ErrorAt(n, at, "bad-template",
              "'" + path_text + "': secrets are environment variable names (A-Z, 0-9, _)");
      return false;
    } else if (IsCredentialVariable(member)) {
      ErrorAt(n, at, "bad-template",
              "'" + path_text + "' is a credential of a provider or of proact itself: action "
              "types get credentials through 'credentials:', never as values they could send "
              "anywhere");
      return false;
    }
    return true;
  }

  void Credentials(const Node& n) {
    if (!Expect(n, Node::Kind::kMap, "'credentials'")) return;
    CheckKeys(n, CredentialKeys(), "'credentials'");
    CredentialSpec& c = t_->credentials;
    if (const Node* p = n.Find("provider")) {
      if (String(*p, "'provider'", &c.provider)) {
        const auto& v = CredentialProviders();
        if (std::find(v.begin(), v.end(), c.provider) == v.end()) {
          Error(*p, "bad-credentials", "unknown credentials provider '" + c.provider + "'" +
                                           DidYouMeanSuffix(c.provider, v) +
                                           " (providers: aws, github, okta, gcp, azure, slack, "
                                           "pagerduty, none)");
        }
      }
    }
    auto only = [&](const char* key, const char* provider) {
      const Node* k = n.Find(key);
      if (k != nullptr && c.provider != provider) {
        Error(*k, "bad-credentials", std::string("'") + key + "' applies to provider " +
                                         provider + " only");
        return static_cast<const Node*>(nullptr);
      }
      return k;
    };
    if (const Node* s = only("service", "aws")) {
      if (String(*s, "'service'", &c.service) && !Shaped(c.service, "[a-z0-9-]+")) {
        Error(*s, "bad-credentials", "'service' is an AWS signing name like s3 or ec2");
      }
    }
    if (const Node* r = only("region", "aws")) c.has_region = Tmpl(*r, "'region'", false, &c.region);
    if (const Node* r = only("role", "aws")) c.has_role = Tmpl(*r, "'role'", false, &c.role);
    if (const Node* i = only("installation", "github")) {
      c.has_installation = Tmpl(*i, "'installation'", false, &c.installation);
    }
    if (const Node* r = only("resource", "azure")) String(*r, "'resource'", &c.resource);
    if (const Node* a = only("assume_root", "aws")) AssumeRoot(*a, n.Find("role"));
    if (c.provider == "aws") {
      if (c.service.empty()) Error(n, "missing-key", "aws credentials need 'service' (the signing name)");
      if (!c.has_region && n.Find("region") == nullptr) {
        Error(n, "missing-key", "aws credentials need 'region' (e.g. \"{{ params.region }}\" or us-east-1)");
      }
    }
  }

  // credentials.assume_root: {target, task_policy}.
  void AssumeRoot(const Node& n, const Node* role) {
    if (!Expect(n, Node::Kind::kMap, "'assume_root'")) return;
    CheckKeys(n, AssumeRootKeys(), "'assume_root'");
    AssumeRootSpec& a = t_->credentials.assume_root;
    a.line = n.mark.line;
    a.column = n.mark.column;
    if (role != nullptr) {
      Error(*role, "bad-credentials",
            "'role' and 'assume_root' exclude each other: AssumeRoot is called with the "
            "platform's own credentials, which must be the Organizations management account's or "
            "IAM's delegated administrator's");
    }
    bool ok = true;
    if (const Node* t = n.Find("target")) {
      if (!Tmpl(*t, "'target'", false, &a.target)) {
        ok = false;
      } else if (a.target.exprs.empty() && !IsAwsAccountId(t->text)) {
        Error(*t, "bad-credentials",
              "'target' is the member account id, 12 digits, not '" + t->text + "'");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (const Node* p = n.Find("task_policy")) {
      if (String(*p, "'task_policy'", &a.task_policy) &&
          FindRootTaskPolicy(a.task_policy) == nullptr) {
        Error(*p, "bad-credentials",
              "unknown root task policy '" + a.task_policy + "'" +
                  DidYouMeanSuffix(a.task_policy, RootTaskPolicyNames()) +
                  " (AWS manages IAMAuditRootUserCredentials, IAMCreateRootUserPassword, "
                  "IAMDeleteRootUserCredentials, S3UnlockBucketPolicy and SQSUnlockQueuePolicy)");
        ok = false;
      }
    } else {
      ok = false;
    }
    a.enabled = ok && role == nullptr;
  }

  // An assume_root type's requests run as root, limited by its task policy:
  // permissions.aws must be actions that policy leaves to the session.
  void CheckRootTaskActions(const Node& list) {
    const RootTaskPolicy* task = FindRootTaskPolicy(t_->credentials.assume_root.task_policy);
    if (task == nullptr || list.kind != Node::Kind::kSeq) return;
    for (const Node& item : list.items) {
      if (item.kind != Node::Kind::kString) continue;
      if (std::find(task->actions.begin(), task->actions.end(), item.text) == task->actions.end()) {
        Error(item, "bad-permission",
              "'" + item.text + "' is not allowed by root task policy " + std::string(task->name) +
                  ", which scopes this type's root session" +
                  DidYouMeanSuffix(item.text, task->actions));
      }
    }
  }

  void Endpoint(const Node& n) {
    if (!Tmpl(n, "'endpoint'", false, &t_->endpoint)) return;
    t_->endpoint_text = n.text;
    const std::string& s = n.text;
    if (s.rfind("https://", 0) != 0) {
      Error(n, "bad-endpoint", "'endpoint' must start with https:// (plain http is only for "
                               "loopback overrides, set by the environment)");
      return;
    }
    std::size_t host_begin = 8;
    std::size_t host_end = s.find('/', host_begin);
    // A '/' inside a hole is not the end of the host.
    std::size_t open = s.find("{{", host_begin);
    while (open != std::string::npos && open < host_end) {
      std::size_t close = s.find("}}", open);
      if (close == std::string::npos) break;
      if (host_end != std::string::npos && host_end < close) host_end = s.find('/', close);
      open = s.find("{{", close);
    }
    std::string host = s.substr(host_begin, host_end == std::string::npos ? std::string::npos
                                                                          : host_end - host_begin);
    std::size_t last_hole = host.rfind("}}");
    if (last_hole != std::string::npos) {
      std::string tail = host.substr(last_hole + 2);
      if (!Shaped(tail, R"((\.[A-Za-z0-9-]+){2,}(:[0-9]+)?)")) {
        ErrorAt(n, host_begin, "bad-endpoint",
                "the endpoint's host must end in a fixed domain after its last hole (like "
                "{{ params.bucket }}.s3.{{ params.region }}.amazonaws.com), so that no event "
                "can send a request to a host of its choosing");
      }
    } else if (!Shaped(host, R"([A-Za-z0-9.-]+(:[0-9]+)?)")) {
      ErrorAt(n, host_begin, "bad-endpoint", "'" + host + "' is not a host name");
    }
    if (ReadsRoot(t_->endpoint, "secrets")) {
      Error(n, "bad-endpoint", "the endpoint may not hold secrets");
    }
  }

  void NameList(const Node& n, const std::string& what, const char* shape, const char* example,
                std::vector<std::string>* out) {
    if (!Expect(n, Node::Kind::kSeq, what)) return;
    for (const Node& item : n.items) {
      std::string s;
      if (!String(item, what + " entries", &s)) continue;
      if (!Shaped(s, shape)) {
        Error(item, "bad-permission", what + " entry '" + s + "' is not shaped like " + example);
        continue;
      }
      out->push_back(s);
    }
  }

  void Permissions(const Node& n) {
    if (!Expect(n, Node::Kind::kMap, "'permissions'")) return;
    CheckKeys(n, PermissionKeys(), "'permissions'");
    PermissionSpec& p = t_->permissions;
    if (const Node* a = n.Find("aws")) {
      NameList(*a, "'permissions.aws'", "[a-z0-9-]+:[A-Za-z0-9*]+", "s3:PutBucketPublicAccessBlock",
               &p.aws);
      if (t_->credentials.assume_root.enabled) CheckRootTaskActions(*a);
    }
    if (const Node* o = n.Find("okta")) NameList(*o, "'permissions.okta'", "okta\\.[a-zA-Z.]+", "okta.users.manage", &p.okta);
    if (const Node* g = n.Find("gcp")) NameList(*g, "'permissions.gcp'", "[a-zA-Z]+(\\.[a-zA-Z]+)+", "storage.buckets.setIamPolicy", &p.gcp);
    if (const Node* z = n.Find("azure")) NameList(*z, "'permissions.azure'", "Microsoft\\.[A-Za-z]+(/[A-Za-z*]+)+", "Microsoft.Network/networkSecurityGroups/write", &p.azure);
    if (const Node* s = n.Find("slack")) NameList(*s, "'permissions.slack'", "[a-z]+(:[a-z.]+)+", "chat:write", &p.slack);
    if (const Node* g = n.Find("github")) {
      if (Expect(*g, Node::Kind::kMap, "'permissions.github'")) {
        for (const auto& [k, v] : g->entries) {
          std::string level;
          if (!String(v, "GitHub permission '" + k.text + "'", &level)) continue;
          if (level != "read" && level != "write" && level != "admin") {
            Error(v, "bad-permission", "GitHub permission levels are read, write or admin, not '" +
                                           level + "'");
            continue;
          }
          if (!Shaped(k.text, "[a-z_]+")) {
            Error(k, "bad-permission", "GitHub permission names are like administration or "
                                       "contents, not '" + k.text + "'");
            continue;
          }
          p.github.emplace_back(k.text, level);
        }
      }
    }
  }

  void Rules(const Node& n, const std::string& what, std::vector<ResponseRule>* out) {
    if (!Expect(n, Node::Kind::kSeq, what)) return;
    for (const Node& item : n.items) {
      ResponseRule r;
      if (item.kind == Node::Kind::kNumber) {
        StatusList(item, what, &r.statuses);
        out->push_back(std::move(r));
        continue;
      }
      if (!Expect(item, Node::Kind::kMap, what + " entries")) continue;
      CheckKeys(item, ResponseRuleKeys(), what + " entry");
      if (const Node* s = item.Find("status")) StatusList(*s, "'status'", &r.statuses);
      if (const Node* c = item.Find("code")) String(*c, "'code'", &r.code);
      if (r.statuses.empty() && r.code.empty()) {
        Error(item, "missing-key", what + " entries need a status, a code, or both");
        continue;
      }
      out->push_back(std::move(r));
    }
  }

  int Condition(const Node& n, const std::string& what) {
    if (!Expect(n, Node::Kind::kMap, what)) return -1;
    return conditions_(n);
  }

  void Body(const Node& n, RequestSpec* r) {
    if (!Expect(n, Node::Kind::kMap, "'body'")) return;
    CheckKeys(n, BodyKeys(), "'body'");
    if (n.entries.size() != 1) {
      Error(n, "bad-body", "'body' holds exactly one of json, xml or form");
      return;
    }
    const Node& kind = n.entries[0].first;
    const Node& value = n.entries[0].second;
    if (kind.text == "json") {
      r->body_kind = BodyKind::kJson;
      Tree(value, &r->body);
    } else if (kind.text == "xml") {
      r->body_kind = BodyKind::kXml;
      if (Expect(value, Node::Kind::kMap, "an XML body") && value.entries.size() != 1) {
        Error(value, "bad-body", "an XML body has one root element: {ROOT: {...}}");
      }
      Tree(value, &r->body);
    } else if (kind.text == "form") {
      r->body_kind = BodyKind::kForm;
      if (Expect(value, Node::Kind::kMap, "a form body")) {
        for (const auto& [k, v] : value.entries) {
          bool repeats = k.text.find("{n}") != std::string::npos;
          if (repeats && v.kind == Node::Kind::kMap) {
            if (v.entries.size() != 2 || v.Find("each") == nullptr || v.Find("value") == nullptr) {
              Error(v, "bad-body", "a repeated form field ('" + k.text +
                                       "') takes a list template, or {each: LIST, value: TEMPLATE}");
            }
          } else if (!repeats && v.kind == Node::Kind::kMap && IsChoice(v)) {
            const Node* val = v.Find("value");
            const Node* els = v.Find("else");
            if (!val->IsScalar() || (els != nullptr && !els->IsScalar())) {
              Error(v, "bad-body", "a form field's {when, value, else} holds scalars or templates");
            }
          } else if (!v.IsScalar()) {
            Error(v, "bad-body", "form values are scalars or templates (a field named with {n} "
                                 "may repeat over a list)");
          }
        }
      }
      Tree(value, &r->body);
    }
  }

  // A mapping of exactly when + value (+ else).
  static bool IsChoice(const Node& n) {
    if (n.Find("when") == nullptr || n.Find("value") == nullptr) return false;
    return n.entries.size() == 2 || (n.entries.size() == 3 && n.Find("else") != nullptr);
  }

  // A body value: literals and templates, like policy params, and
  // {when, value, else} choices.
  void Tree(const Node& n, ParamTree* out) {
    BuildParamTree(
        n,
        [this](const Node& s, ParamTree* o) {
          Template t;
          if (!Tmpl(s, "a body value", true, &t)) return;
          if (!t.has_holes()) {
            o->kind = ParamTree::Kind::kLiteral;
            o->literal = s.text;
          } else {
            o->kind = ParamTree::Kind::kTemplate;
            o->tmpl = std::move(t);
          }
        },
        out, [this](const Node& m, ParamTree* o) { return Choice(m, o); });
  }

  // {when: TEMPLATE, value: V, else: V}: V when the template renders a
  // value other than null, false or "", else the `else`. False when `m` is
  // not a choice.
  bool Choice(const Node& m, ParamTree* out) {
    if (!IsChoice(m)) return false;
    out->kind = ParamTree::Kind::kChoice;
    const Node& w = *m.Find("when");
    if (w.kind != Node::Kind::kString) {
      Error(w, "wrong-type", "'when' must be a template string");
      return true;
    }
    if (!Tmpl(w, "'when'", true, &out->tmpl)) return true;
    // No `else`: the member (or list element, or form field) is left out,
    // as the AWS protocols want of an absent optional value.
    ParamTree then;
    Tree(*m.Find("value"), &then);
    out->items.push_back(std::move(then));
    if (const Node* e = m.Find("else")) {
      ParamTree otherwise;
      Tree(*e, &otherwise);
      out->items.push_back(std::move(otherwise));
    }
    return true;
  }

  void Requests(const Node& n) {
    if (!Expect(n, Node::Kind::kSeq, "'requests'")) return;
    if (n.items.empty()) Error(n, "missing-key", "'requests' must list at least one request");
    for (const Node& item : n.items) {
      if (!Expect(item, Node::Kind::kMap, "a request")) continue;
      RequestSpec r;
      r.line = item.mark.line;
      r.column = item.mark.column;
      CheckKeys(item, RequestKeys(), "request");
      if (const Node* nm = item.Find("name")) {
        if (String(*nm, "'name'", &r.name)) {
          if (!Shaped(r.name, "[A-Za-z_][A-Za-z0-9_]*")) {
            Error(*nm, "bad-request", "request names are identifiers (letters, digits, _)");
          }
          for (const RequestSpec& e : t_->requests) {
            if (e.name == r.name) Error(*nm, "duplicate-request", "request '" + r.name + "' is named twice");
          }
        }
      }
      if (const Node* rd = item.Find("read")) Bool(*rd, "'read'", &r.read);
      if (const Node* m = item.Find("method")) {
        if (String(*m, "'method'", &r.method)) {
          const auto& v = HttpMethods();
          if (std::find(v.begin(), v.end(), r.method) == v.end()) {
            Error(*m, "bad-request", "unknown method '" + r.method + "'" + DidYouMeanSuffix(r.method, v) +
                                         " (GET, PUT, POST, PATCH, DELETE, HEAD)");
          }
        }
      }
      if (const Node* p = item.Find("path")) {
        if (Tmpl(*p, "'path'", true, &r.path)) {
          r.path_text = p->text;
          if (p->text.empty() || (p->text[0] != '/' && p->text.rfind("{{", 0) != 0)) {
            Error(*p, "bad-request", "'path' starts with '/' (or with a hole)");
          } else if (p->text.find_first_of("?#") != std::string::npos) {
            Error(*p, "bad-request", "'path' holds no '?' or '#': write query parameters under 'query'");
          }
        }
      } else {
        r.path.literals = {"/"};
        r.path.expr_index = {-1};
        r.path_text = "/";
      }
      auto pairs = [&](const char* key, std::vector<std::pair<std::string, Template>>* out,
                       bool header) {
        const Node* q = item.Find(key);
        if (q == nullptr || !Expect(*q, Node::Kind::kMap, std::string("'") + key + "'")) return;
        for (const auto& [k, v] : q->entries) {
          if (header && !Shaped(k.text, "[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            Error(k, "bad-request", "'" + k.text + "' is not a header name");
            continue;
          }
          if (header) {
            std::string lower;
            for (char c : k.text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (lower == "host" || lower == "authorization" || lower == "content-length" ||
                lower.rfind("x-amz-date", 0) == 0 || lower == "x-amz-security-token") {
              Error(k, "bad-request", "header '" + k.text + "' is set by proact, not by action types");
              continue;
            }
          }
          Template t;
          if (Tmpl(v, std::string("'") + key + "' value", true, &t)) out->emplace_back(k.text, std::move(t));
        }
      };
      pairs("query", &r.query, false);
      pairs("headers", &r.headers, true);
      if (const Node* b = item.Find("body")) Body(*b, &r);
      if (const Node* ct = item.Find("content_type")) String(*ct, "'content_type'", &r.content_type);
      if (const Node* md5 = item.Find("content_md5")) Bool(*md5, "'content_md5'", &r.content_md5);
      if (const Node* s = item.Find("success")) StatusList(*s, "'success'", &r.success);
      if (const Node* a = item.Find("already_done")) Rules(*a, "'already_done'", &r.already_done);
      if (const Node* a = item.Find("proceed_on")) {
        Rules(*a, "'proceed_on'", &r.proceed_on);
        if (!r.read) Error(*a, "bad-request", "'proceed_on' applies to reads (read: true) only");
      }
      if (const Node* a = item.Find("retry_on")) Rules(*a, "'retry_on'", &r.retry_on);
      if (const Node* c = item.Find("compliant_if")) {
        if (!r.read) Error(*c, "bad-request", "'compliant_if' applies to reads (read: true) only");
        r.compliant_if = Condition(*c, "'compliant_if'");
      }
      if (const Node* p = item.Find("poll")) Poll(*p, &r.poll);
      if (const Node* f = item.Find("failed_if")) r.failed_if = Condition(*f, "'failed_if'");
      if (const Node* fe = item.Find("for_each")) {
        r.has_for_each = Tmpl(*fe, "'for_each'", true, &r.for_each);
        if (r.has_for_each && (!r.for_each.whole_value || ReadsRoot(r.for_each, "item") ||
                               ReadsRoot(r.for_each, "secrets"))) {
          Error(*fe, "bad-request", "'for_each' is one hole naming a list (\"{{ steps.NAME.body.LIST }}\"), "
                                    "not text, item or secrets");
          r.has_for_each = false;
        }
        if (r.read && r.has_for_each) {
          Error(*fe, "bad-request", "'for_each' applies to writes: a read is sent once");
        }
      }
      for (const char* key : {"when", "unless"}) {
        const Node* w = item.Find(key);
        if (w == nullptr) continue;
        Template* t = std::string(key) == "when" ? &r.when : &r.unless;
        bool* has = std::string(key) == "when" ? &r.has_when : &r.has_unless;
        *has = Tmpl(*w, std::string("'") + key + "'", true, t);
        if (ReadsRoot(*t, "secrets")) {
          Error(*w, "bad-request", std::string("'") + key + "' may not test secrets");
          *has = false;
        }
      }
      if (r.read && r.method != "GET" && r.method != "HEAD" && r.method != "POST") {
        if (const Node* m = item.Find("method")) {
          Error(*m, "bad-request", "a read uses GET, HEAD or POST (query APIs), not " + r.method);
        }
      }
      t_->requests.push_back(std::move(r));
    }
    bool any_write = std::any_of(t_->requests.begin(), t_->requests.end(),
                                 [](const RequestSpec& r) { return !r.read; });
    if (!t_->requests.empty() && !any_write) {
      Error(n, "bad-request", "action type '" + t_->name + "' only reads: add the request that "
                              "changes something");
    }
  }

  void Poll(const Node& n, PollSpec* p) {
    if (!Expect(n, Node::Kind::kMap, "'poll'")) return;
    CheckKeys(n, PollKeys(), "'poll'");
    p->enabled = true;
    if (const Node* s = n.Find("status")) StatusList(*s, "'status'", &p->statuses);
    if (p->statuses.empty()) p->statuses = {202};
    if (const Node* h = n.Find("url_headers")) {
      if (Expect(*h, Node::Kind::kSeq, "'url_headers'")) {
        for (const Node& item : h->items) {
          std::string s;
          if (String(item, "'url_headers' entries", &s)) {
            for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            p->url_headers.push_back(s);
          }
        }
      }
    }
    if (p->url_headers.empty()) p->url_headers = {"azure-asyncoperation", "location"};
    if (const Node* d = n.Find("done_if")) p->done_if = Condition(*d, "'done_if'");
    if (const Node* f = n.Find("failed_if")) p->failed_if = Condition(*f, "'failed_if'");
    if (const Node* i = n.Find("interval_ms")) {
      if (i->kind != Node::Kind::kNumber || i->number < 10 || i->number > 60000) {
        Error(*i, "bad-request", "'interval_ms' is a number from 10 to 60000");
      } else {
        p->interval_ms = static_cast<int>(i->number);
      }
    }
  }

  DiagnosticSink* sink_;
  const ConditionCompiler& conditions_;
  ActionType* t_;
};

}  // namespace

bool CompileActionType(const Node& name, const Node& node, DiagnosticSink* sink,
                       const ConditionCompiler& conditions, ActionType* out) {
  TypeCompiler c(sink, conditions, out);
  return c.Run(name, node);
}

void CheckActionParams(const ActionType& type, const Node& at, const Node* params,
                       DiagnosticSink* sink) {
  std::vector<std::string_view> names;
  for (const ParamSpec& p : type.params) names.push_back(p.name);
  std::set<std::string> given;
  if (params != nullptr && params->kind == Node::Kind::kMap) {
    for (const auto& [k, v] : params->entries) {
      given.insert(k.text);
      const ParamSpec* spec = type.FindParam(k.text);
      if (spec == nullptr) {
        sink->Error(k.file, k.mark.line, k.mark.column, "unknown-param",
                    "action type '" + type.name + "' has no parameter '" + k.text + "'" +
                        DidYouMeanSuffix(k.text, names) +
                        (names.empty() ? std::string(" (it takes none)") : std::string()));
        continue;
      }
      // Literal values are checked now; templated ones when rendered.
      bool literal = v.kind != Node::Kind::kString || v.text.find("{{") == std::string::npos;
      if (v.kind == Node::Kind::kSeq || v.kind == Node::Kind::kMap) {
        std::string s = NodeToJson(v).dump();
        literal = s.find("{{") == std::string::npos;
      }
      if (!literal) continue;
      std::string why;
      if (!CheckParamValue(*spec, NodeToJson(v), &why)) {
        sink->Error(v.file, v.mark.line, v.mark.column, "bad-param",
                    "parameter '" + k.text + "' of action type '" + type.name + "' " + why);
      }
    }
  }
  for (const ParamSpec& p : type.params) {
    if (p.required && given.count(p.name) == 0) {
      sink->Error(at.file, at.mark.line, at.mark.column, "missing-param",
                  "action type '" + type.name + "' requires parameter '" + p.name + "'");
    }
  }
}

}  // namespace proact::internal
