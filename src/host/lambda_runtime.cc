// AWS Lambda custom runtime: the Runtime API loop (through the HTTP
// transport every proact request uses) and the response shape of each
// envelope.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "host/remediation/http_transport.h"
#include "proact/host.h"
#include "normalize/webhook_auth.h"
#include "util/json_parse.h"
#include "util/redaction.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact {

namespace {

constexpr const char* kApiVersion = "/2018-06-01/runtime";

struct HttpResponse {
  long status = 0;
  std::string body;
  Headers headers;
};

// The Runtime API, on the address Lambda gives (plain http on the sandbox's
// loopback). A new connection per request: on loopback it costs tens of
// microseconds.
class RuntimeClient {
 public:
  explicit RuntimeClient(std::string api) : base_("http://" + api + kApiVersion) {}

  Status Get(const std::string& path, HttpResponse* out) { return Do("GET", path, nullptr, {}, out); }
  Status Post(const std::string& path, const std::string& body,
              const std::vector<std::string>& headers, HttpResponse* out) {
    return Do("POST", path, &body, headers, out);
  }

 private:
  Status Do(const char* method, const std::string& path, const std::string* body,
            const std::vector<std::string>& headers, HttpResponse* out) {
    *out = HttpResponse{};
    internal::HttpCall call;
    call.method = method;
    call.url = base_ + path;
    call.allow_plain_http = true;  // the platform's address
    call.connect_timeout = std::chrono::seconds(5);
    call.max_response_bytes = std::size_t{1} << 30;  // not cut: Lambda bounds payloads (6 MB)
    for (const std::string& h : headers) {
      std::size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::size_t start = h.find_first_not_of(' ', colon + 1);
      call.headers.emplace_back(h.substr(0, colon), start == std::string::npos ? "" : h.substr(start));
    }
    if (body != nullptr) {
      call.headers.emplace_back("Content-Type", "application/json");
      call.body = *body;
    }
    internal::HttpReply reply = internal::Send(call);
    if (reply.status == 0) {
      return Status(StatusCode::kIoError, "Runtime API " + call.url + ": " + reply.transport_error);
    }
    out->status = reply.status;
    out->body = std::move(reply.body);
    out->headers = std::move(reply.headers);
    return Status::Ok();
  }

