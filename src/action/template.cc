#include "action/template.h"

#include <cctype>
#include <cstdlib>

#include "action/template_filters.h"
#include "load/diagnostic_sink.h"
#include "util/strings.h"

namespace proact::internal {
namespace {

bool IsSegmentChar(char c) {
  return !(c == '.' || c == '[' || c == ']' || c == '|' || c == '"' ||
           c == '\'' || c == '{' || c == '}' || c == '(' || c == ')' ||
           std::isspace(static_cast<unsigned char>(c)));
}

// Reads a quoted string starting at text[*i] (a quote). Supports \" \\ \'.
bool ReadQuoted(std::string_view text, std::size_t* i, std::string* out) {
  char q = text[*i];
  std::size_t j = *i + 1;
  out->clear();
  while (j < text.size() && text[j] != q) {
    if (text[j] == '\\' && j + 1 < text.size()) ++j;
    out->push_back(text[j]);
    ++j;
  }
  if (j >= text.size()) return false;
  *i = j + 1;
  return true;
}

void SkipSpace(std::string_view text, std::size_t* i) {
  while (*i < text.size() && std::isspace(static_cast<unsigned char>(text[*i])))
    ++*i;
}

}  // namespace

bool ParseFieldPath(std::string_view text, std::vector<PathStep>* steps,
                    std::string* error, std::size_t* offset) {
  steps->clear();
  std::size_t i = 0;
  bool expect_segment = true;
  while (i < text.size()) {
    char c = text[i];
    if (expect_segment) {
      if (c == '"' || c == '\'') {
        PathStep s;
        std::size_t start = i;
        if (!ReadQuoted(text, &i, &s.key)) {
          *error = "unterminated quoted key";
          *offset = start;
          return false;
        }
        steps->push_back(std::move(s));
      } else if (IsSegmentChar(c)) {
        std::size_t start = i;
        while (i < text.size() && IsSegmentChar(text[i])) ++i;
        PathStep s;
        s.key = std::string(text.substr(start, i - start));
        steps->push_back(std::move(s));
      } else {
        *error = std::string("expected a field name, found '") + c + "'";
        *offset = i;
        return false;
      }
      expect_segment = false;
      continue;
    }
    if (c == '.') {
      ++i;
      expect_segment = true;
      if (i >= text.size()) {
        *error = "path ends with '.'";
        *offset = i - 1;
        return false;
      }
    } else if (c == '[') {
      std::size_t start = i;
      ++i;
      PathStep s;
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
        if (!ReadQuoted(text, &i, &s.key)) {
          *error = "unterminated quoted key";
          *offset = start;
          return false;
        }
      } else if (text.substr(i, 2) == "*]") {
        s.is_index = true;
        s.each = PathStep::Each::kAll;
        ++i;
      } else if (text.substr(i, 8) == "matched]") {
        for (const PathStep& before : *steps) {
          if (before.is_index) {
            *error = before.each == PathStep::Each::kMatched
                         ? "'[matched]' may appear once in a path"
                         : "'[matched]' must follow keys only: it selects elements of an array "
                           "the policy's pattern reaches by keys";
            *offset = start;
            return false;
          }
        }
        s.is_index = true;
        s.each = PathStep::Each::kMatched;
        i += 7;
      } else {
        std::size_t digits = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
          ++i;
        if (i == digits || i - digits > 9) {
          *error = "expected an array index, '*', 'matched' or a quoted key inside '[ ]'";
          *offset = start;
          return false;
        }
        s.is_index = true;
        s.index = std::strtoul(std::string(text.substr(digits, i - digits)).c_str(),
                               nullptr, 10);
      }
      if (i >= text.size() || text[i] != ']') {
        *error = "missing ']'";
        *offset = start;
        return false;
      }
      ++i;
      steps->push_back(std::move(s));
    } else {
      *error = std::string("unexpected '") + c + "' in field path";
      *offset = i;
      return false;
    }
  }
  if (steps->empty()) {
    *error = "empty field path";
    *offset = 0;
    return false;
  }
  return true;
}

