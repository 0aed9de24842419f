#include "action/template_filters.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "action/iam_policy.h"
#include "util/strings.h"

namespace proact::internal {
namespace {

using json = nlohmann::json;

std::string Text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Trimmed(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// RFC 4122 section 4.3: SHA-1 of the namespace's 16 bytes and the name,
// version 5, variant 10.
std::string Uuid5(std::string_view name) {
  static const unsigned char kUrlNamespace[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                                  0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx, kUrlNamespace, sizeof kUrlNamespace);
  EVP_DigestUpdate(ctx, name.data(), name.size());
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x50);
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
                md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
                md[12], md[13], md[14], md[15]);
  return out;
}

bool Wrong(std::string_view filter, const char* wants, const json& got, std::string* error) {
  *error = "filter '" + std::string(filter) + "' takes " + wants + ", not " + got.type_name();
  return false;
}

}  // namespace

// "2024-01-02T03:04:05Z" (milliseconds kept when not zero), or "" for a
// time outside 1970-9999 (or not a number).
static std::string EpochRfc3339(double millis) {
  if (!(millis >= 0) || millis >= 253402300800000.0) return {};
  auto total = static_cast<long long>(millis);
  int ms = static_cast<int>(total % 1000);
  std::time_t secs = static_cast<std::time_t>(total / 1000);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return {};
  char buf[96];
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

const std::vector<FilterInfo>& AllFilters() {
  static const std::vector<FilterInfo> filters = {
      {"default", FilterKind::kDefault, 1, 1},
      {"lower", FilterKind::kLower, 0, 0},
      {"upper", FilterKind::kUpper, 0, 0},
      {"trim", FilterKind::kTrim, 0, 0},
      {"json", FilterKind::kJson, 0, 0},
      {"url", FilterKind::kUrl, 0, 0},
      {"path", FilterKind::kPath, 0, 0},
      {"eq", FilterKind::kEq, 1, 1},
      {"ne", FilterKind::kNe, 1, 1},
      {"in", FilterKind::kIn, 1, -1},
      {"in_field", FilterKind::kInField, 2, 2},
      {"contains", FilterKind::kContains, 1, 1},
      {"split", FilterKind::kSplit, 1, 1},
      {"pluck", FilterKind::kPluck, 1, 1},
      {"map", FilterKind::kMap, 2, -1},
      {"uuid", FilterKind::kUuid, 0, 0},
      {"rfc3339", FilterKind::kRfc3339, 0, 1},
      {"revert_changes", FilterKind::kRevertChanges, 1, 1},
      {"revert_binding_deltas", FilterKind::kRevertBindingDeltas, 1, 1},
      {"without_member", FilterKind::kWithoutMember, 1, 2},
      {"without_roles", FilterKind::kWithoutRoles, 1, -1},
      {"restore_audit_logging", FilterKind::kRestoreAuditLogging, 1, 1},
  };
  return filters;
}

const FilterInfo* FindFilter(std::string_view name) {
  for (const FilterInfo& f : AllFilters()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view FilterName(FilterKind kind) {
  for (const FilterInfo& i : AllFilters()) {
    if (i.kind == kind) return i.name;
  }
  return "?";
}

bool ApplyFilter(const Filter& f, const std::vector<json>& args, bool* found, json* v,
                 std::string* error) {
  std::string_view name = FilterName(f.kind);
  const json kNull;
  const json& in = *found ? *v : kNull;  // comparisons: missing is null
  switch (f.kind) {
    case FilterKind::kPath:
      return true;  // a placement, not a change: see request_builder.cc
    case FilterKind::kDefault:
      if (!*found || v->is_null()) {
        *v = args[0];
        *found = true;
      }
      return true;
    case FilterKind::kLower:
    case FilterKind::kUpper:
    case FilterKind::kTrim:
    case FilterKind::kJson:
    case FilterKind::kUrl: {
      if (!*found) return true;
      std::string s = f.kind == FilterKind::kJson
                          ? v->dump(-1, ' ', false, json::error_handler_t::replace)
                          : Text(*v);
      if (f.kind == FilterKind::kLower) {
        s = AsciiLower(std::move(s));
      } else if (f.kind == FilterKind::kUpper) {
        for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else if (f.kind == FilterKind::kTrim) {
        s = Trimmed(s);
      } else if (f.kind == FilterKind::kUrl) {
        s = PercentEncode(s);
      }
      *v = std::move(s);
      return true;
    }
    case FilterKind::kEq:
    case FilterKind::kNe: {
      bool equal = in == args[0];
      *v = f.kind == FilterKind::kEq ? equal : !equal;
      *found = true;
      return true;
    }
    case FilterKind::kIn: {
      json all = json::array();
      for (const json& a : args) all.push_back(a);
      const json& list = args.size() == 1 && args[0].is_array() ? args[0] : all;
      bool member = std::find(list.begin(), list.end(), in) != list.end();
      *v = member;
      *found = true;
      return true;
    }
    case FilterKind::kInField: {
      if (!args[1].is_string()) {
        *error = "filter 'in_field' takes a list and a member name";
        return false;
      }
      const std::string& key = args[1].get_ref<const std::string&>();
      bool member = false;
      auto test = [&](const json& e) {
        if (e.is_object() && e.contains(key) && e[key] == in) member = true;
      };
      if (args[0].is_array()) {
        for (const json& e : args[0]) test(e);
      } else {
        test(args[0]);
      }
      *v = member;
      *found = true;
      return true;
    }
    case FilterKind::kContains: {
      bool has = false;
      if (in.is_string()) {
        has = args[0].is_string() &&
              in.get_ref<const std::string&>().find(args[0].get_ref<const std::string&>()) !=
                  std::string::npos;
      } else if (in.is_array()) {
        has = std::find(in.begin(), in.end(), args[0]) != in.end();
      } else if (!in.is_null()) {
        return Wrong(name, "a string or a list", in, error);
      }
      *v = has;
      *found = true;
      return true;
    }
    case FilterKind::kSplit: {
      if (!*found || v->is_null() || v->is_array()) return true;
      if (!v->is_string()) return Wrong(name, "a string", *v, error);
      if (!args[0].is_string() || args[0].get_ref<const std::string&>().empty()) {
        *error = "filter 'split' takes a non-empty string separator";
        return false;
      }
      const std::string& sep = args[0].get_ref<const std::string&>();
      const std::string& s = v->get_ref<const std::string&>();
      json parts = json::array();
      std::size_t from = 0;
      for (;;) {
        std::size_t at = s.find(sep, from);
        std::string part = Trimmed(std::string_view(s).substr(
            from, at == std::string::npos ? std::string::npos : at - from));
        if (!part.empty()) parts.push_back(std::move(part));
        if (at == std::string::npos) break;
        from = at + sep.size();
      }
      *v = std::move(parts);
      return true;
    }
    case FilterKind::kPluck: {
      if (!*found || v->is_null()) return true;
      if (!v->is_array()) return Wrong(name, "a list of objects", *v, error);
      if (!args[0].is_string()) {
        *error = "filter 'pluck' takes a key (a string)";
        return false;
      }
      json out = json::array();
      for (const json& e : *v) {
        if (!e.is_object()) continue;
        auto it = e.find(args[0].get<std::string>());
        if (it != e.end()) out.push_back(*it);
      }
      *v = std::move(out);
      return true;
    }
    case FilterKind::kMap: {
      if (args.size() % 2 != 0) {
        *error = "filter 'map' takes pairs: map(KEY, VALUE, KEY, VALUE...)";
        return false;
      }
      for (std::size_t i = 0; i < args.size(); i += 2) {
        if (in == args[i]) {
          *v = args[i + 1];
          *found = true;
          return true;
        }
      }
      *found = false;
      *v = nullptr;
      return true;
    }
    case FilterKind::kUuid:
      if (!*found || v->is_null()) return true;
      *v = Uuid5(Text(*v));
      return true;
    case FilterKind::kRfc3339: {
      if (!*found || v->is_null()) return true;
      std::string unit = args.empty() ? "s" : Text(args[0]);
      if (unit != "s" && unit != "ms") {
        *error = "filter 'rfc3339' takes the unit \"s\" (default) or \"ms\", not '" + unit + "'";
        return false;
      }
      double number = 0;
      if (v->is_number()) {
        number = v->get<double>();
      } else if (v->is_string()) {
        const std::string& text = v->get_ref<const std::string&>();
        char* end = nullptr;
        number = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0') number = -1;  // not a time: missing
      } else {
        number = -1;
      }
      std::string time = EpochRfc3339(unit == "ms" ? number : number * 1000.0);
      if (time.empty()) {
        // Not a time (a hostile 1e300, a negative number): missing, so
        // that default(...) decides.
        *found = false;
        *v = nullptr;
        return true;
      }
      *v = std::move(time);
      return true;
    }
    case FilterKind::kRevertChanges: {
      if (!*found || v->is_null()) return true;
      if (!v->is_object()) return Wrong(name, "an object", *v, error);
      if (args[0].is_null()) return true;
      if (!args[0].is_object()) {
        *error = "filter 'revert_changes' takes a `changes` object ({field: {from: value}})";
        return false;
      }
      for (auto it = args[0].begin(); it != args[0].end(); ++it) {
        if (it->is_object() && it->contains("from")) (*v)[it.key()] = (*it)["from"];
      }
      return true;
    }
    case FilterKind::kRevertBindingDeltas:
    case FilterKind::kWithoutMember:
    case FilterKind::kWithoutRoles:
    case FilterKind::kRestoreAuditLogging: {
      json out;
      bool ok = false;
      if (f.kind == FilterKind::kRevertBindingDeltas) {
        ok = RevertBindingDeltas(in, args[0], &out, error);
      } else if (f.kind == FilterKind::kWithoutMember) {
        ok = WithoutMember(in, args[0], args.size() > 1 ? args[1] : kNull, &out, error);
      } else if (f.kind == FilterKind::kWithoutRoles) {
        json roles = args.size() == 1 && args[0].is_array() ? args[0] : json(args);
        ok = WithoutRoles(in, roles, &out, error);
      } else {
        ok = RestoreAuditLogging(in, args[0], &out, error);
      }
      if (!ok) {
        *error = "filter '" + std::string(name) + "': " + *error;
        return false;
      }
      *v = std::move(out);
      *found = true;
      return true;
    }
  }
  return true;
}

}  // namespace proact::internal
