// Host: normalize -> evaluate -> guard -> dispatch -> log and count.
#include "proact/host.h"

#include "proact/remediation.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <unordered_map>

#include "normalize/codec.h"
#include "util/json_parse.h"
#include "util/redaction.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact {

namespace {

Status ReadMillis(const char* name, std::chrono::milliseconds* out, long long min = 0,
                  long long max = 3600000) {
  const char* v = internal::GetEnv(name);
  if (v == nullptr || *v == '\0') return Status::Ok();
  char* end = nullptr;
  errno = 0;
  long long ms = std::strtoll(v, &end, 10);
  if (*end != '\0' || errno != 0 || ms < min || ms > max) {
    return Status(StatusCode::kInvalidArgument, std::string(name) + " must be a number of milliseconds (" +
                                                    std::to_string(min) + ".." + std::to_string(max) +
                                                    "), not '" + v + "'");
  }
  *out = std::chrono::milliseconds(ms);
  return Status::Ok();
}

// The claim TTL against the action timeout, with the store the host will use.
Status CheckClaimTtl(const HostOptions& options) {
  DispatchOptions dispatch = options.dispatch;
  dispatch.idempotency = options.idempotency.get();
  return ValidateClaimTtl(dispatch);
}

}  // namespace

WebhookSecrets WebhookSecretsFromEnvironment() {
  WebhookSecrets secrets;
  if (const char* v = internal::GetEnv("PROACT_GITHUB_SECRET")) secrets.github = v;
  if (const char* v = internal::GetEnv("PROACT_SLACK_SIGNING_SECRET")) secrets.slack = v;
  if (const char* v = internal::GetEnv("PROACT_OKTA_AUTHORIZATION")) secrets.okta_authorization = v;
  secrets.require_signature = internal::EnvFlag("PROACT_REQUIRE_SIGNATURE", false);
  // PROACT_SECRET_<NAME>: the secret NAME of a source definition
  // (`authenticate.secret`, lower-cased: PROACT_SECRET_PAGERDUTY is
  // "pagerduty"). Values are never logged.
  constexpr std::string_view kPrefix = "PROACT_SECRET_";
  for (auto& [suffix, value] : internal::EnvWithPrefix(kPrefix)) {
    std::string name = std::move(suffix);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!value.empty()) secrets.named[name] = std::move(value);
  }
  return secrets;
}

Result<HostOptions> HostOptionsFromEnvironment(std::string default_rules) {
  HostOptions options;
  const char* rules = internal::GetEnv("PROACT_RULES");
  options.rules = internal::SplitTrimmed(rules != nullptr && *rules != '\0' ? rules : default_rules, ':');
  options.engine.dry_run = internal::EnvFlag("PROACT_DRY_RUN", false);
  if (const char* ids = internal::GetEnv("PROACT_SELF_IDENTITIES")) {
    options.engine.self_identities = internal::SplitTrimmed(ids, ',');
  }
  options.secrets = WebhookSecretsFromEnvironment();
  if (Status st = ReadMillis("PROACT_ACTION_TIMEOUT_MS", &options.dispatch.action_timeout); !st.ok()) {
    return st;
  }
  if (Status st = ReadMillis("PROACT_DEADLINE_MARGIN_MS", &options.deadline_margin); !st.ok()) {
    return st;
  }
  // Claims may need to outlive long actions: up to a day.
  if (Status st = ReadMillis("PROACT_CLAIM_TTL_MS", &options.dispatch.in_flight_ttl, 1, 86400000);
      !st.ok()) {
    return st;
  }
  options.webhook = WebhookOptionsFromEnvironment();
  const char* idem = internal::GetEnv("PROACT_IDEMPOTENCY");
  if (idem != nullptr && *idem != '\0') {
#ifdef PROACT_HAVE_REDIS
    Result<IdempotencyConfig> config = IdempotencyFromEnvironment();
    if (!config.ok()) return config.status();
    options.idempotency = std::move(config.value().store);
    options.dispatch.on_store_failure = config.value().on_failure;
    options.guard.on_counter_failure = config.value().on_failure;
    options.state_description = config.value().description;
    if (config.value().redis) {
      // One budget per policy for every instance on this server.
      options.rate_counter = NewRedisRateCounter(*config.value().redis);
      options.state_description += "; rate limits shared";
    }
#else
    if (std::string(idem) != "memory") {
      return Status(StatusCode::kInvalidArgument,
                    "PROACT_IDEMPOTENCY: this build has no Redis client; only 'memory'");
    }
    options.idempotency = NewMemoryIdempotencyStore();
    options.state_description = "memory";
#endif
  }
  if (Status st = CheckClaimTtl(options); !st.ok()) return st;
  return options;
}

