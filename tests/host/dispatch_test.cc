// Dispatcher, built-in actions (webhook over real loopback HTTP) and metrics.
#include <doctest/doctest.h>

#include <atomic>

#include "host_test_util.h"
#include "proact/dispatch.h"
#include "proact/host.h"
#include "proact/observability.h"

namespace proact {
namespace {

using namespace std::chrono_literals;
using testing::Receiver;

Decision OneMatch(const std::string& policy, std::vector<Action> actions,
                  std::string id = "evt-1") {
  Decision d;
  d.id = id;
  d.source = "aws.s3";
  PolicyMatch m;
  m.policy = policy;
  m.mode = "enforce";
  m.severity = "high";
  m.actions = std::move(actions);
  d.matches.push_back(std::move(m));
  return d;
}

Action Act(std::string name, nlohmann::json params = nlohmann::json::object(), bool dry = false) {
  Action a;
  a.name = std::move(name);
  a.params = std::move(params);
  a.dry_run = dry;
  return a;
}

TEST_CASE("dispatch: handlers run, dry-run never does, failures are classified per action") {
  Dispatcher dispatcher;
  std::atomic<int> fixed{0}, dry_called{0};
  dispatcher.Register("fix", [&](const ActionContext& ctx) {
    CHECK(ctx.policy == "p");
    CHECK(ctx.event_id == "evt-1");
    CHECK(ctx.source == "aws.s3");
    CHECK(ctx.request_id == "req-9");
    CHECK(ctx.params["bucket"] == "b1");
    ++fixed;
    return ActionResult::Ok("fixed");
  });
  dispatcher.Register("dry", [&](const ActionContext&) {
    ++dry_called;
    return ActionResult::Ok();
  });
  dispatcher.Register("flaky", [](const ActionContext&) { return ActionResult::Retryable("503"); });
  dispatcher.Register("bad", [](const ActionContext&) { return ActionResult::Permanent("400"); });
  dispatcher.Register("throws", [](const ActionContext&) -> ActionResult {
    throw std::runtime_error("boom");
  });
  Decision d = OneMatch("p", {Act("fix", {{"bucket", "b1"}}), Act("dry", {{"x", 1}}, true),
                              Act("flaky"), Act("bad"), Act("throws"), Act("nobody"),
                              Act("fix", {{"bucket", "b1"}})});
  DispatchReport r = dispatcher.Dispatch(d, "req-9");
  REQUIRE(r.actions.size() == 7);
  CHECK(fixed == 2);  // a failure in between did not stop the last action
  CHECK(dry_called == 0);
  CHECK(r.actions[0].outcome == ActionOutcome::kExecuted);
  CHECK(r.actions[0].message == "fixed");
  CHECK(r.actions[1].outcome == ActionOutcome::kDryRun);
  CHECK(r.actions[1].message == "would run");
  CHECK(r.actions[1].params == nlohmann::json{{"x", 1}});
  CHECK(r.actions[2].failure == FailureClass::kRetryable);
  CHECK(r.actions[3].failure == FailureClass::kPermanent);
  CHECK(r.actions[4].failure == FailureClass::kPermanent);
  CHECK(r.actions[4].message == "handler threw: boom");
  CHECK(r.actions[5].failure == FailureClass::kPermanent);
  CHECK(r.actions[5].message == "no handler is registered for action 'nobody'");
  CHECK(r.executed == 2);
  CHECK(r.dry_run == 1);
  CHECK(r.failed == 4);
  CHECK(r.retryable_failures == 1);
  nlohmann::ordered_json j = r.ToJson();
  CHECK(j["actions"][2]["failure"] == "retryable");
  CHECK(j["actions"][1]["outcome"] == "dry_run");
}

TEST_CASE("dispatch: a handler past its timeout is abandoned and reported retryable") {
  DispatchOptions options;
  options.action_timeout = 100ms;
  Dispatcher dispatcher(options);
  dispatcher.Register("slow", [](const ActionContext& ctx) {
    std::this_thread::sleep_for(600ms);
    CHECK(ctx.deadline <= std::chrono::steady_clock::now());
    return ActionResult::Ok();
  });
  dispatcher.Register("fast", [](const ActionContext&) { return ActionResult::Ok(); });
  auto t0 = std::chrono::steady_clock::now();
  DispatchReport r = dispatcher.Dispatch(OneMatch("p", {Act("slow"), Act("fast")}));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < 500ms);
  REQUIRE(r.actions.size() == 2);
  CHECK(r.actions[0].outcome == ActionOutcome::kFailed);
  CHECK(r.actions[0].failure == FailureClass::kRetryable);
  CHECK(r.actions[0].message.rfind("timed out after ", 0) == 0);
  CHECK(r.actions[0].message.find(" ms (handler abandoned)") != std::string::npos);
  CHECK(r.actions[1].outcome == ActionOutcome::kExecuted);
  std::this_thread::sleep_for(700ms);  // let the abandoned thread finish before exit
}

TEST_CASE("dispatch: past the deadline nothing starts") {
  Dispatcher dispatcher;
  int calls = 0;
  dispatcher.Register("a", [&](const ActionContext&) {
    ++calls;
    return ActionResult::Ok();
  }, true);
  DispatchReport r = dispatcher.Dispatch(OneMatch("p", {Act("a")}), "",
                                         std::chrono::steady_clock::now() - 1ms);
  CHECK(calls == 0);
  REQUIRE(r.actions.size() == 1);
  CHECK(r.actions[0].failure == FailureClass::kRetryable);
  CHECK(r.actions[0].message == "not started: the deadline has passed");
}

TEST_CASE("dispatch: with an idempotency store a redelivered event runs nothing twice") {
  auto store = NewMemoryIdempotencyStore();
  DispatchOptions options;
  options.idempotency = store.get();
  Dispatcher dispatcher(options);
  int runs = 0, flaky_runs = 0;
  dispatcher.Register("a", [&](const ActionContext&) {
    ++runs;
    return ActionResult::Ok();
  });
  dispatcher.Register("flaky", [&](const ActionContext&) {
    return ++flaky_runs == 1 ? ActionResult::Retryable("first try fails") : ActionResult::Ok();
  });
  Decision d = OneMatch("p", {Act("a"), Act("flaky")});
  DispatchReport first = dispatcher.Dispatch(d);
  CHECK(first.executed == 1);
  CHECK(first.retryable_failures == 1);
  DispatchReport second = dispatcher.Dispatch(d);  // the redelivery
  CHECK(runs == 1);
  CHECK(second.actions[0].outcome == ActionOutcome::kSkipped);
  CHECK(second.actions[1].outcome == ActionOutcome::kExecuted);  // released after failing
  CHECK(flaky_runs == 2);
  DispatchReport third = dispatcher.Dispatch(d);
  CHECK(third.skipped == 2);

  // Another delivery holds the claim: not done yet, so this one must fail
  // (retryable) rather than be acknowledged as if the action had run.
  Decision other = OneMatch("p", {Act("a")}, "evt-2");
  Result<Claim> held = store->TryClaim(IdempotencyKey("p", "evt-2", 0, "a"), std::chrono::minutes(1));
  REQUIRE(held.ok());
  DispatchReport in_flight = dispatcher.Dispatch(other);
  CHECK(in_flight.actions[0].outcome == ActionOutcome::kFailed);
  CHECK(in_flight.actions[0].failure == FailureClass::kRetryable);
  CHECK(in_flight.actions[0].message == "duplicate delivery: already in flight");
  CHECK(runs == 1);
}

TEST_CASE("webhook: posts JSON to an allowed host, retries 5xx with backoff, gives up") {
  Receiver receiver;
  WebhookOptions options;
  options.default_url = receiver.url("/default");
  options.backoff = 10ms;
  options.max_attempts = 3;
  options.headers = {"Authorization: Bearer t0ken"};
  Dispatcher dispatcher;
  RegisterBuiltinActions(dispatcher, options);

  receiver.Script({503, 200});
  DispatchReport ok = dispatcher.Dispatch(
      OneMatch("p", {Act("webhook", {{"bucket", "b1"}, {"api_token", "s3cret"}})}), "req-1");
  REQUIRE(ok.actions.size() == 1);
  CHECK(ok.actions[0].outcome == ActionOutcome::kExecuted);
  auto reqs = receiver.requests();
  REQUIRE(reqs.size() == 2);  // one retry
  CHECK(reqs[1].path == "/default");
  CHECK(reqs[1].headers["Authorization"] == "Bearer t0ken");
  CHECK(reqs[1].headers["Content-Type"] == "application/json");
  nlohmann::json body = nlohmann::json::parse(reqs[1].body);
  CHECK(body["policy"] == "p");
  CHECK(body["event_id"] == "evt-1");
  CHECK(body["request_id"] == "req-1");
  CHECK(body["params"]["bucket"] == "b1");
  // The report (what gets logged) redacts; the request carried the value.
  CHECK(ok.ToJson()["actions"][0]["params"]["api_token"] == "[redacted]");
  CHECK(body["params"]["api_token"] == "s3cret");

  receiver.Script({500});
  DispatchReport failed = dispatcher.Dispatch(OneMatch("p", {Act("webhook")}));
  CHECK(failed.actions[0].failure == FailureClass::kRetryable);
  CHECK(failed.actions[0].message.find("HTTP 500") != std::string::npos);
  CHECK(receiver.requests().size() == 5);  // three more attempts

  receiver.Script({404});
  DispatchReport permanent = dispatcher.Dispatch(OneMatch("p", {Act("webhook")}));
  CHECK(permanent.actions[0].failure == FailureClass::kPermanent);
  CHECK(receiver.requests().size() == 6);  // 4xx is not retried

  receiver.Script({429, 200});
  CHECK(dispatcher.Dispatch(OneMatch("p", {Act("webhook")})).executed == 1);
}

TEST_CASE("webhook: a url param must name an allowed host, and redirects are not followed") {
  Receiver receiver;
  WebhookOptions options;  // no default URL
  options.backoff = 1ms;
  Dispatcher dispatcher;
  RegisterBuiltinActions(dispatcher, options);
  DispatchReport r = dispatcher.Dispatch(OneMatch("p", {Act("webhook", {{"url", receiver.url()}})}));
  CHECK(r.actions[0].failure == FailureClass::kPermanent);
  CHECK(r.actions[0].message ==
        "webhook host '127.0.0.1' (port " + std::to_string(receiver.port()) +
            ") is not in the allowlist (PROACT_WEBHOOK_ALLOWED_HOSTS); the request was not sent");
  CHECK(receiver.requests().empty());

  DispatchReport none = dispatcher.Dispatch(OneMatch("p", {Act("webhook")}));
  CHECK(none.actions[0].message == "no 'url' param and no default URL (PROACT_WEBHOOK_URL)");

  std::string why;
  WebhookOptions allow;
  allow.allowed_hosts = {"*.example.com", "hooks.slack.com"};
  CHECK(WebhookUrlAllowed("https://a.b.example.com/x", allow, &why));
  CHECK(WebhookUrlAllowed("https://HOOKS.slack.com/services/x", allow, &why));
  CHECK_FALSE(WebhookUrlAllowed("https://example.com.evil.net/", allow, &why));
  CHECK_FALSE(WebhookUrlAllowed("https://evil.net/?https://hooks.slack.com", allow, &why));
  CHECK_FALSE(WebhookUrlAllowed("https://hooks.slack.com@evil.net/", allow, &why));
  CHECK_FALSE(WebhookUrlAllowed("file:///etc/passwd", allow, &why));
  CHECK(why == "webhook url scheme 'file' is not allowed: only http and https");
  CHECK_FALSE(WebhookUrlAllowed("not a url", allow, &why));
  // Ports: an entry without one allows the scheme's default port only.
  CHECK(WebhookUrlAllowed("https://hooks.slack.com:443/services/x", allow, &why));
  CHECK(WebhookUrlAllowed("http://hooks.slack.com/services/x", allow, &why));
  CHECK_FALSE(WebhookUrlAllowed("https://hooks.slack.com:8443/services/x", allow, &why));
  CHECK(why == "webhook host 'hooks.slack.com' (port 8443) is not in the allowlist "
               "(PROACT_WEBHOOK_ALLOWED_HOSTS); the request was not sent");
  CHECK_FALSE(WebhookUrlAllowed("http://a.example.com:6379/", allow, &why));
  WebhookOptions ported;
  ported.allowed_hosts = {"internal.example.net:8443", "[::1]:9000", "*.corp.example:8080"};
  CHECK(WebhookUrlAllowed("https://internal.example.net:8443/x", ported, &why));
  CHECK_FALSE(WebhookUrlAllowed("https://internal.example.net/x", ported, &why));
  CHECK(WebhookUrlAllowed("http://[::1]:9000/x", ported, &why));
  CHECK_FALSE(WebhookUrlAllowed("http://[::1]:9001/x", ported, &why));
  CHECK(WebhookUrlAllowed("http://a.corp.example:8080/", ported, &why));
  CHECK_FALSE(WebhookUrlAllowed("http://a.corp.example:8081/", ported, &why));
  // The configured URL allows its own origin only, not its host on any port.
  WebhookOptions configured;
  configured.default_url = "https://hooks.example.org/services/T0";
  CHECK(WebhookUrlAllowed("https://hooks.example.org/other", configured, &why));
  CHECK_FALSE(WebhookUrlAllowed("https://hooks.example.org:6379/", configured, &why));
  CHECK_FALSE(WebhookUrlAllowed("http://hooks.example.org/", configured, &why));

  options.allowed_hosts = {"127.0.0.1:" + std::to_string(receiver.port())};
  options.headers = {"Authorization: Bearer for-the-configured-url-only"};
  Dispatcher allowed;
  RegisterBuiltinActions(allowed, options);
  receiver.Script({302});
  DispatchReport redirect = allowed.Dispatch(
      OneMatch("p", {Act("webhook", {{"url", receiver.url("/T000/B000/sekrit?token=abc")}})}));
  CHECK(redirect.actions[0].failure == FailureClass::kPermanent);
  CHECK(redirect.actions[0].message.find("HTTP 302") != std::string::npos);
  // Messages name the origin only: paths and queries may hold tokens.
  CHECK(redirect.actions[0].message.find("sekrit") == std::string::npos);
  CHECK(redirect.actions[0].message.find("token") == std::string::npos);
  REQUIRE(receiver.requests().size() == 1);
  // The configured Authorization header goes to the configured URL only.
  CHECK(receiver.requests()[0].headers.count("Authorization") == 0);
}

TEST_CASE("webhook: a slow endpoint times out per attempt within the action's deadline") {
  Receiver receiver;
  receiver.Script({200}, 800ms);
  WebhookOptions options;
  options.default_url = receiver.url();
  options.timeout = 100ms;
  options.max_attempts = 2;
  options.backoff = 10ms;
  DispatchOptions d;
  d.action_timeout = 2000ms;
  Dispatcher dispatcher(d);
  RegisterBuiltinActions(dispatcher, options);
  auto t0 = std::chrono::steady_clock::now();
  DispatchReport r = dispatcher.Dispatch(OneMatch("p", {Act("webhook")}));
  CHECK(std::chrono::steady_clock::now() - t0 < 700ms);
  CHECK(r.actions[0].failure == FailureClass::kRetryable);
  INFO(r.actions[0].message);
  CHECK(r.actions[0].message.find("timed out") != std::string::npos);
}

TEST_CASE("metrics: per-policy counters, savings, Prometheus text and EMF deltas") {
  PolicySet set = testing::MustCompile(
      "policies:\n"
      "  - id: a\n    savings: {minutes: 30, usd: 12.5}\n    match: {source: [x]}\n"
      "  - id: b\n    match: {source: [y]}\n");
  Metrics metrics(set);
  Decision d = OneMatch("a", {Act("fix"), Act("dry", {}, true)});
  DispatchReport r;
  r.actions.push_back({"a", "fix", 0, ActionOutcome::kExecuted});
  r.actions.push_back({"a", "dry", 1, ActionOutcome::kDryRun});
  metrics.RecordEvaluation(0.001);
  metrics.RecordDispatch(d, r);
  metrics.RecordEvaluation(0.001);
  metrics.RecordDispatch(d, r);
  metrics.RecordEventError(true);
  PolicyCounters a = metrics.policy("a");
  CHECK(a.matches == 2);
  CHECK(a.executed == 2);
  CHECK(a.dry_run == 2);
  CHECK(a.remediations == 2);
  CHECK(a.savings_minutes == 60);
  CHECK(a.savings_usd == 25);
  std::string prom = metrics.Prometheus();
  CHECK(prom.find("proact_events_evaluated_total 2\n") != std::string::npos);
  CHECK(prom.find("proact_policy_matches_total{policy=\"a\"} 2\n") != std::string::npos);
  CHECK(prom.find("proact_policy_actions_total{policy=\"a\",outcome=\"executed\"} 2\n") !=
        std::string::npos);
  CHECK(prom.find("proact_policy_savings_usd_total{policy=\"a\"} 25\n") != std::string::npos);
  CHECK(prom.find("proact_event_errors_total{kind=\"unauthenticated\"} 1\n") != std::string::npos);
  CHECK(prom.find("# TYPE proact_policy_matches_total counter\n") != std::string::npos);

  EmfOptions emf;
  emf.namespace_name = "Test";
  std::vector<std::string> lines = metrics.TakeEmf(emf, 1700000000000);
  REQUIRE(lines.size() == 2);
  nlohmann::json host = nlohmann::json::parse(lines[0]);
  CHECK(host["_aws"]["Timestamp"] == 1700000000000);
  CHECK(host["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Test");
  CHECK(host["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == nlohmann::json::parse("[[\"service\"]]"));
  CHECK(host["EventsEvaluated"] == 2);
  CHECK(host["EventErrors"] == 1);
  nlohmann::json pol = nlohmann::json::parse(lines[1]);
  CHECK(pol["policy"] == "a");
  CHECK(pol["Matches"] == 2);
  CHECK(pol["SavingsMinutes"] == 60.0);
  CHECK(pol["_aws"]["CloudWatchMetrics"][0]["Dimensions"] ==
        nlohmann::json::parse("[[\"service\",\"policy\"]]"));
  // Every metric named in the definition has a value in the line.
  for (const auto& m : pol["_aws"]["CloudWatchMetrics"][0]["Metrics"]) {
    CHECK(pol.contains(m["Name"].get<std::string>()));
  }
  CHECK(metrics.TakeEmf(emf, 1700000000001).empty());  // nothing new
  metrics.RecordDispatch(d, r);
  lines = metrics.TakeEmf(emf, 1700000000002);
  REQUIRE(lines.size() == 1);
  CHECK(nlohmann::json::parse(lines[0])["Matches"] == 1);
  emf.per_policy = false;
  metrics.RecordDispatch(d, r);
  lines = metrics.TakeEmf(emf, 1700000000003);
  REQUIRE(lines.size() == 1);
  CHECK_FALSE(nlohmann::json::parse(lines[0]).contains("policy"));
}

}  // namespace
}  // namespace proact
