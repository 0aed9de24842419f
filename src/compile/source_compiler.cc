#include "compile/source_compiler.h"

#include <algorithm>
#include <string>

#include "compile/param_tree_builder.h"
#include "util/did_you_mean.h"
#include "util/strings.h"

namespace proact::internal {

const std::vector<KeySpec>& SourceKeys() {
  static const std::vector<KeySpec> keys = {
      {"source", "string", true,
       "the definition's name (lower-case letters, digits, '-'); a later definition of the same "
       "name replaces a built-in one"},
      {"description", "string", true, "what the source is and which deliveries it covers"},
      {"docs", "string", false, "where the source documents its payloads"},
      {"form-field", "string", false,
       "a form-encoded body (application/x-www-form-urlencoded) carries the JSON payload in "
       "this field"},
      {"recognize", "mapping", true,
       "an event pattern over the request document {headers, query, method, path, body}: the "
       "definition takes the payload when it holds"},
      {"handshakes", "list", false,
       "verification requests answered instead of producing events: {when, status, "
       "content-type, body}"},
      {"authenticate", "mapping", false,
       "how requests are verified when the host configures the secret: {secret, hmac | token}"},
      {"events", "string", false,
       "a template path (e.g. body.data.events[*]): one event per value; `map` reads the value "
       "as `event`"},
      {"map", "mapping", true,
       "the envelope: source and detail-type (required), id, account, time, region, resources, "
       "detail (templates over the request document, `event` and `request`)"},
  };
  return keys;
}

const std::vector<KeySpec>& SourceMapKeys() {
  static const std::vector<KeySpec> keys = {
      {"source", "string", true, "the envelope's source"},
      {"detail-type", "string", true, "the envelope's detail-type"},
      {"id", "string", false, "the event's id (default \"\")"},
      {"account", "string", false, "the account, tenant or organization (default \"\")"},
      {"time", "string", false, "when it happened, RFC 3339 (default \"\")"},
      {"region", "string", false, "the region (default \"\")"},
      {"resources", "list", false, "resource identifiers (default [])"},
      {"detail", "any", false, "the detail (default \"{{ event }}\": the payload unchanged)"},
  };
  return keys;
}

const std::vector<KeySpec>& SourceAuthKeys() {
  static const std::vector<KeySpec> keys = {
      {"secret", "string", true,
       "the secret's name: the host supplies its value (WebhookSecrets::named, or the "
       "environment variable PROACT_SECRET_<NAME>)"},
      {"hmac", "mapping", false, "an HMAC signature of the body in a header"},
      {"token", "mapping", false, "a shared token in a header or body field"},
  };
  return keys;
}

const std::vector<KeySpec>& SourceHmacKeys() {
  static const std::vector<KeySpec> keys = {
      {"header", "string", true, "the header holding the signature"},
      {"algorithm", "string", false, "sha256 (default), sha1 or sha512"},
      {"encoding", "string", false, "hex (default) or base64"},
      {"prefix", "string", false, "text before the digest, e.g. sha256="},
      {"separator", "string", false,
       "the header is a list of items split by this text; any item may carry the signature"},
      {"signed", "string", false,
       "what is signed: text with {body} and {timestamp} (default \"{body}\")"},
      {"timestamp", "mapping", false, "where the signed timestamp is: {header | item, max-age}"},
  };
  return keys;
}

const std::vector<KeySpec>& SourceTimestampKeys() {
  static const std::vector<KeySpec> keys = {
      {"header", "string", false, "a header holding the timestamp (seconds since the epoch)"},
      {"item", "string", false, "the item NAME=VALUE of the signature header's list"},
      {"max-age", "integer", false,
       "seconds a signed request stays valid, either way from now (default 300)"},
  };
  return keys;
}

const std::vector<KeySpec>& SourceTokenKeys() {
  static const std::vector<KeySpec> keys = {
      {"header", "string", false, "a header that must equal the secret"},
      {"field", "string", false,
       "a template path (e.g. body.value[*].clientState) whose every value must equal the "
       "secret"},
  };
  return keys;
}

const std::vector<KeySpec>& SourceHandshakeKeys() {
  static const std::vector<KeySpec> keys = {
      {"when", "mapping", true, "an event pattern over the request document"},
      {"status", "integer", false, "the HTTP status of the answer (default 200)"},
      {"content-type", "string", false,
       "the answer's content type (default application/json)"},
      {"body", "any", true, "the answer: a template string (text) or a mapping (JSON)"},
  };
  return keys;
}

const std::vector<std::string_view>& SourceTemplateRoots() {
  static const std::vector<std::string_view> roots = {"headers", "query", "method", "path",
                                                      "body",    "event", "request"};
  return roots;
}

namespace {

bool NameShaped(std::string_view s, bool underscore) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              (underscore && c == '_');
    if (!ok) return false;
  }
  return true;
}

