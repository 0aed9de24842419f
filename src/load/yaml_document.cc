#include "load/yaml_document.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_set>

#include <yaml-cpp/yaml.h>

namespace proact::internal {

const Node* Node::Find(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k.text == key) return &v;
  }
  return nullptr;
}

const char* NodeKindName(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::kNull: return "null";
    case Node::Kind::kBool: return "a boolean";
    case Node::Kind::kNumber: return "a number";
    case Node::Kind::kString: return "a string";
    case Node::Kind::kSeq: return "a list";
    case Node::Kind::kMap: return "a mapping";
  }
  return "?";
}

const char* Node::KindName() const { return NodeKindName(kind); }

nlohmann::json NodeToJson(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kNull: return nullptr;
    case Node::Kind::kBool: return n.boolean;
    case Node::Kind::kNumber: {
      double d = n.number;
      if (n.text.find_first_of(".eE") == std::string::npos &&
          d == static_cast<double>(static_cast<long long>(d)) && std::abs(d) < 9e15) {
        return static_cast<long long>(d);
      }
      return d;
    }
    case Node::Kind::kString: return n.text;
    case Node::Kind::kSeq: {
      nlohmann::json a = nlohmann::json::array();
      for (const Node& i : n.items) a.push_back(NodeToJson(i));
      return a;
    }
    case Node::Kind::kMap: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, v] : n.entries) o[k.text] = NodeToJson(v);
      return o;
    }
  }
  return nullptr;
}

