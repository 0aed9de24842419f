#include "action/request_builder.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "util/strings.h"
#include "util/xml_json.h"

namespace proact::internal {

namespace {

// The value at path[1...] under `root`; false when root is null or a step
// is missing.
bool Walk(const nlohmann::json* root, const std::vector<PathStep>& path, nlohmann::json* out) {
  const nlohmann::json* cur = root;
  if (cur == nullptr) return false;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const PathStep& s = path[i];
    if (s.is_index) {
      if (!cur->is_array() || s.index >= cur->size()) return false;
      cur = &(*cur)[s.index];
    } else {
      if (!cur->is_object()) return false;
      auto it = cur->find(s.key);
      if (it == cur->end()) return false;
      cur = &*it;
    }
  }
  *out = *cur;
  return true;
}

class ContextFields : public FieldSource {
 public:
  explicit ContextFields(const RequestContext& ctx) : ctx_(ctx) {}

  bool Lookup(const std::vector<PathStep>& path, nlohmann::json* out) const override {
    if (path.empty() || path[0].is_index || (path.size() > 1 && path[1].is_index)) return false;
    const std::string& root = path[0].key;
    if (root == "item") {
      if (ctx_.item == nullptr && ctx_.plan && ctx_.item_unknown) {
        *out = "<" + Shown(path) + ">";
        return true;
      }
      return Walk(ctx_.item, path, out);
    }
    if (path.size() < 2) return false;
    if (root == "config") {
      if (ctx_.plan || !ctx_.config) {
        *out = "<config." + path[1].key + ">";
        return true;
      }
      std::string value;
      if (!ctx_.config(path[1].key, &value)) return false;
      *out = std::move(value);
      return true;
    }
    if (root == "secrets") {
      if (ctx_.plan || !ctx_.secret) {
        *out = "[secret " + path[1].key + "]";
        return true;
      }
      std::string value, error;
      if (!ctx_.secret(path[1].key, &value, &error)) return false;
      *out = std::move(value);
      return true;
    }
    if (root == "params") return Walk(ctx_.params, path, out);
    if (root != "steps") return false;
    if (!ctx_.plan) return Walk(ctx_.steps, path, out);
    *out = "<" + Shown(path) + ">";
    return true;
  }

  std::string MissingReason(const std::vector<PathStep>& path) const override {
    if (path.size() < 2 || path[0].is_index || path[1].is_index) return "";
    if (path[0].key == "config") {
      return "config." + path[1].key + " is not set (the environment variable PROACT_CONFIG_" +
             path[1].key + ")";
    }
    if (path[0].key == "secrets" && ctx_.secret) {
      std::string value, error;
      if (!ctx_.secret(path[1].key, &value, &error)) return error;
    }
    return "";
  }

  bool Unknown(const std::vector<PathStep>& path) const override {
    if (!ctx_.plan || path.empty() || path[0].is_index) return false;
    const std::string& root = path[0].key;
    return root == "steps" || root == "config" ||
           (root == "item" && ctx_.item == nullptr && ctx_.item_unknown);
  }

  static std::string Shown(const std::vector<PathStep>& path) {
    std::string shown = path[0].key;
    for (std::size_t i = 1; i < path.size(); ++i) {
      shown += path[i].is_index ? path[i].IndexText() : "." + path[i].key;
    }
    return shown;
  }


 private:
  const RequestContext& ctx_;
};

bool Render(const Template& t, const RequestContext& ctx, nlohmann::json* out, std::string* error,
            bool* missing = nullptr) {
  ContextFields fields(ctx);
  return RenderTemplate(t, fields, out, error, missing);
}

bool IsDnsName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : s) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (prev == '.' || prev == '-') return false;
      label = 0;
    } else if (c == '-') {
      if (prev == '.') return false;
      ++label;
    } else if (alnum) {
      ++label;
    } else {
      return false;
    }
    if (label > 63) return false;
    prev = c;
  }
  return prev != '.' && prev != '-';
}

std::string ExprText(const TemplateExpr& e) { return "{{ " + e.path_text + " }}"; }