std::vector<std::string> ProcessResult::FailedMessageIds() const {
  std::vector<std::string> ids;
  for (const EventOutcome& e : events) {
    if (!e.failed || e.message_id.empty()) continue;
    bool seen = false;
    for (const std::string& id : ids) seen = seen || id == e.message_id;
    if (!seen) ids.push_back(e.message_id);
  }
  return ids;
}

bool ProcessResult::HasUnidentifiedFailure() const {
  for (const EventOutcome& e : events) {
    if (e.failed && e.message_id.empty()) return true;
  }
  return false;
}

nlohmann::ordered_json ProcessResult::Summary() const {
  nlohmann::ordered_json out;
  out["events"] = events.size();
  out["matches"] = matches;
  out["failed"] = failed;
  out["not_processed"] = not_processed;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  // The answer stays small whatever the batch (a Lambda response over 6 MB
  // fails after the work was done, and the platform would run it again):
  // at most kMaxListedResults entries, failed events first in priority.
  std::size_t failed_count = 0;
  for (const EventOutcome& e : events) failed_count += e.failed;
  std::size_t ok_slots =
      failed_count >= kMaxListedResults ? 0 : kMaxListedResults - failed_count;
  std::size_t listed = 0, ok_listed = 0, failed_listed = 0;
  for (const EventOutcome& e : events) {
    if (e.failed ? failed_listed++ >= kMaxListedResults : ok_listed++ >= ok_slots) continue;
    ++listed;
    nlohmann::ordered_json j;
    j["id"] = e.id;
    if (!e.source.empty()) j["source"] = e.source;
    if (!e.message_id.empty()) j["message_id"] = e.message_id;
    if (!e.origin.empty()) j["origin"] = e.origin;
    j["processed"] = e.processed;
    j["matches"] = e.matches;
    j["executed"] = e.dispatch.executed;
    j["already_compliant"] = e.dispatch.already_compliant;
    j["manual"] = e.dispatch.manual;
    j["skipped"] = e.dispatch.skipped;
    j["dry_run"] = e.dispatch.dry_run;
    j["failed_actions"] = e.dispatch.failed;
    if (e.failed) j["error"] = e.reason;
    list.push_back(std::move(j));
  }
  out["results"] = std::move(list);
  if (listed < events.size()) out["results_omitted"] = events.size() - listed;
  return out;
}

std::string ProcessResult::Reasons() const {
  std::string out;
  std::size_t shown = 0;
  for (const EventOutcome& e : events) {
    if (!e.failed) continue;
    if (shown++ == 3) {
      out += "; ...";
      break;
    }
    if (!out.empty()) out += "; ";
    out += (e.origin.empty() ? std::string() : e.origin + ": ") + e.reason;
  }
  return out;
}

HttpAnswer AnswerHttp(const ProcessResult& result) {
  HttpAnswer answer;
  if (result.challenge) {
    answer.status = result.challenge->status;
    answer.content_type = result.challenge->content_type;
    answer.body = result.challenge->body;
    return answer;
  }
  nlohmann::ordered_json body = result.Summary();
  if (result.unauthenticated > 0) {
    answer.status = 401;
  } else {
    bool unreadable = false, retry = result.not_processed > 0;
    for (const EventOutcome& e : result.events) {
      if (e.failed && e.processed) retry = true;
      if (e.failed && !e.processed && !e.deadline) unreadable = true;
    }
    answer.status = unreadable ? 400 : retry ? 503 : 200;
  }
  if (answer.status != 200) body["error"] = result.Reasons();
  answer.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return answer;
}

Result<std::unique_ptr<Host>> Host::Create(HostOptions options) {
  if (Status st = CheckClaimTtl(options); !st.ok()) return st;
  Result<PolicySet> policies = PolicySet::Load(options.rules);
  if (!policies.ok()) return policies.status();
  std::unique_ptr<Host> host(new Host(std::move(options), std::move(policies.value())));
  return host;
}

