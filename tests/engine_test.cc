// Engine behaviour beyond pattern semantics: actions and templates, except,
// named lists, load order, modes, bad events, limits, threads.
#include <doctest/doctest.h>

#include <thread>

#include "proact/normalizer.h"
#include "test_util.h"

namespace proact {
namespace {

using testing::Matches;
using testing::MustCompile;

const char kS3Event[] = R"({"version":"0","id":"e-1","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"111122223333","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"eventName":"PutBucketAcl","requestParameters":{"bucketName":"Logs-Bucket","acl":["public-read"]},"userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::111122223333:user/alice"},"tags":{"a.b":"dotted"},"count":3,"nothing":null}})";

TEST_CASE("actions render templates: whole values keep JSON types, text is a string") {
  PolicySet set = MustCompile(R"(
policies:
  - id: s3-acl
    severity: high
    match:
      source: [aws.s3]
      detail:
        eventName: [PutBucketAcl]
    actions:
      - action: s3.make_private
        params:
          bucket: "{{ detail.requestParameters.bucketName }}"
          message: "bucket {{ detail.requestParameters.bucketName }} by {{detail.userIdentity.userName}}"
          identity: "{{ detail.userIdentity }}"
          acl: "{{ detail.requestParameters.acl }}"
          first_acl: "{{ detail.requestParameters.acl[0] }}"
          count: "{{ detail.count }}"
          dotted: '{{ detail.tags."a.b" }}'
          dotted2: '{{ detail.tags["a.b"] }}'
          type: "{{ detail-type }}"
          literal: 42
          nested: {list: ["{{ account }}", true]}
)");
  Engine engine(set);
  Decision d;
  REQUIRE(engine.Evaluate(kS3Event, &d).ok());
  REQUIRE(d.matches.size() == 1);
  const PolicyMatch& m = d.matches[0];
  CHECK(m.policy == "s3-acl");
  CHECK(m.mode == "enforce");
  CHECK(m.severity == "high");
  CHECK(m.errors.empty());
  REQUIRE(m.actions.size() == 1);
  const nlohmann::json& p = m.actions[0].params;
  CHECK(m.actions[0].name == "s3.make_private");
  CHECK_FALSE(m.actions[0].dry_run);
  CHECK(p["bucket"] == "Logs-Bucket");
  CHECK(p["message"] == "bucket Logs-Bucket by alice");
  CHECK(p["identity"]["type"] == "IAMUser");
  CHECK(p["acl"] == nlohmann::json::array({"public-read"}));
  CHECK(p["first_acl"] == "public-read");
  CHECK(p["count"] == 3);
  CHECK(p["dotted"] == "dotted");
  CHECK(p["dotted2"] == "dotted");
  CHECK(p["type"] == "AWS API Call via CloudTrail");
  CHECK(p["literal"] == 42);
  CHECK(p["nested"]["list"] == nlohmann::json::array({"111122223333", true}));
  CHECK(d.id == "e-1");
  CHECK(d.source == "aws.s3");
  CHECK(d.detail_type == "AWS API Call via CloudTrail");
}

TEST_CASE("template filters") {
  PolicySet set = MustCompile(R"(
policies:
  - id: f
    match: {source: [aws.s3]}
    actions:
      - action: a
        params:
          lower: "{{ detail.requestParameters.bucketName | lower }}"
          upper: "{{ detail.userIdentity.userName | upper }}"
          missing: "{{ detail.nope | default(\"n/a\") }}"
          null_default: "{{ detail.nothing | default(7) }}"
          json: "{{ detail.requestParameters.acl | json }}"
          url: "https://example.test/?b={{ detail.userIdentity.arn | url }}"
          trim: "[{{ detail.pad | default('  x  ') | trim }}]"
          chain: "{{ detail.nope | default('MiXed') | lower }}"
)");
  Engine engine(set);
  Decision d;
  REQUIRE(engine.Evaluate(kS3Event, &d).ok());
  REQUIRE(d.matches.size() == 1);
  REQUIRE(d.matches[0].actions.size() == 1);
  const nlohmann::json& p = d.matches[0].actions[0].params;
  CHECK(p["lower"] == "logs-bucket");
  CHECK(p["upper"] == "ALICE");
  CHECK(p["missing"] == "n/a");
  CHECK(p["null_default"] == 7);
  CHECK(p["json"] == "[\"public-read\"]");
  CHECK(p["url"] == "https://example.test/?b=arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Falice");
  CHECK(p["trim"] == "[x]");
  CHECK(p["chain"] == "mixed");
}

TEST_CASE("a missing field without default is an error for that action only") {
  PolicySet set = MustCompile(R"(
policies:
  - id: p
    match: {source: [aws.s3]}
    actions:
      - action: good
        params: {b: "{{ detail.requestParameters.bucketName }}"}
      - action: bad
        params: {key: {deep: "{{ detail.requestParameters.key }}"}}
)");
  Engine engine(set);
  Decision d;
  REQUIRE(engine.Evaluate(kS3Event, &d).ok());
  REQUIRE(d.matches.size() == 1);
  const PolicyMatch& m = d.matches[0];
  REQUIRE(m.actions.size() == 1);
  CHECK(m.actions[0].name == "good");
  REQUIRE(m.errors.size() == 1);
  CHECK(m.errors[0].action == "bad");
  CHECK(m.errors[0].index == 1);
  CHECK(m.errors[0].message ==
        "param 'key.deep': field 'detail.requestParameters.key' is missing");
  nlohmann::ordered_json j = d.ToJson();
  CHECK(j["matches"][0]["errors"][0]["message"] == m.errors[0].message);
}

TEST_CASE("except patterns suppress a match, and named lists work in match and except") {
  PolicySet set = MustCompile(R"(
lists:
  break-glass: [alice, root-admin]
  acl-calls: [PutBucketAcl, PutBucketPolicy]
policies:
  - id: acl-change
    match:
      detail:
        eventName: [{list: acl-calls}]
    except:
      - detail: {userIdentity: {userName: [{list: break-glass}]}}
  - id: acl-change-not-bob
    match:
      detail:
        eventName: [{list: acl-calls}]
        userIdentity: {userName: [{anything-but: {list: break-glass}}]}
)");
  Engine engine(set);
  CHECK(Matches(engine, kS3Event).empty());
  std::string bob = kS3Event;
  bob.replace(bob.find("\"alice\""), 7, "\"bob\"");
  CHECK(Matches(engine, bob) == std::vector<std::string>{"acl-change", "acl-change-not-bob"});
}

TEST_CASE("matches are reported in load order: files sorted by path, then file order") {
  std::vector<PolicySource> sources = {
      {"b.yaml", "policies:\n  - id: b1\n    match: {source: [aws.s3]}\n"},
      {"a.yaml",
       "policies:\n  - id: a2\n    match: {source: [aws.s3]}\n  - id: a1\n    match: {account: ['111122223333']}\n"},
  };
  // FromSources keeps the given order.
  Result<PolicySet> given = PolicySet::FromSources(sources);
  REQUIRE(given.ok());
  CHECK(Matches(Engine(given.value()), kS3Event) == std::vector<std::string>{"b1", "a2", "a1"});
}

TEST_CASE("dry-run: policy mode and engine option") {
  PolicySet set = MustCompile(R"(
policies:
  - id: dry
    mode: dry-run
    match: {source: [aws.s3]}
    actions: [{action: x}]
  - id: live
    match: {source: [aws.s3]}
    actions: [{action: y}]
)");
  Decision d;
  REQUIRE(Engine(set).Evaluate(kS3Event, &d).ok());
  REQUIRE(d.matches.size() == 2);
  CHECK(d.matches[0].mode == "dry-run");
  CHECK(d.matches[0].actions[0].dry_run);
  CHECK_FALSE(d.matches[1].actions[0].dry_run);
  CHECK(d.matches[1].actions[0].params == nlohmann::json::object());
  EngineOptions dry;
  dry.dry_run = true;
  REQUIRE(Engine(set, dry).Evaluate(kS3Event, &d).ok());
  CHECK(d.matches[1].actions[0].dry_run);
}

TEST_CASE("disabled policies compile but never match") {
  PolicySet set = MustCompile(R"(
policies:
  - id: off
    enabled: false
    match: {source: [aws.s3]}
)");
  CHECK(set.size() == 1);
  CHECK_FALSE(set.policy(0).enabled);
  CHECK(Matches(Engine(set), kS3Event).empty());
}

TEST_CASE("policy metadata is kept") {
  PolicySet set = MustCompile(R"(
policies:
  - id: m
    description: d
    tags: [s3, cis-2.1]
    savings: {minutes: 15, usd: 12.5}
    metadata: {owner: platform, runbook: {url: "https://runbooks.test/m"}}
    match: {source: [aws.s3]}
)");
  const PolicyInfo& info = set.policy(0);
  CHECK(info.id == "m");
  CHECK(info.description == "d");
  CHECK(info.severity == "medium");
  CHECK(info.mode == "enforce");
  CHECK(info.tags == std::vector<std::string>{"s3", "cis-2.1"});
  CHECK(info.savings_minutes == 15);
  CHECK(info.savings_usd == 12.5);
  CHECK(info.metadata["runbook"]["url"] == "https://runbooks.test/m");
  CHECK(info.location.line == 3);
}

TEST_CASE("YAML scalars keep JSON types in patterns") {
  PolicySet set = MustCompile(R"(
policies:
  - id: quoted-true
    match: {detail: {flag: ["true"]}}
  - id: bool-true
    match: {detail: {flag: [true]}}
  - id: number
    match: {detail: {n: [3.0e2]}}
  - id: string-300
    match: {detail: {n: ["300"]}}
  - id: block-style
    match:
      detail:
        n:
          - 300
)");
  Engine engine(set, testing::RawEvents());
  CHECK(Matches(engine, R"({"detail":{"flag":true}})") == std::vector<std::string>{"bool-true"});
  CHECK(Matches(engine, R"({"detail":{"flag":"true"}})") == std::vector<std::string>{"quoted-true"});
  CHECK(Matches(engine, R"({"detail":{"n":300}})") == std::vector<std::string>{"number", "block-style"});
  CHECK(Matches(engine, R"({"detail":{"n":"300"}})") == std::vector<std::string>{"string-300"});
}

TEST_CASE("regex extension: RE2, strings only, partial match unless anchored") {
  PolicySet set = MustCompile(R"(
policies:
  - id: re
    match: {detail: {userIdentity: {arn: [{regex: "^arn:aws:iam::[0-9]{12}:user/(alice|bob)$"}]}}}
  - id: re-partial
    match: {detail: {eventName: [{regex: "Acl"}]}}
)");
  Engine engine(set, testing::RawEvents());
  CHECK(Matches(engine, kS3Event) == std::vector<std::string>{"re", "re-partial"});
  CHECK(Matches(engine, R"({"detail":{"eventName":7}})").empty());
  // A pathological pattern stays linear with RE2.
  PolicySet evil = MustCompile("policies:\n  - id: e\n    match: {v: [{regex: \"^(a+)+$\"}]}\n");
  std::string event = R"({"v":")" + std::string(100000, 'a') + "b\"}";
  CHECK(Matches(Engine(evil, testing::RawEvents()), event).empty());
}

TEST_CASE("many policies on one shared field stay correct through the index") {
  std::string yaml = "policies:\n";
  for (int i = 0; i < 2000; ++i) {
    yaml += "  - id: p" + std::to_string(i) + "\n    match: {source: [aws.s3], detail: {eventName: [Op" +
            std::to_string(i) + "]}}\n";
  }
  yaml += "  - id: prefix\n    match: {detail: {eventName: [{prefix: Op19}]}}\n";
  Engine engine(MustCompile(yaml), testing::RawEvents());
  CHECK(Matches(engine, R"({"source":"aws.s3","detail":{"eventName":"Op1234"}})") ==
        std::vector<std::string>{"p1234"});
  CHECK(Matches(engine, R"({"source":"aws.s3","detail":{"eventName":"Op1999"}})") ==
        std::vector<std::string>{"p1999", "prefix"});
  CHECK(Matches(engine, R"({"source":"aws.ec2","detail":{"eventName":"Op5"}})").empty());
}

TEST_CASE("rules anchored on two fields: lists, arrays and many combinations") {
  // Every policy shares source and one of a few accounts, so rules are
  // anchored on value pairs.
  std::string yaml = "policies:\n";
  for (int i = 0; i < 600; ++i) {
    yaml += "  - id: p" + std::to_string(i) + "\n    match: {source: [aws.s3], account: ['" +
            std::to_string(i % 3) + "'], detail: {eventName: [Op" + std::to_string(i / 3) +
            ", Alt" + std::to_string(i / 3) + "]}}\n";
  }
  Engine engine(MustCompile(yaml), testing::RawEvents());
  CHECK(Matches(engine, R"({"source":"aws.s3","account":"1","detail":{"eventName":"Op10"}})") ==
        std::vector<std::string>{"p31"});
  CHECK(Matches(engine, R"({"source":"aws.s3","account":"2","detail":{"eventName":"Alt10"}})") ==
        std::vector<std::string>{"p32"});
  CHECK(Matches(engine, R"({"source":"aws.s3","account":["0","2"],"detail":{"eventName":["Op1","Op2"]}})") ==
        std::vector<std::string>{"p3", "p5", "p6", "p8"});
  // More value combinations than are enumerated: looked up by one field.
  std::string many = R"({"source":"aws.s3","account":["0","1","2"],"detail":{"eventName":[)";
  for (int i = 0; i < 200; ++i) many += (i ? ",\"Op" : "\"Op") + std::to_string(i) + "\"";
  many += "]}}";
  CHECK(Matches(engine, many).size() == 600);
  CHECK(Matches(engine, R"({"source":"aws.ec2","account":"1","detail":{"eventName":"Op10"}})").empty());
}

TEST_CASE("bad events are errors naming the problem, and the engine goes on") {
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {source: [x]}\n"), testing::RawEvents());
  Decision d;
  Status st = engine.Evaluate(R"({"source": "x", )", &d);
  CHECK_FALSE(st.ok());
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("invalid JSON") == 0);
  st = engine.Evaluate("[1,2]", &d);
  CHECK(st.message() == "an event must be a JSON object");
  st = engine.Evaluate("{\"source\":\"\xff\"}", &d);
  CHECK_FALSE(st.ok());
  st = engine.Evaluate(R"({"source":"x"} {"again":1})", &d);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("invalid JSON") == 0);
  CHECK(Matches(engine, R"({"source":"x"})") == std::vector<std::string>{"p"});
}

