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

namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The byte range of each element of a top-level JSON array, found by a scan
// that tracks only strings and brackets. False when the text is not laid
// out as ws '[' ws value (ws ',' ws value)* ws ']' ws as far as that scan
// can tell (an empty array is left to the full parse too). The elements
// themselves are not checked here.
bool SplitArray(std::string_view t, std::vector<std::pair<std::size_t, std::size_t>>* out) {
  std::size_t i = 0, n = t.size();
  while (i < n && IsJsonSpace(t[i])) ++i;
  if (i == n || t[i] != '[') return false;
  ++i;
  for (;;) {
    while (i < n && IsJsonSpace(t[i])) ++i;
    std::size_t begin = i;
    int depth = 0;
    for (; i < n; ++i) {
      char c = t[i];
      if (c == '"') {
        for (++i; i < n && t[i] != '"'; ++i) {
          if (t[i] == '\\') ++i;
        }
        if (i >= n) return false;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (i >= n) return false;
    std::size_t end = i;
    while (end > begin && IsJsonSpace(t[end - 1])) --end;
    if (end == begin) return false;
    out->emplace_back(begin, end);
    if (t[i] == ',') {
      ++i;
      continue;
    }
    if (t[i] != ']') return false;
    for (++i; i < n; ++i) {
      if (!IsJsonSpace(t[i])) return false;
    }
    return true;
  }
}

// Elements are parsed in chunks of about this many bytes, each copied
// between '[' and ']' into one reused buffer: simdjson's index for one
// chunk, not for the whole file (a 13 MB file took 88 MB of it).
constexpr std::size_t kChunkBytes = 256 * 1024;

// The fast path: the file split by SplitArray and parsed chunk by chunk.
// First every chunk is validated in full (DOM), so that nothing is
// delivered from a file the full parse would refuse before its first
// element; a file that does not validate returns kFallback and is read by
// the whole-document path, which reports exactly what it always did.
enum class ChunkResult { kOk, kFailed, kFallback };

ChunkResult ParseInChunks(std::string_view text, int file, DiagnosticSink* sink,
                          const std::function<void(std::size_t)>& count,
                          const std::function<void(Node&&)>& element) {
  std::vector<std::pair<std::size_t, std::size_t>> elements;
  if (!SplitArray(text, &elements)) return ChunkResult::kFallback;
  // Chunks: [first element, last element + 1).
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  for (std::size_t e = 0; e < elements.size();) {
    std::size_t first = e;
    std::size_t start = elements[e].first;
    while (e < elements.size() && (e == first || elements[e].second - start <= kChunkBytes)) ++e;
    chunks.emplace_back(first, e);
  }
  std::string buffer;
  auto fill = [&](const std::pair<std::size_t, std::size_t>& chunk) {
    std::size_t begin = elements[chunk.first].first;
    std::size_t end = elements[chunk.second - 1].second;
    buffer.clear();
    buffer.reserve(end - begin + 2 + simdjson::SIMDJSON_PADDING);
    buffer.push_back('[');
    buffer.append(text.data() + begin, end - begin);
    buffer.push_back(']');
    return begin;
  };
  {
    simdjson::dom::parser validator;
    for (const auto& chunk : chunks) {
      fill(chunk);
      simdjson::dom::array arr;
      if (validator.parse(buffer.data(), buffer.size(), false).get_array().get(arr) ||
          arr.size() != chunk.second - chunk.first) {
        return ChunkResult::kFallback;
      }
    }
  }
  if (count) count(elements.size());
  LineCounter lines(text);
  od::parser parser;
  for (const auto& chunk : chunks) {
    std::size_t begin = fill(chunk);
    od::document doc;
    od::array arr;
    const char* where = nullptr;
    auto fail = [&](error_code e) {
      std::size_t at = where ? begin + static_cast<std::size_t>(where - buffer.data()) - 1
                             : elements[chunk.first].first;
      Mark m = lines.At(at);
      sink->Error(file, m.line, m.column, "json-syntax",
                  std::string("invalid JSON: ") + simdjson::error_message(e));
      return ChunkResult::kFailed;
    };
    if (error_code e = parser.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc)) {
      return fail(e);
    }
    if (error_code e = doc.get_array().get(arr)) return fail(e);
    for (auto item : arr) {
      od::value v;
      if (error_code e = std::move(item).get(v)) return fail(e);
      std::string_view token = v.raw_json_token();
      where = token.data();
      Mark m = lines.At(begin + static_cast<std::size_t>(token.data() - buffer.data()) - 1);
      Node node;
      if (error_code e = ToNode(v, m, file, 0, &node)) return fail(e);
      element(std::move(node));
    }
  }
  return ChunkResult::kOk;
}

}  // namespace

bool ParseJsonArray(std::string_view text, int file, DiagnosticSink* sink,
                    const std::function<void(Node&&)>& element,
                    const std::function<void(std::size_t)>& count) {
  ChunkResult chunked = ParseInChunks(text, file, sink, count, element);
  if (chunked != ChunkResult::kFallback) return chunked == ChunkResult::kOk;
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
