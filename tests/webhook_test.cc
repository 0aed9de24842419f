// Webhook authentication and handshakes, with known-answer HMAC vectors
// computed by `openssl dgst -sha256 -hmac KEY` (values recorded below), and
// custom sources.
#include <doctest/doctest.h>

#include "normalize/codec.h"
#include "proact/normalizer.h"
#include "test_util.h"

namespace proact {
namespace {

// printf '%s' "$BODY" | openssl dgst -sha256 -hmac s3cr3t-gh
const char kGitHubBody[] =
    R"({"action":"deleted","rule":{"name":"main"},"repository":{"name":"r","owner":{"login":"acme"}},"organization":{"login":"acme"},"sender":{"login":"mallory"}})";
const char kGitHubSignature[] =
    "sha256=6cb44b7933bf7ef0eccf0435bea9a7c88edb6ac0cb884f6bc2201644a02e89c3";

// printf 'v0:1700000000:%s' "$BODY" | openssl dgst -sha256 -hmac slack-signing
const char kSlackBody[] =
    R"({"type":"event_callback","team_id":"T123","event_id":"Ev1","event_time":1700000000,"event":{"type":"channel_created","channel":{"id":"C1","name":"general"}}})";
const char kSlackSignature[] =
    "v0=194e9ed2df7946fafb7e57c6e6b3296eb2397f3900057910de017903122fbdb3";

std::string Request(const std::string& body, const nlohmann::json& headers, bool base64 = false) {
  nlohmann::json r = {{"version", "2.0"},
                      {"rawPath", "/hook"},
                      {"headers", headers},
                      {"requestContext",
                       {{"http", {{"method", "POST"}}},
                        {"requestId", "r-1"},
                        {"timeEpoch", 1700000000123}}},
                      {"body", base64 ? internal::Base64Encode(body) : body},
                      {"isBase64Encoded", base64}};
  return r.dump();
}

TEST_CASE("HMAC known answers") {
  // GitHub's documented example: secret "It's a Secret to Everybody", body
  // "Hello, World!".
  auto mac = internal::Hmac("sha256", "It's a Secret to Everybody", "Hello, World!");
  REQUIRE(mac);
  CHECK(internal::HexEncode(*mac) ==
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  // printf '%s' '{"id":"evt_1","type":"invoice.paid"}' | openssl dgst -sha1 -binary -hmac generic-key | base64
  mac = internal::Hmac("sha1", "generic-key", R"({"id":"evt_1","type":"invoice.paid"})");
  REQUIRE(mac);
  CHECK(internal::Base64Encode(*mac) == "K//SH9pOm8MhSCZwlvcecN/AwGI=");
  CHECK_FALSE(internal::Hmac("md4", "k", "d"));
}

TEST_CASE("GitHub webhooks: signed, tampered, unsigned, form-encoded, base64") {
  WebhookSecrets secrets;
  secrets.github = "s3cr3t-gh";
  Normalizer n(secrets);
  nlohmann::json headers = {{"X-GitHub-Event", "branch_protection_rule"},
                            {"X-GitHub-Delivery", "d-1"},
                            {"X-Hub-Signature-256", kGitHubSignature},
                            {"Content-Type", "application/json"}};
  NormalizeResult ok = n.Normalize(Request(kGitHubBody, headers));
  REQUIRE(ok.errors.empty());
  REQUIRE(ok.events.size() == 1);
  nlohmann::json e = nlohmann::json::parse(ok.events[0].json);
  CHECK(e["source"] == "github");
  CHECK(e["detail-type"] == "branch_protection_rule");
  CHECK(e["id"] == "d-1");
  CHECK(e["account"] == "acme");
  CHECK(e["time"] == "2023-11-14T22:13:20.123Z");
  CHECK(e["detail"]["action"] == "deleted");
  CHECK(ok.events[0].kind == "function-url/github");

  // The same request with one byte changed is rejected and not read.
  std::string tampered = kGitHubBody;
  tampered.replace(tampered.find("mallory"), 7, "mallorz");
  NormalizeResult bad = n.Normalize(Request(tampered, headers));
  CHECK(bad.events.empty());
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].unauthenticated);
  CHECK(bad.errors[0].message == "rejected: github signature does not match the body");

