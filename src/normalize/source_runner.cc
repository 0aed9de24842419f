#include "normalize/source_runner.h"

#include <chrono>
#include <cstdlib>

#include "action/template.h"
#include "compile/policy_compiler.h"
#include "load/diagnostic_sink.h"
#include "match/condition.h"
#include "match/explainer.h"
#include "match/scratch.h"
#include "normalize/codec.h"
#include "normalize/embedded_sources.h"
#include "normalize/webhook_auth.h"
#include "util/json_parse.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace proact::internal {

using Json = nlohmann::json;

const std::vector<SourceRef>& BuiltinSources() {
  static const std::vector<SourceRef> refs = [] {
    std::vector<SourceRef> out;
    std::vector<PolicySource> files;
    for (std::size_t i = 0; i < kEmbeddedSourceCount; ++i) {
      files.push_back({std::string("(built-in) rules/sources/") + kEmbeddedSourceNames[i],
                       kEmbeddedSources[i]});
    }
    static Program program;
    DiagnosticSink sink;
    if (!CompilePolicies(files, CompileOptions(), &sink, &program)) return out;
    for (const SourceDefinition& d : program.sources) out.push_back({&program, &d});
    return out;
  }();
  return refs;
}

namespace {

// Templates over a request document. Paths from `event` and `request`
// (when given) are read in those values, every other path in `doc`, so the
// document is never copied to add them.
class DocFields : public FieldSource {
 public:
  explicit DocFields(const Json* doc, const Json* event = nullptr, const Json* request = nullptr)
      : doc_(doc), event_(event), request_(request) {}
  bool Lookup(const std::vector<PathStep>& path, Json* out) const override {
    const Json* cur = doc_;
    std::size_t first = 0;
    if (!path.empty() && !path[0].is_index && (path[0].key == "event" || path[0].key == "request")) {
      cur = path[0].key == "event" ? event_ : request_;
      if (cur == nullptr) return false;
      first = 1;
    }
    for (std::size_t i = first; i < path.size(); ++i) {
      const PathStep& step = path[i];
      if (step.is_index) {
        if (!cur->is_array() || step.index >= cur->size()) return false;
        cur = &(*cur)[step.index];
      } else {
        if (!cur->is_object()) return false;
        auto it = cur->find(step.key);
        if (it == cur->end()) return false;
        cur = &*it;
      }
    }
    *out = *cur;
    return true;
  }