namespace {

bool ParseLiteral(std::string_view text, std::size_t* i, nlohmann::json* out) {
  SkipSpace(text, i);
  if (*i >= text.size()) return false;
  char c = text[*i];
  if (c == '"' || c == '\'') {
    std::string s;
    if (!ReadQuoted(text, i, &s)) return false;
    *out = s;
    return true;
  }
  std::size_t start = *i;
  while (*i < text.size() && text[*i] != ')' &&
         !std::isspace(static_cast<unsigned char>(text[*i])))
    ++*i;
  std::string word(text.substr(start, *i - start));
  if (word == "true") *out = true;
  else if (word == "false") *out = false;
  else if (word == "null") *out = nullptr;
  else {
    char* end = nullptr;
    double d = std::strtod(word.c_str(), &end);
    if (word.empty() || end != word.c_str() + word.size()) return false;
    long long ll = std::strtoll(word.c_str(), &end, 10);
    if (end == word.c_str() + word.size()) *out = ll;
    else *out = d;
  }
  return true;
}

std::vector<std::string_view> FilterNames() {
  std::vector<std::string_view> names;
  for (const FilterInfo& f : AllFilters()) names.push_back(f.name);
  return names;
}

// Splits `text` at `sep` outside quotes and brackets.
std::vector<std::pair<std::size_t, std::size_t>> SplitOutside(std::string_view text, char sep) {
  std::vector<std::pair<std::size_t, std::size_t>> pieces;
  std::size_t start = 0;
  char quote = 0;
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (c == sep && depth == 0) {
      pieces.emplace_back(start, i);
      start = i + 1;
    }
  }
  pieces.emplace_back(start, text.size());
  return pieces;
}

// One filter argument: a literal, or a field path.
bool ParseArg(std::string_view text, FilterArg* arg, std::string* error) {
  arg->text = std::string(text);
  if (text.empty()) {
    *error = "empty argument";
    return false;
  }
  char c = text[0];
  bool literal = c == '"' || c == '\'' || c == '-' || c == '+' ||
                 std::isdigit(static_cast<unsigned char>(c)) || text == "true" ||
                 text == "false" || text == "null";
  if (literal) {
    std::size_t i = 0;
    if (!ParseLiteral(text, &i, &arg->literal)) {
      *error = "'" + std::string(text) + "' is not a literal";
      return false;
    }
    SkipSpace(text, &i);
    if (i != text.size()) {
      *error = "unexpected text after the literal in '" + std::string(text) + "'";
      return false;
    }
    return true;
  }
  arg->is_path = true;
  std::size_t off = 0;
  std::string perr;
  if (!ParseFieldPath(text, &arg->path, &perr, &off)) {
    *error = "argument '" + std::string(text) + "' is neither a literal nor a field path: " + perr;
    return false;
  }
  return true;
}

}  // namespace

void ForEachPath(const TemplateExpr& e,
                 const std::function<void(const std::vector<PathStep>&, const std::string&)>& fn) {
  fn(e.path, e.path_text);
  for (const Filter& f : e.filters) {
    for (const FilterArg& a : f.args) {
      if (a.is_path) fn(a.path, a.text);
    }
  }
}