Host::Host(HostOptions options, PolicySet policies)
    : options_(std::move(options)),
      engine_(policies, options_.engine),
      normalizer_([&] {
        Normalizer n(options_.secrets);
        n.AddSources(policies);  // the rules' own source definitions
        return n;
      }()),
      dispatcher_([&] {
        DispatchOptions d = options_.dispatch;
        d.idempotency = options_.idempotency.get();
        return d;
      }()),
      metrics_(policies) {
  for (std::size_t i = 0; i < policies.size(); ++i) policy_index_[policies.policy(i).id] = i;
  if (!options_.rate_counter) options_.rate_counter = NewMemoryRateCounter();
  GuardOptions guard = options_.guard;
  guard.remember_admitted = options_.dispatch.done_ttl;
  guard_ = std::make_unique<RemediationGuard>(policies, options_.rate_counter.get(), guard);
  if (options_.register_builtin_actions) RegisterBuiltinActions(dispatcher_, options_.webhook);
  if (options_.register_declared_actions) RegisterDeclaredActions(dispatcher_, policies);
}

namespace {

// "sha256:<hex>" of an event's JSON: the id of a matched event that has
// none, for idempotency and rate limits.
std::string ContentId(std::string_view event_json) {
  return "sha256:" + internal::Sha256Hex(event_json);
}

}  // namespace

void Host::LogDecision(const Decision& decision, const EventOutcome& outcome,
                       const RequestInfo& request, double eval_ms) {
  LogLevel level = decision.matches.empty() ? LogLevel::kDebug : LogLevel::kInfo;
  if (outcome.dispatch.failed > 0) level = LogLevel::kError;
  if (!LogEnabled(level)) return;
  nlohmann::ordered_json fields = request.log_fields;
  fields["event_id"] = outcome.id;
  fields["source"] = outcome.source;
  if (decision.detail_type) fields["detail_type"] = *decision.detail_type;
  fields["kind"] = outcome.kind;
  if (!outcome.message_id.empty()) fields["message_id"] = outcome.message_id;
  fields["decision"] = decision.matches.empty() ? "no-match" : "match";
  fields["eval_ms"] = eval_ms;
  nlohmann::ordered_json matches = nlohmann::ordered_json::array();
  for (const PolicyMatch& m : decision.matches) {
    nlohmann::ordered_json jm;
    jm["policy"] = m.policy;
    jm["mode"] = m.mode;
    jm["severity"] = m.severity;
    if (!m.note.empty()) jm["note"] = m.note;
    nlohmann::ordered_json actions = nlohmann::ordered_json::array();
    std::size_t executed = 0, failed = 0;
    for (const ActionReport& a : outcome.dispatch.actions) {
      if (a.policy != m.policy) continue;
      nlohmann::ordered_json ja;
      ja["action"] = a.action;
      ja["outcome"] = a.OutcomeLabel();
      if (a.failure != FailureClass::kNone) ja["failure"] = FailureName(a.failure);
      if (!a.message.empty()) ja["message"] = a.message;
      if (!a.provider_request_id.empty()) ja["provider_request_id"] = a.provider_request_id;
      ja["params"] = a.params;  // LogJson redacts the line
      if (a.outcome == ActionOutcome::kDryRun) {
        // What a declared action type would have sent (the plan).
        std::vector<PlannedRequest> plan;
        Action act{a.action, a.params, true};
        if (PlanAction(engine_.policies(), act, &plan).ok()) {
          nlohmann::ordered_json reqs = nlohmann::ordered_json::array();
          for (const PlannedRequest& r : plan) reqs.push_back(r.ToJson());
          ja["requests"] = std::move(reqs);  // LogJson redacts the line
          std::vector<PlannedRequest> exchange;  // AssumeRoot, as `proact plan` shows it
          if (PlanCredentials(engine_.policies(), act, &exchange).ok() && !exchange.empty()) {
            nlohmann::ordered_json ids = nlohmann::ordered_json::array();
            for (const PlannedRequest& r : exchange) ids.push_back(r.ToJson());
            ja["identity_requests"] = std::move(ids);
          }
        }
      }
      ja["duration_ms"] = a.duration_ms;
      actions.push_back(std::move(ja));
      executed += a.outcome == ActionOutcome::kExecuted;
      failed += a.outcome == ActionOutcome::kFailed;
    }
    jm["actions"] = std::move(actions);
    for (const ActionError& e : m.errors) {
      jm["errors"].push_back({{"action", e.action}, {"index", e.index}, {"message", e.message}});
    }
    bool remediated = executed > 0 && failed == 0;
    jm["remediated"] = remediated;
    if (remediated) {
      auto it = policy_index_.find(m.policy);
      if (it != policy_index_.end()) {
        const PolicyInfo& info = engine_.policies().policy(it->second);
        if (info.savings_minutes > 0) jm["savings_minutes"] = info.savings_minutes;
        if (info.savings_usd > 0) jm["savings_usd"] = info.savings_usd;
      }
    }
    matches.push_back(std::move(jm));
  }
  fields["matches"] = std::move(matches);
  if (outcome.failed) fields["error"] = outcome.reason;
  LogJson(level, "proact.decision", decision.matches.empty() ? "no match" : "policy matched",
          fields);
}