  std::string base_;
};

std::string HeaderOr(const Headers& headers, std::string_view name) {
  return std::string(internal::HeaderValue(headers, name).value_or(""));
}

std::string ErrorBody(std::string_view type, std::string_view message,
                      const std::vector<std::string>& trace) {
  nlohmann::ordered_json j;
  j["errorMessage"] = message;
  j["errorType"] = type;
  // Small whatever the batch: the first 50 failures, each cut to 1 KiB.
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < trace.size() && i < 50; ++i) {
    lines.push_back(trace[i].size() > 1024 ? trace[i].substr(0, 1024) + "..." : trace[i]);
  }
  if (trace.size() > 50) lines.push_back("... " + std::to_string(trace.size() - 50) + " more");
  j["stackTrace"] = std::move(lines);
  // Lambda writes these to CloudWatch Logs: redacted like a log line.
  internal::RedactJson(&j);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Text from payloads may carry invalid UTF-8 into messages: replaced, never thrown.
template <typename J>
std::string Dump(const J& j) {
  return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

// Only the first failed item of each order key, in batch order: Lambda
// checkpoints a stream shard or a Kafka topic-partition there and retries
// from it (the later items of that key failed too, unprocessed).
std::vector<const DeliveryItem*> Checkpoints(const ProcessResult& result) {
  std::vector<std::string> failed = result.FailedMessageIds();
  std::vector<const DeliveryItem*> out;
  std::vector<std::string_view> keys_done;
  for (const DeliveryItem& item : result.items) {
    if (std::find(failed.begin(), failed.end(), item.id) == failed.end()) continue;
    if (std::find(keys_done.begin(), keys_done.end(), item.order_key) != keys_done.end()) continue;
    keys_done.push_back(item.order_key);
    out.push_back(&item);
  }
  return out;
}

// The Lambda answer to a batch delivery; sets *error when the batch must
// fail as a whole instead.
std::string BatchAnswer(const ProcessResult& result, bool* error, std::string* error_type,
                        std::string* error_message) {
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  std::string what = "batch item identifier";
  switch (result.answer) {
    case DeliveryAnswer::kItemFailures:
      for (const std::string& id : result.FailedMessageIds()) failures.push_back({{"itemIdentifier", id}});
      what = "SQS message id";
      break;
    case DeliveryAnswer::kStreamCheckpoint:
      for (const DeliveryItem* item : Checkpoints(result)) {
        failures.push_back({{"itemIdentifier", item->id}});
        break;  // one shard per batch: its first failure
      }
      what = "stream sequence number";
      break;
    case DeliveryAnswer::kKafkaCheckpoint:
      // {"partition":"<topic>-<n>","offset":n}: the id is "<key>/<offset>".
      for (const DeliveryItem* item : Checkpoints(result)) {
        std::string offset = item->id.substr(item->order_key.size() + 1);
        failures.push_back({{"itemIdentifier",
                             {{"partition", item->order_key},
                              {"offset", std::strtoll(offset.c_str(), nullptr, 10)}}}});
      }
      what = "Kafka topic-partition and offset";
      break;
    case DeliveryAnswer::kFirehoseRecords: {
      // Every record is answered. A record whose event was evaluated goes on
      // unchanged ("Ok", whether or not a policy matched: proact watches the
      // stream, it does not filter it); one that failed to normalize or to
      // remediate is "ProcessingFailed" (Firehose writes it to its error
      // output). Events stopped by the deadline fail the invocation instead,
      // so that Firehose invokes again.
      if (result.not_processed > 0 || result.HasUnidentifiedFailure()) {
        *error = true;
        *error_type = result.not_processed > 0 ? "Proact.DeadlineExceeded" : "Proact.BatchFailed";
        *error_message = (result.not_processed > 0
                              ? std::to_string(result.not_processed) + " events not processed before the deadline: "
                              : std::string("a failure no Firehose recordId identifies: ")) +
                         result.Reasons();
        return {};
      }
      std::vector<std::string> failed = result.FailedMessageIds();
      nlohmann::ordered_json records = nlohmann::ordered_json::array();
      for (const DeliveryItem& item : result.items) {
        bool bad = std::find(failed.begin(), failed.end(), item.id) != failed.end();
        records.push_back({{"recordId", item.id},
                           {"result", bad ? "ProcessingFailed" : "Ok"},
                           {"data", item.data}});
      }
      return Dump(nlohmann::ordered_json{{"records", std::move(records)}});
    }
    case DeliveryAnswer::kNone:
    case DeliveryAnswer::kHttp:
      break;
  }
  if (result.HasUnidentifiedFailure()) {
    *error = true;
    *error_type = "Proact.BatchFailed";
    *error_message = "a failure no " + what + " identifies: " + result.Reasons();
  }
  return Dump(nlohmann::ordered_json{{"batchItemFailures", std::move(failures)}});
}

std::string HttpResponseJson(int status, const std::string& content_type, const std::string& body) {
  nlohmann::ordered_json j;
  j["statusCode"] = status;
  j["headers"] = {{"content-type", content_type}};
  j["body"] = body;
  j["isBase64Encoded"] = false;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

Status ReportLambdaInitError(const std::string& runtime_api, std::string_view error_type,
                             std::string_view message, const std::vector<std::string>& details) {
  RuntimeClient client(runtime_api);
  HttpResponse response;
  Status st = client.Post("/init/error", ErrorBody(error_type, message, details),
                          {"Lambda-Runtime-Function-Error-Type: " + std::string(error_type)},
                          &response);
  if (!st.ok()) return st;
  if (response.status != 202) {
    return Status(StatusCode::kIoError,
                  "Runtime API answered init/error with HTTP " + std::to_string(response.status));
  }
  return Status::Ok();
}

Status RunLambdaRuntime(Host& host, const LambdaOptions& options) {
  std::string api = options.runtime_api;
  if (api.empty()) {
    const char* env = internal::GetEnv("AWS_LAMBDA_RUNTIME_API");
    if (env == nullptr || *env == '\0') {
      return Status(StatusCode::kInvalidArgument, "AWS_LAMBDA_RUNTIME_API is not set");
    }
    api = env;
  }
  RuntimeClient client(api);
  nlohmann::ordered_json function_fields;
  if (const char* v = internal::GetEnv("AWS_LAMBDA_FUNCTION_NAME")) function_fields["function_name"] = v;
  if (const char* v = internal::GetEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")) {
    function_fields["function_memory_size"] = v;
  }
  bool cold_start = true;
  for (std::size_t n = 0; options.max_invocations == 0 || n < options.max_invocations; ++n) {
    HttpResponse next;
    Status st = client.Get("/invocation/next", &next);
    if (!st.ok()) return st;
    if (next.status != 200) {
      return Status(StatusCode::kIoError,
                    "Runtime API answered invocation/next with HTTP " + std::to_string(next.status));
    }
    std::string request_id = HeaderOr(next.headers, "Lambda-Runtime-Aws-Request-Id");
    std::string trace_id = HeaderOr(next.headers, "Lambda-Runtime-Trace-Id");
    std::string arn = HeaderOr(next.headers, "Lambda-Runtime-Invoked-Function-Arn");
    // setenv races with getenv in other threads: skip it while an abandoned
    // handler thread may still be reading the environment (handlers get
    // the trace id in their request's log fields either way).
    if (RunningHandlerThreads() == 0) {
      if (!trace_id.empty()) setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);
      else unsetenv("_X_AMZN_TRACE_ID");
    }

    RequestInfo request;
    request.request_id = request_id;
    request.trace_id = trace_id;
    std::string deadline_text = HeaderOr(next.headers, "Lambda-Runtime-Deadline-Ms");
    if (!deadline_text.empty()) {
      char* end = nullptr;
      long long deadline_ms = std::strtoll(deadline_text.c_str(), &end, 10);
      if (end != deadline_text.c_str()) {
        long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
        request.deadline = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(deadline_ms - now_ms);
      }
    }
    request.log_fields = function_fields;
    request.log_fields["function_request_id"] = request_id;
    if (!arn.empty()) request.log_fields["function_arn"] = arn;
    if (!trace_id.empty()) request.log_fields["xray_trace_id"] = trace_id;
    request.log_fields["cold_start"] = cold_start;
    cold_start = false;

    std::string path = "/invocation/" + request_id;
    if (request_id.empty()) {
      LogJson(LogLevel::kError, "proact.lambda", "invocation without a request id: skipped",
              request.log_fields);
      continue;
    }
    // The answer comes from what the normalizer unwrapped: no second parse.
    ProcessResult result = host.Process(next.body, {}, request);

    std::string body;
    bool error = false;
    std::string error_type, error_message;
    switch (result.answer) {
      case DeliveryAnswer::kItemFailures:
      case DeliveryAnswer::kStreamCheckpoint:
      case DeliveryAnswer::kKafkaCheckpoint:
      case DeliveryAnswer::kFirehoseRecords:
        body = BatchAnswer(result, &error, &error_type, &error_message);
        break;
      case DeliveryAnswer::kHttp: {
        HttpAnswer answer = AnswerHttp(result);
        body = HttpResponseJson(answer.status, answer.content_type, answer.body);
        break;
      }
      case DeliveryAnswer::kNone:
        if (result.failed > 0) {
          error = true;
          bool malformed = result.events.size() == result.failed;
          for (const EventOutcome& e : result.events) malformed = malformed && !e.processed;
          error_type = result.not_processed > 0 ? "Proact.DeadlineExceeded"
                       : malformed              ? "Proact.InvalidPayload"
                                                : "Proact.ActionFailed";
          error_message = std::to_string(result.failed) + " of " +
                          std::to_string(result.events.size()) +
                          " events failed: " + result.Reasons();
        } else {
          body = Dump(result.Summary());
        }
        break;
    }
    HttpResponse answer;
    if (error) {
      std::vector<std::string> trace;
      for (const EventOutcome& e : result.events) {
        if (e.failed) trace.push_back((e.origin.empty() ? "" : e.origin + ": ") + e.reason);
      }
      st = client.Post(path + "/error", ErrorBody(error_type, error_message, trace),
                       {"Lambda-Runtime-Function-Error-Type: " + error_type}, &answer);
    } else {
      st = client.Post(path + "/response", body, {}, &answer);
    }
    if (!st.ok()) return st;
    if (answer.status >= 500) {
      return Status(StatusCode::kIoError, "Runtime API answered HTTP " +
                                              std::to_string(answer.status) + ": " + answer.body);
    }
    if (answer.status == 413) {
      // Response too large: report it as this invocation's error.
      (void)client.Post(path + "/error",
                  ErrorBody("Proact.ResponseTooLarge", "the response exceeded the Runtime API limit", {}),
                  {"Lambda-Runtime-Function-Error-Type: Proact.ResponseTooLarge"}, &answer);
    }
    if (options.emit_metrics) {
      long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      for (const std::string& line : host.metrics().TakeEmf(options.emf, now_ms)) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
      }
      std::fflush(stdout);
    }
  }
  return Status::Ok();
}

int LambdaMain(std::string default_rules, const std::function<void(Host&)>& register_handlers) {
  auto start = std::chrono::steady_clock::now();
  ConfigureLogging(LoggingFromEnvironment());
  const char* api_env = internal::GetEnv("AWS_LAMBDA_RUNTIME_API");
  if (api_env == nullptr || *api_env == '\0') {
    LogJson(LogLevel::kError, "proact.lambda",
            "AWS_LAMBDA_RUNTIME_API is not set: this program runs inside AWS Lambda "
            "(or a Runtime API emulator)");
    return 1;
  }
  std::string api = api_env;
  Result<HostOptions> options = HostOptionsFromEnvironment(std::move(default_rules));
  if (!options.ok()) {
    LogJson(LogLevel::kError, "proact.lambda", options.status().message());
    (void)ReportLambdaInitError(api, "Proact.InvalidConfiguration", options.status().message(), {});
    return 1;
  }
  std::vector<std::string> rules = options.value().rules;
  Result<std::unique_ptr<Host>> host = Host::Create(std::move(options.value()));
  if (!host.ok() && host.status().code() == StatusCode::kInvalidArgument) {  // not the rules
    LogJson(LogLevel::kError, "proact.lambda", host.status().message());
    (void)ReportLambdaInitError(api, "Proact.InvalidConfiguration", host.status().message(), {});
    return 1;
  }
  if (!host.ok()) {
    std::vector<std::string> details;
    std::string message = host.status().message();
    for (const Diagnostic& d : host.status().diagnostics()) {
      if (d.severity != Severity::kError) continue;
      std::string line = d.location.ToString() + ": error: " + d.message + " [" + d.code + "]";
      details.push_back(line);
      if (details.size() <= 5) message += "\n" + line;
    }
    LogJson(LogLevel::kError, "proact.lambda", "policies did not load",
            {{"error", message}, {"diagnostics", details}});
    Status st = ReportLambdaInitError(api, "Proact.InvalidPolicy", message, details);
    if (!st.ok()) LogJson(LogLevel::kError, "proact.lambda", st.message());
    return 1;
  }
  if (register_handlers) register_handlers(*host.value());
  double init_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  LogJson(LogLevel::kInfo, "proact.lambda", "policies loaded",
          {{"policies", host.value()->engine().policies().size()},
           {"rules", rules},
           {"init_ms", init_ms},
           {"idempotency", host.value()->options().state_description.empty()
                               ? "off"
                               : host.value()->options().state_description}});
  LambdaOptions lambda;
  lambda.runtime_api = api;
  lambda.emf = EmfFromEnvironment();
  lambda.emit_metrics = internal::EnvFlag("PROACT_METRICS", true);
  Status st = RunLambdaRuntime(*host.value(), lambda);
  if (!st.ok()) LogJson(LogLevel::kError, "proact.lambda", st.message());
  int code = st.ok() ? 0 : 1;
  if (!WaitForHandlerThreads(std::chrono::seconds(2))) {
    // An abandoned handler still runs: do not destroy what it may use.
    std::fflush(stdout);
    std::_Exit(code);
  }
  return code;
}

}  // namespace proact
