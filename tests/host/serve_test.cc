// The real `proact serve` driven over loopback HTTP with cpp-httplib's client.
#include <httplib.h>
#include <zlib.h>
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include "e2e_s3.h"
#include "host_test_util.h"
#include "proact/normalizer.h"

namespace proact {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::Corpus;
using testing::Receiver;

struct HttpResult {
  long status = 0;
  std::string body;
  std::string headers;
};

HttpResult Request(const std::string& method, const std::string& url, const std::string& body = {},
                   const std::vector<std::string>& headers = {}) {
  HttpResult result;
  // url: http://host:port/path
  std::size_t host_start = url.find("://") + 3;
  std::size_t path_start = url.find('/', host_start);
  std::string origin = url.substr(0, path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(20, 0);
  client.set_read_timeout(20, 0);
  client.set_write_timeout(20, 0);
  client.set_decompress(false);
  httplib::Request req;
  req.method = method;
  req.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  for (const auto& h : headers) {
    std::size_t colon = h.find(':');
    std::size_t value = h.find_first_not_of(' ', colon + 1);
    req.headers.emplace(h.substr(0, colon), value == std::string::npos ? "" : h.substr(value));
  }
  if (method == "POST") req.body = body;
  auto res = client.send(req);
  if (!res) {
    result.body = "http: " + httplib::to_string(res.error());
    return result;
  }
  result.status = res->status;
  result.body = res->body;
  for (const auto& [name, value] : res->headers) result.headers += name + ": " + value + "\r\n";
  return result;
}

HttpResult Post(const std::string& url, const std::string& body,
                std::vector<std::string> headers = {"Content-Type: application/json"}) {
  return Request("POST", url, body, headers);
}

// A raw TCP connection to the server, for what an HTTP client will not send
// or not read (an answer sent before the request body was).
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Raw() { close(fd_); }
  bool ok() const { return ok_; }
  // False once the peer closed or reset the connection.
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything until the peer closes or 10 s pass.
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, n);
    return out;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};


class Server {
 public:
  explicit Server(const std::string& name, std::vector<std::string> extra = {},
                  std::map<std::string, std::string> env = {},
                  const std::string& rules = "tests/host/testdata/rules") {
    log_ = std::string(PROACT_BINARY_DIR) + "/serve-" + name + ".log";
    // `rules`: relative to the source tree, or an absolute path.
    std::vector<std::string> argv = {PROACT_CLI, "serve", "--rules",
                                      rules.rfind('/', 0) == 0
                                          ? rules
                                          : std::string(PROACT_SOURCE_DIR) + "/" + rules,
                                      "--host", "127.0.0.1"};
    bool has_port = false;
    for (const auto& e : extra) has_port = has_port || e == "--port";
    if (!has_port && env.count("FUNCTIONS_CUSTOMHANDLER_PORT") == 0) {
      argv.push_back("--port");
      argv.push_back("0");
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    env.emplace("PROACT_WEBHOOK_URL", hooks.url("/remediate"));
    env.emplace("PROACT_WEBHOOK_MAX_ATTEMPTS", "1");
    child_ = std::make_unique<Child>(argv, env, log_);
    // The first log line names the port.
    for (int i = 0; i < 500 && port_ == 0; ++i) {
      std::istringstream in(testing::ReadFile(log_));
      std::string line;
      while (std::getline(in, line)) {
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("message", "") == "listening") port_ = j["port"];
      }
      if (port_ == 0) std::this_thread::sleep_for(10ms);
    }
  }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  Child& child() { return *child_; }
  std::string log() const { return testing::ReadFile(log_); }
  Receiver hooks;

 private:
  std::string log_;
  int port_ = 0;
  std::unique_ptr<Child> child_;
};

std::string Base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