ProcessResult Host::Process(std::string_view payload, const Headers& headers,
                            const RequestInfo& request) {
  ProcessResult result;
  auto start = std::chrono::steady_clock::now();
  // One result per thread, reused: the normalizer keeps its capacity.
  thread_local NormalizeResult normalized;
  thread_local Scratch scratch;
  Decision decision;
  bool read_once = false;
  if (!request.http_method.empty() || !request.http_query.empty()) {
    HttpRequest http;
    if (!request.http_method.empty()) http.method = request.http_method;
    if (!request.http_path.empty()) http.path = request.http_path;
    http.query = request.http_query;
    http.headers = headers;
    http.body = payload;
    normalizer_.NormalizeRequest(http, &normalized);
  } else if (engine_.EvaluateEnvelope(normalizer_, payload, headers, scratch, &normalized,
                                      &decision)) {
    read_once = true;  // an EventBridge envelope, normalized and evaluated in one read
  } else {
    normalizer_.Normalize(payload, headers, &normalized);
  }
  double normalize_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.delivery = normalized.delivery;
  result.answer = normalized.answer;
  if (normalized.challenge) {
    result.challenge = std::move(normalized.challenge);
    LogJson(LogLevel::kInfo, "proact.host", "verification handshake answered", request.log_fields);
    return result;
  }
  // Ordered items (SQS FIFO, a stream shard, a Kafka topic-partition):
  // the place of each in its order; nothing at or after the first failed
  // place of an order is processed.
  struct Place {
    std::string_view key;
    std::size_t index;
  };
  std::unordered_map<std::string_view, Place> order;
  if (!request.ordered_message_ids.empty()) {
    for (std::size_t i = 0; i < request.ordered_message_ids.size(); ++i) {
      order.emplace(request.ordered_message_ids[i], Place{"", i});
    }
  } else {
    for (std::size_t i = 0; i < normalized.items.size(); ++i) {
      const DeliveryItem& item = normalized.items[i];
      if (!item.order_key.empty()) order.emplace(item.id, Place{item.order_key, i});
    }
  }
  std::unordered_map<std::string_view, std::size_t> first_failed;  // by order key
  auto fail = [&](const std::string& id) {
    auto it = order.find(id);
    if (it == order.end()) return;
    auto [f, added] = first_failed.emplace(it->second.key, it->second.index);
    if (!added) f->second = std::min(f->second, it->second.index);
  };
  auto blocked = [&](const std::string& id) {
    auto it = order.find(id);
    if (it == order.end()) return false;
    auto f = first_failed.find(it->second.key);
    return f != first_failed.end() && it->second.index >= f->second;
  };
  for (const NormalizeError& err : normalized.errors) fail(err.message_id);
  for (const NormalizeError& err : normalized.errors) {
    EventOutcome e;
    e.origin = err.origin;
    e.message_id = err.message_id;
    e.failed = true;
    e.unauthenticated = err.unauthenticated;
    // Reasons go back to the platform (HTTP answer, Lambda error), which
    // may log them: redacted like a log line.
    e.reason = internal::RedactText(err.message);
    metrics_.RecordEventError(err.unauthenticated);
    if (err.unauthenticated) ++result.unauthenticated;
    nlohmann::ordered_json fields = request.log_fields;
    if (!err.origin.empty()) fields["origin"] = err.origin;
    if (!err.message_id.empty()) fields["message_id"] = err.message_id;
    fields["error"] = err.message;
    LogJson(err.unauthenticated ? LogLevel::kWarning : LogLevel::kError, "proact.normalize",
            err.unauthenticated ? "request rejected" : "payload part not normalized", fields);
    result.events.push_back(std::move(e));
  }
  double share = normalized.events.empty() ? 0 : normalize_seconds / normalized.events.size();
  SteadyTime stop_at = request.deadline == SteadyTime::max()
                           ? SteadyTime::max()
                           : request.deadline - options_.deadline_margin;
  for (const NormalizedEvent& ev : normalized.events) {
    EventOutcome e;
    e.kind = ev.kind;
    e.origin = ev.origin;
    e.message_id = ev.message_id;
    auto t0 = std::chrono::steady_clock::now();
    if (blocked(ev.message_id)) {
      e.failed = true;
      e.reason = "not processed: an earlier item of this ordered batch (FIFO queue, stream shard, "
                 "Kafka partition) failed";
      result.events.push_back(std::move(e));
      continue;
    }
    if (t0 >= stop_at) {  // (an envelope read once is not acted on either)
      e.failed = true;
      e.deadline = true;
      e.reason = "not processed: less than " + std::to_string(options_.deadline_margin.count()) +
                 " ms remained before the deadline";
      ++result.not_processed;
      // Read the id for the report without evaluating.
      nlohmann::json parsed;
      internal::ParseJson(ev.json, &parsed);
      if (parsed.is_object() && parsed.contains("id") && parsed["id"].is_string()) {
        e.id = parsed["id"].get<std::string>();
      }
      result.events.push_back(std::move(e));
      continue;
    }
    Status st = read_once ? Status::Ok() : engine_.Evaluate(ev.json, scratch, &decision);
    double eval_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() + share;
    metrics_.RecordEvaluation(eval_seconds);
    if (!st.ok()) {
      e.failed = true;
      e.reason = internal::RedactText(st.message());
      fail(e.message_id);
      metrics_.RecordEventError(false);
      nlohmann::ordered_json fields = request.log_fields;
      fields["origin"] = ev.origin;
      if (!ev.message_id.empty()) fields["message_id"] = ev.message_id;
      fields["error"] = st.message();
      LogJson(LogLevel::kError, "proact.evaluate", "event not evaluated", fields);
      result.events.push_back(std::move(e));
      continue;
    }
    if ((!decision.id || decision.id->empty()) && !decision.matches.empty()) {
      // No id (some Okta System Log exports): the content names the event,
      // so that a redelivery is still claimed, counted and skipped once.
      decision.id = ContentId(ev.json);
    }
    guard_->Apply(&decision);
    e.id = decision.id.value_or("");
    e.source = decision.source.value_or("");
    e.matches = decision.matches.size();
    result.matches += e.matches;
    e.dispatch = dispatcher_.Dispatch(decision, request.request_id, stop_at);
    e.processed = true;
    if (e.dispatch.retryable_failures > 0) {
      e.failed = true;
      for (const ActionReport& a : e.dispatch.actions) {
        if (a.failure == FailureClass::kRetryable) {
          // Details (URLs, remote answers) stay in the logs: this reason
          // may be sent back to whoever delivered the event.
          e.reason = "action '" + a.action + "' of policy '" + a.policy +
                     "' failed (retryable); details in the log of request " + request.request_id;
          break;
        }
      }
    }
    metrics_.RecordDispatch(decision, e.dispatch);
    LogDecision(decision, e, request, eval_seconds * 1000.0);
    if (e.failed) fail(e.message_id);
    result.events.push_back(std::move(e));
  }
  if (result.not_processed > 0) {
    metrics_.RecordNotProcessed(result.not_processed);
    nlohmann::ordered_json fields = request.log_fields;
    fields["not_processed"] = result.not_processed;
    LogJson(LogLevel::kWarning, "proact.host", "deadline near: events left for redelivery", fields);
  }
  for (const EventOutcome& e : result.events) result.failed += e.failed;
  // (after the loop: `order` views the items' strings)
  order.clear();
  first_failed.clear();
  result.items = std::move(normalized.items);
  return result;
}

}  // namespace proact
