#include "load/yaml_document.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>
#include <algorithm>

#include <libfyaml.h>

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

// Builds the Node tree from libfyaml's parse events.
class Builder {
 public:
  Builder(int file, int max_depth, std::size_t max_nodes, DiagnosticSink* sink)
      : file_(file), max_depth_(max_depth), max_nodes_(max_nodes), sink_(sink) {}

  // Top-level keys whose values are not built (read by other tools).
  void Skip(std::vector<std::string_view> keys) { skip_keys_ = std::move(keys); }

  // Consumes one event; false to stop (an error was reported).
  bool Event(fy_event* e) {
    if (skip_depth_ > 0) {  // inside a skipped value: only track its end
      if (e->type == FYET_MAPPING_START || e->type == FYET_SEQUENCE_START) ++skip_depth_;
      if (e->type == FYET_MAPPING_END || e->type == FYET_SEQUENCE_END) --skip_depth_;
      return true;
    }
    if ((e->type == FYET_MAPPING_START || e->type == FYET_SEQUENCE_START) &&
        stack_.size() == 1 && stack_[0].node.kind == Node::Kind::kMap && stack_[0].has_key &&
        std::find(skip_keys_.begin(), skip_keys_.end(), stack_[0].pending_key.text) !=
            skip_keys_.end()) {
      skip_depth_ = 1;
      stack_[0].has_key = false;
      // The key stays, with a null value, so the file still says it has it.
      Node value;
      value.file = file_;
      value.mark = stack_[0].pending_key.mark;
      stack_[0].node.entries.emplace_back(std::move(stack_[0].pending_key), std::move(value));
      return true;
    }
    const fy_mark* m = fy_event_start_mark(e);
    Mark mark = m ? Mark{m->line + 1, m->column + 1} : Mark{1, 1};
    switch (e->type) {
      case FYET_DOCUMENT_START:
        if (++documents_ > 1) {
          sink_->Error(file_, mark.line, mark.column, "yaml-multi-document",
                       "a policy file holds one YAML document, found more");
          return false;
        }
        return true;
      case FYET_MAPPING_START:
      case FYET_SEQUENCE_START: {
        if (static_cast<int>(stack_.size()) >= max_depth_) {
          sink_->Error(file_, mark.line, mark.column, "yaml-too-deep",
                       "YAML nesting deeper than the limit of " + std::to_string(max_depth_) +
                           " levels");
          return false;
        }
        Node n;
        n.kind = e->type == FYET_MAPPING_START ? Node::Kind::kMap : Node::Kind::kSeq;
        n.mark = mark;
        n.file = file_;
        if (!Count(mark)) return false;
        stack_.push_back(Frame{std::move(n), Anchor(e), {}, false});
        return true;
      }
      case FYET_MAPPING_END:
      case FYET_SEQUENCE_END: {
        Frame f = std::move(stack_.back());
        stack_.pop_back();
        if (!f.anchor.empty()) anchors_[f.anchor] = f.node;
        return Add(std::move(f.node));
      }
      case FYET_SCALAR: {
        Node n;
        n.mark = mark;
        n.file = file_;
        if (!Count(mark)) return false;
        fy_token* t = fy_event_get_token(e);
        std::size_t len = 0;
        const char* text = t ? fy_token_get_text(t, &len) : nullptr;
        n.text = text ? std::string(text, len) : std::string();
        fy_token* tag_token = fy_event_get_tag_token(e);
        std::size_t tag_len = 0;
        const char* tag_text = tag_token ? fy_token_get_text(tag_token, &tag_len) : nullptr;
        std::string tag = tag_text ? std::string(tag_text, tag_len) : std::string();
        bool plain = t == nullptr || fy_token_scalar_style(t) == FYSS_PLAIN;
        fy_scalar_style style = t ? fy_token_scalar_style(t) : FYSS_PLAIN;
        // Quoted scalars are placed at their opening quote (the parser marks
        // the first character inside), tagged ones at their tag.
        if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && n.mark.column > 1) {
          --n.mark.column;
        }
        if (tag_token != nullptr) {
          if (const fy_mark* tm = fy_token_start_mark(tag_token)) {
            n.mark = Mark{tm->line + 1, tm->column + 1};
          }
        }
        if (!Scalar(plain, tag, &n)) return false;
        std::string anchor = Anchor(e);
        if (!anchor.empty()) anchors_[anchor] = n;
        return Add(std::move(n));
      }
      case FYET_ALIAS: {
        fy_token* t = fy_event_get_token(e);
        std::size_t len = 0;
        const char* text = t ? fy_token_get_text(t, &len) : nullptr;
        std::string name = text ? std::string(text, len) : std::string();
        auto it = anchors_.find(name);
        if (it == anchors_.end()) {
          sink_->Error(file_, mark.line, mark.column, "yaml-syntax",
                       "invalid YAML: unknown anchor '" + name + "'");
          return false;
        }
        // Aliases can make a small file expand enormously; count every copy.
        if (!Count(mark, Size(it->second))) return false;
        Node copy = it->second;
        return Add(std::move(copy));
      }
      default:
        return true;
    }
  }

  Node TakeRoot() { return std::move(root_); }
  bool has_root() const { return has_root_; }

 private:
  struct Frame {
    Node node;
    std::string anchor;
    Node pending_key;
    bool has_key;
  };

  static std::string Anchor(fy_event* e) {
    fy_token* a = fy_event_get_anchor_token(e);
    if (a == nullptr) return {};
    std::size_t len = 0;
    const char* text = fy_token_get_text(a, &len);
    return text ? std::string(text, len) : std::string();
  }

  static std::size_t Size(const Node& n) {
    std::size_t total = 1;
    for (const Node& i : n.items) total += Size(i);
    for (const auto& [k, v] : n.entries) total += 1 + Size(v);
    return total;
  }

  bool Count(const Mark& mark, std::size_t n = 1) {
    nodes_ += n;
    if (nodes_ <= max_nodes_) return true;
    sink_->Error(file_, mark.line, mark.column, "yaml-too-large",
                 "YAML document expands to more than " + std::to_string(max_nodes_) +
                     " nodes (aliases expanding into each other?)");
    return false;
  }

  // Places a finished node in its parent (or as the root).
  bool Add(Node n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      has_root_ = true;
      return true;
    }
    Frame& f = stack_.back();
    if (f.node.kind == Node::Kind::kSeq) {
      f.node.items.push_back(std::move(n));
      return true;
    }
    if (!f.has_key) {
      if (!n.IsScalar()) {
        sink_->Error(file_, n.mark.line, n.mark.column, "bad-key",
                     std::string("mapping keys must be scalars, not ") + n.KindName());
        return false;
      }
      f.pending_key = std::move(n);
      f.has_key = true;
      return true;
    }
    f.has_key = false;
    Node key = std::move(f.pending_key);
    // An empty value has no position of its own: use its key's.
    if (n.kind == Node::Kind::kNull && n.text.empty() && !n.quoted) n.mark = key.mark;
    for (const auto& [k, v] : f.node.entries) {
      if (k.text == key.text) {
        // Reported; the first entry is kept so checking can go on.
        sink_->Error(file_, key.mark.line, key.mark.column, "duplicate-key",
                     "duplicate key '" + key.text + "' in this mapping");
        return true;
      }
    }
    f.node.entries.emplace_back(std::move(key), std::move(n));
    return true;
  }

  bool Scalar(bool plain, const std::string& tag, Node* out) {
    const std::string& s = out->text;
    if (tag == "tag:yaml.org,2002:str" || tag == "!" || (!plain && tag.empty())) {
      out->kind = Node::Kind::kString;
      out->quoted = true;
      return true;
    }
    if (tag.empty()) {
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
  int documents_ = 0;
  DiagnosticSink* sink_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, Node> anchors_;
  Node root_;
  bool has_root_ = false;
  std::vector<std::string_view> skip_keys_;
  int skip_depth_ = 0;
};

}  // namespace