TEST_CASE("serve: events in every HTTP shape are evaluated and their actions run") {
  Server s("shapes");
  REQUIRE(s.port() > 0);
  CHECK(Request("GET", s.url("/healthz")).status == 200);

  // An EventBridge event POSTed as is.
  HttpResult eb = Post(s.url(), Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json"));
  CHECK(eb.status == 200);
  nlohmann::json summary = nlohmann::json::parse(eb.body);
  CHECK(summary["matches"] == 1);
  CHECK(summary["results"][0]["executed"] == 1);
  REQUIRE(s.hooks.requests().size() == 1);
  CHECK(nlohmann::json::parse(s.hooks.requests()[0].body)["policy"] == "bucket-created");

  // CloudEvents binary mode: attributes (and an extension) in ce-* headers.
  HttpResult binary = Post(s.url(), R"({"bucket":"b"})",
                           {"Content-Type: application/json", "ce-specversion: 1.0",
                            "ce-type: com.example.object.deleted.v2", "ce-source: /storage",
                            "ce-id: ce-1", "ce-subject: b/o.txt", "ce-importance: high"});
  CHECK(binary.status == 200);
  CHECK(nlohmann::json::parse(binary.body)["matches"] == 1);
  CHECK(nlohmann::json::parse(binary.body)["results"][0]["id"] == "ce-1");

  // Structured mode and a batch.
  nlohmann::json ce = {{"specversion", "1.0"}, {"type", "com.example.object.deleted.v2"},
                       {"source", "/storage"}, {"id", "ce-2"}, {"importance", "high"},
                       {"subject", "b/x"}, {"data", {{"k", 1}}}};
  HttpResult structured = Post(s.url(), ce.dump(), {"Content-Type: application/cloudevents+json"});
  CHECK(structured.status == 200);
  CHECK(nlohmann::json::parse(structured.body)["matches"] == 1);
  HttpResult batch = Post(s.url(), Corpus("cloudevents/json.batch.json"),
                          {"Content-Type: application/cloudevents-batch+json"});
  CHECK(batch.status == 200);
  CHECK(nlohmann::json::parse(batch.body)["events"].get<int>() >= 2);

  // Pub/Sub push carrying a Cloud Audit Log entry.
  nlohmann::json push = {
      {"message",
       {{"data", Base64(Corpus("gcp/audit-log.iam-createServiceAccountKey.panther.json"))},
        {"messageId", "pm-1"},
        {"publishTime", "2024-01-01T00:00:00Z"}}},
      {"subscription", "projects/p1/subscriptions/proact"}};
  HttpResult pubsub = Post(s.url(), push.dump());
  CHECK(pubsub.status == 200);
  CHECK(nlohmann::json::parse(pubsub.body)["events"] == 1);

  // Event Grid: the subscription handshake, then an event.
  nlohmann::json validation = nlohmann::json::array(
      {{{"id", "v-1"}, {"topic", "/subscriptions/s"}, {"subject", ""},
        {"data", {{"validationCode", "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}}},
        {"eventType", "Microsoft.EventGrid.SubscriptionValidationEvent"},
        {"eventTime", "2018-01-25T22:12:19.4556811Z"}, {"metadataVersion", "1"},
        {"dataVersion", "1"}}});
  HttpResult handshake = Post(s.url(), validation.dump());
  CHECK(handshake.status == 200);
  CHECK(nlohmann::json::parse(handshake.body) ==
        nlohmann::json{{"validationResponse", "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}});
  HttpResult grid = Post(s.url(), Corpus("azure/eventgrid.resource-write-success.eventgrid-schema.json"));
  CHECK(grid.status == 200);
  HttpResult options = Request("OPTIONS", s.url(), {}, {"WebHook-Request-Origin: eventgrid.azure.net"});
  CHECK(options.status == 200);
  CHECK(options.headers.find("WebHook-Allowed-Origin: eventgrid.azure.net") != std::string::npos);

  // Metrics reflect what happened.
  HttpResult metrics = Request("GET", s.url("/metrics"));
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("proact_policy_matches_total{policy=\"bucket-created\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.body.find("proact_policy_matches_total{policy=\"cloudevent-extension\"} 2\n") !=
        std::string::npos);
  CHECK(metrics.body.find("proact_policy_savings_usd_total{policy=\"bucket-created\"} 12.5\n") !=
        std::string::npos);
  CHECK(metrics.body.find("proact_http_requests_total{code=\"200\"}") != std::string::npos);
}

TEST_CASE("serve: shipped source definitions over real HTTP: a query handshake, a signed and a forged delivery") {
  Server s("sources", {}, {{"PROACT_SECRET_PAGERDUTY", "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"}});
  REQUIRE(s.port() != 0);
  // Microsoft Graph's subscription validation: the token is in the query.
  HttpResult graph = Request("POST", s.url("/?validationToken=Validation%3A%20abc%20123"), "",
                             {"Content-Type: text/plain"});
  CHECK(graph.status == 200);
  CHECK(graph.body == "Validation: abc 123");
  CHECK(graph.headers.find("text/plain") != std::string::npos);
  // PagerDuty, signed with the subscription secret (go-pagerduty's test
  // vector), then the same body with a forged signature.
  std::string body = testing::ReadFile(std::string(PROACT_TESTDATA_DIR) +
                                       "/corpus/webhooks/pagerduty/incident.priority_updated.go-pagerduty-signed.json");
  HttpResult signed_ok = Post(s.url(), body,
                              {"Content-Type: application/json",
                               "X-PagerDuty-Signature: v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd"});
  CHECK(signed_ok.status == 200);
  CHECK(nlohmann::json::parse(signed_ok.body)["events"] == 1);
  HttpResult forged = Post(s.url(), body,
                           {"Content-Type: application/json", "X-PagerDuty-Signature: v1=00"});
  CHECK(forged.status == 401);
  CHECK(s.log().find("lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK") == std::string::npos);
}

TEST_CASE("serve: bad requests get a 4xx with the reason") {
  Server s("bad", {"--path", "/events", "--path", "/hooks/github"},
           {{"PROACT_GITHUB_SECRET", "It's a Secret to Everybody"}});
  REQUIRE(s.port() > 0);
  HttpResult bad_json = Post(s.url("/events"), "{\"id\": ");
  CHECK(bad_json.status == 400);
  CHECK(nlohmann::json::parse(bad_json.body)["error"].get<std::string>().find("invalid JSON body") == 0);
  HttpResult unknown = Post(s.url("/events"), "{\"hello\": \"world\"}");
  // Valid JSON no source recognizes, without request headers that say more,
  // becomes an `http` event (docs/sources.md): evaluated, not an error.
  CHECK(unknown.status == 200);
  HttpResult other_path = Post(s.url("/elsewhere"), "{}");
  CHECK(other_path.status == 404);
  CHECK(nlohmann::json::parse(other_path.body)["error"] == "no events are accepted on '/elsewhere'");
  HttpResult empty = Post(s.url("/events"), "");
  CHECK(empty.status == 400);
  HttpResult get = Request("GET", s.url("/events"));
  CHECK(get.status == 405);
  // An unsigned GitHub delivery while a secret is configured.
  HttpResult unsigned_gh = Post(s.url("/hooks/github"), Corpus("github/repository.publicized.json"),
                                {"Content-Type: application/json", "X-GitHub-Event: repository",
                                 "X-GitHub-Delivery: d-2"});
  CHECK(unsigned_gh.status == 401);
  CHECK(nlohmann::json::parse(unsigned_gh.body)["error"].get<std::string>().find("rejected") !=
        std::string::npos);
  // Too large: over twice the engine's event limit (8 MiB).
  std::string huge(9u << 20, ' ');
  huge[0] = '[';
  huge.back() = ']';
  // The server answers as soon as it has read the length and may close
  // before the body is all sent: a raw connection reads the answer anyway.
  {
    Raw raw(s.port());
    REQUIRE(raw.ok());
    raw.Send("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
             "Content-Length: " + std::to_string(huge.size()) + "\r\nConnection: close\r\n\r\n");
    raw.Send(huge);
    std::string answer = raw.ReadAll();
    INFO(answer.substr(0, 200));
    CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
  }
  // Not UTF-8 (a JSON string with a lone continuation byte).
  HttpResult bad_utf8 = Post(s.url("/events"), "{\"source\": \"\x80\"}");
  CHECK(bad_utf8.status == 400);
  // Nesting deeper than 256 levels is refused before any parser recurses.
  HttpResult deep = Post(s.url("/events"), std::string(100000, '[') + std::string(100000, ']'));
  CHECK(deep.status == 400);
  CHECK(nlohmann::json::parse(deep.body)["error"] == "the body nests deeper than 256 levels");
  // Outside the Azure Functions host, the custom-handler shape is just JSON:
  // an `http` event, not a way around webhook verification.
  HttpResult azure_shape = Post(s.url("/events"), R"({"Data":{"x":{"id":"1"}},"Metadata":{}})");
  CHECK(azure_shape.status == 200);
  CHECK(azure_shape.body.find("ReturnValue") == std::string::npos);
  CHECK(nlohmann::json::parse(azure_shape.body)["results"][0]["source"] == "http");
  // The server is still healthy.
  CHECK(Request("GET", s.url("/healthz")).status == 200);
}

TEST_CASE("serve: a failing remediation answers 503 so the platform redelivers") {
  Server s("retry");
  REQUIRE(s.port() > 0);
  s.hooks.Script({503});
  HttpResult r = Post(s.url(), Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json"));
  CHECK(r.status == 503);
  CHECK(nlohmann::json::parse(r.body)["error"].get<std::string>().find(
            "action 'webhook' of policy 'bucket-created' failed") != std::string::npos);
}

TEST_CASE("serve: concurrent requests are all answered and counted") {
  Server s("concurrent", {"--threads", "4"});
  REQUIRE(s.port() > 0);
  std::string event = Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json");
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        HttpResult r = Post(s.url(), event);
        (r.status == 200 ? ok : bad)++;
      }
    });
  }
  for (auto& c : clients) c.join();
  CHECK(ok == 200);
  CHECK(bad == 0);
  HttpResult metrics = Request("GET", s.url("/metrics"));
  CHECK(metrics.body.find("proact_events_evaluated_total 200\n") != std::string::npos);
  CHECK(metrics.body.find("proact_policy_matches_total{policy=\"instance-state-ticket\"} 200\n") !=
        std::string::npos);
}

TEST_CASE("serve: SIGTERM finishes the request in flight, then exits 0") {
  Server s("sigterm");
  REQUIRE(s.port() > 0);
  s.hooks.Script({200}, 1000ms);  // the remediation takes a second
  HttpResult in_flight;
  std::thread client([&] {
    in_flight = Post(s.url(), Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json"));
  });
  for (int i = 0; i < 200 && s.hooks.requests().empty(); ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(s.hooks.requests().size() == 1);
  s.child().Signal(SIGTERM);
  client.join();
  CHECK(in_flight.status == 200);
  CHECK(nlohmann::json::parse(in_flight.body)["results"][0]["executed"] == 1);
  CHECK(s.child().Wait(5s) == 0);
  CHECK(s.log().find("\"message\":\"stopped\"") != std::string::npos);
  // No longer listening.
  CHECK(Request("GET", s.url("/healthz")).status == 0);
}

TEST_CASE("serve: Azure Functions custom handler requests") {
  // The Functions host gives the port in FUNCTIONS_CUSTOMHANDLER_PORT.
  int port = 0;
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    close(fd);
  }
  Server s("azure", {}, {{"FUNCTIONS_CUSTOMHANDLER_PORT", std::to_string(port)}});
  REQUIRE(s.port() == port);
  // An Event Grid trigger binding.
  nlohmann::json event = nlohmann::json::parse(
      Corpus("azure/eventgrid.resource-write-success.eventgrid-schema.json"))[0];
  nlohmann::json invocation = {{"Data", {{"eventGridEvent", event}}},
                               {"Metadata", {{"sys", {{"MethodName", "proact"}}}}}};
  HttpResult r = Post(s.url("/proact"), invocation.dump());
  REQUIRE_MESSAGE(r.status == 200, r.body);
  nlohmann::json out = nlohmann::json::parse(r.body);
  CHECK(out["ReturnValue"]["eventGridEvent"]["events"] == 1);
  CHECK(out["Logs"].size() == 1);
  CHECK(out.contains("Outputs"));
  // An HTTP trigger binding: the answer goes in Outputs.res.
  nlohmann::json http = {
      {"Data",
       {{"req",
         {{"Url", "https://fn.azurewebsites.net/api/proact"},
          {"Method", "POST"},
          {"Query", nlohmann::json::object()},
          {"Headers", {{"Content-Type", {"application/json"}}}},
          {"Params", nlohmann::json::object()},
          {"Body", Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json")}}}}},
      {"Metadata", nlohmann::json::object()}};
  HttpResult h = Post(s.url("/proact"), http.dump());
  REQUIRE_MESSAGE(h.status == 200, h.body);
  nlohmann::json hout = nlohmann::json::parse(h.body);
  CHECK(hout["Outputs"]["res"]["statusCode"] == 200);
  CHECK(nlohmann::json::parse(hout["Outputs"]["res"]["body"].get<std::string>())["matches"] == 1);
}


// ---- Hardening: one request must never take the instance down (issue 13).

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_CASE("serve: JSON nested deep inside a string field fails its request, never the server") {
  Server s("deep-inner");
  REQUIRE(s.port() > 0);
  std::string deep = std::string(75000, '[') + std::string(75000, ']');
  nlohmann::json push = {{"message", {{"data", Base64(deep)}, {"messageId", "1"}}},
                         {"subscription", "projects/p/subscriptions/s"}};
  HttpResult r = Post(s.url(), push.dump());
  CHECK(r.status == 400);
  CHECK(r.body.find("deeper than 256 levels") != std::string::npos);
  nlohmann::json sns = {{"Type", "Notification"}, {"MessageId", "m"}, {"Message", deep},
                        {"TopicArn", "arn:aws:sns:us-east-1:123456789012:t"}};
  CHECK(Post(s.url(), sns.dump()).status == 400);
  nlohmann::json sqs = {{"Records", {{{"messageId", "a"}, {"eventSource", "aws:sqs"},
                                      {"body", sns.dump()}}}}};
  CHECK(Post(s.url(), sqs.dump()).status == 400);
  nlohmann::json url_event = {{"version", "2.0"}, {"rawPath", "/"}, {"body", deep},
                              {"headers", {{"content-type", "application/json"}}},
                              {"requestContext", {{"http", {{"method", "POST"}}}}}};
  CHECK(Post(s.url(), url_event.dump()).status == 400);
  // Still serving, and a good event is still evaluated.
  CHECK(Request("GET", s.url("/healthz")).status == 200);
  CHECK(Post(s.url(), Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json")).status == 200);
}

TEST_CASE("serve: a number out of range is the client's 400, not a 500") {
  Server s("range");
  REQUIRE(s.port() > 0);
  HttpResult r = Post(s.url(), R"({"version":"0","id":"x","detail-type":"t","source":"s",
      "account":"1","time":"2024-01-01T00:00:00Z","region":"r","resources":[],"detail":{"n":1e400}})");
  CHECK(r.status == 400);
  CHECK(r.body.find("out of range") == std::string::npos);  // nlohmann's wording is "overflow"
  CHECK(r.body.find("1e400") != std::string::npos);
}

TEST_CASE("serve: body limits hold whatever the encoding") {
  Server s("limits");
  REQUIRE(s.port() > 0);
  const std::size_t limit = 8u << 20;
  // gzip: a small body inflating far past the limit.
  std::string bomb = Gzip(std::string(64u << 20, ' '));
  CHECK(bomb.size() < 200000);
  HttpResult r = Post(s.url(), bomb, {"Content-Type: application/json", "Content-Encoding: gzip"});
  CHECK(r.status == 413);
  CHECK(r.body.find("inflates beyond") != std::string::npos);
  // gzip within the limit is read.
  std::string event = Corpus("aws/eventbridge.ec2-instance-state-change.custodian.json");
  r = Post(s.url(), Gzip(event), {"Content-Type: application/json", "Content-Encoding: gzip"});
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["matches"] == 1);
  // Other encodings are refused, not read as JSON.
  CHECK(Post(s.url(), event, {"Content-Type: application/json", "Content-Encoding: br"}).status == 415);
  // Content-Length over the limit: 413 before any of the body is sent.
  {
    Raw c(s.port());
    REQUIRE(c.ok());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(limit * 4) + "\r\n\r\n");
    std::string answer = c.ReadAll();
    CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
  }
  // Chunked: counted as it arrives; refused once past the limit, long
  // before 64 MiB are sent.
  {
    Raw c(s.port());
    REQUIRE(c.ok());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n");
    std::string chunk = "100000\r\n" + std::string(0x100000, ' ') + "\r\n";
    std::size_t sent = 0;
    while (sent < (64u << 20) && c.Send(chunk)) sent += 0x100000;
    // The server stops reading and closes the connection (a client that
    // reads before sending more sees the 413).
    CHECK(sent < (16u << 20));
  }
  // Headers: 1 MiB of them is refused; the server lives on.
  {
    Raw c(s.port());
    REQUIRE(c.ok());
    std::string req = "POST / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 1024; ++i) req += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
    c.Send(req + "Content-Length: 2\r\n\r\n{}");
    std::string answer = c.ReadAll();
    CHECK(answer.rfind("HTTP/1.1 431", 0) == 0);
  }
  CHECK(Request("GET", s.url("/healthz")).status == 200);
}

TEST_CASE("serve: slow clients hold no worker, and /healthz answers while every worker is busy") {
  Server s("slow", {"--threads", "2"});
  REQUIRE(s.port() > 0);
  // 16 clients trickling their headers (8x the workers).
  std::vector<std::unique_ptr<Raw>> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(std::make_unique<Raw>(s.port()));
    REQUIRE(slow.back()->ok());
    slow.back()->Send("POST / HTTP/1.1\r\nHost: x\r\n");
  }
  // Both workers busy on remediations stuck on a slow receiver.
  s.hooks.Script({200}, 3000ms);
  std::vector<std::thread> busy;
  std::vector<long> statuses(2);
  for (int i = 0; i < 2; ++i) {
    busy.emplace_back([&, i] {
      statuses[i] = Post(s.url(), Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")).status;
    });
  }
  for (int i = 0; i < 400 && s.hooks.requests().size() < 2; ++i) std::this_thread::sleep_for(5ms);
  CHECK(s.hooks.requests().size() == 2);
  for (int probe = 0; probe < 5; ++probe) {
    for (auto& c : slow) c->Send("X");  // still trickling
    auto t0 = std::chrono::steady_clock::now();
    CHECK(Request("GET", s.url("/healthz")).status == 200);
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    std::this_thread::sleep_for(100ms);
  }
  for (auto& t : busy) t.join();
  CHECK(statuses[0] == 200);
  CHECK(statuses[1] == 200);
}

TEST_CASE("serve: SIGTERM answers every accepted request: queued ones get 503 with Retry-After") {
  Server s("sigterm-queue", {"--threads", "1"});
  REQUIRE(s.port() > 0);
  s.hooks.Script({200}, 1500ms);
  const int n = 6;
  std::vector<HttpResult> results(n);
  std::vector<std::thread> clients;
  for (int i = 0; i < n; ++i) {
    clients.emplace_back([&, i] {
      results[i] = Post(s.url(), Corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json"));
    });
  }
  for (int i = 0; i < 400 && s.hooks.requests().empty(); ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(s.hooks.requests().size() == 1);
  std::this_thread::sleep_for(200ms);  // the others are queued behind the one worker
  s.child().Signal(SIGTERM);
  for (auto& t : clients) t.join();
  int ok = 0, retry = 0;
  for (const HttpResult& r : results) {
    INFO(r.status, " ", r.body);
    CHECK((r.status == 200 || r.status == 503));  // never a reset connection (0)
    ok += r.status == 200;
    if (r.status == 503) {
      ++retry;
      CHECK(r.headers.find("Retry-After: 1") != std::string::npos);
    }
  }
  CHECK(ok >= 1);
  CHECK(retry >= 1);
  CHECK(s.hooks.requests().size() == static_cast<std::size_t>(ok));  // 503 means nothing ran
  CHECK(s.child().Wait(10s) == 0);
}

TEST_CASE("serve: a body that is not UTF-8 is refused whatever its content type") {
  Server s("utf8");
  REQUIRE(s.port() > 0);
  HttpResult r = Post(s.url(), "caf\xe9", {"Content-Type: text/plain"});
  CHECK(r.status == 400);
  CHECK(r.body.find("not valid UTF-8") != std::string::npos);
  // CloudEvents binary mode may carry binary data.
  r = Post(s.url(), std::string("\x00\xff\x10", 3),
           {"Content-Type: application/octet-stream", "ce-specversion: 1.0", "ce-type: t",
            "ce-source: s", "ce-id: 1"});
  CHECK(r.status == 200);
}

TEST_CASE("serve: no secret of an HTTP event or an action param reaches the log") {
  // Issue 13 item 8: X-Api-Key and Cookie headers of an HTTP event, a DSN
  // password and a Slack hook URL were logged in clear.
  const std::string api_key = "k-7f3c9a1e5b2d";
  const std::string cookie = "session_id=c00k1e-v4lue; theme=dark";
  const std::string bearer = "tok-91d2a8e7c6";
  const std::string dsn_password = "dsn-pa55-42";
  const std::string hook_secret = "abcdefghijklmnopqrstuvwx";
  Server s("redaction", {}, {{"PROACT_LOG_LEVEL", "debug"}}, "tests/host/testdata/redaction");
  REQUIRE(s.port() > 0);
  nlohmann::json body = {{"db", "postgres://app:" + dsn_password + "@db.internal:5432/prod"},
                         {"note", "nothing secret"}};
  HttpResult r = Post(s.url("/events"), body.dump(),
                      {"Content-Type: application/json", "X-Api-Key: " + api_key,
                       "Cookie: " + cookie, "Authorization: Bearer " + bearer});
  CHECK(r.status == 200);
  REQUIRE(nlohmann::json::parse(r.body)["matches"] == 1);
  s.child().Signal(SIGTERM);
  CHECK(s.child().Wait(10s) == 0);

  std::string log = s.log();
  for (const std::string& secret : {api_key, std::string("c00k1e-v4lue"), bearer, dsn_password, hook_secret}) {
    INFO(secret);
    CHECK(log.find(secret) == std::string::npos);
    CHECK(r.body.find(secret) == std::string::npos);
  }
  // What is not secret stays useful: the action ran and was logged with
  // the hook's host, the DSN's user and host, the other headers.
  bool action_logged = false, decision_logged = false;
  std::istringstream in(log);
  std::string text;
  while (std::getline(in, text)) {
    nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    if (line.is_discarded()) continue;
    if (line.value("location", "") == "proact.action") {
      action_logged = true;
      const nlohmann::json& p = line["params"];
      CHECK(p["headers"]["x-api-key"] == "[redacted]");
      CHECK(p["headers"]["cookie"] == "[redacted]");
      CHECK(p["headers"]["authorization"] == "[redacted]");
      CHECK(p["headers"]["content-type"] == "application/json");
      CHECK(p["database"] == "postgres://app:[redacted]@db.internal:5432/prod");
      CHECK(p["notify_url"] == "https://hooks.slack.com/services/[redacted]");
    }
    if (line.value("location", "") == "proact.decision") {
      decision_logged = true;
      const nlohmann::json& actions = line["matches"][0]["actions"];
      REQUIRE(actions.size() == 2);
      CHECK(actions[1]["params"]["url"] == "https://hooks.slack.com/services/[redacted]");
      CHECK(actions[1]["params"]["cookie"] == "[redacted]");
    }
  }
  CHECK(action_logged);
  CHECK(decision_logged);
}

// ---- End to end: a declared action type against the fake providers.

TEST_CASE("serve: a declared S3 action delivered three times calls the provider once") {
  using namespace internal::fake;
  namespace e2e = internal::e2e;
  REQUIRE_FAKE();
  Fake fake;
  TempDir dir;
  std::string rules = dir.File("policies.yaml", e2e::PolicyYaml());
  e2e::ScriptNoConfiguration(fake);
  Server s("e2e-s3", {}, e2e::FakeEnv(fake), rules);
  REQUIRE(s.port() > 0);

  // The same event (same id) delivered three times.
  std::string event = e2e::Event("e2e-dup-1");
  std::vector<nlohmann::json> answers;
  for (int i = 0; i < 3; ++i) {
    HttpResult r = Post(s.url(), event);
    INFO("delivery " << i << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    nlohmann::json body = nlohmann::json::parse(r.body);
    CHECK(body["matches"] == 1);
    CHECK(body["results"][0]["id"] == "e2e-dup-1");
    CHECK(body["results"][0]["failed_actions"] == 0);
    answers.push_back(body);
    CheckAbsent(r.body, kSecret);
    CheckAbsent(r.body, kToken);
  }
  // The first delivery executed the action; the duplicates did not.
  CHECK(answers[0]["results"][0]["executed"] == 1);
  CHECK(answers[1]["results"][0]["executed"] == 0);
  CHECK(answers[2]["results"][0]["executed"] == 0);

  // The provider saw one read and exactly one write, both signed.
  nlohmann::json reqs = fake.Requests();
  INFO("fake requests: " << reqs.dump(2));
  nlohmann::json puts = e2e::OnlyMethod(reqs, "PUT");
  REQUIRE(puts.size() == 1);
  CHECK(puts[0]["host"] == e2e::kS3Host);
  CHECK(puts[0]["query"] == "publicAccessBlock=");
  CheckVerified(puts[0], "s3", "us-east-1");
  CHECK(puts[0]["headers"]["x-amz-security-token"] == kToken);
  CHECK(puts[0]["body"].get<std::string>().find("<BlockPublicAcls>true</BlockPublicAcls>") !=
        std::string::npos);
  nlohmann::json gets = e2e::OnlyMethod(reqs, "GET");
  REQUIRE(gets.size() == 1);
  CheckVerified(gets[0], "s3", "us-east-1");
  CHECK(reqs.size() == 2);

  s.child().Signal(SIGTERM);
  CHECK(s.child().Wait(10s) == 0);
  std::string log = s.log();
  // The decision log: succeeded once, then skipped for each duplicate.
  CHECK(e2e::DecisionOutcomes(log) == std::vector<std::string>{"succeeded", "skipped", "skipped"});
  CheckAbsent(log, kSecret);
  CheckAbsent(log, kToken);
}

TEST_CASE("serve: a declared S3 action in a dry-run policy sends no request") {
  using namespace internal::fake;
  namespace e2e = internal::e2e;
  REQUIRE_FAKE();
  Fake fake;
  TempDir dir;
  std::string rules = dir.File("policies.yaml", e2e::PolicyYaml("dry-run"));
  e2e::ScriptNoConfiguration(fake);
  Server s("e2e-s3-dry", {}, e2e::FakeEnv(fake), rules);
  REQUIRE(s.port() > 0);
  HttpResult r = Post(s.url(), e2e::Event("e2e-dry-1"));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  nlohmann::json body = nlohmann::json::parse(r.body);
  CHECK(body["matches"] == 1);
  CHECK(body["results"][0]["executed"] == 0);
  CHECK(body["results"][0]["dry_run"] == 1);
  CHECK(fake.Requests().empty());
  s.child().Signal(SIGTERM);
  CHECK(s.child().Wait(10s) == 0);
  CHECK(e2e::DecisionOutcomes(s.log()) == std::vector<std::string>{"dry_run"});
  // The log carries the plan: what would have been sent.
  std::string log = s.log();
  CHECK(log.find(R"("requests":[{"name":"read","read":true,"method":"GET","url":"https://)") !=
        std::string::npos);
  CHECK(log.find(R"("name":"write","read":false,"method":"PUT")") != std::string::npos);
  CheckAbsent(s.log(), kSecret);
  CheckAbsent(s.log(), kToken);
}

TEST_CASE("serve: a dry-run AssumeRoot action logs its AssumeRoot request and sends nothing") {
  using namespace internal::fake;
  REQUIRE_FAKE();
  Fake fake;
  TempDir dir;
  std::string rules = dir.File("policies.yaml", R"(
action_types:
  t.iam.delete_root_key:
    params: {account: string, access_key_id: string}
    credentials:
      provider: aws
      service: iam
      region: us-east-1
      assume_root: {target: "{{ params.account }}", task_policy: IAMDeleteRootUserCredentials}
    endpoint: https://iam.amazonaws.com
    permissions: {aws: [iam:DeleteAccessKey]}
    requests:
      - name: write
        method: POST
        body: {form: {Action: DeleteAccessKey, Version: "2010-05-08", AccessKeyId: "{{ params.access_key_id }}"}}
policies:
  - id: root-key
    mode: dry-run
    match: {source: [aws.iam], detail: {eventName: [CreateAccessKey]}}
    actions:
      - action: t.iam.delete_root_key
        params: {account: "{{ account }}", access_key_id: "{{ detail.responseElements.accessKey.accessKeyId }}"}
)");
  nlohmann::json detail =
      nlohmann::json::parse(testing::ReadFile(std::string(PROACT_SOURCE_DIR) +
                                              "/rules/fixtures/aws/cloudtrail.iam-createAccessKey-root.variant.json"));
  nlohmann::json event = {{"version", "0"}, {"id", "root-dry-1"}, {"detail-type", "AWS API Call via CloudTrail"},
                          {"source", "aws.iam"}, {"account", "111122223333"}, {"time", "2019-01-01T00:00:00Z"},
                          {"region", "us-east-1"}, {"resources", nlohmann::json::array()}, {"detail", detail}};
  Server s("root-dry", {}, {{"AWS_ACCESS_KEY_ID", kKey}, {"AWS_SECRET_ACCESS_KEY", kSecret},
                            {"AWS_SESSION_TOKEN", kToken}, {"AWS_ENDPOINT_URL", fake.url()}},
           rules);
  REQUIRE(s.port() > 0);
  HttpResult r = Post(s.url(), event.dump());
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(nlohmann::json::parse(r.body)["results"][0]["dry_run"] == 1);
  CHECK(fake.Requests().empty());
  s.child().Signal(SIGTERM);
  CHECK(s.child().Wait(10s) == 0);
  std::string log = s.log();
  CHECK(log.find(R"("identity_requests":[{"name":"assume_root","read":false,"method":"POST",)"
                 R"("url":"https://sts.us-east-1.amazonaws.com/")") != std::string::npos);
  CHECK(log.find("TargetPrincipal=111122223333") != std::string::npos);
  CHECK(log.find("as root of 111122223333 (AssumeRoot, task policy IAMDeleteRootUserCredentials)") !=
        std::string::npos);
  CheckAbsent(log, kSecret);
  CheckAbsent(log, kToken);
}

}  // namespace
}  // namespace proact
