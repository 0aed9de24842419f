#include "lint/field_catalogue.h"

#include <set>

namespace proact::internal {

bool NameMatcher::Matches(std::string_view name) const {
  if (any) return true;
  if (prefix) return name.substr(0, text.size()) == text;
  return name == text;
}

bool NameMatcher::Covers(const NameMatcher& inner) const {
  if (any) return true;
  if (inner.any) return false;
  if (!inner.prefix) return Matches(inner.text);
  // A prefix covers a longer prefix that starts with it.
  return prefix && std::string_view(inner.text).substr(0, text.size()) == text;
}

namespace {

using Json = nlohmann::json;

// Checks a shape; returns an error text, or "" when it is well-formed.
std::string CheckShape(const Json& s, const Json& shapes, int depth) {
  if (depth > 256) return "shape nested too deeply";
  if (s.is_string()) {
    static const std::set<std::string> kinds = {"string", "number", "boolean", "null", "any"};
    if (kinds.count(s.get<std::string>()) == 0) {
      return "unknown shape \"" + s.get<std::string>() +
             "\" (expected string, number, boolean, null or any)";
    }
    return "";
  }
  if (s.is_array()) {
    if (s.empty()) return "empty list of alternatives";
    for (const Json& alt : s) {
      std::string e = CheckShape(alt, shapes, depth + 1);
      if (!e.empty()) return e;
    }
    return "";
  }
  if (!s.is_object()) return "a shape must be a string, a list or an object";
  if (s.contains("$ref")) {
    if (!s["$ref"].is_string()) return "\"$ref\" takes a shape name";
    std::string name = s["$ref"].get<std::string>();
    if (!shapes.is_object() || !shapes.contains(name)) return "\"$ref\" to unknown shape \"" + name + "\"";
    return "";
  }
  if (s.contains("array")) return CheckShape(s["array"], shapes, depth + 1);
  if (s.contains("object")) {
    if (!s["object"].is_object()) return "\"object\" takes a mapping of members";
    if (s.contains("open") && !s["open"].is_boolean()) return "\"open\" must be true or false";
    for (const auto& [k, v] : s["object"].items()) {
      std::string e = CheckShape(v, shapes, depth + 1);
      if (!e.empty()) return "member \"" + k + "\": " + e;
    }
    return "";
  }
  return "an object shape needs \"object\", \"array\" or \"$ref\"";
}

bool ReadName(const Json& j, bool optional, NameMatcher* out, std::string* error) {
  if (j.is_null() && optional) {
    out->any = true;
    return true;
  }
  if (j.is_string()) {
    out->text = j.get<std::string>();
    return true;
  }
  if (j.is_object() && j.size() == 1 && j.contains("prefix") && j["prefix"].is_string()) {
    out->prefix = true;
    out->text = j["prefix"].get<std::string>();
    return true;
  }
  *error = "must be a string or {\"prefix\": \"...\"}";
  return false;
}

}  // namespace

Status FieldCatalogue::Parse(const std::vector<std::string>& texts,
                             const std::vector<std::string>& names, FieldCatalogue* out) {
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string name = i < names.size() ? names[i] : "catalogue " + std::to_string(i + 1);
    auto fail = [&](const std::string& msg) {
      return Status(StatusCode::kInvalidArgument, "field catalogue " + name + ": " + msg);
    };
    auto doc = std::make_unique<Json>(Json::parse(texts[i], nullptr, false));
    if (doc->is_discarded()) return fail("not valid JSON");
    if (!doc->is_object()) return fail("must be a JSON object");
    const Json& d = *doc;
    static const Json kNoShapes = Json::object();
    const Json* shapes = d.contains("shapes") ? &d["shapes"] : &kNoShapes;
    if (!shapes->is_object()) return fail("\"shapes\" must be an object");
    for (const auto& [k, v] : shapes->items()) {
      std::string e = CheckShape(v, *shapes, 0);
      if (!e.empty()) return fail("shape \"" + k + "\": " + e);
    }
    if (d.contains("detail")) {
      std::string e = CheckShape(d["detail"], *shapes, 0);
      if (!e.empty()) return fail("\"detail\": " + e);
    }
    if (!d.contains("applies_to") || !d["applies_to"].is_array()) {
      return fail("\"applies_to\" must be a list");
    }
    std::size_t n = 0;
    for (const Json& a : d["applies_to"]) {
      ++n;
      std::string where = "applies_to entry " + std::to_string(n) + ": ";
      if (!a.is_object()) return fail(where + "must be an object");
      CatalogueEntry entry;
      std::string error;
      if (!a.contains("source") || !ReadName(a["source"], false, &entry.source, &error)) {
        return fail(where + "\"source\" " + (error.empty() ? "is required" : error));
      }
      if (!ReadName(a.contains("detail-type") ? a["detail-type"] : Json(), true,
                    &entry.detail_type, &error)) {
        return fail(where + "\"detail-type\" " + error);
      }
      entry.detail.shapes = shapes;
      if (a.contains("shape")) {
        if (!a["shape"].is_string() || !shapes->contains(a["shape"].get<std::string>())) {
          return fail(where + "\"shape\" must name a member of \"shapes\"");
        }
        entry.detail.shape = &(*shapes)[a["shape"].get<std::string>()];
      } else if (d.contains("detail")) {
        entry.detail.shape = &d["detail"];
      } else {
        return fail(where + "no \"shape\" and the catalogue has no \"detail\"");
      }
      out->entries_.push_back(entry);
    }
    out->docs_.push_back(std::move(doc));
  }
  return Status::Ok();
}

}  // namespace proact::internal