namespace {

bool ParseExpr(std::string_view text, std::size_t base, TemplateExpr* expr,
               TemplateError* error) {
  // Split on '|' outside quotes (and a filter's parentheses).
  std::vector<std::pair<std::size_t, std::size_t>> pieces = SplitOutside(text, '|');
  auto trimmed = [&](std::pair<std::size_t, std::size_t> p, std::size_t* off) {
    std::size_t b = p.first, e = p.second;
    while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
    *off = b;
    return text.substr(b, e - b);
  };
  std::size_t off = 0;
  std::string_view path = trimmed(pieces[0], &off);
  if (path.empty()) {
    error->offset = base + off;
    error->message = "empty template expression";
    return false;
  }
  expr->path_text = std::string(path);
  std::string perr;
  std::size_t poff = 0;
  if (!ParseFieldPath(path, &expr->path, &perr, &poff)) {
    error->offset = base + off + poff;
    error->message = "bad field path '" + std::string(path) + "': " + perr;
    return false;
  }
  for (std::size_t p = 1; p < pieces.size(); ++p) {
    std::string_view f = trimmed(pieces[p], &off);
    std::size_t paren = f.find('(');
    std::string_view name = f.substr(0, paren);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
      name.remove_suffix(1);
    const FilterInfo* info = FindFilter(name);
    if (info == nullptr) {
      std::string all;
      for (std::string_view n : FilterNames()) all += (all.empty() ? "" : ", ") + std::string(n);
      error->offset = base + off;
      error->message = "unknown filter '" + std::string(name) + "'" +
                       DidYouMeanSuffix(name, FilterNames()) + "; filters are " + all;
      return false;
    }
    Filter filter{info->kind, {}};
    if (paren != std::string_view::npos) {
      if (f.back() != ')') {
        error->offset = base + off + paren;
        error->message = "filter '" + std::string(name) + "(...)' needs a closing ')'";
        return false;
      }
      std::string_view inside = f.substr(paren + 1, f.size() - paren - 2);
      std::size_t first = inside.find_first_not_of(" \t");
      if (first != std::string_view::npos) {
        for (auto [b, e] : SplitOutside(inside, ',')) {
          std::string_view piece = inside.substr(b, e - b);
          std::size_t lead = 0;
          while (lead < piece.size() && std::isspace(static_cast<unsigned char>(piece[lead]))) ++lead;
          piece.remove_prefix(lead);
          while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.back()))) {
            piece.remove_suffix(1);
          }
          FilterArg arg;
          std::string aerr;
          if (!ParseArg(piece, &arg, &aerr)) {
            error->offset = base + off + paren + 1 + b + lead;
            error->message = "filter '" + std::string(name) + "': " + aerr;
            return false;
          }
          filter.args.push_back(std::move(arg));
        }
      }
    }
    int n = static_cast<int>(filter.args.size());
    if (n < info->min_args || (info->max_args >= 0 && n > info->max_args)) {
      error->offset = base + off;
      std::string want = info->min_args == info->max_args
                             ? std::to_string(info->min_args)
                             : info->max_args < 0 ? "at least " + std::to_string(info->min_args)
                                                  : std::to_string(info->min_args) + " or " +
                                                        std::to_string(info->max_args);
      error->message = "filter '" + std::string(name) + "' takes " + want + " argument" +
                       (info->max_args == 1 && info->min_args == 1 ? "" : "s") + ", not " +
                       std::to_string(n);
      if (info->kind == FilterKind::kDefault) error->message += ": default(\"...\")";
      return false;
    }
    expr->filters.push_back(std::move(filter));
  }
  return true;
}

}  // namespace

bool ParseTemplate(std::string_view text, Template* out, TemplateError* error) {
  *out = Template();
  std::size_t i = 0;
  std::string literal;
  while (i < text.size()) {
    std::size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      literal.append(text.substr(i));
      break;
    }
    literal.append(text.substr(i, open - i));
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      error->offset = open;
      error->message = "unclosed '{{' (missing '}}')";
      return false;
    }
    if (!literal.empty()) {
      out->literals.push_back(std::move(literal));
      out->expr_index.push_back(-1);
      literal.clear();
    }
    TemplateExpr expr;
    if (!ParseExpr(text.substr(open + 2, close - open - 2), open + 2, &expr,
                   error)) {
      return false;
    }
    out->literals.emplace_back();
    out->expr_index.push_back(static_cast<int>(out->exprs.size()));
    out->exprs.push_back(std::move(expr));
    i = close + 2;
  }
  if (!literal.empty()) {
    out->literals.push_back(std::move(literal));
    out->expr_index.push_back(-1);
  }
  out->whole_value = out->exprs.size() == 1 && out->expr_index.size() == 1;
  return true;
}

