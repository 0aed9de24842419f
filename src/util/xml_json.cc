#include "util/xml_json.h"

#include "util/json_parse.h"
#include "util/utf8.h"

#include <pugixml.hpp>
#include <re2/re2.h>

#include <map>
#include <sstream>
#include <utility>
#include <vector>

namespace proact::internal {

namespace {

bool IsXmlName(const std::string& s) {
  static const RE2 name("[A-Za-z_][A-Za-z0-9._-]*(:[A-Za-z_][A-Za-z0-9._-]*)?");
  return RE2::FullMatch(s, name);
}

std::string ScalarText(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  return v.dump();
}

// Iterative: an explicit stack of (json value, element to fill).
bool Fill(pugi::xml_node root, const nlohmann::ordered_json& value, std::string* error) {
  std::vector<std::pair<const nlohmann::ordered_json*, pugi::xml_node>> stack{{&value, root}};
  while (!stack.empty()) {
    auto [v, node] = stack.back();
    stack.pop_back();
    if (!v->is_object()) {
      node.text().set(ScalarText(*v).c_str());
      continue;
    }
    for (auto it = v->begin(); it != v->end(); ++it) {
      const std::string& key = it.key();
      if (!key.empty() && key[0] == '@') {
        std::string attr = key.substr(1);
        if (!IsXmlName(attr) || it->is_structured()) {
          *error = "'" + key + "' is not an XML attribute with a scalar value";
          return false;
        }
        node.append_attribute(attr.c_str()).set_value(ScalarText(*it).c_str());
        continue;
      }
      if (!IsXmlName(key)) {
        *error = "'" + key + "' is not an XML element name";
        return false;
      }
      if (it->is_array()) {
        for (const nlohmann::ordered_json& item : *it) {
          if (item.is_array()) {
            *error = "element '" + key + "' holds an array of arrays";
            return false;
          }
          stack.emplace_back(&item, node.append_child(key.c_str()));
        }
      } else {
        stack.emplace_back(&*it, node.append_child(key.c_str()));
      }
    }
  }
  return true;
}

std::string LocalName(const char* name) {
  std::string s(name);
  std::size_t colon = s.find(':');
  return colon == std::string::npos ? s : s.substr(colon + 1);
}

}  // namespace

bool JsonToXml(const nlohmann::ordered_json& value, std::string* xml, std::string* error) {
  if (!value.is_object() || value.size() != 1) {
    *error = "an XML body is an object with one member, its root element";
    return false;
  }
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  const std::string& root_name = value.begin().key();
  if (!IsXmlName(root_name)) {
    *error = "'" + root_name + "' is not an XML element name";
    return false;
  }
  pugi::xml_node root = doc.append_child(root_name.c_str());
  if (!Fill(root, value.begin().value(), error)) return false;
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  *xml = out.str();
  return true;
}

bool XmlToJson(std::string_view xml, nlohmann::json* out, std::string* error) {
  std::size_t bad = FirstInvalidUtf8(xml);
  if (bad != std::string_view::npos) {
    *error = "XML that is not valid UTF-8 (byte " + std::to_string(bad) + ")";
    return false;
  }
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!r) {
    *error = std::string("invalid XML at byte ") + std::to_string(r.offset) + ": " + r.description();
    return false;
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    *error = "XML without a root element";
    return false;
  }
  *out = nlohmann::json::object();
  // (element, where its value goes): iterative.
  struct Item {
    pugi::xml_node node;
    nlohmann::json* slot;
    int depth;
  };
  std::vector<Item> stack{{root, &(*out)[LocalName(root.name())], 1}};
  while (!stack.empty()) {
    Item item = stack.back();
    stack.pop_back();
    if (item.depth > kMaxJsonDepth / 2) {
      // Each element level is up to two JSON levels (object, array).
      *error = "XML nested deeper than " + std::to_string(kMaxJsonDepth / 2) + " elements";
      *out = nullptr;
      return false;
    }
    bool has_elements = false;
    for (pugi::xml_node c = item.node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) has_elements = true;
    }
    if (!has_elements) {
      *item.slot = std::string(item.node.child_value());
      continue;
    }
    *item.slot = nlohmann::json::object();
    std::vector<std::pair<pugi::xml_node, std::string>> children;
    for (pugi::xml_node c = item.node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) children.emplace_back(c, LocalName(c.name()));
    }
    // Group repeated names into arrays first, then take slots (the object
    // is not resized afterwards, so the pointers stay valid).
    nlohmann::json& obj = *item.slot;
    for (const auto& [c, name] : children) {
      if (!obj.contains(name)) {
        obj[name] = nullptr;
      } else if (!obj[name].is_array()) {
        obj[name] = nlohmann::json::array({nullptr});
      }
      if (obj[name].is_array()) obj[name].push_back(nullptr);
    }
    std::map<std::string, std::size_t> next;
    for (const auto& [c, name] : children) {
      nlohmann::json& slot = obj[name];
      if (slot.is_array()) {
        stack.push_back({c, &slot[next[name]++], item.depth + 1});
      } else {
        stack.push_back({c, &slot, item.depth + 1});
      }
    }
  }
  return true;
}

}  // namespace proact::internal