// Renders the parts of `t`, passing each hole's text to `place`, which may
// reject or encode it.
bool RenderParts(const Template& t, const RequestContext& ctx,
                 const std::function<bool(const TemplateExpr&, std::string*, std::string*)>& place,
                 std::string* out, std::string* error) {
  ContextFields fields(ctx);
  for (std::size_t i = 0; i < t.expr_index.size(); ++i) {
    if (t.expr_index[i] < 0) {
      out->append(t.literals[i]);
      continue;
    }
    const TemplateExpr& e = t.exprs[t.expr_index[i]];
    Template one;
    one.literals = {""};
    one.expr_index = {0};
    one.exprs = {e};
    one.whole_value = true;
    nlohmann::json v;
    if (!RenderTemplate(one, fields, &v, error)) return false;
    if (v.is_null()) {
      // Never the text "null" in a host or a path.
      *error = ExprText(e) + " renders null";
      return false;
    }
    std::string text = TemplateValueText(v);
    if (!place(e, &text, error)) return false;
    out->append(text);
  }
  return true;
}

enum class Test { kFalse, kTrue, kUnknown, kError };
Test Truthy(const Template& t, const RequestContext& ctx, std::string* error);

// A choice without `else` whose test fails: its place is left out.
bool Omitted(const ParamTree& tree, const RequestContext& ctx, const std::string& where, bool* omit,
             std::string* error) {
  *omit = false;
  if (tree.kind != ParamTree::Kind::kChoice || tree.items.size() > 1) return true;
  Test test = Truthy(tree.tmpl, ctx, error);
  if (test == Test::kError) {
    *error = "body '" + where + "': when: " + *error;
    return false;
  }
  *omit = test == Test::kFalse;
  return true;
}

// An ordered rendering of a body tree (XML element order matters).
bool RenderTree(const ParamTree& tree, const RequestContext& ctx, const std::string& where,
                nlohmann::ordered_json* out, std::string* error) {
  switch (tree.kind) {
    case ParamTree::Kind::kLiteral:
      *out = nlohmann::ordered_json(tree.literal);
      return true;
    case ParamTree::Kind::kTemplate: {
      nlohmann::json v;
      if (!Render(tree.tmpl, ctx, &v, error)) {
        *error = "body '" + where + "': " + *error;
        return false;
      }
      *out = nlohmann::ordered_json(v);
      return true;
    }
    case ParamTree::Kind::kObject:
      *out = nlohmann::ordered_json::object();
      for (const auto& m : tree.members) {
        bool omit = false;
        if (!Omitted(m.second, ctx, where.empty() ? m.first : where + "." + m.first, &omit, error)) {
          return false;
        }
        if (omit) continue;
        nlohmann::ordered_json v;
        if (!RenderTree(m.second, ctx, where.empty() ? m.first : where + "." + m.first, &v, error)) {
          return false;
        }
        (*out)[m.first] = std::move(v);
      }
      return true;
    case ParamTree::Kind::kArray:
      *out = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < tree.items.size(); ++i) {
        bool omit = false;
        if (!Omitted(tree.items[i], ctx, where + "[" + std::to_string(i) + "]", &omit, error)) {
          return false;
        }
        if (omit) continue;
        nlohmann::ordered_json v;
        if (!RenderTree(tree.items[i], ctx, where + "[" + std::to_string(i) + "]", &v, error)) {
          return false;
        }
        out->push_back(std::move(v));
      }
      return true;
    case ParamTree::Kind::kChoice: {
      // In a plan, an unknown test shows the value.
      Test test = Truthy(tree.tmpl, ctx, error);
      if (test == Test::kError) {
        *error = "body '" + where + "': when: " + *error;
        return false;
      }
      if (test != Test::kFalse) return RenderTree(tree.items[0], ctx, where, out, error);
      if (tree.items.size() > 1) return RenderTree(tree.items[1], ctx, where, out, error);
      *out = nullptr;  // a root left out: nothing to leave it out of
      return true;
    }
  }
  return false;
}

std::string Base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(len < 0 ? 0 : static_cast<std::size_t>(len));
  return out;
}

std::string Md5Base64(std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_md5(), nullptr);
  return Base64(md, len);
}

}  // namespace


bool CheckParams(const ActionType& type, const nlohmann::json& params, std::string* error) {
  if (!params.is_object()) {
    *error = "params must be an object";
    return false;
  }
  for (auto it = params.begin(); it != params.end(); ++it) {
    const ParamSpec* spec = type.FindParam(it.key());
    if (spec == nullptr) {
      *error = "action type '" + type.name + "' has no parameter '" + it.key() + "'";
      return false;
    }
    std::string why;
    if (!CheckParamValue(*spec, *it, &why)) {
      *error = "parameter '" + it.key() + "' " + why;
      return false;
    }
  }
  for (const ParamSpec& p : type.params) {
    if (p.required && !params.contains(p.name)) {
      *error = "parameter '" + p.name + "' is required";
      return false;
    }
  }
  return true;
}