namespace {

bool IsNullWord(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool IsTrueWord(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE";
}

bool IsFalseWord(std::string_view s) {
  return s == "false" || s == "False" || s == "FALSE";
}

// YAML 1.2 core schema decimal number:
//   [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsDecimalNumber(std::string_view s) {
  std::size_t i = 0, n = s.size();
  if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

class Converter {
 public:
  Converter(int file, int max_depth, std::size_t max_nodes,
            DiagnosticSink* sink)
      : file_(file), max_depth_(max_depth), max_nodes_(max_nodes),
        sink_(sink) {}

  bool Convert(const YAML::Node& in, const Mark& parent, int depth,
               Node* out) {
    out->file = file_;
    out->mark = MarkOf(in, parent);
    if (++nodes_ > max_nodes_) {
      if (!reported_budget_) {
        sink_->Error(file_, out->mark.line, out->mark.column, "yaml-too-large",
                     "YAML document expands to more than " +
                         std::to_string(max_nodes_) +
                         " nodes (aliases expanding into each other?)");
        reported_budget_ = true;
      }
      return false;
    }
    if (depth > max_depth_) {
      sink_->Error(file_, out->mark.line, out->mark.column, "yaml-too-deep",
                   "YAML nesting deeper than the limit of " +
                       std::to_string(max_depth_) + " levels");
      return false;
    }
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out->kind = Node::Kind::kNull;
        return true;
      case YAML::NodeType::Scalar:
        return Scalar(in, out);
      case YAML::NodeType::Sequence: {
        out->kind = Node::Kind::kSeq;
        out->items.reserve(in.size());
        bool ok = true;
        for (const YAML::Node& item : in) {
          out->items.emplace_back();
          if (!Convert(item, out->mark, depth + 1, &out->items.back())) {
            ok = false;
            if (nodes_ > max_nodes_) return false;
          }
        }
        return ok;
      }
      case YAML::NodeType::Map: {
        out->kind = Node::Kind::kMap;
        bool ok = true;
        std::unordered_set<std::string> seen;
        for (auto it = in.begin(); it != in.end(); ++it) {
          Node key, value;
          if (!Convert(it->first, out->mark, depth + 1, &key)) {
            ok = false;
            if (nodes_ > max_nodes_) return false;
            continue;
          }
          if (!key.IsScalar()) {
            sink_->Error(file_, key.mark.line, key.mark.column, "bad-key",
                         "mapping keys must be scalars, not " +
                             std::string(key.KindName()));
            ok = false;
            continue;
          }
          if (key.kind == Node::Kind::kNull && key.text.empty()) {
            key.text = "";
          }
          if (!seen.insert(key.text).second) {
            // Reported; the first entry is kept so checking can go on.
            sink_->Error(file_, key.mark.line, key.mark.column,
                         "duplicate-key",
                         "duplicate key '" + key.text + "' in this mapping");
            continue;
          }
          // An empty value has no position of its own: use its key's.
          YAML::Node v = it->second;  // a copy: the iterator yields temporaries
          bool empty = v.IsNull() && (v.Tag() == "?" || v.Tag().empty()) &&
                       v.Scalar().empty();
          if (empty) {
            value.kind = Node::Kind::kNull;
            value.file = file_;
            value.mark = key.mark;
          } else if (!Convert(v, key.mark, depth + 1, &value)) {
            ok = false;
            if (nodes_ > max_nodes_) return false;
          }
          out->entries.emplace_back(std::move(key), std::move(value));
        }
        return ok;
      }
    }
    return true;
  }

 private:
  static Mark MarkOf(const YAML::Node& in, const Mark& parent) {
    YAML::Mark m = in.Mark();
    if (m.line < 0 || m.column < 0) return parent;
    return Mark{m.line + 1, m.column + 1};
  }

  bool Scalar(const YAML::Node& in, Node* out) {
    const std::string& tag = in.Tag();
    out->text = in.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      out->kind = Node::Kind::kString;
      out->quoted = true;
      return true;
    }
    const std::string& s = out->text;
    if (tag == "?" || tag.empty()) {
      if (IsNullWord(s)) {
        out->kind = Node::Kind::kNull;
      } else if (IsTrueWord(s) || IsFalseWord(s)) {
        out->kind = Node::Kind::kBool;
        out->boolean = IsTrueWord(s);
      } else if (IsDecimalNumber(s)) {
        out->kind = Node::Kind::kNumber;
        out->number = std::strtod(s.c_str(), nullptr);
      } else {
        out->kind = Node::Kind::kString;
      }
      return true;
    }
    if (tag == "tag:yaml.org,2002:null" && IsNullWord(s)) {
      out->kind = Node::Kind::kNull;
      return true;
    }
    if (tag == "tag:yaml.org,2002:bool" && (IsTrueWord(s) || IsFalseWord(s))) {
      out->kind = Node::Kind::kBool;
      out->boolean = IsTrueWord(s);
      return true;
    }
    if ((tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") &&
        IsDecimalNumber(s)) {
      out->kind = Node::Kind::kNumber;
      out->number = std::strtod(s.c_str(), nullptr);
      return true;
    }
    // Reported; read as a string so the rest of the file is still checked.
    sink_->Error(file_, out->mark.line, out->mark.column, "bad-tag",
                 "unsupported YAML tag '" + tag + "' on value '" + s + "'");
    out->kind = Node::Kind::kString;
    return true;
  }

  int file_;
  int max_depth_;
  std::size_t max_nodes_;
  std::size_t nodes_ = 0;
  bool reported_budget_ = false;
  DiagnosticSink* sink_;
};

}  // namespace

bool ParseYaml(std::string_view text, int file, int max_depth,
               DiagnosticSink* sink, Node* root) {
  YAML::Node doc;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    if (docs.size() > 1) {
      sink->Error(file, 1, 1, "yaml-multi-document",
                  "a policy file holds one YAML document, found " +
                      std::to_string(docs.size()));
      return false;
    }
    if (!docs.empty()) doc = docs[0];
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
    int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
    sink->Error(file, line, column, "yaml-syntax",
                "invalid YAML: " + (e.msg.empty() ? std::string(e.what())
                                                  : e.msg));
    return false;
  }
  *root = Node();
  root->file = file;
  root->mark = Mark{1, 1};
  if (!doc.IsDefined() || doc.IsNull()) return true;
  // Aliases can make a small file expand enormously; bound the tree.
  std::size_t max_nodes = std::max<std::size_t>(100000, text.size() * 2);
  Converter converter(file, max_depth, max_nodes, sink);
  try {
    return converter.Convert(doc, Mark{1, 1}, 0, root);
  } catch (const YAML::Exception& e) {
    sink->Error(file, 1, 1, "yaml-syntax", "invalid YAML: " + e.msg);
    return false;
  }
}

}  // namespace proact::internal
