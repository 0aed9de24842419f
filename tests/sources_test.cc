// Source definitions (`sources:`, docs/sources.md#sources-as-data): how they
// compile (diagnostics at file:line:col), and how the Normalizer runs them:
// order, replacement of a shipped definition, authentication rules,
// handshakes, events lists and the explanation of what did not recognize.
#include <doctest/doctest.h>

#include <string>

#include "normalize/codec.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "test_util.h"

namespace proact {
namespace {

std::string Diagnostics(const Result<PolicySet>& r) {
  std::string out;
  if (r.ok()) return out;
  for (const Diagnostic& d : r.status().diagnostics()) out += d.ToString() + "\n";
  return out;
}

// A made-up SaaS: signed like Stripe (t=TIMESTAMP,v1=HEX over "t.body").
const char kAcme[] = R"(
sources:
  - source: acme
    description: Acme webhooks
    recognize:
      headers: {x-acme-event: [{exists: true}]}
    handshakes:
      - when: {query: {challenge: [{exists: true}]}}
        body: "{{ query.challenge }}"
    authenticate:
      secret: acme
      hmac:
        header: Acme-Signature
        prefix: "v1="
        separator: ","
        signed: "{timestamp}.{body}"
        timestamp: {item: t, max-age: 60}
    events: "body.items[*]"
    map:
      source: acme
      detail-type: "{{ headers.x-acme-event }}"
      id: "{{ event.id }}"
      account: "{{ body.tenant | default('') }}"
      time: "{{ event.at | rfc3339 }}"
)";

const char kAcmeBody[] = R"({"tenant":"t-9","items":[{"id":"a","at":1700000000},{"id":"b","at":1700000001}]})";

std::string AcmeSignature(std::int64_t t, const std::string& secret) {
  std::string mac = *internal::Hmac("sha256", secret, std::to_string(t) + "." + kAcmeBody);
  return "t=" + std::to_string(t) + ",v1=" + internal::HexEncode(mac);
}

Normalizer AcmeNormalizer(const std::string& secret, std::int64_t now = 1700000030) {
  WebhookSecrets secrets;
  if (!secret.empty()) secrets.named["acme"] = secret;
  secrets.now = [now] { return now; };
  Normalizer n(std::move(secrets));
  Result<PolicySet> set = PolicySet::FromString(kAcme, "acme.yaml");
  REQUIRE_MESSAGE(set.ok(), Diagnostics(set));
  n.AddSources(set.value());
  return n;
}

HttpRequest AcmeRequest(const std::string& signature) {
  HttpRequest r;
  r.headers = {{"X-Acme-Event", "item.changed"}, {"Content-Type", "application/json"}};
  if (!signature.empty()) r.headers.emplace_back("Acme-Signature", signature);
  r.body = kAcmeBody;
  return r;
}

TEST_CASE("a user's source definition: events list, signature over timestamp and body") {
  Normalizer n = AcmeNormalizer("shh");
  NormalizeResult r;
  n.NormalizeRequest(AcmeRequest(AcmeSignature(1700000000, "shh")), &r);
  REQUIRE(r.errors.empty());
  REQUIRE(r.events.size() == 2);
  nlohmann::json e0 = nlohmann::json::parse(r.events[0].json);
  CHECK(e0["source"] == "acme");
  CHECK(e0["detail-type"] == "item.changed");
  CHECK(e0["id"] == "a");
  CHECK(e0["account"] == "t-9");
  CHECK(e0["time"] == "2023-11-14T22:13:20Z");
  CHECK(e0["detail"] == nlohmann::json({{"id", "a"}, {"at", 1700000000}}));
  CHECK(r.events[0].kind == "alb/acme");
  CHECK(r.events[1].origin == ".body.items[1]");

  // A second signature in the list (a rotated secret) is enough.
  n.NormalizeRequest(AcmeRequest(AcmeSignature(1700000000, "old") + ",v1=" +
                                 AcmeSignature(1700000000, "shh").substr(16)), &r);
  CHECK(r.errors.empty());
  CHECK(r.events.size() == 2);
}

TEST_CASE("a user's source definition: wrong, missing, replayed signatures are rejected") {
  Normalizer n = AcmeNormalizer("shh");
  NormalizeResult r;
  n.NormalizeRequest(AcmeRequest(AcmeSignature(1700000000, "wrong")), &r);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].unauthenticated);
  CHECK(r.errors[0].message == "rejected: acme signature does not match the body");
  CHECK(r.events.empty());

  n.NormalizeRequest(AcmeRequest(""), &r);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "rejected: acme request without the Acme-Signature header");

  // Signed long ago: outside max-age (60 s).
  n.NormalizeRequest(AcmeRequest(AcmeSignature(1699990000, "shh")), &r);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("more than 60 s away from now") != std::string::npos);

  // Without the secret configured, nothing is checked.
  Normalizer open = AcmeNormalizer("");
  open.NormalizeRequest(AcmeRequest("garbage"), &r);
  CHECK(r.errors.empty());
  CHECK(r.events.size() == 2);
}