  nlohmann::json unsigned_headers = headers;
  unsigned_headers.erase("X-Hub-Signature-256");
  NormalizeResult missing = n.Normalize(Request(kGitHubBody, unsigned_headers));
  CHECK(missing.events.empty());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].message ==
        "rejected: github request without the X-Hub-Signature-256 header");

  // Base64 bodies are verified after decoding, as the bytes GitHub sent.
  NormalizeResult b64 = n.Normalize(Request(kGitHubBody, headers, true));
  CHECK(b64.errors.empty());
  CHECK(b64.events.size() == 1);

  // Without a secret configured, the request is read unverified.
  Normalizer open;
  CHECK(open.Normalize(Request(tampered, headers)).events.size() == 1);

  // application/x-www-form-urlencoded with a payload field.
  std::string form = "payload=%7B%22zen%22%3A%22Keep+it+logically+awesome.%22%2C%22sender%22%3A%7B%22login%22%3A%22octocat%22%7D%7D";
  NormalizeResult f = open.Normalize(Request(form, {{"x-github-event", "ping"},
                                                    {"x-github-delivery", "d-2"},
                                                    {"content-type", "application/x-www-form-urlencoded"}}));
  REQUIRE(f.events.size() == 1);
  nlohmann::json fe = nlohmann::json::parse(f.events[0].json);
  CHECK(fe["detail"]["zen"] == "Keep it logically awesome.");
  CHECK(fe["account"] == "octocat");
}

TEST_CASE("secrets never appear in errors") {
  WebhookSecrets secrets;
  secrets.github = "gh-secret-value-123";
  secrets.slack = "slack-secret-value-456";
  secrets.okta_authorization = "Bearer okta-secret-789";
  secrets.hmac.push_back(HmacScheme{"billing", "X-Sig", "hmac-secret-000", "sha256", "hex", ""});
  secrets.require_signature = true;
  Normalizer n(secrets);
  std::vector<NormalizeResult> results = {
      n.Normalize(Request(kGitHubBody, {{"x-github-event", "push"}, {"x-hub-signature-256", "sha256=00"}})),
      n.Normalize(Request(kSlackBody, {{"x-slack-request-timestamp", "1"}, {"x-slack-signature", "v0=00"}})),
      n.Normalize(Request("{}", {{"x-okta-verification-challenge", "c"}, {"authorization", "Bearer wrong"}})),
      n.Normalize(Request("{}", {{"x-sig", "00"}})),
      n.Normalize(Request("{}", {}))};
  for (const NormalizeResult& r : results) {
    REQUIRE_FALSE(r.errors.empty());
    for (const NormalizeError& e : r.errors) {
      for (const char* secret : {"gh-secret-value-123", "slack-secret-value-456", "okta-secret-789", "hmac-secret-000"}) {
        CHECK(e.message.find(secret) == std::string::npos);
      }
    }
  }
}

TEST_CASE("Slack: signing secret, replay window, URL verification") {
  WebhookSecrets secrets;
  secrets.slack = "slack-signing";
  secrets.now = [] { return std::int64_t{1700000100}; };
  Normalizer n(secrets);
  nlohmann::json headers = {{"X-Slack-Request-Timestamp", "1700000000"},
                            {"X-Slack-Signature", kSlackSignature}};
  NormalizeResult ok = n.Normalize(Request(kSlackBody, headers));
  REQUIRE(ok.errors.empty());
  REQUIRE(ok.events.size() == 1);
  nlohmann::json e = nlohmann::json::parse(ok.events[0].json);
  CHECK(e["source"] == "slack");
  CHECK(e["detail-type"] == "channel_created");
  CHECK(e["account"] == "T123");
  CHECK(e["time"] == "2023-11-14T22:13:20Z");

  headers["X-Slack-Signature"] = "v0=0000";
  NormalizeResult bad = n.Normalize(Request(kSlackBody, headers));
  CHECK(bad.events.empty());
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].unauthenticated);

  WebhookSecrets later = secrets;
  later.now = [] { return std::int64_t{1700009999}; };
  NormalizeResult stale = Normalizer(later).Normalize(
      Request(kSlackBody, {{"X-Slack-Request-Timestamp", "1700000000"}, {"X-Slack-Signature", kSlackSignature}}));
  REQUIRE(stale.errors.size() == 1);
  CHECK(stale.errors[0].message.find("replayed") != std::string::npos);

  NormalizeResult challenge = Normalizer().Normalize(
      Request(R"({"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})", {}));
  REQUIRE(challenge.challenge);
  CHECK(challenge.challenge->body == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  CHECK(challenge.events.empty());
}