class SourceCompiler {
 public:
  SourceCompiler(DiagnosticSink* sink, const ConditionCompiler& conditions)
      : sink_(sink), conditions_(conditions) {}

  bool Compile(const Node& n, SourceDefinition* out) {
    std::size_t errors = sink_->error_count();
    if (!Expect(n, Node::Kind::kMap, "a source definition")) return false;
    CheckMapKeys(n, SourceKeys(), "source definition", sink_);
    out->file = sink_->file_name(n.file) + ":" + std::to_string(n.mark.line);
    if (const Node* s = n.Find("source")) {
      if (String(*s, "'source'", &out->name) && !NameShaped(out->name, false)) {
        Error(*s, "bad-source-name",
              "source name '" + out->name +
                  "' must be 1-64 lower-case letters, digits and '-' (it appears in "
                  "NormalizedEvent::kind)");
      }
    }
    if (const Node* d = n.Find("description")) String(*d, "'description'", &out->description);
    if (const Node* d = n.Find("docs")) String(*d, "'docs'", &out->docs);
    if (const Node* f = n.Find("form-field")) {
      if (String(*f, "'form-field'", &out->form_field) && out->form_field.empty()) {
        Error(*f, "wrong-type", "'form-field' must name a field");
      }
    }
    if (const Node* r = n.Find("recognize")) {
      if (Expect(*r, Node::Kind::kMap, "'recognize'")) {
        CheckPatternRoots(*r, "'recognize'");
        out->recognize = conditions_(*r);
      }
    }
    if (const Node* h = n.Find("handshakes")) Handshakes(*h, out);
    if (const Node* a = n.Find("authenticate")) Auth(*a, &out->auth);
    if (const Node* e = n.Find("events")) {
      if (String(*e, "'events'", &out->events_text)) {
        out->has_events = Path(*e, &out->events);
      }
    }
    if (const Node* m = n.Find("map")) Map(*m, out);
    return sink_->error_count() == errors;
  }

 private:
  void Error(const Node& at, const std::string& code, const std::string& msg) {
    sink_->Error(at.file, at.mark.line, at.mark.column, code, msg);
  }
  bool Expect(const Node& n, Node::Kind kind, const std::string& what) {
    if (n.kind == kind) return true;
    Error(n, "wrong-type", what + " must be " + NodeKindName(kind) + ", not " + n.KindName());
    return false;
  }
  bool String(const Node& n, const std::string& what, std::string* out) {
    if (n.kind != Node::Kind::kString) {
      Error(n, "wrong-type", what + " must be a string, not " + n.KindName());
      return false;
    }
    *out = n.text;
    return true;
  }

  // A pattern over the request document: its top-level keys must be
  // fields of that document (a typo would silently never match).
  void CheckPatternRoots(const Node& pattern, const std::string& what) {
    static const std::vector<std::string_view> roots = {"headers", "query", "method", "path",
                                                        "body"};
    for (const auto& [k, v] : pattern.entries) {
      if (k.text == "$or") continue;
      if (std::find(roots.begin(), roots.end(), k.text) == roots.end()) {
        Error(k, "unknown-field",
              what + " tests '" + k.text + "', which the request document does not have" +
                  DidYouMeanSuffix(k.text, roots) +
                  " (fields: headers, query, method, path, body; header names lower-case)");
      }
      if (k.text == "headers" && v.kind == Node::Kind::kMap) {
        for (const auto& [hk, hv] : v.entries) {
          std::string lower = AsciiLower(hk.text);
          if (lower != hk.text) {
            Error(hk, "header-case",
                  "header names are matched lower-cased: write '" + lower + "'");
          }
        }
      }
    }
  }

  void Handshakes(const Node& n, SourceDefinition* out) {
    if (!Expect(n, Node::Kind::kSeq, "'handshakes'")) return;
    for (const Node& item : n.items) {
      if (!Expect(item, Node::Kind::kMap, "a handshake")) continue;
      CheckMapKeys(item, SourceHandshakeKeys(), "handshake", sink_);
      SourceHandshake h;
      if (const Node* w = item.Find("when")) {
        if (Expect(*w, Node::Kind::kMap, "'when'")) {
          CheckPatternRoots(*w, "'when'");
          h.condition = conditions_(*w);
        }
      }
      if (const Node* s = item.Find("status")) {
        if (s->kind != Node::Kind::kNumber || s->number < 100 || s->number > 599 ||
            s->number != static_cast<int>(s->number)) {
          Error(*s, "wrong-type", "'status' must be an HTTP status code (100-599)");
        } else {
          h.status = static_cast<int>(s->number);
        }
      }
      if (const Node* c = item.Find("content-type")) String(*c, "'content-type'", &h.content_type);
      if (const Node* b = item.Find("body")) {
        if (b->kind == Node::Kind::kString && item.Find("content-type") == nullptr) {
          h.content_type = "text/plain";
        }
        Tree(*b, &h.body);
      }
      out->handshakes.push_back(std::move(h));
    }
  }