bool ParseYaml(std::string_view text, int file, int max_depth,
               DiagnosticSink* sink, Node* root,
               const std::vector<std::string_view>& skip_top_level) {
  *root = Node();
  root->file = file;
  root->mark = Mark{1, 1};
  // Refuses the text with `message` at byte `at` (its line and column).
  auto refuse = [&](std::size_t at, const std::string& message) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
    std::size_t bol = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
    int col = static_cast<int>(at - (bol == std::string_view::npos ? 0 : bol + 1)) + 1;
    sink->Error(file, line, col, "yaml-syntax", message);
    return false;
  };
  // YAML allows no NUL and no C0 control character but tab, LF and CR
  // (c-printable). libfyaml 0.7.12 crashes on some NUL placements (found by
  // policy_fuzzer): refuse them before it sees the text.
  // Blocks of 64 bytes are checked without a branch per byte; the first
  // block with a control character is looked at byte by byte.
  std::size_t start = 0;
  for (; start + 64 <= text.size(); start += 64) {
    unsigned bad = 0;
    for (std::size_t k = start; k < start + 64; ++k) {
      unsigned char c = static_cast<unsigned char>(text[k]);
      bad |= static_cast<unsigned>(c < 0x20) & (c != '\t') & (c != '\n') & (c != '\r');
    }
    if (bad) break;
  }
  for (std::size_t i = start; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') continue;
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", c);
    return refuse(i,
                  std::string("control character ") + code +
                      " is not allowed in YAML (only tab, line feed and carriage return are)");
  }
  // A tab between two block indicators (": \t- x", "? \t? y") is invalid
  // YAML (tabs may not indent), and after an explicit key it crashes
  // libfyaml 0.7.12 (found by policy_fuzzer): refuse it first.
  auto indicator = [&](std::size_t k) {
    char c = text[k];
    if (c != '-' && c != '?' && c != ':') return false;
    return k + 1 == text.size() || text[k + 1] == ' ' || text[k + 1] == '\t' ||
           text[k + 1] == '\n' || text[k + 1] == '\r';
  };
  // Only text with a tab can hold one (most files have none).
  for (std::size_t i = text.find('\t') == std::string_view::npos ? text.size() : 0;
       i < text.size(); ++i) {
    if (!indicator(i)) continue;
    std::size_t k = i + 1;
    bool tab = false;
    while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) tab |= text[k++] == '\t';
    if (!tab || k >= text.size() || !indicator(k)) continue;
    return refuse(k, std::string("a tab before the block indicator '") + text[k] +
                         "' is not allowed in YAML (tabs may not indent)");
  }
  // A tab on a line that starts with an explicit key ("? a: \t:: b",
  // "?  :: \t >:") crashes libfyaml 0.7.12 in more shapes than the rule
  // above catches (found by policy_fuzzer): such a line may hold no tab.
  for (std::size_t i = text.find('\t') == std::string_view::npos ? text.size() : 0;
       i < text.size(); i = text.find('\n', i) == std::string_view::npos
                               ? text.size()
                               : text.find('\n', i) + 1) {
    std::size_t k = text.find_first_not_of(' ', i);
    if (k == std::string_view::npos || text[k] != '?' || !indicator(k)) continue;
    std::size_t end = text.find('\n', k);
    std::size_t t = text.substr(0, end).find('\t', k);
    if (t != std::string_view::npos) {
      return refuse(t, "a tab on an explicit-key ('?') line is not allowed (write the key "
                       "without '?', or use spaces)");
    }
  }
  fy_diag_cfg diag_cfg;
  fy_diag_cfg_default(&diag_cfg);
  diag_cfg.fp = nullptr;
  diag_cfg.output_fn = nullptr;
  diag_cfg.colorize = false;
  fy_diag* diag = fy_diag_create(&diag_cfg);
  if (diag == nullptr) {
    sink->Error(file, 1, 1, "yaml-syntax", "YAML parser could not start");
    return false;
  }
  fy_diag_set_collect_errors(diag, true);
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_COLLECT_DIAG);
  cfg.diag = diag;
  fy_parser* parser = fy_parser_create(&cfg);
  if (parser == nullptr || fy_parser_set_string(parser, text.data(), text.size()) != 0) {
    if (parser) fy_parser_destroy(parser);
    fy_diag_destroy(diag);
    sink->Error(file, 1, 1, "yaml-syntax", "YAML parser could not start");
    return false;
  }
  // Aliases can make a small file expand enormously; bound the tree.
  std::size_t max_nodes = std::max<std::size_t>(100000, text.size() * 2);
  Builder builder(file, max_depth, max_nodes, sink);
  builder.Skip(skip_top_level);
  bool ok = true;
  while (fy_event* e = fy_parser_parse(parser)) {
    if (ok) ok = builder.Event(e);
    fy_parser_event_free(parser, e);
    if (!ok) break;
  }
  if (ok && fy_parser_get_stream_error(parser)) {
    ok = false;
    void* it = nullptr;
    fy_diag_error* err = fy_diag_errors_iterate(diag, &it);
    int line = err && err->line > 0 ? err->line : 1;
    int column = err && err->column > 0 ? err->column : 1;
    sink->Error(file, line, column, "yaml-syntax",
                std::string("invalid YAML: ") + (err && err->msg ? err->msg : "syntax error"));
  }
  fy_parser_destroy(parser);
  fy_diag_destroy(diag);
  if (!ok) return false;
  if (builder.has_root()) {
    *root = builder.TakeRoot();
    if (root->kind == Node::Kind::kNull && root->text.empty()) root->mark = Mark{1, 1};
  }
  return true;
}

}  // namespace proact::internal