TEST_CASE("Okta: one-time verification, Authorization header, event hook deliveries") {
  WebhookSecrets secrets;
  secrets.okta_authorization = "Bearer okta-hook-token";
  Normalizer n(secrets);
  NormalizeResult challenge = n.Normalize(Request("", {{"x-okta-verification-challenge", "abc123"},
                                                       {"authorization", "Bearer okta-hook-token"}}));
  REQUIRE(challenge.challenge);
  CHECK(challenge.challenge->content_type == "application/json");
  CHECK(nlohmann::json::parse(challenge.challenge->body) == nlohmann::json{{"verification", "abc123"}});
  NormalizeResult forged = n.Normalize(Request("", {{"x-okta-verification-challenge", "abc123"},
                                                    {"authorization", "Bearer wrong"}}));
  CHECK_FALSE(forged.challenge);
  REQUIRE(forged.errors.size() == 1);
  CHECK(forged.errors[0].unauthenticated);

  std::string delivery = testing::ReadFile(std::string(PROACT_TESTDATA_DIR) +
                                           "/corpus/okta/event-hook.delivery.user-session-start.okta-docs.json");
  NormalizeResult events = n.Normalize(Request(delivery, {{"authorization", "Bearer okta-hook-token"}}));
  CHECK(events.errors.empty());
  REQUIRE(events.events.size() == 1);
  CHECK(nlohmann::json::parse(events.events[0].json)["source"] == "okta");
  CHECK(n.Normalize(Request(delivery, {})).events.empty());  // no Authorization
}

TEST_CASE("generic HMAC schemes and require_signature") {
  WebhookSecrets secrets;
  secrets.hmac.push_back(HmacScheme{"billing", "X-Billing-Signature", "generic-key", "sha1", "base64", ""});
  secrets.require_signature = true;
  Normalizer n(secrets);
  std::string body = R"({"id":"evt_1","type":"invoice.paid"})";
  NormalizeResult ok = n.Normalize(Request(body, {{"x-billing-signature", "K//SH9pOm8MhSCZwlvcecN/AwGI="}}));
  CHECK(ok.errors.empty());
  REQUIRE(ok.events.size() == 1);
  CHECK(nlohmann::json::parse(ok.events[0].json)["source"] == "http");
  NormalizeResult bad = n.Normalize(Request(body, {{"x-billing-signature", "AAAA"}}));
  CHECK(bad.events.empty());
  CHECK(bad.errors.at(0).message == "rejected: billing signature does not match the body");
  NormalizeResult none = n.Normalize(Request(body, {}));
  CHECK(none.events.empty());
  CHECK(none.errors.at(0).unauthenticated);
}

TEST_CASE("a body with its headers, as a host's own HTTP server receives it") {
  WebhookSecrets secrets;
  secrets.github = "s3cr3t-gh";
  Normalizer n(secrets);
  NormalizeResult r = n.Normalize(kGitHubBody, {{"X-GitHub-Event", "branch_protection_rule"},
                                                {"X-GitHub-Delivery", "d-9"},
                                                {"X-Hub-Signature-256", kGitHubSignature}});
  CHECK(r.errors.empty());
  REQUIRE(r.events.size() == 1);
  CHECK(nlohmann::json::parse(r.events[0].json)["id"] == "d-9");
}

TEST_CASE("custom sources are tried before the built-in ones") {
  Normalizer n;
  n.AddSource(CustomSource{
      "pagerduty",
      [](const nlohmann::json& p, const Headers&) {
        return p.is_object() && p.contains("event") && p["event"].contains("event_type");
      },
      [](const nlohmann::json& p, const Headers&, std::vector<nlohmann::json>* out) {
        const nlohmann::json& ev = p["event"];
        out->push_back({{"id", ev.value("id", "")},
                        {"source", "pagerduty"},
                        {"detail-type", ev.value("event_type", "")},
                        {"detail", ev}});
        return std::string();
      }});
  NormalizeResult r = n.Normalize(R"({"event":{"id":"01ABC","event_type":"incident.triggered","data":{"title":"db down"}}})");
  REQUIRE(r.events.size() == 1);
  nlohmann::json e = nlohmann::json::parse(r.events[0].json);
  CHECK(e["source"] == "pagerduty");
  CHECK(e["detail-type"] == "incident.triggered");
  CHECK(e["version"] == "0");
  CHECK(e["resources"] == nlohmann::json::array());
  CHECK(r.events[0].kind == "pagerduty");
}

