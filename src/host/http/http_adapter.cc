// The HTTP adapter (proact/http_adapter.h) for Cloud Run, Cloud Functions
// (gen2), Azure Functions custom handlers and any container platform: the
// Azure custom-handler protocol, the routes, and the mapping of a Host's
// result onto HTTP. HTTP parsing and the worker pool are http_server.h's
// (GNU libmicrohttpd).
#include "proact/http_adapter.h"

#include "host/http/http_server.h"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "proact/host.h"
#include "util/json_nesting.h"
#include "util/environment.h"
#include "util/json_parse.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace proact {

namespace http = internal::http;  // the server (http_server.h)

namespace {

// The HTTP answer to one processed delivery.
HttpAnswer ToReply(const ProcessResult& result) { return AnswerHttp(result); }

// Azure Functions custom handler: {"Data": {binding: value}, "Metadata": {...}}.
bool IsAzureInvocation(const nlohmann::json& j) {
  return j.is_object() && j.size() <= 2 && j.contains("Data") && j["Data"].is_object() &&
         j.contains("Metadata");
}

HttpAnswer AzureInvocation(Host& host, const nlohmann::json& request, const RequestInfo& info) {
  nlohmann::ordered_json outputs = nlohmann::ordered_json::object();
  nlohmann::ordered_json logs = nlohmann::ordered_json::array();
  nlohmann::ordered_json returns = nlohmann::ordered_json::object();
  bool failed = false;
  for (auto it = request["Data"].begin(); it != request["Data"].end(); ++it) {
    const nlohmann::json& value = it.value();
    if (value.is_object() && value.contains("Method") && value.contains("Headers")) {
      // An HTTP trigger: the request as the Functions host forwards it.
      Headers headers;
      if (value["Headers"].is_object()) {
        for (auto h = value["Headers"].begin(); h != value["Headers"].end(); ++h) {
          if (h->is_array()) {
            for (const auto& v : *h) {
              if (v.is_string()) headers.emplace_back(h.key(), v.get<std::string>());
            }
          } else if (h->is_string()) {
            headers.emplace_back(h.key(), h->get<std::string>());
          }
        }
      }
      std::string body;
      if (value.contains("Body")) {
        body = value["Body"].is_string() ? value["Body"].get<std::string>() : value["Body"].dump();
      }
      if (headers.empty()) headers.emplace_back("content-type", "application/json");
      ProcessResult r = host.Process(body, headers, info);
      HttpAnswer reply = ToReply(r);
      outputs["res"] = {{"statusCode", reply.status},
                        {"body", reply.body},
                        {"headers", {{"Content-Type", reply.content_type}}}};
      logs.push_back("proact: " + std::to_string(r.events.size()) + " events, " +
                     std::to_string(r.matches) + " matches, HTTP " + std::to_string(reply.status));
      continue;
    }
    std::string payload = value.is_string() ? value.get<std::string>() : value.dump();
    ProcessResult r = host.Process(payload, {}, info);
    failed = failed || r.failed > 0;
    returns[it.key()] = r.Summary();
    logs.push_back("proact: binding '" + it.key() + "': " + std::to_string(r.events.size()) +
                   " events, " + std::to_string(r.matches) + " matches, " +
                   std::to_string(r.failed) + " failed" +
                   (r.failed > 0 ? ": " + r.Reasons() : std::string()));
  }
  nlohmann::ordered_json response;
  response["Outputs"] = std::move(outputs);
  response["Logs"] = std::move(logs);
  response["ReturnValue"] = returns.empty() ? nlohmann::ordered_json(nullptr) : returns;
  HttpAnswer reply;
  // A failed trigger invocation is reported as such so the Functions host
  // applies its retry policy.
  reply.status = failed ? 500 : 200;
  reply.body = response.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return reply;
}


}  // namespace