TEST_CASE("validate_json=true: damage anywhere in the event is an error") {
  EngineOptions strict;
  strict.validate_json = true;
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {source: [x]}\n"), strict);
  Decision d;
  for (const char* damaged : {R"({"source":"x","unread":[1,,2]})", R"({"source":"x","unread":{"a":tru}})",
                              R"({"source":"x"} {"again":1})"}) {
    CAPTURE(damaged);
    Status st = engine.Evaluate(damaged, &d);
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find("invalid JSON") == 0);
  }
}

TEST_CASE("validate_json=false reads only what the policies use") {
  EngineOptions fast;
  fast.validate_json = false;
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {source: [x]}
    actions: [{action: a, params: {v: '{{ detail.v }}'}}]
)"), testing::RawEvents(fast));
  Decision d;
  Status st = engine.Evaluate(R"({"source":"x"} {"again":1})", &d);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("after the event object") != std::string::npos);
  CHECK(engine.options().validate_json == EngineOptions().validate_json);
  st = engine.Evaluate(R"({"source":"x", "detail": {"v": 1})", &d);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  // Matched events are parsed in full to render actions.
  REQUIRE(engine.Evaluate(R"({"source":"x","detail":{"v":[1,2]}})", &d).ok());
  CHECK(d.matches[0].actions[0].params["v"] == nlohmann::json::array({1, 2}));
}