  void Auth(const Node& n, SourceAuth* out) {
    if (!Expect(n, Node::Kind::kMap, "'authenticate'")) return;
    CheckMapKeys(n, SourceAuthKeys(), "'authenticate'", sink_);
    if (const Node* s = n.Find("secret")) {
      if (String(*s, "'secret'", &out->secret) && !NameShaped(out->secret, true)) {
        Error(*s, "bad-secret-name",
              "secret name '" + out->secret +
                  "' must be 1-64 lower-case letters, digits, '-' and '_' (the host supplies "
                  "its value as PROACT_SECRET_" + out->secret + ")");
      }
    }
    const Node* hmac = n.Find("hmac");
    const Node* token = n.Find("token");
    if ((hmac == nullptr) == (token == nullptr)) {
      Error(n, "missing-key", "'authenticate' must hold exactly one of 'hmac' and 'token'");
      return;
    }
    if (hmac != nullptr) {
      out->kind = SourceAuth::Kind::kHmac;
      if (!Expect(*hmac, Node::Kind::kMap, "'hmac'")) return;
      CheckMapKeys(*hmac, SourceHmacKeys(), "'hmac'", sink_);
      if (const Node* h = hmac->Find("header")) String(*h, "'header'", &out->header);
      if (const Node* a = hmac->Find("algorithm")) {
        if (String(*a, "'algorithm'", &out->algorithm) && out->algorithm != "sha1" &&
            out->algorithm != "sha256" && out->algorithm != "sha512") {
          Error(*a, "bad-value",
                "'algorithm' must be sha256, sha1 or sha512, not '" + out->algorithm + "'");
        }
      }
      if (const Node* e = hmac->Find("encoding")) {
        if (String(*e, "'encoding'", &out->encoding) && out->encoding != "hex" &&
            out->encoding != "base64") {
          Error(*e, "bad-value", "'encoding' must be hex or base64, not '" + out->encoding + "'");
        }
      }
      if (const Node* p = hmac->Find("prefix")) String(*p, "'prefix'", &out->prefix);
      if (const Node* s = hmac->Find("separator")) {
        if (String(*s, "'separator'", &out->separator) && out->separator.empty()) {
          Error(*s, "bad-value", "'separator' must not be empty");
        }
      }
      const Node* signed_node = hmac->Find("signed");
      if (signed_node != nullptr) String(*signed_node, "'signed'", &out->signed_text);
      if (signed_node != nullptr && out->signed_text.find("{body}") == std::string::npos) {
        Error(*signed_node, "bad-value",
              "'signed' must include {body}: a signature that does not cover the body "
              "authenticates nothing");
      }
      // Only {body} and {timestamp} may appear.
      for (std::size_t at = out->signed_text.find('{'); at != std::string::npos;
           at = out->signed_text.find('{', at + 1)) {
        std::size_t end = out->signed_text.find('}', at);
        std::string name = end == std::string::npos ? "" : out->signed_text.substr(at + 1, end - at - 1);
        if (name != "body" && name != "timestamp" && signed_node != nullptr) {
          Error(*signed_node, "bad-value",
                "'signed' may hold only {body} and {timestamp}, not '{" + name + "'");
          break;
        }
      }
      bool uses_timestamp = out->signed_text.find("{timestamp}") != std::string::npos;
      const Node* ts = hmac->Find("timestamp");
      if (ts != nullptr && Expect(*ts, Node::Kind::kMap, "'timestamp'")) {
        CheckMapKeys(*ts, SourceTimestampKeys(), "'timestamp'", sink_);
        if (const Node* h = ts->Find("header")) String(*h, "'header'", &out->timestamp_header);
        if (const Node* i = ts->Find("item")) {
          String(*i, "'item'", &out->timestamp_item);
          if (out->separator.empty()) {
            Error(*i, "missing-key",
                  "a timestamp 'item' is read from the signature header's list: set 'separator'");
          }
        }
        if (out->timestamp_header.empty() == out->timestamp_item.empty()) {
          Error(*ts, "missing-key", "'timestamp' must hold exactly one of 'header' and 'item'");
        }
        if (const Node* m = ts->Find("max-age")) {
          if (m->kind != Node::Kind::kNumber || m->number < 1 ||
              m->number != static_cast<std::int64_t>(m->number)) {
            Error(*m, "wrong-type", "'max-age' must be a positive number of seconds");
          } else {
            out->max_age_seconds = static_cast<std::int64_t>(m->number);
          }
        }
        if (!uses_timestamp) {
          Error(*ts, "bad-value",
                "'timestamp' is given but 'signed' does not include {timestamp}: the timestamp "
                "would not be covered by the signature");
        }
      } else if (uses_timestamp && signed_node != nullptr) {
        Error(*signed_node, "missing-key", "'signed' uses {timestamp}: say where it is ('timestamp')");
      }
    } else {
      out->kind = SourceAuth::Kind::kToken;
      if (!Expect(*token, Node::Kind::kMap, "'token'")) return;
      CheckMapKeys(*token, SourceTokenKeys(), "'token'", sink_);
      const Node* h = token->Find("header");
      const Node* f = token->Find("field");
      if ((h == nullptr) == (f == nullptr)) {
        Error(*token, "missing-key", "'token' must hold exactly one of 'header' and 'field'");
        return;
      }
      if (h != nullptr) String(*h, "'header'", &out->header);
      if (f != nullptr && String(*f, "'field'", &out->token_field_text)) Path(*f, &out->token_field);
    }
  }

