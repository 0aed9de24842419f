// Plans and permissions of declared action types (proact/remediation.h).
#include "proact/remediation.h"

#include <algorithm>
#include <map>
#include <set>

#include "program/api_access.h"
#include "action/assume_root.h"
#include "action/request_builder.h"
#include "program/program.h"
#include "util/redaction.h"

namespace proact {

namespace {

using internal::ActionType;
using internal::RequestContext;

std::string AuthText(const ActionType& t, const RequestContext& ctx) {
  const internal::CredentialSpec& c = t.credentials;
  std::string error;
  if (c.provider == "aws") {
    std::string region, role, target;
    if (c.has_region) internal::RenderText(c.region, ctx, &region, &error);
    std::string s = "aws-sigv4 " + c.service + " " + region;
    if (c.has_role && internal::RenderText(c.role, ctx, &role, &error)) s += " as " + role;
    if (c.assume_root.enabled && internal::RenderText(c.assume_root.target, ctx, &target, &error)) {
      s += " as root of " + target + " (AssumeRoot, task policy " + c.assume_root.task_policy + ")";
    }
    return s;
  }
  if (c.provider == "github") {
    std::string inst;
    if (c.has_installation && internal::RenderText(c.installation, ctx, &inst, &error)) {
      return "github installation " + inst;
    }
    return "github";
  }
  if (c.provider == "okta") return "okta-ssws";
  if (c.provider == "gcp") return "gcp-metadata";
  if (c.provider == "azure") return "azure-msi";
  if (c.provider == "slack") return "slack-bot";
  return "none";
}

// The template's text with every hole replaced by '*' (IAM resource
// patterns for assumed roles).
std::string Wildcarded(const internal::Template& t) {
  std::string s;
  for (std::size_t i = 0; i < t.expr_index.size(); ++i) {
    s += t.expr_index[i] < 0 ? t.literals[i] : "*";
  }
  return s;
}

nlohmann::ordered_json PolicyDocument(const std::set<std::string>& actions,
                                      const nlohmann::ordered_json& resource) {
  nlohmann::ordered_json stmt;
  stmt["Effect"] = "Allow";
  stmt["Action"] = nlohmann::ordered_json(std::vector<std::string>(actions.begin(), actions.end()));
  stmt["Resource"] = resource;
  nlohmann::ordered_json doc;
  doc["Version"] = "2012-10-17";
  doc["Statement"] = nlohmann::ordered_json::array({stmt});
  return doc;
}

// The declared type `action` names, or kNotFound.
Status FindType(const PolicySet& set, const Action& action, const ActionType** type) {
  const internal::Program& program = *internal::ProgramOf(set);
  int index = program.FindActionType(action.name);
  if (index < 0) {
    return Status(StatusCode::kNotFound, "action '" + action.name + "' is not a declared action type");
  }
  *type = &program.action_types[index];
  return Status::Ok();
}

}  // namespace

Status PlanAction(const PolicySet& set, const Action& action, std::vector<PlannedRequest>* out) {
  out->clear();
  const ActionType* type = nullptr;
  if (Status st = FindType(set, action, &type); !st.ok()) return st;
  const ActionType& t = *type;
  std::string error;
  if (!internal::CheckParams(t, action.params, &error)) {
    return Status(StatusCode::kInvalidArgument, error);
  }
  if (!t.manual.empty()) return Status::Ok();
  RequestContext ctx;
  ctx.params = &action.params;
  ctx.plan = true;
  std::string base;
  if (!internal::RenderEndpoint(t, ctx, &base, &error)) {
    return Status(StatusCode::kInvalidArgument, error);
  }
  if (t.credentials.assume_root.enabled) {
    internal::AssumeRootCall call;
    if (!internal::BuildAssumeRoot(t, ctx, &call, &error)) {
      return Status(StatusCode::kInvalidArgument, error);
    }
  }
  std::string auth = AuthText(t, ctx);
  auto plan_one = [&](const internal::RequestSpec& spec) -> Status {
    if (!internal::ShouldSend(spec, ctx, &error)) {
      return error.empty() ? Status::Ok() : Status(StatusCode::kInvalidArgument, error);
    }
    internal::RenderedRequest r;
    if (!internal::BuildRequest(t, spec, base, ctx, &r, &error)) {
      return Status(StatusCode::kInvalidArgument, error);
    }
    PlannedRequest p;
    p.name = std::move(r.name);
    p.read = r.read;
    p.method = std::move(r.method);
    p.url = std::move(r.url);
    p.headers = std::move(r.headers);
    p.body = std::move(r.body);
    p.auth = auth;
    out->push_back(std::move(p));
    return Status::Ok();
  };
  bool for_each_empty = false;
  for (const internal::RequestSpec& spec : t.requests) {
    Status st;
    if (!spec.has_for_each) {
      st = plan_one(spec);
    } else {
      // Once per element known now; once, with <item...>, over a list
      // still to be read.
      std::vector<nlohmann::json> items;
      bool unknown = false;
      if (!internal::ForEachItems(spec, ctx, &items, &unknown, &error)) {
        st = Status(StatusCode::kInvalidArgument, error);
      } else if (unknown) {
        ctx.item_unknown = true;
        st = plan_one(spec);
        ctx.item_unknown = false;
      } else {
        std::size_t before = out->size();
        for (const nlohmann::json& item : items) {
          ctx.item = &item;
          st = plan_one(spec);
          ctx.item = nullptr;
          if (!st.ok()) break;
        }
        if (out->size() == before) for_each_empty = true;
      }
    }
    if (!st.ok()) {
      out->clear();
      return st;
    }
  }
  bool any_write = std::any_of(out->begin(), out->end(), [](const PlannedRequest& p) { return !p.read; });
  if (!any_write && for_each_empty) return Status::Ok();  // nothing to change
  if (out->empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "no request of action type '" + t.name +
                      "' applies to these params (each is excluded by its when/unless)");
  }
  return Status::Ok();
}