namespace {

std::string Stringify(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}


std::string PathText(const std::vector<PathStep>& path) {
  std::string out;
  for (const PathStep& s : path) {
    if (s.is_index) {
      out += s.IndexText();
    } else {
      if (!out.empty()) out += ".";
      if (s.key.find('.') != std::string::npos) out += "\"" + s.key + "\"";
      else out += s.key;
    }
  }
  return out;
}

// The expression as written, normalised: "steps.read.body.bindings |
// without_roles(\"roles/owner\")".
std::string ExprShown(const TemplateExpr& e) {
  std::string s = e.path_text;
  for (const Filter& f : e.filters) {
    s += " | " + std::string(FilterName(f.kind));
    if (f.args.empty()) continue;
    s += "(";
    for (std::size_t i = 0; i < f.args.size(); ++i) {
      s += (i ? ", " : "") + (f.args[i].is_path ? f.args[i].text : f.args[i].literal.dump());
    }
    s += ")";
  }
  return s;
}

// The value at steps[from...] under `v`, keys joined with '.' to find a key
// holding dots, as the event's own lookup does. *listed: the value is a
// list made by a `[*]`.
bool WalkValue(const nlohmann::json& v, const std::vector<PathStep>& steps, std::size_t from,
               nlohmann::json* out, bool* listed) {
  const nlohmann::json* cur = &v;
  for (std::size_t i = from; i < steps.size(); ++i) {
    const PathStep& step = steps[i];
    if (step.each != PathStep::Each::kNone) {
      if (!cur->is_array()) return false;
      nlohmann::json list = nlohmann::json::array();
      for (const nlohmann::json& element : *cur) {
        nlohmann::json item;
        bool inner = false;
        if (!WalkValue(element, steps, i + 1, &item, &inner)) continue;
        if (inner) {
          for (nlohmann::json& x : item) list.push_back(std::move(x));
        } else {
          list.push_back(std::move(item));
        }
      }
      *out = std::move(list);
      *listed = true;
      return true;
    }
    if (step.is_index) {
      if (!cur->is_array() || step.index >= cur->size()) return false;
      cur = &(*cur)[step.index];
      continue;
    }
    if (!cur->is_object()) return false;
    auto it = cur->find(step.key);
    if (it == cur->end()) {
      std::string joined = step.key;
      bool found = false;
      while (!found && i + 1 < steps.size() && !steps[i + 1].is_index) {
        joined += '.' + steps[++i].key;
        it = cur->find(joined);
        found = it != cur->end();
      }
      if (!found) return false;
    }
    cur = &*it;
  }
  *out = *cur;
  return true;
}

}  // namespace

bool LookupPath(const FieldSource& fields, const std::vector<PathStep>& path,
                nlohmann::json* out) {
  std::size_t k = 0;
  while (k < path.size() && path[k].each == PathStep::Each::kNone) ++k;
  if (k == path.size()) return fields.Lookup(path, out);
  std::vector<PathStep> prefix(path.begin(), path.begin() + k);
  nlohmann::json array;
  if (k == 0 || !fields.Lookup(prefix, &array) || !array.is_array()) return false;
  if (path[k].each == PathStep::Each::kAll) {
    bool listed = false;
    return WalkValue(array, path, k, out, &listed);
  }
  std::vector<std::size_t> chosen;
  if (!fields.MatchedElements(prefix, array, &chosen)) return false;
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t index : chosen) {
    if (index >= array.size()) continue;
    nlohmann::json item;
    bool inner = false;
    if (!WalkValue(array[index], path, k + 1, &item, &inner)) continue;
    if (inner) {
      for (nlohmann::json& x : item) list.push_back(std::move(x));
    } else {
      list.push_back(std::move(item));
    }
  }
  *out = std::move(list);
  return true;
}