TEST_CASE("event limits are errors that name the limit") {
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {source: [x]}\n"));
  EngineOptions small;
  small.max_event_bytes = 64;
  Engine limited(MustCompile("policies:\n  - id: p\n    match: {source: [x]}\n"), small);
  Decision d;
  Status st = limited.Evaluate(std::string(R"({"source":"x","pad":")") + std::string(100, 'a') + "\"}", &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message().find("max_event_bytes") != std::string::npos);
  // Deep nesting where a policy looks: the walk stops at max_event_depth.
  std::string deep = "{\"source\":" + std::string(5000, '[') + "\"x\"" + std::string(5000, ']') + "}";
  st = engine.Evaluate(deep, &d);
  CHECK_FALSE(st.ok());
  // Deep nesting elsewhere is skipped or rejected by the parser, never a crash.
  std::string deep2 = "{\"other\":" + std::string(100000, '[') + std::string(100000, ']') + ",\"source\":\"x\"}";
  st = engine.Evaluate(deep2, &d);
  CHECK_FALSE(st.ok());
  EngineOptions few;
  few.max_event_values = 10;
  Engine capped(MustCompile("policies:\n  - id: p\n    match: {source: [x]}\n"), few);
  std::string many = "{\"source\":[";
  for (int i = 0; i < 20; ++i) many += std::string(i ? "," : "") + "\"v\"";
  many += "]}";
  st = capped.Evaluate(many, &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message().find("max_event_values") != std::string::npos);
}

