// `proact serve`: the HTTP adapter for Cloud Run, Cloud Functions (gen2),
// Azure Functions custom handlers and any container platform. HTTP parsing
// and the thread pool are cpp-httplib's.
#include "cli/serve_command.h"

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "proact/host.h"
#include "util/json_nesting.h"
#include "util/json_parse.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace proact::cli {

const char kServeUsage[] =
    "usage: proact serve [--rules PATH]... [--port N] [--host ADDR] [--path PATH]...\n"
    "                    [--threads N] [--dry-run]\n"
    "\n"
    "Runs an HTTP server that evaluates the events POSTed to it and runs the\n"
    "actions of the matched policies (built-in: log, webhook).\n"
    "\n"
    "Accepts: CloudEvents (binary mode with ce-* headers, structured mode,\n"
    "batches), Pub/Sub push, Event Grid (with its subscription validation),\n"
    "raw SaaS webhooks (GitHub, Slack, Okta: signatures verified with the\n"
    "secrets in the environment), any payload `proact normalize` reads, and\n"
    "and, when FUNCTIONS_CUSTOMHANDLER_PORT is set (under the Azure Functions\n"
    "host), custom-handler requests ({\"Data\":...,\"Metadata\":...}).\n"
    "\n"
    "  --rules PATH   policy files or folders (default $PROACT_RULES, else rules/)\n"
    "  --port N       default $FUNCTIONS_CUSTOMHANDLER_PORT, else $PORT, else 8080;\n"
    "                 0 picks a free port (logged)\n"
    "  --host ADDR    default 0.0.0.0\n"
    "  --path PATH    accept events only on these paths (default: any path)\n"
    "  --threads N    worker threads (default 8)\n"
    "  --dry-run      execute nothing (as PROACT_DRY_RUN=true)\n"
    "\n"
    "GET /healthz answers 200 while serving; GET /metrics gives Prometheus\n"
    "text. SIGTERM or SIGINT stop accepting connections and finish the\n"
    "requests in flight. Responses: 200 evaluated (and actions run), 400 a\n"
    "payload (part) that could not be read, 401 a webhook signature rejected,\n"
    "404 a path not served, 413 too large, 503 an action failed in a way a\n"
    "retry may fix (the platform should redeliver). Logs are JSON lines on\n"
    "stdout; see docs/adapters.md for the environment variables.\n";

namespace {

// Deepest JSON nesting accepted in a request body (as the Normalizer).
constexpr int kMaxNesting = 256;

// The HTTP answer to one processed delivery.
HttpAnswer ToReply(const ProcessResult& result) { return AnswerHttp(result); }

Headers ToHeaders(const httplib::Headers& in) {
  Headers out;
  for (const auto& [k, v] : in) {
    // cpp-httplib adds these for its own use; they are not the client's.
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
    out.emplace_back(k, v);
  }
  return out;
}

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

std::string TraceId(const httplib::Request& req) {
  if (req.has_header("traceparent")) return req.get_header_value("traceparent");
  if (req.has_header("X-Cloud-Trace-Context")) return req.get_header_value("X-Cloud-Trace-Context");
  return {};
}

}  // namespace

