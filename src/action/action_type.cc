#include "action/action_type.h"

#include <cmath>

namespace proact::internal {

std::string_view ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kString: return "string";
    case ParamType::kInteger: return "integer";
    case ParamType::kNumber: return "number";
    case ParamType::kBoolean: return "boolean";
    case ParamType::kObject: return "object";
    case ParamType::kArray: return "array";
    case ParamType::kAny: return "any";
  }
  return "any";
}

namespace {

const char* JsonKind(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

}  // namespace

bool CheckParamValue(const ParamSpec& spec, const nlohmann::json& value, std::string* why) {
  if (value.is_null()) {
    if (spec.nullable || spec.type == ParamType::kAny) return true;
    *why = "is null, and the parameter is not nullable";
    return false;
  }
  bool ok = true;
  switch (spec.type) {
    case ParamType::kString: ok = value.is_string(); break;
    case ParamType::kInteger:
      ok = value.is_number_integer() ||
           (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>());
      break;
    case ParamType::kNumber: ok = value.is_number(); break;
    case ParamType::kBoolean: ok = value.is_boolean(); break;
    case ParamType::kObject: ok = value.is_object(); break;
    case ParamType::kArray: ok = value.is_array(); break;
    case ParamType::kAny: ok = true; break;
  }
  if (!ok) {
    *why = "must be " + std::string(spec.type == ParamType::kInteger ? "an " : "a ") +
           std::string(ParamTypeName(spec.type)) + ", not " + JsonKind(value);
    return false;
  }
  if (!spec.allowed.empty()) {
    bool found = false;
    for (const nlohmann::json& a : spec.allowed) {
      if (a == value) found = true;
    }
    if (!found) {
      std::string list;
      for (const nlohmann::json& a : spec.allowed) list += (list.empty() ? "" : ", ") + a.dump();
      std::string shown = value.dump();
      if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
      *why = "is " + shown + ", not one of the allowed values (" + list + ")";
      return false;
    }
  }
  if (spec.re && value.is_string()) {
    const RE2& re = spec.re->Get();
    if (!re.ok() || !RE2::FullMatch(value.get_ref<const std::string&>(), re)) {
      std::string shown = value.dump();
      if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
      *why = "is " + shown + ", which does not match the pattern '" + spec.pattern + "'";
      if (!re.ok()) *why += " (the pattern cannot be compiled: " + re.error() + ")";
      return false;
    }
  }
  return true;
}

}  // namespace proact::internal