TEST_CASE("id, source and detail-type are reported only as single top-level strings") {
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {source: [s]}\n"), testing::RawEvents());
  Decision d;
  REQUIRE(engine.Evaluate(R"({"source":["s","q"],"id":7,"detail-type":{"a":1}})", &d).ok());
  CHECK(d.matches.size() == 1);  // the pattern still sees the array elements
  CHECK_FALSE(d.source.has_value());
  CHECK_FALSE(d.id.has_value());
  CHECK_FALSE(d.detail_type.has_value());
}

TEST_CASE("an event that is not an EventBridge envelope is an error saying to normalize it") {
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {action: [publicized]}\n"));
  Decision d;
  d.source = "stale";
  // A GitHub webhook body as it arrives: neither field.
  const char webhook[] = R"({"action":"publicized","repository":{"name":"r"}})";
  Status st = engine.Evaluate(webhook, &d);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("event is not an EventBridge envelope: no string \"source\" at the top level, "
                          "and no string \"detail-type\" at the top level. Normalize it first "
                          "(proact::Normalizer::Normalize;") == 0);
  CHECK(st.message().find("`proact normalize`, or `--input auto` on the command line), or set raw_events "
                          "(EngineOptions::raw_events;") != std::string::npos);
  CHECK(st.message().find("to match it as it is") != std::string::npos);
  CHECK(d.matches.empty());
  CHECK_FALSE(d.source.has_value());  // cleared, as for any error

  // Each field on its own, and what stands in its place when it is not a string.
  struct Case {
    const char* event;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"detail-type":"t","detail":{}})", "no string \"source\" at the top level."},
           Case{R"({"source":"s"})", "no string \"detail-type\" at the top level."},
           Case{R"({"source":"s","detail-type":7})", "no string \"detail-type\" at the top level (it is a number)."},
           Case{R"({"source":"s","detail-type":{"a":"b"}})", "no string \"detail-type\" at the top level."},
           Case{R"({"source":["s"],"detail-type":"t"})", "no string \"source\" at the top level (it is an array)."},
           Case{R"({"source":null,"detail-type":"t"})", "no string \"source\" at the top level (it is null)."},
           Case{R"({"source":true,"detail-type":"t"})", "no string \"source\" at the top level (it is a boolean)."},
           Case{R"({"source":"s","source":"q","detail-type":"t"})",
                "no string \"source\" at the top level (it appears more than once)."},
           Case{R"({"detail":{"source":"s","detail-type":"t"}})", "no string \"source\" at the top level,"},
       }) {
    CAPTURE(c.event);
    st = engine.Evaluate(c.event, &d);
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find(std::string("event is not an EventBridge envelope: ") + c.message) == 0);
  }
  // Not an object at all: the error it always was.
  CHECK(engine.Evaluate("[1,2]", &d).message() == "an event must be a JSON object");
  // Malformed JSON is reported as such, not as a missing field.
  CHECK(engine.Evaluate(R"({"action":"publicized", )", &d).message().find("invalid JSON") == 0);

  // Every entry point applies the check.
  std::string padded = std::string(webhook) + std::string(kEventPadding, ' ');
  Scratch scratch;
  CHECK(engine.EvaluatePadded(std::string_view(padded.data(), sizeof(webhook) - 1), scratch, &d).message().find(
            "event is not an EventBridge envelope") == 0);
  CHECK(engine.EvaluateValue(nlohmann::json::parse(webhook), &d).code() == StatusCode::kInvalidArgument);
  std::string text;
  CHECK(engine.Explain(webhook, "", &text).message().find("event is not an EventBridge envelope") == 0);
  CHECK(text.empty());
  Engine::Trace trace;
  CHECK(engine.TraceEvent(webhook, &trace).code() == StatusCode::kInvalidArgument);
  // An unknown policy is still named first by Explain.
  CHECK(engine.Explain(webhook, "nope", &text).code() == StatusCode::kNotFound);

  // An envelope passes, whatever else it holds; the decision names both fields.
  REQUIRE(engine.Evaluate(R"({"source":"github","detail-type":"repository","action":"publicized"})", &d).ok());
  CHECK(d.matches.size() == 1);
  CHECK(d.source == "github");
  CHECK(d.detail_type == "repository");
}

