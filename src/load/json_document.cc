#include "load/json_document.h"

#include <algorithm>
#include <string>

#include <simdjson.h>

namespace proact::internal {
namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

// Converts one value; every node gets `mark`.
error_code ToNode(od::value value, const Mark& mark, int file, int depth,
                  Node* n) {
  n->mark = mark;
  n->file = file;
  if (depth > 256) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (error_code e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::null:
      n->kind = Node::Kind::kNull;
      return value.is_null().error();
    case od::json_type::boolean:
      n->kind = Node::Kind::kBool;
      if (error_code e = value.get_bool().get(n->boolean)) return e;
      n->text = n->boolean ? "true" : "false";
      return simdjson::SUCCESS;
    case od::json_type::number: {
      n->kind = Node::Kind::kNumber;
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' ||
                              raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      n->text = std::string(raw);
      return value.get_double().get(n->number);
    }
    case od::json_type::string: {
      n->kind = Node::Kind::kString;
      n->quoted = true;
      std::string_view str;
      if (error_code e = value.get_string().get(str)) return e;
      n->text = std::string(str);
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      n->kind = Node::Kind::kSeq;
      od::array arr;
      if (error_code e = value.get_array().get(arr)) return e;
      for (auto item : arr) {
        od::value v;
        if (error_code e = std::move(item).get(v)) return e;
        n->items.emplace_back();
        if (error_code e = ToNode(v, mark, file, depth + 1, &n->items.back())) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::object: {
      n->kind = Node::Kind::kMap;
      od::object obj;
      if (error_code e = value.get_object().get(obj)) return e;
      for (auto field : obj) {
        od::field f;
        if (error_code e = std::move(field).get(f)) return e;
        std::string_view key;
        if (error_code e = f.unescaped_key().get(key)) return e;
        n->entries.emplace_back();
        Node& k = n->entries.back().first;
        k.kind = Node::Kind::kString;
        k.quoted = true;
        k.text = std::string(key);
        k.mark = mark;
        k.file = file;
        if (error_code e = ToNode(f.value(), mark, file, depth + 1, &n->entries.back().second))
          return e;
      }
      return simdjson::SUCCESS;
    }
  }
  return simdjson::SUCCESS;
}

// Line and column of increasing byte offsets, in one pass over the text.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  Mark At(std::size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < pos_) {  // not increasing: start over
      pos_ = 0;
      line_ = 1;
      line_start_ = 0;
    }
    for (; pos_ < offset; ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
    }
    return Mark{line_, static_cast<int>(offset - line_start_) + 1};
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
};

}  // namespace

bool ParseJsonArray(std::string_view text, int file, DiagnosticSink* sink,
                    const std::function<void(Node&&)>& element) {
  LineCounter lines(text);
  simdjson::padded_string padded(text.data(), text.size());
  od::parser parser;
  od::document doc;
  od::array arr;
  const char* where = nullptr;
  auto fail = [&](error_code e) {
    // Point at the element being read, or the start.
    Mark m = where ? lines.At(static_cast<std::size_t>(where - padded.data()))
                   : Mark{1, 1};
    sink->Error(file, m.line, m.column, "json-syntax",
                std::string("invalid JSON: ") + simdjson::error_message(e));
    return false;
  };
  if (error_code e = parser.iterate(padded).get(doc)) return fail(e);
  od::json_type type;
  if (error_code e = doc.type().get(type)) return fail(e);
  if (type != od::json_type::array) {
    sink->Error(file, 1, 1, "not-an-array",
                "a pattern file holds a JSON array of event patterns");
    return false;
  }
  if (error_code e = doc.get_array().get(arr)) return fail(e);
  for (auto item : arr) {
    od::value v;
    if (error_code e = std::move(item).get(v)) return fail(e);
    std::string_view token = v.raw_json_token();
    where = token.data();
    Mark m = lines.At(static_cast<std::size_t>(token.data() - padded.data()));
    Node node;
    if (error_code e = ToNode(v, m, file, 0, &node)) return fail(e);
    element(std::move(node));
  }
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
    where = trailing;
    return fail(simdjson::TAPE_ERROR);
  }
  return true;
}

}  // namespace proact::internal