 private:
  const Json* doc_;
  const Json* event_;
  const Json* request_;
};

std::int64_t NowSeconds(const WebhookSecrets& s) {
  if (s.now) return s.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitItems(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t at = s.find(sep);
    out.push_back(TrimSpaces(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + sep.size());
  }
  return out;
}

// "" when the request is authentic under `a`, else why not.
std::string Verify(const SourceDefinition& d, std::string_view secret, const WebhookSecrets& s,
                   const Headers& headers, std::string_view body, const Json& doc) {
  const SourceAuth& a = d.auth;
  const std::string& name = d.name;
  if (a.kind == SourceAuth::Kind::kToken) {
    if (!a.header.empty()) {
      auto token = HeaderValue(headers, a.header);
      if (!token) return name + " request without the " + a.header + " header";
      if (!ConstantTimeEquals(*token, secret)) return name + " " + a.header + " header does not match";
      return {};
    }
    Json values;
    DocFields fields(&doc);
    if (!LookupPath(fields, a.token_field, &values)) {
      return name + " request without " + a.token_field_text;
    }
    if (!values.is_array()) values = Json::array({values});
    if (values.empty()) return name + " request without " + a.token_field_text;
    for (const Json& v : values) {
      if (!v.is_string() || !ConstantTimeEquals(v.get<std::string>(), secret)) {
        return name + " " + a.token_field_text + " does not match";
      }
    }
    return {};
  }
  auto header = HeaderValue(headers, a.header);
  if (!header) return name + " request without the " + a.header + " header";
  std::vector<std::string_view> items;
  if (a.separator.empty()) items.push_back(TrimSpaces(*header));
  else items = SplitItems(*header, a.separator);
  std::string signed_text = a.signed_text;
  if (signed_text.find("{timestamp}") != std::string::npos) {
    std::string ts;
    if (!a.timestamp_header.empty()) {
      auto v = HeaderValue(headers, a.timestamp_header);
      if (!v) return name + " request without the " + a.timestamp_header + " header";
      ts = std::string(TrimSpaces(*v));
    } else {
      std::string key = a.timestamp_item + "=";
      for (std::string_view item : items) {
        if (item.substr(0, key.size()) == key) {
          ts = std::string(item.substr(key.size()));
          break;
        }
      }
      if (ts.empty()) return name + " " + a.header + " header without a " + key + " item";
    }
    char* end = nullptr;
    long long when = std::strtoll(ts.c_str(), &end, 10);
    if (ts.empty() || *end != '\0') return name + " request timestamp is not a number";
    std::int64_t max_age = a.max_age_seconds > 0 ? a.max_age_seconds : s.max_clock_skew_seconds;
    if (std::llabs(NowSeconds(s) - when) > max_age) {
      return name + " request timestamp is more than " + std::to_string(max_age) +
             " s away from now (replayed?)";
    }
    for (std::size_t at; (at = signed_text.find("{timestamp}")) != std::string::npos;) {
      signed_text.replace(at, 11, ts);
    }
  }
  std::string data;
  std::size_t at = signed_text.find("{body}");
  data.reserve(signed_text.size() + body.size());
  data.append(signed_text, 0, at);
  data.append(body);
  data.append(signed_text, at + 6, std::string::npos);
  std::optional<std::string> expected = HmacSignature(a.algorithm, a.encoding, a.prefix, secret, data);
  if (!expected) return name + ": unknown HMAC algorithm '" + a.algorithm + "'";
  bool ok = false;
  for (std::string_view item : items) ok |= ConstantTimeEquals(*expected, item);
  if (!ok) return name + " signature does not match the body";
  return {};
}

// The request document's `body`: parsed JSON, else the text, else null.
Json BodyValue(std::string_view text) {
  if (text.empty()) return nullptr;
  Json parsed;
  if (ParseJson(text, &parsed) == JsonParse::kOk) return parsed;
  if (IsValidUtf8(text)) return Json(std::string(text));
  return nullptr;
}

class Runner {
 public:
  Runner(const WebhookSecrets& secrets, const SourceRequest& request, std::vector<SourceTrace>* trace)
      : secrets_(secrets), request_(request), trace_(trace) {
    Json headers = Json::object();
    if (request.headers != nullptr) {
      for (const auto& [k, v] : *request.headers) {
        std::string lower = AsciiLower(k);
        if (!headers.contains(lower)) headers[lower] = IsValidUtf8(v) ? v : std::string();
      }
    }
    base_ = Json::object();
    base_["headers"] = std::move(headers);
    base_["query"] = request.query.is_object() ? request.query : Json::object();
    base_["method"] = request.method;
    base_["path"] = request.path;
    if (request.http) {
      std::string ct(HeaderValue(*request.headers, "content-type").value_or(""));
      form_ = ct.find("application/x-www-form-urlencoded") != std::string::npos;
    }
  }

  SourceOutcome Run(const std::vector<SourceRef>& sources) {
    SourceOutcome out;
    // A definition whose signature header the request carries checks it,
    // whether or not the definition recognizes the body: a forged request
    // cannot avoid the check by changing the body.
    if (request_.http) {
      for (const SourceRef& ref : sources) {
        const SourceAuth& a = ref.def->auth;
        if (a.kind == SourceAuth::Kind::kNone || a.header.empty()) continue;
        std::string_view secret = Secret(a.secret);
        if (secret.empty() || !HeaderValue(*request_.headers, a.header)) continue;
        Doc& doc = DocFor(*ref.def);
        std::string why = Verify(*ref.def, secret, secrets_, *request_.headers,
                                 request_.raw_body, JsonOf(doc));
        if (!why.empty()) return Rejected(ref.def->name, why);
        authenticated_ = true;
      }
    }
    for (const SourceRef& ref : sources) {
      const SourceDefinition& d = *ref.def;
      Doc& doc = DocFor(d);
      bool holds = ConditionHoldsText(*ref.program, d.recognize, doc.text);
      if (trace_ != nullptr) Trace(ref, doc, holds);
      if (!holds) continue;
      return Take(ref, doc);
    }
    return out;
  }

  bool authenticated() const { return authenticated_; }

 private:
  struct Doc {
    // The request document {headers, query, method, path, body}: as a
    // value, built when first needed (JsonOf); as text, what the
    // definitions' conditions read. A JSON body that every reader reads the
    // same is spliced into the text as it came, without being parsed into
    // a value: most requests are recognized by no definition, and only the
    // one that takes a request reads the value.
    Json json;
    bool json_built = false;
    std::string text;
    bool body_json = false;  // body is a JSON object or array
    std::string body_error;  // why it is not, for a definition that takes it
  };

  std::string_view Secret(const std::string& name) const {
    auto it = secrets_.named.find(name);
    return it == secrets_.named.end() ? std::string_view() : std::string_view(it->second);
  }

  // The document's value (built on first use when the text was spliced).
  const Json& JsonOf(Doc& doc) {
    if (!doc.json_built) {
      doc.json = base_;
      doc.json["body"] = BodyValue(request_.raw_body);
      doc.json_built = true;
    }
    return doc.json;
  }

  // The document for definition `d`: the body read as d reads it (the
  // field of a form, or the whole body).
  Doc& DocFor(const SourceDefinition& d) {
    std::string key = request_.http && form_ ? d.form_field : std::string();
    auto it = docs_.find(key);
    if (it != docs_.end()) return it->second;
    Doc doc;
    std::string_view raw = TrimJsonSpace(request_.raw_body);
    if (request_.http && key.empty() && !raw.empty() && (raw[0] == '{' || raw[0] == '[') &&
        PassesJsonCheck(raw)) {
      doc.text = base_.dump(-1, ' ', false, Json::error_handler_t::replace);
      doc.text.pop_back();  // base_ is an object: its closing brace
      doc.text.append(",\"body\":").append(raw).push_back('}');
      doc.body_json = true;
      return docs_.emplace(std::move(key), std::move(doc)).first->second;
    }
    doc.json = base_;
    doc.json_built = true;
    if (!request_.http) {
      doc.json["body"] = request_.value != nullptr ? *request_.value : Json();
      doc.body_json = request_.value != nullptr &&
                      (request_.value->is_object() || request_.value->is_array());
      if (!doc.body_json) doc.body_error = "the payload is not a JSON object or array";
    } else {
      std::string_view text = request_.raw_body;
      std::optional<std::string> field;
      if (!key.empty()) {
        field = FormField(text, key);
        if (!field) doc.body_error = "form-encoded request without a '" + key + "' field";
        else text = *field;
      }
      Json body = key.empty() || field ? BodyValue(text) : Json();
      doc.body_json = body.is_object() || body.is_array();
      if (!doc.body_json && doc.body_error.empty()) {
        std::string err;
        Json ignored;
        doc.body_error = ParseJson(text, &ignored, &err) == JsonParse::kOk
                             ? std::string("the body is JSON but not an object or array")
                             : "the body is not JSON: " + (text.empty() ? std::string("empty") : err);
      }
      doc.json["body"] = std::move(body);
    }
    doc.text = doc.json.dump(-1, ' ', false, Json::error_handler_t::replace);
    return docs_.emplace(std::move(key), std::move(doc)).first->second;
  }

  void Trace(const SourceRef& ref, const Doc& doc, bool holds) {
    SourceTrace t;
    t.source = ref.def->name;
    t.defined_at = ref.def->file;
    t.recognized = holds;
    if (!holds && ref.def->recognize >= 0) {
      const Program& cond = *ref.program->conditions[ref.def->recognize];
      ScratchRep scratch;
      EngineOptions options;
      options.raw_events = true;
      std::string text;
      if (Explain(cond, options, doc.text, "condition", &scratch, &text).ok()) {
        // Without the first line, which names the internal "condition".
        std::size_t eol = text.find('\n');
        t.explanation = eol == std::string::npos ? text : text.substr(eol + 1);
      }
    }
    trace_->push_back(std::move(t));
  }

  SourceOutcome Rejected(const std::string& source, const std::string& why) {
    SourceOutcome out;
    out.kind = SourceOutcome::Kind::kRejected;
    out.source = source;
    out.message = why;
    return out;
  }

  SourceOutcome Take(const SourceRef& ref, Doc& doc) {
    const Json& json = JsonOf(doc);
    const SourceDefinition& d = *ref.def;
    SourceOutcome out;
    out.source = d.name;
    const Json request = {{"time", request_.request_time}, {"id", request_.request_id}};
    // Handshakes are answered before authentication: some sources do not
    // sign them (Microsoft Graph's validation request has no body), and an
    // answer only echoes what the request sent; no event is made of it.
    for (const SourceHandshake& h : d.handshakes) {
      if (!ConditionHoldsText(*ref.program, h.condition, doc.text)) continue;
      DocFields source(&json, nullptr, &request);
      Json body;
      std::string error;
      if (!RenderParams(h.body, source, &body, &error)) {
        out.kind = SourceOutcome::Kind::kError;
        out.message = d.name + ": handshake answer: " + error;
        return out;
      }
      out.kind = SourceOutcome::Kind::kChallenge;
      out.challenge.status = h.status;
      out.challenge.content_type = h.content_type;
      out.challenge.body = body.is_string() ? body.get<std::string>()
                                            : body.dump(-1, ' ', false, Json::error_handler_t::replace);
      return out;
    }
    if (request_.http && d.auth.kind != SourceAuth::Kind::kNone) {
      std::string_view secret = Secret(d.auth.secret);
      if (!secret.empty()) {
        std::string why = Verify(d, secret, secrets_, *request_.headers, request_.raw_body, json);
        if (!why.empty()) return Rejected(d.name, why);
        authenticated_ = true;
      }
    }
    if (!doc.body_json) {
      out.kind = SourceOutcome::Kind::kError;
      out.message = d.name + ": " + doc.body_error;
      return out;
    }
    out.kind = SourceOutcome::Kind::kEvents;
    std::string prefix = request_.http ? ".body" : "";
    const Json& body = json["body"];
    if (!d.has_events) {
      out.events.push_back(Map(d, DocFields(&json, &body, &request), body, prefix));
      return out;
    }
    Json list;
    if (!LookupPath(DocFields(&json, &body, &request), d.events, &list) || !list.is_array() ||
        list.empty()) {
      out.kind = SourceOutcome::Kind::kError;
      out.message = d.name + ": no events at " + d.events_text;
      return out;
    }
    // The origin of element i: the path with its (first) [*] as [i].
    std::string path = d.events_text;
    if (path.rfind("body", 0) == 0) path = path.substr(4);
    std::size_t star = path.find("[*]");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string where = star == std::string::npos
                              ? path + "[" + std::to_string(i) + "]"
                              : path.substr(0, star) + "[" + std::to_string(i) + "]" + path.substr(star + 3);
      out.events.push_back(Map(d, DocFields(&json, &list[i], &request), list[i], prefix + where));
    }
    return out;
  }

  // The envelope of `event`, its templates read through `source`.
  static SourceEvent Map(const SourceDefinition& d, const DocFields& source, const Json& event,
                         std::string origin) {
    SourceEvent e;
    e.origin = std::move(origin);
    Json env = Json::object();
    env["version"] = "0";
    env["id"] = "";
    env["detail-type"] = "";
    env["source"] = "";
    env["account"] = "";
    env["time"] = "";
    env["region"] = "";
    env["resources"] = Json::array();
    env["detail"] = event;
    for (const auto& [key, tree] : d.map) {
      Json v;
      std::string error;
      if (!RenderParams(tree, source, &v, &error)) {
        e.ok = false;
        e.error = d.name + ": map " + key + ": " + error;
        return e;
      }
      if (key == "resources") {
        if (v.is_null()) v = Json::array();
        if (!v.is_array()) v = Json::array({v});
      } else if (key != "detail" && !v.is_string()) {
        if (v.is_null()) v = "";
        else v = TemplateValueText(v);
      }
      env[key] = std::move(v);
    }
    if (env["source"].get_ref<const std::string&>().empty() ||
        env["detail-type"].get_ref<const std::string&>().empty()) {
      e.ok = false;
      e.error = d.name + ": the map rendered an empty " +
                (env["source"].get_ref<const std::string&>().empty() ? "source" : "detail-type");
      return e;
    }
    e.envelope = std::move(env);
    return e;
  }

  const WebhookSecrets& secrets_;
  const SourceRequest& request_;
  std::vector<SourceTrace>* trace_;
  Json base_;
  bool form_ = false;
  bool authenticated_ = false;
  std::map<std::string, Doc> docs_;
};

}  // namespace

SourceOutcome RunSources(const std::vector<SourceRef>& sources, const WebhookSecrets& secrets,
                         const SourceRequest& request, std::vector<SourceTrace>* trace) {
  Runner runner(secrets, request, trace);
  SourceOutcome out = runner.Run(sources);
  out.authenticated = runner.authenticated();
  return out;
}

}  // namespace proact::internal