TEST_CASE("raw_events=true matches any JSON object as it is") {
  EngineOptions raw;
  raw.raw_events = true;
  CHECK_FALSE(EngineOptions().raw_events);
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {action: [publicized]}\n"), raw);
  const char webhook[] = R"({"action":"publicized","repository":{"name":"r"}})";
  Decision d;
  REQUIRE(engine.Evaluate(webhook, &d).ok());
  CHECK(d.matches.size() == 1);
  CHECK_FALSE(d.source.has_value());
  CHECK_FALSE(d.detail_type.has_value());
  REQUIRE(engine.EvaluateValue(nlohmann::json::parse(webhook), &d).ok());
  CHECK(d.matches.size() == 1);
  std::string text;
  REQUIRE(engine.Explain(webhook, "p", &text).ok());
  CHECK(text.find("policy p (test.yaml:2:5): MATCHED") == 0);
  Engine::Trace trace;
  REQUIRE(engine.TraceEvent(webhook, &trace).ok());
  CHECK(trace.matched == std::vector<std::string>{"p"});
  CHECK(engine.Evaluate("[1]", &d).message() == "an event must be a JSON object");
}

TEST_CASE("README: a webhook body is refused until normalized") {
  Engine engine(MustCompile(R"(
policies:
  - id: repo-public
    match: {source: [github], detail-type: [repository], detail: {action: [publicized]}}
)"));
  Decision decision;
  // The README's snippet, as written there.
  const std::string body = R"({"action":"publicized","repository":{"name":"r","owner":{"login":"acme"}}})";
  proact::Status st = engine.Evaluate(body, &decision);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("event is not an EventBridge envelope: no string \"source\" at the top level, and no "
                          "string \"detail-type\" at the top level. Normalize it first "
                          "(proact::Normalizer::Normalize; ") == 0);
  CHECK(st.message().find("), or set raw_events (") != std::string::npos);
  proact::NormalizeResult r = proact::Normalizer().Normalize(
      body, {{"X-GitHub-Event", "repository"}, {"X-GitHub-Delivery", "d-1"}});
  REQUIRE(r.events.size() == 1);
  for (const proact::NormalizedEvent& e : r.events) st = engine.Evaluate(e.json, &decision);  // ok
  CHECK(st.ok());
  REQUIRE(decision.matches.size() == 1);
  CHECK(decision.matches[0].policy == "repo-public");
}