  // A template path whose root is a request-document field.
  bool Path(const Node& n, std::vector<PathStep>* out) {
    std::string error;
    std::size_t offset = 0;
    if (!ParseFieldPath(n.text, out, &error, &offset)) {
      sink_->Error(n.file, n.mark.line, ScalarColumn(n, offset),
                   "bad-path", error);
      return false;
    }
    return CheckRoot(n, (*out)[0], n.text);
  }

  bool CheckRoot(const Node& n, const PathStep& root, const std::string& text) {
    const auto& roots = SourceTemplateRoots();
    if (!root.is_index && std::find(roots.begin(), roots.end(), root.key) != roots.end()) {
      return true;
    }
    std::size_t at = n.text.find(text);
    sink_->Error(n.file, n.mark.line,
                 ScalarColumn(n, at == std::string::npos ? 0 : at),
                 "unknown-field",
                 "'" + text + "' does not start from the request document" +
                     DidYouMeanSuffix(root.key, roots) +
                     " (roots: headers, query, method, path, body, event, request)");
    return false;
  }

  void Map(const Node& n, SourceDefinition* out) {
    if (!Expect(n, Node::Kind::kMap, "'map'")) return;
    CheckMapKeys(n, SourceMapKeys(), "'map'", sink_);
    for (const KeySpec& spec : SourceMapKeys()) {
      const Node* v = n.Find(spec.name);
      ParamTree tree;
      if (v == nullptr) continue;
      if (spec.name == "resources" && v->kind != Node::Kind::kSeq && v->kind != Node::Kind::kString) {
        Error(*v, "wrong-type", "'resources' must be a list or a template, not " +
                                    std::string(v->KindName()));
        continue;
      }
      if (spec.name != "detail" && spec.name != "resources" && v->kind != Node::Kind::kString) {
        Error(*v, "wrong-type",
              "'" + std::string(spec.name) + "' must be a string (a template), not " + v->KindName());
        continue;
      }
      Tree(*v, &tree);
      out->map.emplace_back(std::string(spec.name), std::move(tree));
    }
  }

  void Tree(const Node& n, ParamTree* out) {
    BuildParamTree(n, [this](const Node& s, ParamTree* o) { StringLeaf(s, o); }, out);
  }

  // A string: a literal, or a template over the request document.
  void StringLeaf(const Node& n, ParamTree* out) {
    Template t;
    if (!ParseTemplateLeaf(n, sink_, out, &t)) return;
    for (const TemplateExpr& e : t.exprs) {
      ForEachPath(e, [&](const std::vector<PathStep>& path, const std::string& text) {
        for (const PathStep& step : path) {
          if (step.each == PathStep::Each::kMatched) {
            std::size_t at = n.text.find(text);
            sink_->Error(n.file, n.mark.line, ScalarColumn(n, at == std::string::npos ? 0 : at),
                         "bad-path",
                         "'[matched]' is for policy actions; a source has no match: use "
                         "'[*]' or an index");
            return;
          }
        }
        CheckRoot(n, path[0], text);
      });
    }
    out->kind = ParamTree::Kind::kTemplate;
    out->tmpl = std::move(t);
    return;
  }

  DiagnosticSink* sink_;
  const ConditionCompiler& conditions_;
};

}  // namespace

bool CompileSourceDefinition(const Node& node, DiagnosticSink* sink,
                             const ConditionCompiler& conditions, SourceDefinition* out) {
  SourceCompiler c(sink, conditions);
  return c.Compile(node, out);
}

}  // namespace proact::internal