TEST_CASE("a request carrying a definition's signature header is checked even if another source takes it") {
  // A GitHub delivery forged with an Acme signature header: the Acme check
  // runs (and fails) although github recognizes the request.
  Normalizer n = AcmeNormalizer("shh");
  HttpRequest r;
  r.headers = {{"X-GitHub-Event", "push"}, {"Acme-Signature", "t=1700000000,v1=00"}};
  r.body = R"({"sender":{"login":"x"}})";
  NormalizeResult out;
  n.NormalizeRequest(r, &out);
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].unauthenticated);
  CHECK(out.events.empty());
}

TEST_CASE("a handshake is answered before authentication, from the query") {
  Normalizer n = AcmeNormalizer("shh");
  HttpRequest r;
  r.headers = {{"X-Acme-Event", "subscription.verify"}};
  r.query = "challenge=abc%20123";
  NormalizeResult out;
  n.NormalizeRequest(r, &out);
  CHECK(out.errors.empty());
  REQUIRE(out.challenge.has_value());
  CHECK(out.challenge->status == 200);
  CHECK(out.challenge->content_type == "text/plain");
  CHECK(out.challenge->body == "abc 123");
}

TEST_CASE("require_signature is met by a definition's secret, and refuses what none verified") {
  WebhookSecrets secrets;
  secrets.github = "gh";
  secrets.require_signature = true;
  Normalizer n(secrets);
  std::string body = R"({"organization":{"login":"o"}})";
  std::string sig = "sha256=" + internal::HexEncode(*internal::Hmac("sha256", "gh", body));
  NormalizeResult out;
  n.Normalize(body, {{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sig}}, &out);
  CHECK(out.errors.empty());
  CHECK(out.events.size() == 1);
  n.Normalize(R"({"anything":1})", {{"Content-Type", "application/json"}}, &out);
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].unauthenticated);
}

TEST_CASE("a user's definition named like a shipped one replaces it") {
  Result<PolicySet> set = PolicySet::FromString(R"(
sources:
  - source: github
    description: GitHub, with the repository as the account
    recognize: {headers: {x-github-event: [{exists: true}]}}
    map:
      source: github
      detail-type: "{{ headers.x-github-event }}"
      account: "{{ body.repository.full_name }}"
)", "mine.yaml");
  REQUIRE_MESSAGE(set.ok(), Diagnostics(set));
  Normalizer n;
  n.AddSources(set.value());
  NormalizeResult out;
  n.Normalize(R"({"repository":{"full_name":"acme/web"},"organization":{"login":"acme"}})",
              {{"X-GitHub-Event", "push"}}, &out);
  REQUIRE(out.events.size() == 1);
  CHECK(nlohmann::json::parse(out.events[0].json)["account"] == "acme/web");

  Normalizer shipped;
  shipped.Normalize(R"({"repository":{"full_name":"acme/web"},"organization":{"login":"acme"}})",
                    {{"X-GitHub-Event", "push"}}, &out);
  REQUIRE(out.events.size() == 1);
  CHECK(nlohmann::json::parse(out.events[0].json)["account"] == "acme");
}