TEST_CASE("README: one read for an envelope") {
  Engine engine(MustCompile(R"(
policies:
  - id: stop-logging
    match: {source: [aws.cloudtrail], detail: {eventName: [StopLogging]}}
)"));
  proact::Scratch scratch;
  proact::Decision decision;
  proact::Status st;
  proact::Headers headers;
  int normalized_separately = 0;
  for (const std::string payload :
       {std::string(R"({"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail",)"
                    R"("source":"aws.cloudtrail","detail":{"eventName":"StopLogging"}})"),
        std::string(R"({"Records":[{"messageId":"m","eventSource":"aws:sqs","body":)"
                    R"("{\"source\":\"aws.cloudtrail\",\"detail-type\":\"x\",\"detail\":{\"eventName\":\"StopLogging\"}}"}]})")}) {
    decision.Clear();
    // The README's snippet, as written there.
    proact::Normalizer normalizer;
    proact::NormalizeResult normalized;   // reused: keeps its capacity
    std::vector<proact::Decision> decisions;
    std::vector<proact::Status> statuses;
    engine.NormalizeAndEvaluate(normalizer, payload, headers, scratch, &normalized, &decisions, &statuses);
    // decisions[i] and statuses[i] are those of normalized.events[i]
    REQUIRE(normalized.events.size() == 1);
    REQUIRE(decisions.size() == 1);
    REQUIRE(statuses.size() == 1);
    CHECK(statuses[0].ok());
    REQUIRE(decisions[0].matches.size() == 1);
    CHECK(decisions[0].matches[0].policy == "stop-logging");

    if (!engine.EvaluateEnvelope(normalizer, payload, headers, scratch, &normalized, &decision)) {
      normalizer.Normalize(payload, headers, &normalized);
      for (const proact::NormalizedEvent& e : normalized.events) st = engine.Evaluate(e.json, scratch, &decision);
      ++normalized_separately;
    }
    CHECK(st.ok());
    REQUIRE(normalized.events.size() == 1);
    REQUIRE(decision.matches.size() == 1);
    CHECK(decision.matches[0].policy == "stop-logging");
  }
  CHECK(normalized_separately == 1);  // the SQS batch
}

TEST_CASE("same-element rule holds through arrays of arrays") {
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {items: {k: [a], v: [1]}}\n"), testing::RawEvents());
  CHECK(Matches(engine, R"({"items":[[{"k":"a","v":2}],[{"k":"b","v":1}]]})").empty());
  CHECK(Matches(engine, R"({"items":[[{"k":"b","v":2}],[{"k":"a","v":1}]]})") ==
        std::vector<std::string>{"p"});
  CHECK(Matches(engine, R"({"items":[[{"k":"a"},{"v":1}]]})").empty());
}

TEST_CASE("templates read dotted event keys as patterns do") {
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {detail: {a.b: [x]}}
    actions: [{action: t, params: {v: "{{ detail.a.b }}", w: "{{ detail.c.d.e }}"}}]
)"), testing::RawEvents());
  Decision d;
  REQUIRE(engine.Evaluate(R"({"detail":{"a.b":"x","c":{"d.e":5}}})", &d).ok());
  REQUIRE(d.matches.size() == 1);
  REQUIRE(d.matches[0].actions.size() == 1);
  CHECK(d.matches[0].actions[0].params["v"] == "x");
  CHECK(d.matches[0].actions[0].params["w"] == 5);
}

TEST_CASE("FromPatterns compiles a JSON array of EventBridge patterns") {
  Result<PolicySet> set = PolicySet::FromPatterns(
      "[{\"source\": [\"aws.s3\"]},\n {\"detail\": {\"n\": [{\"numeric\": [\">\", 3.0e2]}]}}]",
      "patterns.json");
  REQUIRE(set.ok());
  CHECK(set.value().size() == 2);
  CHECK(set.value().policy(1).id == "1");
  CHECK(set.value().policy(1).location.line == 2);
  Engine engine(set.value(), testing::RawEvents());
  CHECK(Matches(engine, R"({"source":"aws.s3","detail":{"n":301}})") == std::vector<std::string>{"0", "1"});
  Result<PolicySet> bad = PolicySet::FromPatterns("[{\"a\": [\"x\"]},\n  {\"b\": \"y\"}]", "bad.json");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.status().diagnostics().size() == 1);
  CHECK(bad.status().diagnostics()[0].ToString().find("bad.json:2:3: error: 'b' must be an object or an array") == 0);
  CHECK_FALSE(PolicySet::FromPatterns("{\"a\": 1}").ok());
  CHECK_FALSE(PolicySet::FromPatterns("[{\"a\": [1,,2]}]").ok());
  CHECK(PolicySet::FromPatterns("[]").ok());
}