namespace {

bool EvalExpr(const TemplateExpr& expr, const FieldSource& event,
              nlohmann::json* out, std::string* error, bool* missing) {
  // A value known only later (a plan's step answers): the expression as
  // written, since no filter can apply to a value not read yet.
  bool unknown = false;
  ForEachPath(expr, [&](const std::vector<PathStep>& path, const std::string&) {
    if (event.Unknown(path)) unknown = true;
  });
  if (unknown) {
    *out = "<" + ExprShown(expr) + ">";
    return true;
  }
  bool found = LookupPath(event, expr.path, out);
  if (!found) *out = nullptr;
  std::vector<nlohmann::json> args;
  for (const Filter& f : expr.filters) {
    // default(V) leaves a value that is there alone: no need to read V.
    if (f.kind == FilterKind::kDefault && found && !out->is_null()) continue;
    args.clear();
    for (const FilterArg& a : f.args) {
      nlohmann::json v;
      if (!a.is_path) v = a.literal;
      else if (!LookupPath(event, a.path, &v)) v = nullptr;
      args.push_back(std::move(v));
    }
    if (!ApplyFilter(f, args, &found, out, error)) return false;
  }
  if (!found) {
    *error = event.MissingReason(expr.path);
    if (error->empty()) *error = "field '" + PathText(expr.path) + "' is missing";
    if (missing != nullptr) *missing = true;
    return false;
  }
  return true;
}

// True when a string found at e.path is the expression's text as it is: a
// path of keys and indexes, with no filter but default(V), which leaves a
// string alone.
bool AppendsAsIs(const TemplateExpr& e) {
  for (const PathStep& step : e.path) {
    if (step.each != PathStep::Each::kNone) return false;
  }
  for (const Filter& f : e.filters) {
    if (f.kind != FilterKind::kDefault) return false;
  }
  return true;
}

bool RenderString(const Template& t, const FieldSource& event,
                  nlohmann::json* out, std::string* error, bool* missing = nullptr) {
  if (t.whole_value) return EvalExpr(t.exprs[0], event, out, error, missing);
  // Room for the literal text and a short value per hole, so that most
  // renderings allocate once.
  std::size_t guess = 0;
  for (const std::string& literal : t.literals) guess += literal.size() + 24;
  std::string s;
  s.reserve(guess);
  for (std::size_t i = 0; i < t.expr_index.size(); ++i) {
    if (t.expr_index[i] < 0) {
      s += t.literals[i];
      continue;
    }
    const TemplateExpr& expr = t.exprs[t.expr_index[i]];
    if (AppendsAsIs(expr) && event.AppendString(expr.path, &s)) continue;
    nlohmann::json v;
    if (!EvalExpr(expr, event, &v, error, missing)) return false;
    if (v.is_string()) {
      s += v.get_ref<const std::string&>();
    } else {
      s += Stringify(v);
    }
  }
  *out = std::move(s);
  return true;
}

// Where a parameter sits ("a.b[2]"), kept as a chain of frames on the
// stack and written out only for an error message.
struct Where {
  const Where* parent = nullptr;
  const std::string* key = nullptr;  // a member, or an element when null
  std::size_t index = 0;
};

std::string WhereText(const Where* w) {
  if (w == nullptr) return "";
  std::string out = WhereText(w->parent);
  if (w->key != nullptr) {
    out += out.empty() ? *w->key : "." + *w->key;
  } else {
    out += "[" + std::to_string(w->index) + "]";
  }
  return out;
}

bool Render(const ParamTree& tree, const FieldSource& event, const Where* where,
            nlohmann::json* out, std::string* error) {
  switch (tree.kind) {
    case ParamTree::Kind::kLiteral:
      *out = tree.literal;
      return true;
    case ParamTree::Kind::kTemplate:
      if (!RenderString(tree.tmpl, event, out, error)) {
        *error = "param '" + WhereText(where) + "': " + *error;
        return false;
      }
      return true;
    case ParamTree::Kind::kObject: {
      *out = nlohmann::json::object();
      nlohmann::json::object_t& object = out->get_ref<nlohmann::json::object_t&>();
      for (const auto& [key, child] : tree.members) {
        Where here{where, &key, 0};
        nlohmann::json v;
        if (!Render(child, event, &here, &v, error)) return false;
        object[key] = std::move(v);
      }
      return true;
    }
    case ParamTree::Kind::kArray: {
      *out = nlohmann::json::array();
      nlohmann::json::array_t& array = out->get_ref<nlohmann::json::array_t&>();
      array.reserve(tree.items.size());
      for (std::size_t i = 0; i < tree.items.size(); ++i) {
        Where here{where, nullptr, i};
        nlohmann::json v;
        if (!Render(tree.items[i], event, &here, &v, error)) return false;
        array.push_back(std::move(v));
      }
      return true;
    }
    case ParamTree::Kind::kChoice:
      break;  // action type bodies only (request_builder.cc)
  }
  return false;
}

}  // namespace

bool RenderTemplate(const Template& t, const FieldSource& fields, nlohmann::json* out,
                    std::string* error, bool* missing) {
  if (missing != nullptr) *missing = false;
  return RenderString(t, fields, out, error, missing);
}

std::string TemplateValueText(const nlohmann::json& v) { return Stringify(v); }

bool RenderParams(const ParamTree& tree, const FieldSource& event,
                  nlohmann::json* out, std::string* error) {
  return Render(tree, event, nullptr, out, error);
}

}  // namespace proact::internal