TEST_CASE("a custom source's envelope without string source and detail-type is an error") {
  Normalizer n;
  n.AddSource(CustomSource{
      "odd",
      [](const nlohmann::json& p, const Headers&) { return p.is_object() && p.contains("odd"); },
      [](const nlohmann::json& p, const Headers&, std::vector<nlohmann::json>* out) {
        out->push_back({{"source", "odd"}, {"detail-type", p["odd"]}});  // a number below
        out->push_back(nlohmann::json::array());
        out->push_back({{"detail", p}});  // missing fields become ""
        return std::string();
      }});
  NormalizeResult r = n.Normalize(R"({"odd":1})");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].message == "odd: the converter's envelope has a \"source\" or \"detail-type\" that is not a string");
  CHECK(r.errors[1].message == "odd: the converter produced array, not an envelope object");
  REQUIRE(r.events.size() == 1);
  CHECK(nlohmann::json::parse(r.events[0].json)["source"] == "");
}

TEST_CASE("bad payloads are errors that say what was tried, never crashes") {
  Normalizer n;
  NormalizeResult r = n.Normalize(R"({"hello":"world"})");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("unrecognized payload (keys: hello): tried EventBridge") == 0);
  CHECK(n.Normalize("{not json").errors.at(0).message.find("invalid JSON") == 0);
  CHECK(n.Normalize("\"\xff\"").errors.at(0).message.find("not valid UTF-8") != std::string::npos);
  CHECK(n.Normalize(std::string(100000, '[') + std::string(100000, ']')).errors.at(0).message.find("deeper") !=
        std::string::npos);
  CHECK(n.Normalize("[]").errors.at(0).message == "empty array: no events");
  // One bad SQS message fails alone; its messageId is kept.
  nlohmann::json sqs = {{"Records",
                         {{{"eventSource", "aws:sqs"}, {"messageId", "m-1"}, {"body", "not json"}},
                          {{"eventSource", "aws:sqs"},
                           {"messageId", "m-2"},
                           {"body", R"({"source":"aws.s3","detail-type":"x","detail":{}})"}}}}};
  NormalizeResult batch = n.Normalize(sqs.dump());
  REQUIRE(batch.events.size() == 1);
  CHECK(batch.events[0].message_id == "m-2");
  CHECK(batch.events[0].kind == "sqs/eventbridge");
  REQUIRE(batch.errors.size() == 1);
  CHECK(batch.errors[0].message_id == "m-1");
  CHECK(batch.errors[0].origin == ".Records[0].body");
}

TEST_CASE("times from hostile numbers are left empty, never converted out of range") {
  CHECK(internal::IsoTimeFromEpochMillis(1700000000123.0) == "2023-11-14T22:13:20.123Z");
  CHECK(internal::IsoTimeFromEpochMillis(1e300).empty());
  CHECK(internal::IsoTimeFromEpochMillis(-1e300).empty());
  CHECK(internal::IsoTimeFromEpochMillis(253402300800000.0).empty());
  // A Function URL request whose timeEpoch is far beyond any integer (found
  // by the event fuzzer; it reached a double -> int64 conversion).
  Normalizer n;
  for (const char* epoch : {"1e300", "-1e300", "18446744073709551615"}) {
    CAPTURE(epoch);
    std::string request = std::string(R"({"version":"2.0","rawPath":"/hook","headers":{},)") +
                          R"("requestContext":{"http":{"method":"POST"},"timeEpoch":)" + epoch +
                          R"(},"body":"{\"a\":1}","isBase64Encoded":false})";
    NormalizeResult r = n.Normalize(request);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].json.find(R"("time":"")") != std::string::npos);
  }
  NormalizeResult slack = n.Normalize(
      R"({"type":"event_callback","event_id":"Ev1","team_id":"T1","event_time":1e300,"event":{"type":"x"}})");
  REQUIRE(slack.events.size() == 1);
  CHECK(slack.events[0].json.find(R"("time":"")") != std::string::npos);
}

}  // namespace
}  // namespace proact
