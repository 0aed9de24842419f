// XML <-> JSON for remediation requests and answers (pugixml).
//
// JsonToXml writes an XML body from a JSON object with one member, the root
// element: objects become child elements in order, arrays repeat their
// element, scalars become text (true/false for booleans, numbers as JSON
// writes them), null an empty element, and members named "@name" become
// attributes of their element. Names are checked to be XML names.
//
// XmlToJson reads an answer: an element with child elements becomes an
// object (children sharing a name become an array), an element with only
// text becomes its string, an empty one "". Namespace prefixes are dropped,
// attributes ignored. The root element is the single member of the result.
// Documents that are not valid UTF-8 are refused (JSON text must be), and
// documents nested deeper than kMaxJsonDepth / 2 elements are refused (the
// result must stay within the JSON nesting every other reader allows).
#ifndef PROACT_SRC_UTIL_XML_JSON_H_
#define PROACT_SRC_UTIL_XML_JSON_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proact/export.h"

namespace proact::internal {

bool JsonToXml(const nlohmann::ordered_json& value, std::string* xml, std::string* error);
PROACT_EXPORT bool XmlToJson(std::string_view xml, nlohmann::json* out, std::string* error);

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_XML_JSON_H_