int Serve(const std::vector<std::string>& args) {
  std::vector<std::string> rules;
  std::vector<std::string> paths;
  std::string host_addr = "0.0.0.0";
  int port = -1;
  int threads = 8;
  bool dry_run = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << "proact serve: " << flag << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kServeUsage;
      return 0;
    } else if (a == "--rules") {
      const std::string* v = value("--rules");
      if (v == nullptr) return 2;
      rules.push_back(*v);
    } else if (a == "--port" || a == "--threads") {
      const std::string* v = value(a.c_str());
      if (v == nullptr) return 2;
      char* end = nullptr;
      long n = std::strtol(v->c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 65535 || (a == "--threads" && (n < 1 || n > 256))) {
        std::cerr << "proact serve: bad " << a << " '" << *v << "'\n";
        return 2;
      }
      (a == "--port" ? port : threads) = static_cast<int>(n);
    } else if (a == "--host") {
      const std::string* v = value("--host");
      if (v == nullptr) return 2;
      host_addr = *v;
    } else if (a == "--path") {
      const std::string* v = value("--path");
      if (v == nullptr) return 2;
      if (v->empty() || (*v)[0] != '/') {
        std::cerr << "proact serve: --path must start with '/': '" << *v << "'\n";
        return 2;
      }
      paths.push_back(*v);
    } else if (a == "--dry-run") {
      dry_run = true;
    } else {
      std::cerr << "proact serve: unknown argument '" << a << "'\n" << kServeUsage;
      return 2;
    }
  }
  const char* azure = std::getenv("FUNCTIONS_CUSTOMHANDLER_PORT");
  const bool azure_host = azure != nullptr && *azure != '\0';
  if (port < 0) {
    const char* env_port = azure != nullptr && *azure ? azure : std::getenv("PORT");
    port = 8080;
    if (env_port != nullptr && *env_port) {
      char* end = nullptr;
      long n = std::strtol(env_port, &end, 10);
      if (*end != '\0' || n < 0 || n > 65535) {
        std::cerr << "proact serve: bad port in the environment: '" << env_port << "'\n";
        return 2;
      }
      port = static_cast<int>(n);
    }
  }

  ConfigureLogging(LoggingFromEnvironment());
  Result<HostOptions> options = HostOptionsFromEnvironment("rules");
  if (!options.ok()) {
    std::cerr << "proact serve: " << options.status().message() << "\n";
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
  std::chrono::milliseconds request_timeout{60000};
  if (const char* v = std::getenv("PROACT_REQUEST_TIMEOUT_MS"); v != nullptr && *v) {
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

  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_payload_max_length(host.engine().options().max_event_bytes * 2);
  server.set_read_timeout(30, 0);
  server.set_keep_alive_max_count(100);
  // Without TCP_NODELAY a response written in two segments waits for the
  // client's delayed ACK: about 40 ms per request on keep-alive connections.
  server.set_tcp_nodelay(true);
  std::atomic<std::uint64_t> request_counter{0};
  std::atomic<bool> stopping{false};

  auto finish = [&](httplib::Response& res, int status, const std::string& body,
                    const std::string& type = "application/json") {
    res.status = status;
    res.set_content(body, type);
    host.metrics().RecordHttpRequest(status);
  };
  auto error_body = [](const std::string& message) {
    return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
  };

  server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    if (stopping) {
      finish(res, 503, "{\"status\":\"stopping\"}");
      return;
    }
    finish(res, 200,
           nlohmann::json{{"status", "ok"}, {"policies", host.engine().policies().size()}}.dump());
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    host.metrics().RecordHttpRequest(200);
    res.set_content(host.metrics().Prometheus(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // CloudEvents webhook abuse protection (Event Grid with the CloudEvents
  // schema): an OPTIONS request naming its origin.
  server.Options(".*", [&](const httplib::Request& req, httplib::Response& res) {
    std::string origin = req.get_header_value("WebHook-Request-Origin");
    if (origin.empty()) {
      finish(res, 400, error_body("OPTIONS without a WebHook-Request-Origin header"));
      return;
    }
    res.set_header("WebHook-Allowed-Origin", origin);
    res.set_header("WebHook-Allowed-Rate", "*");
    res.set_header("Allow", "POST, OPTIONS");
    finish(res, 200, "", "text/plain");
  });
  server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    if (!paths.empty() && std::find(paths.begin(), paths.end(), req.path) == paths.end()) {
      finish(res, 404, error_body("no events are accepted on '" + req.path + "'"));
      return;
    }
    RequestInfo info;
    info.request_id = req.get_header_value("ce-id");
    if (info.request_id.empty()) info.request_id = req.get_header_value("X-Request-Id");
    if (info.request_id.empty()) {
      info.request_id = "r-" + std::to_string(++request_counter);
    }
    info.trace_id = TraceId(req);
    info.deadline = std::chrono::steady_clock::now() + request_timeout;
    info.log_fields["function_request_id"] = info.request_id;
    if (!info.trace_id.empty()) info.log_fields["trace_id"] = info.trace_id;
    info.log_fields["path"] = req.path;
    if (req.body.empty()) {
      finish(res, 400, error_body("empty body: POST an event"));
      return;
    }
    Headers headers = ToHeaders(req.headers);
    std::string content_type = internal::AsciiLower(req.get_header_value("Content-Type"));
    if (internal::JsonNestingDepth(req.body) > kMaxNesting) {
      // Before any recursive parser sees it.
      finish(res, 400, error_body("the body nests deeper than " + std::to_string(kMaxNesting) +
                                  " levels"));
      return;
    }
    // The custom-handler protocol only under the Functions host: elsewhere a
    // request shaped like it would bypass webhook verification.
    if (azure_host && !req.has_header("ce-specversion") &&
        content_type.find("json") != std::string::npos &&
        req.body.find("\"Metadata\"") != std::string::npos) {
      nlohmann::json parsed;
      internal::ParseJson(req.body, &parsed);
      if (IsAzureInvocation(parsed)) {
        HttpAnswer reply = AzureInvocation(host, parsed, info);
        finish(res, reply.status, reply.body, reply.content_type);
        return;
      }
    }
    if (!internal::IsValidUtf8(req.body) && content_type.find("json") != std::string::npos) {
      finish(res, 400, error_body("the body is not valid UTF-8"));
      return;
    }
    if (content_type.find("json") != std::string::npos) {
      // A body that says it is JSON and is not: the client's mistake, named.
      nlohmann::json checked;
      std::string why;
      if (internal::ParseJson(req.body, &checked, &why) != internal::JsonParse::kOk) {
        finish(res, 400, error_body("invalid JSON body: " + why));
        return;
      }
    }
    HttpAnswer reply = ToReply(host.Process(req.body, headers, info));
    finish(res, reply.status, reply.body, reply.content_type);
  });
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    finish(res, 405, error_body("GET " + req.path + ": POST events; GET /healthz or /metrics"));
  });
  server.set_exception_handler([&](const httplib::Request&, httplib::Response& res,
                                   std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = std::string("internal error: ") + e.what();
    } catch (...) {
    }
    LogJson(LogLevel::kError, "proact.serve", what);
    finish(res, 500, error_body(what));
  });

  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host_addr);
  } else if (!server.bind_to_port(host_addr, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    std::cerr << "proact serve: cannot listen on " << host_addr << ":" << port << "\n";
    return 1;
  }
  LogJson(LogLevel::kInfo, "proact.serve", "listening",
          {{"host", host_addr},
           {"port", bound},
           {"policies", host.engine().policies().size()},
           {"rules", rule_paths},
           {"paths", paths},
           {"threads", threads},
           {"dry_run", host.engine().options().dry_run}});

  std::atomic<bool> listen_done{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (listen_done) return;  // woken by the main thread, not a signal
    stopping = true;
    LogJson(LogLevel::kInfo, "proact.serve", "stopping: finishing requests in flight",
            {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // stop() does nothing until the server runs: a signal that came
    // during start-up is applied once it does.
    while (!listen_done) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  bool ok = server.listen_after_bind();
  // listen_after_bind returns once stop() ran and the worker pool drained.
  listen_done = true;
  if (!stopping) pthread_kill(signal_thread.native_handle(), SIGTERM);  // wake it
  signal_thread.join();
  HostCounters counters = host.metrics().host();
  LogJson(LogLevel::kInfo, "proact.serve", "stopped",
          {{"events", counters.events}, {"event_errors", counters.event_errors}});
  int code = stopping ? 0 : (ok ? 0 : 1);
  if (!WaitForHandlerThreads(std::chrono::seconds(2))) {
    // An abandoned handler still runs: do not destroy what it may use.
    std::fflush(stdout);
    std::_Exit(code);
  }
  return code;
}

}  // namespace proact::cli