TEST_CASE("EvaluatePadded parses in place and agrees with Evaluate") {
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {detail: {eventName: [PutBucketAcl]}}
    actions: [{action: a, params: {b: "{{ detail.requestParameters.bucketName }}"}}]
)"));
  std::string buffer = std::string(kS3Event) + std::string(kEventPadding, 'x');
  Scratch scratch;
  Decision in_place, copied;
  REQUIRE(engine.EvaluatePadded(std::string_view(buffer.data(), sizeof(kS3Event) - 1), scratch, &in_place).ok());
  REQUIRE(engine.Evaluate(kS3Event, scratch, &copied).ok());
  CHECK(in_place.ToJson() == copied.ToJson());
  REQUIRE(in_place.matches.size() == 1);
  CHECK(in_place.matches[0].actions[0].params["b"] == "Logs-Bucket");
}

TEST_CASE("render_actions=false reports matches without rendering") {
  EngineOptions options;
  options.render_actions = false;
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {source: [aws.s3]}
    actions: [{action: a, params: {b: "{{ detail.missing }}"}}]
)"), options);
  Decision d;
  REQUIRE(engine.Evaluate(kS3Event, &d).ok());
  REQUIRE(d.matches.size() == 1);
  CHECK(d.matches[0].actions.empty());
  CHECK(d.matches[0].errors.empty());
}

TEST_CASE("loop protection: events the remediator caused do not enforce") {
  EngineOptions options;
  options.self_identities = {"arn:aws:iam::111122223333:role/proact-remediator"};
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {source: [aws.s3]}
    actions: [{action: fix}]
)"), options);
  Decision d;
  std::string own = R"({"source":"aws.s3","detail-type":"AWS API Call via CloudTrail","detail":{"userIdentity":{"arn":"arn:aws:sts::111122223333:assumed-role/proact-remediator/s","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:role/proact-remediator"}}}}})";
  REQUIRE(engine.Evaluate(own, &d).ok());
  REQUIRE(d.matches.size() == 1);
  CHECK(d.matches[0].actions[0].dry_run);
  CHECK(d.matches[0].note.find("loop protection") == 0);
  CHECK(d.ToJson()["matches"][0]["note"] == d.matches[0].note);
  REQUIRE(engine.Evaluate(kS3Event, &d).ok());  // someone else: enforced
  CHECK_FALSE(d.matches[0].actions[0].dry_run);
  CHECK(d.matches[0].note.empty());
  // Also with actions not rendered (the actor is still read).
  options.render_actions = false;
  Engine quiet(MustCompile("policies:\n  - id: p\n    match: {source: [aws.s3]}\n"), options);
  REQUIRE(quiet.Evaluate(own, &d).ok());
  CHECK(d.matches[0].note.find("loop protection") == 0);
}

TEST_CASE("ToLogJson redacts secret-looking params") {
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {source: [aws.s3]}
    actions:
      - action: webhook
        params: {url: "https://hooks.example/x", headers: {Authorization: "Bearer abc"}, api_key: k1, nested: [{client_secret: s}], bucket: b}
)"));
  Decision d;
  REQUIRE(engine.Evaluate(kS3Event, &d).ok());
  std::string log = d.ToLogJson().dump();
  for (const char* secret : {"Bearer abc", "\"k1\"", "\"s\""}) CHECK(log.find(secret) == std::string::npos);
  CHECK(log.find("\"bucket\":\"b\"") != std::string::npos);
  CHECK(log.find("[redacted]") != std::string::npos);
  CHECK(d.ToJson().dump().find("Bearer abc") != std::string::npos);  // the host still gets it
}

TEST_CASE("EvaluateValue takes a parsed event") {
  Engine engine(MustCompile("policies:\n  - id: p\n    match: {source: [x]}\n"));
  Decision d;
  REQUIRE(engine.EvaluateValue(nlohmann::json{{"source", "x"}, {"detail-type", "t"}}, &d).ok());
  CHECK(d.matches.size() == 1);
}

