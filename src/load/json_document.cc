#include "load/json_document.h"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace proact::internal {
namespace {

Node ToNode(const nlohmann::json& j, const Mark& mark, int file) {
  Node n;
  n.mark = mark;
  n.file = file;
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      n.kind = Node::Kind::kNull;
      break;
    case nlohmann::json::value_t::boolean:
      n.kind = Node::Kind::kBool;
      n.boolean = j.get<bool>();
      n.text = n.boolean ? "true" : "false";
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      n.kind = Node::Kind::kNumber;
      n.number = j.get<double>();
      n.text = j.dump();
      break;
    case nlohmann::json::value_t::string:
      n.kind = Node::Kind::kString;
      n.quoted = true;
      n.text = j.get<std::string>();
      break;
    case nlohmann::json::value_t::array:
      n.kind = Node::Kind::kSeq;
      for (const auto& item : j) n.items.push_back(ToNode(item, mark, file));
      break;
    case nlohmann::json::value_t::object:
      n.kind = Node::Kind::kMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        Node key;
        key.kind = Node::Kind::kString;
        key.quoted = true;
        key.text = it.key();
        key.mark = mark;
        key.file = file;
        n.entries.emplace_back(std::move(key), ToNode(it.value(), mark, file));
      }
      break;
    case nlohmann::json::value_t::binary:
      n.kind = Node::Kind::kNull;
      break;
  }
  return n;
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
                    std::vector<Node>* out) {
  // Whole-document parse first: its error position is exact.
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    Mark m = LineCounter(text).At(e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    std::size_t colon = what.find("syntax error");
    sink->Error(file, m.line, m.column, "json-syntax",
                "invalid JSON: " + (colon == std::string::npos ? what : what.substr(colon)));
    return false;
  } catch (const nlohmann::json::exception& e) {
    sink->Error(file, 1, 1, "json-syntax", std::string("invalid JSON: ") + e.what());
    return false;
  }
  if (!doc.is_array()) {
    sink->Error(file, 1, 1, "not-an-array",
                "a pattern file holds a JSON array of event patterns");
    return false;
  }
  // Locate each element for diagnostics.
  std::vector<Mark> marks;
  LineCounter lines(text);
  simdjson::padded_string padded(text.data(), text.size());
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document sdoc;
  simdjson::ondemand::array arr;
  if (parser.iterate(padded).get(sdoc) == simdjson::SUCCESS &&
      sdoc.get_array().get(arr) == simdjson::SUCCESS) {
    for (auto element : arr) {
      simdjson::ondemand::value v;
      if (std::move(element).get(v) != simdjson::SUCCESS) break;
      std::string_view token = v.raw_json_token();
      marks.push_back(lines.At(static_cast<std::size_t>(token.data() - padded.data())));
    }
  }
  out->clear();
  out->reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    Mark m = i < marks.size() ? marks[i] : Mark{1, 1};
    out->push_back(ToNode(doc[i], m, file));
  }
  return true;
}

}  // namespace proact::internal