namespace {

// A value other than null, false, "" (a missing field counts as null). In
// a plan, a test that reads a value known only when sending (an answer, an
// element of a list still to be read) is unknown.
Test Truthy(const Template& t, const RequestContext& ctx, std::string* error) {
  if (ctx.plan) {
    bool unknown = false;
    for (const TemplateExpr& e : t.exprs) {
      ForEachPath(e, [&](const std::vector<PathStep>& path, const std::string&) {
        if (path[0].key == "steps" || path[0].key == "config" ||
            (path[0].key == "item" && ctx.item == nullptr)) {
          unknown = true;
        }
      });
    }
    if (unknown) return Test::kUnknown;
  }
  nlohmann::json v;
  bool missing = false;
  std::string why;
  if (!Render(t, ctx, &v, &why, &missing)) {
    // A missing field (or unset config) is null; a filter refusing its
    // value is an error, never a silent "no".
    if (missing) return Test::kFalse;
    *error = why;
    return Test::kError;
  }
  if (v.is_null() || (v.is_boolean() && !v.get<bool>())) return Test::kFalse;
  if (v.is_string() && (v.get_ref<const std::string&>().empty() || v == "null" || v == "false")) {
    return Test::kFalse;
  }
  return Test::kTrue;
}

std::string ScalarText(const nlohmann::ordered_json& v) {
  return v.is_string() ? v.get<std::string>()
                       : v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// A form body: fields in order; "{n}" names repeat per array element.
bool RenderForm(const ParamTree& body, const RequestContext& ctx, std::string* form,
                std::string* error) {
  auto add = [&](const std::string& name, const nlohmann::ordered_json& v) -> bool {
    if (v.is_null()) return true;  // a nullable parameter: not sent
    if (v.is_structured()) {
      *error = "form value '" + name + "' is not a scalar";
      return false;
    }
    if (!form->empty()) *form += '&';
    *form += PercentEncode(name) + "=" + PercentEncode(ScalarText(v));
    return true;
  };
  for (const auto& m : body.members) {
    std::size_t slot = m.first.find("{n}");
    if (slot == std::string::npos) {
      bool omit = false;
      if (!Omitted(m.second, ctx, m.first, &omit, error)) return false;
      if (omit) continue;
      nlohmann::ordered_json v;
      if (!RenderTree(m.second, ctx, m.first, &v, error) || !add(m.first, v)) return false;
      continue;
    }
    // The list, and how each element becomes a value.
    const ParamTree* each = &m.second;
    const ParamTree* value = nullptr;
    if (m.second.kind == ParamTree::Kind::kObject) {
      each = value = nullptr;
      for (const auto& mm : m.second.members) {
        if (mm.first == "each") each = &mm.second;
        else if (mm.first == "value") value = &mm.second;
      }
      if (each == nullptr || value == nullptr || m.second.members.size() != 2) {
        *error = "form field '" + m.first + "' repeats: its value is a list template, or {each, value}";
        return false;
      }
    }
    nlohmann::ordered_json list;
    if (!RenderTree(*each, ctx, m.first, &list, error)) return false;
    if (list.is_null()) continue;
    if (!list.is_array()) {
      if (ctx.plan && list.is_string()) list = nlohmann::ordered_json::array({list});  // a placeholder
      else {
        *error = "form field '" + m.first + "' repeats over a value that is not a list";
        return false;
      }
    }
    std::size_t n = 0;
    for (const auto& element : list) {
      ++n;
      std::string name = m.first.substr(0, slot) + std::to_string(n) + m.first.substr(slot + 3);
      nlohmann::ordered_json v = element;
      if (value != nullptr) {
        nlohmann::json item = nlohmann::json::parse(element.dump(), nullptr, false);
        RequestContext inner = ctx;
        inner.item = &item;
        if (!RenderTree(*value, inner, name, &v, error)) return false;
      }
      if (!add(name, v)) return false;
    }
  }
  return true;
}

}  // namespace

bool ForEachItems(const RequestSpec& spec, const RequestContext& ctx,
                  std::vector<nlohmann::json>* items, bool* unknown, std::string* error) {
  items->clear();
  *unknown = false;
  nlohmann::json list;
  if (!Render(spec.for_each, ctx, &list, error)) {
    *error = "request '" + spec.name + "': for_each: " + *error;
    return false;
  }
  // XML answers: an empty element reads as "", a single child as an object.
  if (list.is_null() || list == "") return true;
  if (list.is_object()) list = nlohmann::json::array({std::move(list)});
  if (!list.is_array()) {
    if (ctx.plan && list.is_string()) {  // a placeholder: <steps.X...>
      *unknown = true;
      return true;
    }
    *error = "request '" + spec.name + "': for_each renders " + std::string(list.type_name()) +
             ", not a list";
    return false;
  }
  if (list.size() > kMaxForEachItems) {
    *error = "request '" + spec.name + "': for_each renders " + std::to_string(list.size()) +
             " elements, more than " + std::to_string(kMaxForEachItems);
    return false;
  }
  for (auto& e : list) items->push_back(std::move(e));
  return true;
}

bool ShouldSend(const RequestSpec& spec, const RequestContext& ctx, std::string* error) {
  error->clear();
  // In a plan, an unknown test shows the request.
  for (bool when : {true, false}) {
    if (when ? !spec.has_when : !spec.has_unless) continue;
    Test t = Truthy(when ? spec.when : spec.unless, ctx, error);
    if (t == Test::kError) {
      *error = "request '" + spec.name + "': " + (when ? "when" : "unless") + ": " + *error;
      return false;
    }
    if (t == (when ? Test::kFalse : Test::kTrue)) return false;
  }
  return true;
}

bool RenderText(const Template& t, const RequestContext& ctx, std::string* out,
                std::string* error) {
  nlohmann::json v;
  if (!Render(t, ctx, &v, error)) return false;
  *out = TemplateValueText(v);
  return true;
}

bool BuildAssumeRoot(const ActionType& type, const RequestContext& ctx, AssumeRootCall* out,
                     std::string* error) {
  const CredentialSpec& c = type.credentials;
  std::string target, region;
  if (!RenderText(c.assume_root.target, ctx, &target, error)) {
    *error = "credentials assume_root target: " + *error;
    return false;
  }
  if (!c.has_region || !RenderText(c.region, ctx, &region, error)) {
    *error = "credentials region: " + (c.has_region ? *error : std::string("missing"));
    return false;
  }
  if (!BuildAssumeRootCall(target, c.assume_root.task_policy, region, out, error)) {
    *error = "credentials assume_root: " + *error;
    return false;
  }
  return true;
}

bool RenderEndpoint(const ActionType& type, const RequestContext& ctx, std::string* base,
                    std::string* error) {
  base->clear();
  // Holes before the first '/' after "https://" are in the host.
  bool in_host = true;
  std::string rendered;
  ContextFields fields(ctx);
  for (std::size_t i = 0; i < type.endpoint.expr_index.size(); ++i) {
    if (type.endpoint.expr_index[i] < 0) {
      const std::string& lit = type.endpoint.literals[i];
      std::size_t from = rendered.size() < 8 ? 8 - rendered.size() : 0;
      if (in_host && lit.find('/', std::min(from, lit.size())) != std::string::npos) in_host = false;
      rendered += lit;
      continue;
    }
    const TemplateExpr& e = type.endpoint.exprs[type.endpoint.expr_index[i]];
    std::string text;
    std::string err;
    auto place = [&](const TemplateExpr&, std::string* value, std::string* why) {
      if (in_host) {
        if (!IsDnsName(*value)) {
          *why = ExprText(e) + " renders '" + value->substr(0, 80) +
                 "', which is not a DNS name: the endpoint " + type.endpoint_text +
                 " takes only letters, digits, '-' and '.' there";
          return false;
        }
        return true;
      }
      if (value->empty()) {
        *why = ExprText(e) + " renders empty in the endpoint's path";
        return false;
      }
      *value = PercentEncode(*value);
      return true;
    };
    Template one;
    one.literals = {"", ""};
    one.expr_index = {0};
    one.exprs = {e};
    if (!RenderParts(one, ctx, place, &text, error)) return false;
    rendered += text;
  }
  if (rendered.rfind("https://", 0) != 0 && rendered.rfind("http://", 0) != 0) {
    *error = "the endpoint renders '" + rendered + "', not an http(s) URL";
    return false;
  }
  while (!rendered.empty() && rendered.back() == '/') rendered.pop_back();
  *base = std::move(rendered);
  return true;
}

bool BuildRequest(const ActionType& type, const RequestSpec& spec, std::string_view base,
                  const RequestContext& ctx, RenderedRequest* out, std::string* error) {
  *out = RenderedRequest();
  out->name = spec.name;
  out->read = spec.read;
  out->method = spec.method;
  std::string where = "action type '" + type.name + "', request '" + spec.name + "': ";
  // Path: every hole is one segment.
  std::string path;
  auto segment = [&](const TemplateExpr& e, std::string* value, std::string* why) {
    bool several = std::any_of(e.filters.begin(), e.filters.end(),
                               [](const Filter& f) { return f.kind == FilterKind::kPath; });
    std::vector<std::string> parts;
    if (several) {
      // `| path`: segments separated by '/', each encoded; a leading '/'
      // (an Azure resource id) is one separator, not an empty segment.
      std::string_view v = *value;
      if (!v.empty() && v[0] == '/') v.remove_prefix(1);
      std::size_t from = 0;
      for (;;) {
        std::size_t slash = v.find('/', from);
        parts.emplace_back(v.substr(from, slash == std::string_view::npos ? std::string_view::npos
                                                                          : slash - from));
        if (slash == std::string_view::npos) break;
        from = slash + 1;
      }
    } else {
      parts.push_back(*value);
    }
    std::string out;
    for (const std::string& part : parts) {
      if (part.empty() || part == "." || part == "..") {
        *why = ExprText(e) + " renders '" + *value + "', which " +
               (several ? "has an empty, '.' or '..' segment" : "cannot be a path segment");
        return false;
      }
      out += (out.empty() ? "" : "/") + PercentEncode(part);
    }
    *value = std::move(out);
    return true;
  };
  if (!RenderParts(spec.path, ctx, segment, &path, error)) {
    *error = where + "path: " + *error;
    return false;
  }
  if (path.empty() || path[0] != '/') path.insert(0, 1, '/');
  out->url = std::string(base) + path;
  // Query: sorted by encoded name, then value.
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, tmpl] : spec.query) {
    nlohmann::json v;
    if (!Render(tmpl, ctx, &v, error)) {
      *error = where + "query '" + name + "': " + *error;
      return false;
    }
    if (v.is_null()) continue;  // a nullable parameter: not sent
    query.emplace_back(PercentEncode(name), PercentEncode(TemplateValueText(v)));
  }
  std::sort(query.begin(), query.end());
  for (std::size_t i = 0; i < query.size(); ++i) {
    out->url += (i == 0 ? "?" : "&") + query[i].first + "=" + query[i].second;
  }
  // Body.
  std::string content_type = spec.content_type;
  if (spec.body_kind != BodyKind::kNone) {
    nlohmann::ordered_json body;
    if (spec.body_kind != BodyKind::kForm && !RenderTree(spec.body, ctx, "", &body, error)) {
      *error = where + *error;
      return false;
    }
    switch (spec.body_kind) {
      case BodyKind::kJson:
        out->body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        if (content_type.empty()) content_type = "application/json";
        break;
      case BodyKind::kXml:
        if (!JsonToXml(body, &out->body, error)) {
          *error = where + "xml body: " + *error;
          return false;
        }
        if (content_type.empty()) content_type = "application/xml";
        break;
      case BodyKind::kForm: {
        std::string form;
        if (!RenderForm(spec.body, ctx, &form, error)) {
          *error = where + *error;
          return false;
        }
        out->body = std::move(form);
        if (content_type.empty()) content_type = "application/x-www-form-urlencoded; charset=utf-8";
        break;
      }
      case BodyKind::kNone: break;
    }
  }
  // Headers.
  std::set<std::string> seen;
  for (const auto& [name, tmpl] : spec.headers) {
    nlohmann::json rendered;
    if (!Render(tmpl, ctx, &rendered, error)) {
      *error = where + "header '" + name + "': " + *error;
      return false;
    }
    if (rendered.is_null()) continue;  // a nullable parameter: not sent
    std::string value = TemplateValueText(rendered);
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      *error = where + "header '" + name + "' renders a line break or NUL";
      return false;
    }
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-type") {
      content_type = value;
      continue;
    }
    seen.insert(lower);
    out->headers.emplace_back(name, std::move(value));
  }
  if (!content_type.empty()) out->headers.emplace_back("Content-Type", content_type);
  if (spec.content_md5) out->headers.emplace_back("Content-MD5", Md5Base64(out->body));
  return true;
}

}  // namespace proact::internal
