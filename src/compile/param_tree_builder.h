// Building a ParamTree (action params, action type bodies, source maps)
// from a YAML value: the recursion the three compilers share.
#ifndef PROACT_SRC_COMPILE_PARAM_TREE_BUILDER_H_
#define PROACT_SRC_COMPILE_PARAM_TREE_BUILDER_H_

#include <functional>

#include "action/template.h"
#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"

namespace proact::internal {

// Fills *out for a string value: a literal, or a template the caller
// parsed and checked (reporting its own errors).
using ParamLeaf = std::function<void(const Node& string, ParamTree* out)>;
// May build a mapping itself (an action type body's {when, value, else});
// returns true when it did.
using ParamMapHook = std::function<bool(const Node& map, ParamTree* out)>;

// What every string leaf starts with: parses `n` into *t, reporting a
// syntax error ("bad-template") at its column; a string without holes
// becomes a literal in *out. True leaves a template with holes in *t for
// the caller to check and store; false when there is nothing more to do.
inline bool ParseTemplateLeaf(const Node& n, DiagnosticSink* sink, ParamTree* out, Template* t) {
  TemplateError err;
  if (!ParseTemplate(n.text, t, &err)) {
    sink->Error(n.file, n.mark.line, ScalarColumn(n, err.offset), "bad-template", err.message);
    return false;
  }
  if (!t->has_holes()) {
    out->kind = ParamTree::Kind::kLiteral;
    out->literal = n.text;
    return false;
  }
  return true;
}

// Mappings and lists recursively, strings through `leaf`, other scalars
// (numbers, booleans, null) as JSON literals.
inline void BuildParamTree(const Node& n, const ParamLeaf& leaf, ParamTree* out,
                           const ParamMapHook& map_hook = {}) {
  switch (n.kind) {
    case Node::Kind::kMap:
      if (map_hook && map_hook(n, out)) return;
      out->kind = ParamTree::Kind::kObject;
      for (const auto& [k, v] : n.entries) {
        ParamTree child;
        BuildParamTree(v, leaf, &child, map_hook);
        out->members.emplace_back(k.text, std::move(child));
      }
      return;
    case Node::Kind::kSeq:
      out->kind = ParamTree::Kind::kArray;
      for (const Node& item : n.items) {
        ParamTree child;
        BuildParamTree(item, leaf, &child, map_hook);
        out->items.push_back(std::move(child));
      }
      return;
    case Node::Kind::kString:
      leaf(n, out);
      return;
    default:
      out->kind = ParamTree::Kind::kLiteral;
      out->literal = NodeToJson(n);
      return;
  }
}

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_PARAM_TREE_BUILDER_H_