TEST_CASE("one compiled set evaluates concurrently from many threads") {
  std::string yaml = "policies:\n";
  for (int i = 0; i < 200; ++i) {
    yaml += "  - id: p" + std::to_string(i) + "\n    match: {detail: {n: [" + std::to_string(i) +
            "]}}\n    actions: [{action: a, params: {n: \"{{ detail.n }}\"}}]\n";
  }
  Engine engine(MustCompile(yaml), testing::RawEvents());
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Scratch scratch;
      Decision d;
      for (int i = 0; i < 2000; ++i) {
        int n = (i * 7 + t) % 250;
        std::string ev = "{\"detail\":{\"n\":" + std::to_string(n) + "}}";
        if (!engine.Evaluate(ev, scratch, &d).ok()) { ++wrong[t]; continue; }
        bool expect = n < 200;
        if (expect != (d.matches.size() == 1)) ++wrong[t];
        if (expect && d.matches[0].actions[0].params["n"] != n) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>(4, 0));
}

TEST_CASE("engine: TraceEvent names the except entry that suppressed a match, as written") {
  // Entry 2 is an $or (two alternatives): either branch counts for entry 2.
  PolicySet set = MustCompile(R"(policies:
  - id: p
    match: {source: [s]}
    except:
      - detail: {user: [bot]}
      - $or:
          - detail: {ip: [{cidr: 10.0.0.0/8}]}
          - detail: {team: [sre]}
  - id: q
    match: {source: [t]}
)");
  Engine engine(set);
  Engine::Trace t;
  REQUIRE(engine.TraceEvent(R"({"source":"s","detail-type":"x","detail":{"team":"sre"}})", &t).ok());
  CHECK(t.matched.empty());
  REQUIRE(t.suppressed.size() == 1);
  CHECK(t.suppressed[0].policy == "p");
  CHECK(t.suppressed[0].except_index == 1);
  CHECK(t.suppressed[0].except_location.line == 6);
  REQUIRE(engine.TraceEvent(R"({"source":"s","detail-type":"x","detail":{"user":"bot","ip":"10.1.1.1"}})", &t).ok());
  REQUIRE(t.suppressed.size() == 2);  // both entries hold
  CHECK(t.suppressed[0].except_index == 0);
  CHECK(t.suppressed[1].except_index == 1);
  // A match the excepts leave alone, and an event the match does not take:
  // nothing suppressed.
  REQUIRE(engine.TraceEvent(R"({"source":"s","detail-type":"x","detail":{"user":"alice"}})", &t).ok());
  CHECK(t.matched == std::vector<std::string>{"p"});
  CHECK(t.suppressed.empty());
  REQUIRE(engine.TraceEvent(R"({"source":"u","detail-type":"x","detail":{"user":"bot"}})", &t).ok());
  CHECK(t.matched.empty());
  CHECK(t.suppressed.empty());
  CHECK(set.policy(0).except_locations.size() == 2);
}

TEST_CASE("rendering: text around holes keeps escapes, non-ASCII, numbers, indexes and defaults") {
  Engine engine(MustCompile(R"(
policies:
  - id: p
    match: {source: [x]}
    actions:
      - action: a
        params:
          text: "v={{ detail.v }} n={{ detail.n }} u={{ detail.u }} i={{ detail.list[1] }} o={{ detail.o }} d={{ detail.gone | default('none') }} k={{ detail.\"a.b\" }} e={{ detail.empty | default('x') }} z={{ detail.z | default('null') }}"
          whole: "{{ detail.v }}"
          number: "{{ detail.n }}"
)"));
  Decision d;
  REQUIRE(engine.Evaluate(
                    R"({"source":"x","detail-type":"t","detail":{"v":"caf\u00e9 \"q\"\n\\ \ud83d\ude00 日本","n":-12.5,"u":18446744073709551615,"list":["a","b\tc"],"o":{"k":[1,true,null]},"a.b":"dotted","empty":"","z":null}})",
                    &d)
              .ok());
  REQUIRE(d.matches.size() == 1);
  REQUIRE(d.matches[0].errors.empty());
  REQUIRE(d.matches[0].actions.size() == 1);
  const nlohmann::json& params = d.matches[0].actions[0].params;
  const std::string v = "caf\xc3\xa9 \"q\"\n\\ \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac";
  CHECK(params["text"] == "v=" + v + " n=-12.5 u=18446744073709551615 i=b\tc o={\"k\":[1,true,null]} d=none k=dotted e= z=null");
  CHECK(params["whole"] == v);
  CHECK(params["number"] == -12.5);
  // A missing field without default() is an error naming it.
  REQUIRE(engine.Evaluate(R"({"source":"x","detail-type":"t","detail":{"v":"a","n":1,"u":2,"list":["a"]}})", &d).ok());
  REQUIRE(d.matches.size() == 1);
  REQUIRE(d.matches[0].errors.size() == 1);
  CHECK(d.matches[0].errors[0].message == "param 'text': field 'detail.list[1]' is missing");
}

}  // namespace
}  // namespace proact