// Conditions read the request document as text: a JSON body every reader
// reads the same is spliced in as it came; any other body (duplicate or
// escaped keys, surrogate escapes, big integers, not JSON, a form) is
// parsed and written back, as before. Recognition and mapping are the same.
TEST_CASE("source definitions read bodies spliced or parsed alike") {
  Result<PolicySet> set = PolicySet::FromString(R"(
sources:
  - source: acme
    description: Acme deploys
    recognize: {body: {kind: [deploy]}}
    map:
      source: acme
      detail-type: "{{ body.kind }}"
      detail: {who: "{{ body.who }}", n: "{{ body.n }}"}
)", "acme.yaml");
  REQUIRE_MESSAGE(set.ok(), Diagnostics(set));
  Normalizer n;
  n.AddSources(set.value());
  struct Case {
    std::string body;
    std::string who;  // expected, "" when not recognized
  };
  const std::vector<Case> cases = {
      {R"({"kind":"deploy","who":"ann","n":1})", "ann"},                   // spliced
      {"  \n{\"kind\" : \"deploy\", \"who\":\"bo\\u00e9\", \"n\": 2.5}\n ", "bo\xc3\xa9"},
      {R"({"kind":"deploy","who":"x","who":"cy","n":1})", "cy"},          // duplicate: last wins
      {R"({"kind":"deploy","\u0077ho":"di","n":1})", "di"},               // escaped key
      {R"({"kind":"deploy","who":"\ud83d\ude00","n":1})", "\xf0\x9f\x98\x80"},
      {R"({"kind":"deploy","who":"ed","n":123456789012345678901234})", "ed"},
      {R"({"kind":"other","who":"fi","n":1})", ""},
      {R"({"kind":"deploy","who":"gu",})", ""},  // not JSON
  };
  for (const Case& c : cases) {
    INFO(c.body);
    HttpRequest r;
    r.method = "POST";
    r.headers = {{"Content-Type", "application/json"}};
    r.body = c.body;
    NormalizeResult out;
    n.NormalizeRequest(r, &out);
    if (c.who.empty()) {  // not taken by acme (another source may take it)
      for (const NormalizedEvent& e : out.events) {
        CHECK(nlohmann::json::parse(e.json)["source"] != "acme");
      }
      continue;
    }
    REQUIRE(out.events.size() == 1);
    nlohmann::json e = nlohmann::json::parse(out.events[0].json);
    CHECK(e["source"] == "acme");
    CHECK(e["detail"]["who"] == c.who);
  }
}

TEST_CASE("explain_sources says which definition recognized a payload and why the others did not") {
  Normalizer n;
  n.set_explain_sources(true);
  NormalizeResult out;
  n.Normalize(R"({"type":"event_callback","team_id":"T1","event":{"type":"app_mention"}})", {}, &out);
  REQUIRE(out.events.size() == 1);
  bool slack = false, github_explained = false;
  for (const SourceAttempt& a : out.source_attempts) {
    if (a.source == "slack") slack = a.recognized;
    if (a.source == "github") {
      CHECK_FALSE(a.recognized);
      github_explained = a.explanation.find("headers.x-github-event = missing") != std::string::npos;
    }
  }
  CHECK(slack);
  CHECK(github_explained);
}

TEST_CASE("source definitions are checked at file:line:col") {
  Result<PolicySet> r = PolicySet::FromString(R"(sources:
  - source: Bad_Name
    description: x
    recognize:
      headers: {X-Upper: [{exists: true}]}
      bdy: {a: [1]}
    authenticate:
      secret: s
      hmac: {header: H, algorithm: md5, signed: "{timestamp}"}
    map:
      source: s
      detail-type: "{{ evnt.type }}"
      colour: red
)", "bad.yaml");
  REQUIRE_FALSE(r.ok());
  std::string d = Diagnostics(r);
  CHECK(d.find("bad.yaml:2:13: error: source name 'Bad_Name' must be") != std::string::npos);
  CHECK(d.find("bad.yaml:5:17: error: header names are matched lower-cased: write 'x-upper'") !=
        std::string::npos);
  CHECK(d.find("bad.yaml:6:7: error: 'recognize' tests 'bdy', which the request document does "
               "not have (did you mean 'body'?)") != std::string::npos);
  CHECK(d.find("'algorithm' must be sha256, sha1 or sha512, not 'md5'") != std::string::npos);
  CHECK(d.find("'signed' must include {body}") != std::string::npos);
  CHECK(d.find("'evnt.type' does not start from the request document (did you mean 'event'?)") !=
        std::string::npos);
  CHECK(d.find("bad.yaml:13:7: error: unknown key 'colour' in 'map'") != std::string::npos);
}

TEST_CASE("a recognized body that is not JSON, or an events path with nothing, is an error for that request") {
  Normalizer n = AcmeNormalizer("");
  HttpRequest r;
  r.headers = {{"X-Acme-Event", "x"}};
  r.body = "not json";
  NormalizeResult out;
  n.NormalizeRequest(r, &out);
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].message.find("acme: the body is not JSON") == 0);
  r.body = R"({"items":[]})";
  n.NormalizeRequest(r, &out);
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].message == "acme: no events at body.items[*]");
}

}  // namespace
}  // namespace proact
