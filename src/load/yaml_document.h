// YamlDocument: a policy file read into a tree of typed, positioned nodes.
//
// libfyaml is used only here (its parse events build the tree, with the
// position of every node); its errors become diagnostics here. Scalars are resolved with JSON types, the way a policy author
// reads them: a quoted scalar is always a string; a plain scalar is null
// (`null`, `~`, empty), a boolean (`true`/`false` in any of YAML's spellings),
// a number (decimal, with optional fraction and exponent, e.g. `3.0e2`) or
// else a string. Duplicate mapping keys are errors.
#ifndef PROACT_SRC_LOAD_YAML_DOCUMENT_H_
#define PROACT_SRC_LOAD_YAML_DOCUMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/diagnostic_sink.h"

namespace proact::internal {

struct Mark {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

struct Node {
  enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kSeq, kMap };

  Kind kind = Kind::kNull;
  bool quoted = false;        // scalar was quoted (or a block scalar)
  bool boolean = false;       // kBool
  double number = 0;          // kNumber
  std::string text;           // scalar text as written (strings: the value)
  Mark mark;
  int file = 0;               // index into the DiagnosticSink's files
  std::vector<Node> items;    // kSeq
  struct Entry;               // a key node and its value node
  std::vector<Entry> entries; // kMap

  bool IsScalar() const { return kind != Kind::kSeq && kind != Kind::kMap; }
  // Looks up a map entry by key text; nullptr if absent or not a map.
  const Node* Find(std::string_view key) const;
  // "a string", "a number", "a mapping", ...
  const char* KindName() const;
};

struct Node::Entry {
  Node first;   // the key
  Node second;  // the value
  Entry() = default;
  Entry(Node key, Node value) : first(std::move(key)), second(std::move(value)) {}
};

const char* NodeKindName(Node::Kind kind);

// The column of byte `offset` inside scalar `n` (exact for one-line
// scalars; a quoted scalar's text starts one column after its mark).
inline int ScalarColumn(const Node& n, std::size_t offset) {
  return n.mark.column + static_cast<int>(offset) + (n.quoted ? 1 : 0);
}

// The node as JSON (numbers written without a fraction become integers).
nlohmann::json NodeToJson(const Node& node);

// Parses `text` (file index `file` in `sink`) into *root.
// Returns false after reporting diagnostics when the YAML is malformed or too
// deep or large to use. Duplicate keys are reported but leave a usable tree
// (the first entry is kept). An empty document yields a kNull root.
// The values of top-level keys listed in `skip_top_level` are parsed (so
// syntax errors in them are still reported) but not built into the tree.
bool ParseYaml(std::string_view text, int file, int max_depth,
               DiagnosticSink* sink, Node* root,
               const std::vector<std::string_view>& skip_top_level = {});

}  // namespace proact::internal

#endif  // PROACT_SRC_LOAD_YAML_DOCUMENT_H_