int RunHttpAdapter(const HttpAdapterOptions& adapter) {
  const std::vector<std::string>& rules = adapter.rules;
  const std::vector<std::string>& paths = adapter.paths;
  const std::string& host_addr = adapter.host;
  int port = adapter.port;
  const int threads = adapter.threads;
  const bool dry_run = adapter.dry_run;
  const std::string& program = adapter.program;
  const char* azure = internal::GetEnv("FUNCTIONS_CUSTOMHANDLER_PORT");
  const bool azure_host = azure != nullptr && *azure != '\0';
  if (port < 0) {
    const char* env_port = azure != nullptr && *azure ? azure : internal::GetEnv("PORT");
    port = 8080;
    if (env_port != nullptr && *env_port) {
      char* end = nullptr;
      long n = std::strtol(env_port, &end, 10);
      if (*end != '\0' || n < 0 || n > 65535) {
        std::cerr << program << ": bad port in the environment: '" << env_port << "'\n";
        return 2;
      }
      port = static_cast<int>(n);
    }
  }

  ConfigureLogging(LoggingFromEnvironment());
  Result<HostOptions> options = HostOptionsFromEnvironment("rules");
  if (!options.ok()) {
    std::cerr << program << ": " << options.status().message() << "\n";
    return 2;
  }
  if (!rules.empty()) options.value().rules = rules;
  if (dry_run) options.value().engine.dry_run = true;
  std::vector<std::string> rule_paths = options.value().rules;
  Result<std::unique_ptr<Host>> created = Host::Create(std::move(options.value()));
  if (!created.ok()) {
    std::cerr << created.status().ToString() << "\n";
    return 1;
  }
  Host& host = *created.value();
  if (adapter.register_handlers) adapter.register_handlers(host);
  std::chrono::milliseconds request_timeout{60000};
  if (const char* v = internal::GetEnv("PROACT_REQUEST_TIMEOUT_MS"); v != nullptr && *v) {
    long long ms = std::strtoll(v, nullptr, 10);
    if (ms > 0) request_timeout = std::chrono::milliseconds(ms);
  }

  // Signals are taken by one thread with sigwait, so they are blocked in
  // every thread started from here on.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::atomic<std::uint64_t> request_counter{0};
  auto error_body = [](const std::string& message) {
    return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
  };
  auto reply = [](int status, std::string body, std::string type = "application/json") {
    http::HttpReply r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(type);
    return r;
  };
  http::HttpServer* server_ptr = nullptr;

  // Answered on the event loop: they never wait for a worker.
  auto quick = [&](const http::HttpRequest& req, http::HttpReply* out) -> bool {
    if (req.method == "GET" && req.path == "/healthz") {
      *out = server_ptr != nullptr && server_ptr->stopping()
                 ? reply(503, "{\"status\":\"stopping\"}")
                 : reply(200, nlohmann::json{{"status", "ok"},
                                             {"policies", host.engine().policies().size()}}
                                  .dump());
      return true;
    }
    if (req.method == "GET" && req.path == "/metrics") {
      *out = reply(200, host.metrics().Prometheus(), "text/plain; version=0.0.4; charset=utf-8");
      return true;
    }
    if (req.method == "OPTIONS") {
      // CloudEvents webhook abuse protection (Event Grid with the CloudEvents
      // schema): an OPTIONS request naming its origin.
      std::string origin = req.Header("WebHook-Request-Origin");
      if (origin.empty()) {
        *out = reply(400, error_body("OPTIONS without a WebHook-Request-Origin header"));
        return true;
      }
      *out = reply(200, "", "text/plain");
      out->headers = {{"WebHook-Allowed-Origin", origin},
                      {"WebHook-Allowed-Rate", "*"},
                      {"Allow", "POST, OPTIONS"}};
      return true;
    }
    if (req.method != "POST") {
      *out = reply(405, error_body(req.method + " " + req.path +
                                   ": POST events; GET /healthz or /metrics"));
      out->headers = {{"Allow", "POST, OPTIONS"}};
      return true;
    }
    if (!paths.empty() && std::find(paths.begin(), paths.end(), req.path) == paths.end()) {
      *out = reply(404, error_body("no events are accepted on '" + req.path + "'"));
      return true;
    }
    // An empty body with a query may be a handshake (Microsoft Graph's
    // ?validationToken=); the source definitions decide.
    if (req.body.empty() && req.query.empty()) {
      *out = reply(400, error_body("empty body: POST an event"));
      return true;
    }
    return false;
  };

  // Runs on a worker: reads, evaluates, remediates.
  auto slow = [&](const http::HttpRequest& req) -> http::HttpReply {
    RequestInfo info;
    info.request_id = req.Header("ce-id");
    if (info.request_id.empty()) info.request_id = req.Header("X-Request-Id");
    if (info.request_id.empty()) info.request_id = "r-" + std::to_string(++request_counter);
    info.trace_id = req.Header("traceparent");
    if (info.trace_id.empty()) info.trace_id = req.Header("X-Cloud-Trace-Context");
    info.deadline = std::chrono::steady_clock::now() + request_timeout;
    info.log_fields["function_request_id"] = info.request_id;
    if (!info.trace_id.empty()) info.log_fields["trace_id"] = info.trace_id;
    info.log_fields["path"] = req.path;
    std::string content_type = internal::AsciiLower(req.Header("Content-Type"));
    if (internal::JsonNestingDepth(req.body) > internal::kMaxJsonDepth) {
      // Before any recursive parser sees it.
      return reply(400, error_body("the body nests deeper than " + std::to_string(internal::kMaxJsonDepth) +
                                   " levels"));
    }
    // The custom-handler protocol only under the Functions host: elsewhere a
    // request shaped like it would bypass webhook verification.
    if (azure_host && !req.HasHeader("ce-specversion") &&
        content_type.find("json") != std::string::npos &&
        req.body.find("\"Metadata\"") != std::string::npos) {
      nlohmann::json parsed;
      internal::ParseJson(req.body, &parsed);
      if (IsAzureInvocation(parsed)) {
        HttpAnswer answer = AzureInvocation(host, parsed, info);
        return reply(answer.status, answer.body, answer.content_type);
      }
    }
    // Events are text: a body that is not UTF-8 is refused unless it says it
    // is binary (CloudEvents binary mode may carry any data).
    bool binary = req.HasHeader("ce-specversion") ||
                  content_type.find("application/octet-stream") != std::string::npos ||
                  content_type.find("protobuf") != std::string::npos;
    if (!binary && !internal::IsValidUtf8(req.body)) {
      return reply(400, error_body("the body is not valid UTF-8 (byte " +
                                   std::to_string(internal::FirstInvalidUtf8(req.body)) + ")"));
    }
    if (content_type.find("json") != std::string::npos) {
      // A body that says it is JSON and is not: the client's mistake, named.
      // simdjson answers the common case without building a DOM; the
      // normalizer parses the body next.
      nlohmann::json checked;
      std::string why;
      if (!internal::IsWellFormedJson(req.body) &&
          internal::ParseJson(req.body, &checked, &why) != internal::JsonParse::kOk) {
        return reply(400, error_body("invalid JSON body: " + why));
      }
    }
    info.http_method = req.method;
    info.http_path = req.path;
    info.http_query = req.query;
    HttpAnswer answer = ToReply(host.Process(req.body, req.headers, info));
    return reply(answer.status, answer.body, answer.content_type);
  };

  http::HttpServerOptions server_options;
  server_options.host = host_addr;
  server_options.port = port;
  server_options.workers = threads;
  server_options.max_body_bytes = host.engine().options().max_event_bytes * 2;
  http::HttpServer server(server_options, quick, slow,
                    [&](int status) { host.metrics().RecordHttpRequest(status); });
  server_ptr = &server;
  std::string listen_error;
  if (!server.Start(&listen_error)) {
    std::cerr << program << ": " << listen_error << "\n";
    return 1;
  }
  LogJson(LogLevel::kInfo, "proact.serve", "listening",
          {{"host", host_addr},
           {"port", server.port()},
           {"policies", host.engine().policies().size()},
           {"rules", rule_paths},
           {"paths", paths},
           {"threads", threads},
           {"max_body_bytes", server_options.max_body_bytes},
           {"max_header_bytes", server_options.max_header_bytes},
           {"dry_run", host.engine().options().dry_run}});

  int sig = 0;
  sigwait(&stop_signals, &sig);
  LogJson(LogLevel::kInfo, "proact.serve", "stopping: finishing requests in flight",
          {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  bool drained = server.Stop(request_timeout);
  HostCounters counters = host.metrics().host();
  LogJson(LogLevel::kInfo, "proact.serve", "stopped",
          {{"events", counters.events}, {"event_errors", counters.event_errors}});
  int code = 0;
  if (!drained || !WaitForHandlerThreads(std::chrono::seconds(2))) {
    // An abandoned handler still runs: do not destroy what it may use.
    std::fflush(stdout);
    std::_Exit(code);
  }
  return code;
}

}  // namespace proact