Status PlanCredentials(const PolicySet& set, const Action& action, std::vector<PlannedRequest>* out) {
  out->clear();
  const ActionType* type = nullptr;
  if (Status st = FindType(set, action, &type); !st.ok()) return st;
  const ActionType& t = *type;
  if (!t.manual.empty() || !t.credentials.assume_root.enabled) return Status::Ok();
  std::string error;
  if (!internal::CheckParams(t, action.params, &error)) {
    return Status(StatusCode::kInvalidArgument, error);
  }
  RequestContext ctx;
  ctx.params = &action.params;
  ctx.plan = true;
  internal::AssumeRootCall call;
  if (!internal::BuildAssumeRoot(t, ctx, &call, &error)) {
    return Status(StatusCode::kInvalidArgument, error);
  }
  PlannedRequest p;
  p.name = "assume_root";
  p.method = "POST";
  p.url = call.url;
  p.headers.emplace_back("Content-Type", call.content_type);
  p.body = call.body;
  p.auth = "aws-sigv4 sts " + call.region;
  out->push_back(std::move(p));
  return Status::Ok();
}

nlohmann::ordered_json PlannedRequest::ToJson() const {
  nlohmann::ordered_json r;
  r["name"] = name;
  r["read"] = read;
  r["method"] = method;
  r["url"] = url;
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  for (const auto& [k, v] : headers) h[k] = v;
  r["headers"] = std::move(h);
  r["body"] = body;
  r["identity"] = auth;
  return r;
}

std::string ManualReason(const PolicySet& set, std::string_view name) {
  const internal::Program& program = *internal::ProgramOf(set);
  int index = program.FindActionType(name);
  return index < 0 ? std::string() : program.action_types[index].manual;
}

std::vector<nlohmann::ordered_json> PlanDecision(const PolicySet& set, const Decision& decision) {
  std::vector<nlohmann::ordered_json> lines;
  nlohmann::ordered_json event = decision.id ? nlohmann::ordered_json(*decision.id) : nullptr;
  for (const PolicyMatch& m : decision.matches) {
    auto line = [&](const std::string& name, bool dry_run) {
      nlohmann::ordered_json j;
      j["event"] = event;
      j["policy"] = m.policy;
      j["action"] = name;
      j["dry_run"] = dry_run;
      return j;
    };
    for (const Action& a : m.actions) {
      nlohmann::ordered_json j = line(a.name, a.dry_run);
      std::vector<PlannedRequest> planned;
      Status st = PlanAction(set, a, &planned);
      nlohmann::ordered_json requests = nlohmann::ordered_json::array();
      for (const PlannedRequest& p : planned) requests.push_back(p.ToJson());
      j["requests"] = std::move(requests);
      std::vector<PlannedRequest> exchanges;
      if (st.ok() && PlanCredentials(set, a, &exchanges).ok() && !exchanges.empty()) {
        // Not "credentials": a key of that name is redacted as a secret.
        nlohmann::ordered_json exchange = nlohmann::ordered_json::array();
        for (const PlannedRequest& p : exchanges) exchange.push_back(p.ToJson());
        j["identity_requests"] = std::move(exchange);
      }
      std::string manual = ManualReason(set, a.name);
      if (st.code() == StatusCode::kNotFound) {
        j["handler"] = "host";
        j["error"] = nullptr;
      } else if (!manual.empty() && st.ok()) {
        j["manual"] = manual;
        j["error"] = nullptr;
      } else {
        j["error"] = st.ok() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(st.message());
      }
      RedactSecrets(&j);
      lines.push_back(std::move(j));
    }
    for (const ActionError& e : m.errors) {
      nlohmann::ordered_json j = line(e.action, m.mode == "dry-run");
      j["requests"] = nlohmann::ordered_json::array();
      j["error"] = e.message;
      RedactSecrets(&j);
      lines.push_back(std::move(j));
    }
  }
  return lines;
}

