#include "action/iam_policy.h"

#include <algorithm>

namespace proact::internal {
namespace {

using json = nlohmann::json;

bool ListOf(const json& v, const char* what, json* out, std::string* error) {
  if (v.is_null()) {
    *out = json::array();
    return true;
  }
  if (!v.is_array()) {
    *error = std::string(what) + " must be a list, not " + v.type_name();
    return false;
  }
  *out = v;
  return true;
}

const json& Member(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

bool SameBinding(const json& binding, const json& role, const json& condition) {
  return Member(binding, "role") == role && Member(binding, "condition") == condition;
}

void RemoveMember(json* bindings, const json& member, const json& role, bool any_role,
                  const json& condition, bool any_condition) {
  for (json& b : *bindings) {
    if (!b.is_object()) continue;
    if (!any_role && Member(b, "role") != role) continue;
    if (!any_condition && Member(b, "condition") != condition) continue;
    auto it = b.find("members");
    if (it == b.end() || !it->is_array()) continue;
    it->erase(std::remove(it->begin(), it->end(), member), it->end());
  }
}

void AddMember(json* bindings, const json& member, const json& role, const json& condition) {
  for (json& b : *bindings) {
    if (!SameBinding(b, role, condition)) continue;
    json& members = b["members"];
    if (!members.is_array()) members = json::array();
    if (std::find(members.begin(), members.end(), member) == members.end()) {
      members.push_back(member);
    }
    return;
  }
  json b = {{"role", role}, {"members", json::array({member})}};
  if (!condition.is_null()) b["condition"] = condition;
  bindings->push_back(std::move(b));
}

void DropEmpty(json* bindings) {
  json kept = json::array();
  for (json& b : *bindings) {
    const json& members = Member(b, "members");
    if (b.is_object() && members.is_array() && members.empty()) continue;
    kept.push_back(std::move(b));
  }
  *bindings = std::move(kept);
}

bool CheckDelta(const json& d, std::initializer_list<const char*> keys, const char* what,
                std::string* error) {
  if (!d.is_object()) {
    *error = std::string(what) + " entries must be objects";
    return false;
  }
  for (const char* k : keys) {
    if (!Member(d, k).is_string()) {
      *error = std::string(what) + " entry without a string '" + k + "'";
      return false;
    }
  }
  return true;
}

}  // namespace

bool RevertBindingDeltas(const json& bindings, const json& deltas, json* out, std::string* error) {
  json list, ds;
  if (!ListOf(bindings, "the bindings", &list, error) ||
      !ListOf(deltas, "the binding deltas", &ds, error)) {
    return false;
  }
  for (const json& d : ds) {
    if (!CheckDelta(d, {"action", "role", "member"}, "binding delta", error)) return false;
    const json& action = d["action"];
    if (action == "ADD") {
      RemoveMember(&list, d["member"], d["role"], false, Member(d, "condition"), false);
    } else if (action == "REMOVE") {
      AddMember(&list, d["member"], d["role"], Member(d, "condition"));
    } else {
      *error = "binding delta action '" + action.get<std::string>() + "' is not ADD or REMOVE";
      return false;
    }
  }
  DropEmpty(&list);
  *out = std::move(list);
  return true;
}

bool WithoutMember(const json& bindings, const json& member, const json& role, json* out,
                   std::string* error) {
  json list;
  if (!ListOf(bindings, "the bindings", &list, error)) return false;
  if (!member.is_string()) {
    *error = "the member to remove must be a string";
    return false;
  }
  if (!role.is_null() && !role.is_string()) {
    *error = "the role must be a string or null";
    return false;
  }
  RemoveMember(&list, member, role, role.is_null(), nullptr, true);
  DropEmpty(&list);
  *out = std::move(list);
  return true;
}

bool WithoutRoles(const json& bindings, const json& roles, json* out, std::string* error) {
  json list;
  if (!ListOf(bindings, "the bindings", &list, error)) return false;
  if (!roles.is_array()) {
    *error = "the roles to remove must be a list";
    return false;
  }
  json kept = json::array();
  for (json& b : list) {
    const json& role = Member(b, "role");
    if (std::find(roles.begin(), roles.end(), role) != roles.end()) continue;
    kept.push_back(std::move(b));
  }
  *out = std::move(kept);
  return true;
}

bool RestoreAuditLogging(const json& audit_configs, const json& deltas, json* out,
                         std::string* error) {
  json list, ds;
  if (!ListOf(audit_configs, "the audit configs", &list, error) ||
      !ListOf(deltas, "the audit config deltas", &ds, error)) {
    return false;
  }
  auto config_for = [&](const json& service) -> json& {
    for (json& c : list) {
      if (Member(c, "service") == service) return c;
    }
    list.push_back({{"service", service}, {"auditLogConfigs", json::array()}});
    return list.back();
  };
  for (const json& d : ds) {
    if (!CheckDelta(d, {"action", "service", "logType"}, "audit config delta", error)) return false;
    const json& member = Member(d, "exemptedMember");
    bool reduced = (d["action"] == "REMOVE" && member.is_null()) ||
                   (d["action"] == "ADD" && !member.is_null());
    if (!reduced) continue;
    if (member.is_null()) {
      // A log type removed: enable it again.
      json& logs = config_for(d["service"])["auditLogConfigs"];
      if (!logs.is_array()) logs = json::array();
      bool present = std::any_of(logs.begin(), logs.end(), [&](const json& l) {
        return Member(l, "logType") == d["logType"];
      });
      if (!present) logs.push_back({{"logType", d["logType"]}});
      continue;
    }
    // An exemption added: take it out, where it is (nothing is created).
    for (json& c : list) {
      if (Member(c, "service") != d["service"] || !Member(c, "auditLogConfigs").is_array()) continue;
      for (json& l : c["auditLogConfigs"]) {
        if (Member(l, "logType") != d["logType"] || !Member(l, "exemptedMembers").is_array()) continue;
        json& ex = l["exemptedMembers"];
        ex.erase(std::remove(ex.begin(), ex.end(), member), ex.end());
        if (ex.empty()) l.erase("exemptedMembers");
      }
    }
  }
  *out = std::move(list);
  return true;
}

}  // namespace proact::internal
