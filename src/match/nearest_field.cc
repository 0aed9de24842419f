#include "match/nearest_field.h"

#include <algorithm>
#include <vector>

#include "util/did_you_mean.h"
#include "util/strings.h"

namespace proact::internal {
namespace {

void Collect(const nlohmann::json& v, const std::string& prefix, int depth,
             std::set<std::string>* out) {
  if (depth > 256) return;
  if (v.is_object() && !v.empty()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      Collect(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), depth + 1, out);
    }
  } else if (v.is_array() && !v.empty()) {
    for (const nlohmann::json& item : v) Collect(item, prefix, depth + 1, out);
  } else if (!prefix.empty()) {
    out->insert(prefix);
  }
}

// The keys one level below `prefix` ("" for the top level).
std::vector<std::string_view> KeysBelow(const std::set<std::string>& fields,
                                        const std::string& prefix) {
  std::string start = prefix.empty() ? "" : prefix + ".";
  std::vector<std::string_view> keys;
  for (auto it = fields.lower_bound(start); it != fields.end(); ++it) {
    std::string_view f = *it;
    if (f.substr(0, start.size()) != start) break;
    f.remove_prefix(start.size());
    keys.push_back(f.substr(0, f.find('.')));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string_view LastKey(std::string_view path) {
  std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// Walks `path` key by key, correcting each; *walked gets how many keys it
// could follow.
std::string Corrected(const std::set<std::string>& fields, std::string_view path,
                      std::size_t* walked) {
  std::vector<std::string> keys = SplitTrimmed(path, '.');
  std::string prefix;
  *walked = 0;
  for (const std::string& want : keys) {
    std::vector<std::string_view> here = KeysBelow(fields, prefix);
    std::string key;
    if (std::binary_search(here.begin(), here.end(), want)) {
      key = want;
    } else {
      std::string lower = AsciiLower(want);
      for (std::string_view k : here) {
        if (AsciiLower(std::string(k)) == lower) key = k;
      }
      if (key.empty()) key = DidYouMean(want, here);
    }
    if (key.empty()) break;
    prefix += (prefix.empty() ? "" : ".") + key;
    ++*walked;
  }
  return prefix;
}

}  // namespace

void CollectFieldPaths(const nlohmann::json& value, std::set<std::string>* out) {
  Collect(value, "", 0, out);
}

std::string NearestField(const std::set<std::string>& fields, std::string_view path) {
  std::size_t walked = 0;
  std::string near = Corrected(fields, path, &walked);
  if (walked == SplitTrimmed(path, '.').size() && near != path) return near;
  // The same last key at another level (a sibling with the same last key,
  // e.g. changes.x.from beside changes.y.from, is no hint).
  std::string last = AsciiLower(std::string(LastKey(path)));
  auto depth = [](std::string_view s) { return std::count(s.begin(), s.end(), '.'); };
  for (const std::string& f : fields) {
    if (AsciiLower(std::string(LastKey(f))) == last && depth(f) != depth(path)) return f;
  }
  return "";
}

std::string KeysNear(const std::set<std::string>& fields, std::string_view path) {
  std::size_t walked = 0;
  std::string prefix = Corrected(fields, path, &walked);
  if (walked == 0) return "";
  std::vector<std::string_view> keys = KeysBelow(fields, prefix);
  if (keys.empty()) return prefix + " holds no object";
  std::string out = prefix + " has ";
  for (std::size_t i = 0; i < keys.size() && i < 8; ++i) {
    out += (i ? ", " : "") + std::string(keys[i]);
  }
  if (keys.size() > 8) out += ", ... (" + std::to_string(keys.size()) + " keys)";
  return out;
}

}  // namespace proact::internal