nlohmann::ordered_json RequiredPermissions(const PolicySet& set) {
  const internal::Program& program = *internal::ProgramOf(set);
  std::map<std::string, std::set<std::string>> users;  // type -> policies
  for (const internal::CompiledPolicy& p : program.policies) {
    if (!p.info.enabled) continue;
    for (const internal::CompiledAction& a : p.actions) {
      if (a.type >= 0) users[program.action_types[a.type].name].insert(p.info.id);
    }
  }
  std::set<std::string> aws, roles, okta, gcp, azure, slack;
  std::map<std::string, std::string> github;
  // Root task policy ARN -> the root users it is asked on / the actions the
  // types' root sessions perform (granted by the task policy, not the role).
  std::map<std::string, std::set<std::string>> root_users, root_actions;
  auto rank = [](const std::string& level) { return level == "admin" ? 3 : level == "write" ? 2 : 1; };
  for (const auto& [name, policies] : users) {
    const ActionType& t = program.action_types[program.FindActionType(name)];
    if (!t.manual.empty()) continue;
    if (t.credentials.assume_root.enabled) {
      std::string arn = internal::RootTaskPolicyArn(t.credentials.assume_root.task_policy);
      root_users[arn].insert(internal::RootUserArn(Wildcarded(t.credentials.assume_root.target)));
      root_actions[arn].insert(t.permissions.aws.begin(), t.permissions.aws.end());
    } else {
      aws.insert(t.permissions.aws.begin(), t.permissions.aws.end());
    }
    okta.insert(t.permissions.okta.begin(), t.permissions.okta.end());
    gcp.insert(t.permissions.gcp.begin(), t.permissions.gcp.end());
    azure.insert(t.permissions.azure.begin(), t.permissions.azure.end());
    slack.insert(t.permissions.slack.begin(), t.permissions.slack.end());
    for (const auto& [perm, level] : t.permissions.github) {
      auto it = github.find(perm);
      if (it == github.end() || rank(level) > rank(it->second)) github[perm] = level;
    }
    if (t.credentials.has_role) roles.insert(Wildcarded(t.credentials.role));
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  auto list = [](const std::set<std::string>& s) {
    return nlohmann::ordered_json(std::vector<std::string>(s.begin(), s.end()));
  };
  if (!aws.empty() || !roles.empty() || !root_users.empty()) {
    nlohmann::ordered_json a;
    if (!aws.empty()) a["remediation_policy"] = PolicyDocument(aws, "*");
    if (!roles.empty()) a["assume_role_policy"] = PolicyDocument({"sts:AssumeRole"}, list(roles));
    if (!root_users.empty()) {
      // sts:AssumeRoot for the platform's own role (the management account's
      // or IAM's delegated administrator's), one statement per task policy.
      nlohmann::ordered_json statements = nlohmann::ordered_json::array();
      for (const auto& [arn, users] : root_users) {
        nlohmann::ordered_json stmt;
        stmt["Effect"] = "Allow";
        stmt["Action"] = nlohmann::ordered_json::array({"sts:AssumeRoot"});
        stmt["Resource"] = list(users);
        stmt["Condition"] = {{"StringEquals", {{"sts:TaskPolicyArn", nlohmann::ordered_json::array({arn})}}}};
        statements.push_back(std::move(stmt));
      }
      nlohmann::ordered_json doc;
      doc["Version"] = "2012-10-17";
      doc["Statement"] = std::move(statements);
      a["assume_root_policy"] = std::move(doc);
      nlohmann::ordered_json tasks = nlohmann::ordered_json::object();
      for (const auto& [arn, actions] : root_actions) tasks[arn] = list(actions);
      a["root_task_actions"] = std::move(tasks);
    }
    out["aws"] = std::move(a);
  }
  if (!github.empty()) {
    nlohmann::ordered_json g = nlohmann::ordered_json::object();
    for (const auto& [k, v] : github) g[k] = v;
    out["github"] = {{"permissions", g}};
  }
  if (!okta.empty()) out["okta"] = {{"scopes", list(okta)}};
  if (!gcp.empty()) {
    // A custom role granting exactly these (gcloud iam roles create --file).
    nlohmann::ordered_json role;
    role["title"] = "proact remediator";
    role["description"] = "What the proact action types in use need";
    role["stage"] = "GA";
    role["includedPermissions"] = list(gcp);
    nlohmann::ordered_json g;
    g["permissions"] = list(gcp);
    g["custom_role"] = std::move(role);
    out["gcp"] = std::move(g);
  }
  if (!azure.empty()) {
    // A custom role definition (az role definition create --role-definition);
    // the assignable scope is the user's to fill in.
    nlohmann::ordered_json role;
    role["Name"] = "proact remediator";
    role["IsCustom"] = true;
    role["Description"] = "What the proact action types in use need";
    role["Actions"] = list(azure);
    role["NotActions"] = nlohmann::ordered_json::array();
    role["AssignableScopes"] = nlohmann::ordered_json::array({"/subscriptions/{subscription-id}"});
    nlohmann::ordered_json a;
    a["actions"] = list(azure);
    a["role_definition"] = std::move(role);
    out["azure"] = std::move(a);
  }
  if (!slack.empty()) out["slack"] = {{"scopes", list(slack)}};
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  for (const auto& [name, policies] : users) types[name] = list(policies);
  out["action_types"] = std::move(types);
  return out;
}

}  // namespace proact
