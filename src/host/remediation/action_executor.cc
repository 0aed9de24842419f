#include "host/remediation/action_executor.h"

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "action/request_builder.h"
#include "match/condition.h"
#include "util/json_parse.h"
#include "util/utf8.h"
#include "util/xml_json.h"

namespace proact::internal {

namespace {

using Clock = std::chrono::steady_clock;

struct UrlInfo {
  std::string scheme, host, port;
};

bool ParseUrl(const std::string& url, UrlInfo* out) {
  HttpUrl u;
  if (!ParseHttpUrl(url, &u)) return false;
  out->scheme = u.scheme;
  out->host = u.host;
  out->port = std::to_string(u.port);
  return true;
}

bool HasHostHole(const ActionType& t) {
  std::size_t end = t.endpoint_text.find('/', 8);
  std::string host = t.endpoint_text.substr(0, end);
  return host.find("{{") != std::string::npos;
}

std::string AwsServiceVariable(const std::string& service) {
  std::string v;
  for (char c : service) v += (c == '-' || c == ' ') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v;
}

// Text with every byte that breaks UTF-8 replaced by '?': answers end up
// in messages and logs, which are JSON.
std::string ValidUtf8(std::string_view text) {
  std::string out(text);
  std::size_t from = 0;
  for (;;) {
    std::size_t bad = FirstInvalidUtf8(std::string_view(out).substr(from));
    if (bad == std::string_view::npos) return out;
    out[from + bad] = '?';
    from += bad + 1;
  }
}

nlohmann::json ParseBody(const HttpReply& reply) {
  std::string_view body = reply.body;
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return nullptr;
  if (body[first] == '<') {
    nlohmann::json j;
    std::string err;
    if (XmlToJson(body, &j, &err)) return j;
    return ValidUtf8(body);
  }
  if (body[first] == '{' || body[first] == '[') {
    nlohmann::json j;
    std::string err;
    if (ParseJson(body, &j, &err) == JsonParse::kOk) return j;
  }
  return ValidUtf8(body);
}

std::string FindCode(const nlohmann::json& j) {
  if (!j.is_object()) return "";
  auto str = [&](const nlohmann::json& o, const char* key) -> std::string {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string c = str(j, "__type");
  if (!c.empty()) return c.substr(c.rfind('#') == std::string::npos ? 0 : c.rfind('#') + 1);
  if (!(c = str(j, "code")).empty()) return c;
  if (!(c = str(j, "errorCode")).empty()) return c;
  if (!(c = str(j, "Code")).empty()) return c;
  auto e = j.find("error");
  if (e != j.end()) {
    if (e->is_string()) return e->get<std::string>();
    if (e->is_object()) {
      if (!(c = str(*e, "code")).empty()) return c;
      if (!(c = str(*e, "status")).empty()) return c;
      auto code = e->find("code");
      if (code != e->end() && code->is_number()) return "";
    }
  }
  // AWS XML errors: {"Error": {"Code"}}, {"ErrorResponse": {"Error": {"Code"}}},
  // {"Response": {"Errors": {"Error": {"Code"}}}}.
  for (const char* root : {"Error", "ErrorResponse", "Response"}) {
    auto r = j.find(root);
    if (r == j.end() || !r->is_object()) continue;
    if (!(c = str(*r, "Code")).empty()) return c;
    const nlohmann::json* cur = &*r;
    for (const char* step : {"Errors", "Error"}) {
      auto s = cur->find(step);
      if (s != cur->end() && s->is_object()) cur = &*s;
    }
    if (cur->is_array() && !cur->empty()) cur = &(*cur)[0];
    if (cur->is_object() && !(c = str(*cur, "Code")).empty()) return c;
  }
  return "";
}

std::string FindMessage(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>().substr(0, 200);
  if (!j.is_object()) return "";
  std::vector<const nlohmann::json*> todo{&j};
  for (std::size_t i = 0; i < todo.size() && i < 16; ++i) {
    const nlohmann::json& o = *todo[i];
    for (const char* k : {"message", "Message", "errorSummary", "error_description"}) {
      auto it = o.find(k);
      if (it != o.end() && it->is_string()) return it->get<std::string>().substr(0, 200);
    }
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it->is_object()) todo.push_back(&*it);
    }
  }
  return "";
}

std::string RequestId(const HttpReply& reply, const nlohmann::json& body) {
  for (const char* h : {"x-amzn-requestid", "x-amz-request-id", "x-github-request-id",
                        "x-okta-request-id", "x-ms-request-id", "x-request-id"}) {
    std::string_view v = reply.Header(h);
    if (!v.empty()) return ValidUtf8(v.substr(0, 128));
  }
  // EC2 and the query APIs put it in the body.
  if (body.is_object() && body.size() == 1) {
    const nlohmann::json& root = body.begin().value();
    if (root.is_object()) {
      for (const char* k : {"RequestId", "requestId", "RequestID"}) {
        auto it = root.find(k);
        if (it != root.end() && it->is_string()) return it->get<std::string>().substr(0, 128);
      }
    }
  }
  return "";
}

// The provider's error code in an answer: AWS XML <Code>, JSON `__type`
// (after '#'), `code`, `error.code`, `errorCode`, `error.status`, or the
// x-amzn-ErrorType header; "" when none.
std::string ProviderErrorCode(const HttpReply& reply, const nlohmann::json& body) {
  std::string c = FindCode(body);
  if (!c.empty()) return c;
  std::string_view t = reply.Header("x-amzn-errortype");
  return ValidUtf8(t.substr(0, std::min<std::size_t>(t.find(':'), 128)));
}

bool RuleMatches(const std::vector<ResponseRule>& rules, long status, const std::string& code) {
  for (const ResponseRule& r : rules) {
    bool s = r.statuses.empty() ||
             std::find(r.statuses.begin(), r.statuses.end(), static_cast<int>(status)) != r.statuses.end();
    bool c = r.code.empty() || r.code == code;
    if (s && c) return true;
  }
  return false;
}

bool IsThrottle(long status, const std::string& code) {
  static const char* kCodes[] = {
      "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException",
      "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
      "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
      "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
      "InternalError", "ServiceUnavailable", "RATE_LIMIT_EXCEEDED", "E0000047"};
  if (status == 429 || status == 408) return true;
  for (const char* c : kCodes) {
    if (code == c) return true;
  }
  return false;
}

bool IsExpiredCredential(long status, const std::string& code) {
  if (status == 401) return true;
  return (status == 400 || status == 403) &&
         (code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired" ||
          code == "InvalidToken" || code == "TokenRefreshRequired");
}

std::chrono::milliseconds RetryAfter(const HttpReply& reply) {
  std::string_view v = reply.Header("retry-after");
  if (v.empty()) return std::chrono::milliseconds(-1);
  long long s = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::chrono::milliseconds(-1);
    s = s * 10 + (c - '0');
    if (s > 3600) break;
  }
  return std::chrono::milliseconds(s * 1000);
}

std::chrono::milliseconds Jitter(std::chrono::milliseconds cap) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  if (cap.count() <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<long long> d(0, cap.count());
  return std::chrono::milliseconds(d(rng));
}

std::string StripQuery(const std::string& url) { return url.substr(0, url.find('?')); }

nlohmann::json StepRecord(const HttpReply& reply, const nlohmann::json& body) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [k, v] : reply.headers) {
    if (!headers.contains(k)) headers[k] = v;
  }
  return {{"status", reply.status}, {"headers", std::move(headers)}, {"body", body}};
}

// One action's run: the state shared by its requests.
class Execution {
 public:
  Execution(const Program& program, const ActionType& type, CredentialBroker& broker,
      const ExecutorOptions& options, const ActionContext& ctx)
      : program_(program), type_(type), broker_(broker), options_(options), ctx_(ctx) {}

  ActionResult Go() {
    std::string error;
    if (!CheckParams(type_, ctx_.params, &error)) return Permanent(error);
    rc_.params = &ctx_.params;
    rc_.steps = &steps_;
    rc_.secret = [this](std::string_view name, std::string* value, std::string* err) {
      return broker_.Secret(name, value, err);
    };
    if (!RenderEndpoint(type_, rc_, &base_, &error)) return Permanent(error);
    if (!ApplyOverride(&error)) return Permanent(error);
    if (!Authorize(&error, &retryable_error_)) {
      return retryable_error_ ? Retryable(error) : Permanent(error);
    }
    rc_.config = [this](std::string_view name, std::string* value) {
      std::optional<std::string> v = broker_.Env("PROACT_CONFIG_" + std::string(name));
      if (!v || v->empty()) return false;
      *value = *v;
      return true;
    };
    int writes = 0;  // what was sent is in sent_count_
    bool for_each_seen = false, write_skipped = false;
    for (const RequestSpec& spec : type_.requests) {
      if (!spec.has_for_each) {
        if (!ShouldSend(spec, rc_, &error)) {
          if (!error.empty()) return Permanent(error);
          if (!spec.read) write_skipped = true;
          continue;
        }
        if (!spec.read) ++writes;
        Step step = Send(spec);
        if (step.stop) return step.result;
        continue;
      }
      // Once per element; an element already done does not stop the others.
      for_each_seen = true;
      std::vector<nlohmann::json> items;
      bool unknown = false;
      if (!ForEachItems(spec, rc_, &items, &unknown, &error)) return Permanent(error);
      for (const nlohmann::json& item : items) {
        rc_.item = &item;
        bool send = ShouldSend(spec, rc_, &error);
        Step step;
        if (send) step = Send(spec);
        rc_.item = nullptr;
        if (!error.empty()) return Permanent(error);
        if (!send) continue;
        ++writes;
        if (step.stop && !step.result.already_compliant) return step.result;
      }
    }
    int sent = 0;
    for (const auto& [name, n] : sent_count_) sent += n;
    if (sent == 0 && !for_each_seen) {
      return Permanent("no request of action type '" + type_.name +
                       "' applies to these params (each is excluded by its when/unless): "
                       "nothing was changed");
    }
    if (writes == 0 && for_each_seen) {
      ActionResult r = ActionResult::AlreadyCompliant(
          "no element of a for_each calls for a request: nothing to change");
      r.provider_request_id = last_request_id_;
      return r;
    }
    if (writes == 0 && write_skipped && sent > 0) {  // only reads were sent
      // The reads were answered and every write's `when`/`unless` said
      // there is nothing to write (a read-modify-write whose computed
      // value equals the value read).
      ActionResult r = ActionResult::AlreadyCompliant(
          "no write is called for by what was read: nothing to change");
      r.provider_request_id = last_request_id_;
      return r;
    }
    // The requests sent, in order, each once (a for_each counts its sends).
    std::string note;
    for (const RequestSpec& spec : type_.requests) {
      auto it = sent_count_.find(spec.name);
      if (it == sent_count_.end()) continue;
      note += (note.empty() ? "" : ", ") + spec.name;
      if (it->second > 1) note += " x" + std::to_string(it->second);
    }
    ActionResult r = ActionResult::Ok((sent > 1 ? "requests " : "request ") + note + " succeeded");
    r.provider_request_id = last_request_id_;
    return r;
  }

 private:
  struct Step {
    bool stop = false;
    ActionResult result;
  };

  ActionResult Permanent(std::string why) {
    ActionResult r = ActionResult::Permanent(std::move(why));
    r.provider_request_id = last_request_id_;
    return r;
  }
  ActionResult Retryable(std::string why) {
    ActionResult r = ActionResult::Retryable(std::move(why));
    r.provider_request_id = last_request_id_;
    return r;
  }

  bool ApplyOverride(std::string* error) {
    std::optional<std::string> ov;
    std::string var = type_.endpoint_override;
    if (!var.empty()) {
      ov = broker_.Env(var);
    } else if (type_.credentials.provider == "aws") {
      ov = broker_.AwsEndpoint(type_.credentials.service);
      var = "AWS_ENDPOINT_URL_" + AwsServiceVariable(type_.credentials.service);
    } else if (type_.credentials.provider == "github") {
      var = "GITHUB_API_URL";
      ov = broker_.Env(var);
    } else if (type_.credentials.provider == "okta") {
      var = "OKTA_ORG_URL";
      ov = broker_.Env(var);
    } else {
      // No ecosystem convention: PROACT_<PROVIDER>_URL.
      const std::string& p = type_.credentials.provider;
      if (p == "gcp" || p == "azure" || p == "slack" || p == "pagerduty") {
        var = "PROACT_" + AwsServiceVariable(p) + "_URL";
        ov = broker_.Env(var);
      }
    }
    if (!ov || ov->empty()) return true;
    std::string value = *ov;
    while (!value.empty() && value.back() == '/') value.pop_back();
    UrlInfo u;
    if (!ParseUrl(value, &u) || (u.scheme != "https" && u.scheme != "http")) {
      *error = "endpoint override " + var + " is not an http(s) URL";
      return false;
    }
    if (u.scheme == "http" && !IsLoopbackHost(u.host)) {
      *error = "endpoint override " + var + " uses plain http to " + u.host +
               ": plain http is accepted for loopback addresses only";
      return false;
    }
    if (HasHostHole(type_)) {
      // The host carries request data (S3 buckets): keep the URL, deliver
      // to the override's address.
      std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
      connect_to_ = host + ":" + u.port;
      if (u.scheme == "http") base_ = "http://" + base_.substr(base_.find("://") + 3);
    } else {
      base_ = value;
    }
    return true;
  }

  bool Authorize(std::string* error, bool* retryable) {
    const CredentialSpec& c = type_.credentials;
    cred_request_ = CredentialRequest();
    cred_request_.provider = c.provider;
    if (c.provider == "none" || c.provider == "pagerduty") return true;
    if (c.has_role && !RenderText(c.role, rc_, &cred_request_.aws_role_arn, error)) {
      *error = "credentials role: " + *error;
      return false;
    }
    if (c.has_installation &&
        !RenderText(c.installation, rc_, &cred_request_.github_installation_id, error)) {
      *error = "credentials installation: " + *error;
      return false;
    }
    if (!c.resource.empty()) cred_request_.azure_resource = c.resource;
    for (const std::string& scope : type_.permissions.okta) {
      cred_request_.okta_scopes += (cred_request_.okta_scopes.empty() ? "" : " ") + scope;
    }
    if (c.provider == "aws" && c.has_region && !RenderText(c.region, rc_, &region_, error)) {
      *error = "credentials region: " + *error;
      return false;
    }
    if (c.provider == "aws" && c.assume_root.enabled) {
      AssumeRootCall root;
      if (!BuildAssumeRoot(type_, rc_, &root, error)) return false;
      // The broker builds the same request from these (action/assume_root.h).
      cred_request_.aws_root_account = root.account;
      cred_request_.aws_root_task_policy = root.task_policy;
      cred_request_.aws_root_region = root.region;
    }
    CredentialError ce;
    if (!broker_.Get(cred_request_, ctx_.deadline, &credential_, &ce)) {
      *error = ce.message;
      *retryable = ce.retryable;
      return false;
    }
    return true;
  }

  HttpCall MakeCall(const RenderedRequest& req) {
    HttpCall call;
    call.method = req.method;
    call.url = req.url;
    call.headers = req.headers;
    for (const auto& h : credential_.headers) call.headers.push_back(h);
    call.body = req.body;
    call.connect_to = connect_to_;
    call.deadline = ctx_.deadline;
    call.max_response_bytes = options_.max_response_bytes;
    if (credential_.has_aws) {
      call.has_sigv4 = true;
      call.sigv4.credentials = credential_.aws;
      call.sigv4.region = region_;
      call.sigv4.service = type_.credentials.service;
    }
    return call;
  }

  std::string Describe(const RequestSpec& spec, const RenderedRequest& req, const HttpReply& reply,
                       const std::string& code, const nlohmann::json& body) {
    std::string s = "request '" + spec.name + "' (" + req.method + " " + StripQuery(req.url) + "): ";
    if (reply.status == 0) {
      s += reply.timed_out ? "timed out" : reply.transport_error;
    } else {
      s += "HTTP " + std::to_string(reply.status);
      if (!code.empty()) s += " " + code;
      std::string msg = FindMessage(body);
      if (!msg.empty()) s += ": " + msg;
    }
    if (!last_request_id_.empty()) s += " (request id " + last_request_id_ + ")";
    return s;
  }

  Step Send(const RequestSpec& spec) {
    ++sent_count_[spec.name];
    Step out;
    RenderedRequest req;
    std::string error;
    if (!BuildRequest(type_, spec, base_, rc_, &req, &error)) {
      out.stop = true;
      out.result = Permanent(error);
      return out;
    }
    bool refreshed = false;
    for (int attempt = 1;; ++attempt) {
      HttpReply reply = internal::Send(MakeCall(req));
      nlohmann::json body = ParseBody(reply);
      std::string id = RequestId(reply, body);
      if (!id.empty()) last_request_id_ = id;
      std::string code = reply.status != 0 ? ProviderErrorCode(reply, body) : "";
      long st = reply.status;
      bool retry = false;
      if (st != 0 && RuleMatches(spec.already_done, st, code)) {
        out.stop = true;
        out.result = ActionResult::AlreadyCompliant(
            "request '" + spec.name + "': HTTP " + std::to_string(st) +
            (code.empty() ? "" : " " + code) + ": already done");
        out.result.provider_request_id = last_request_id_;
        return out;
      }
      if (st != 0 && spec.read && RuleMatches(spec.proceed_on, st, code)) {
        steps_[spec.name] = StepRecord(reply, body);
        return out;
      }
      bool success = st != 0 && (spec.success.empty()
                                     ? (st >= 200 && st < 300)
                                     : std::find(spec.success.begin(), spec.success.end(),
                                                 static_cast<int>(st)) != spec.success.end());
      if (success) {
        if (spec.poll.enabled &&
            std::find(spec.poll.statuses.begin(), spec.poll.statuses.end(), static_cast<int>(st)) !=
                spec.poll.statuses.end()) {
          return Poll(spec, req, reply);
        }
        if (spec.failed_if >= 0 && ConditionHolds(program_, spec.failed_if, body)) {
          out.stop = true;
          std::string why = FindMessage(body);
          if (why.empty()) why = code;
          out.result = Permanent("request '" + spec.name + "' (" + req.method + " " +
                                 StripQuery(req.url) + "): HTTP " + std::to_string(st) +
                                 ", but the answer reports a failure" +
                                 (why.empty() ? "" : ": " + why));
          return out;
        }
        steps_[spec.name] = StepRecord(reply, body);
        if (spec.read && spec.compliant_if >= 0 && ConditionHolds(program_, spec.compliant_if, body)) {
          out.stop = true;
          out.result = ActionResult::AlreadyCompliant("request '" + spec.name +
                                                      "': the resource already complies");
          out.result.provider_request_id = last_request_id_;
        }
        return out;
      }
      if (st != 0 && IsExpiredCredential(st, code) && !refreshed &&
          type_.credentials.provider != "none") {
        refreshed = true;
        broker_.Invalidate(cred_request_);
        CredentialError ce;
        if (!broker_.Get(cred_request_, ctx_.deadline, &credential_, &ce)) {
          out.stop = true;
          out.result = ce.retryable ? Retryable(ce.message) : Permanent(ce.message);
          return out;
        }
        continue;
      }
      retry = st == 0 || st >= 500 || IsThrottle(st, code) || RuleMatches(spec.retry_on, st, code);
      std::string what = Describe(spec, req, reply, code, body);
      if (!retry) {
        out.stop = true;
        out.result = Permanent(what);
        return out;
      }
      // Back off, within the deadline.
      std::chrono::milliseconds cap = std::min<std::chrono::milliseconds>(
          options_.max_backoff, options_.base_backoff * (1LL << std::min(attempt - 1, 10)));
      auto wait = Jitter(cap);
      auto after = RetryAfter(reply);
      if (after.count() >= 0) wait = std::max(wait, after);
      if (attempt >= options_.max_attempts || Clock::now() + wait >= ctx_.deadline) {
        out.stop = true;
        out.result = Retryable(what + " after " + std::to_string(attempt) + " attempt" +
                               (attempt > 1 ? "s" : ""));
        return out;
      }
      std::this_thread::sleep_for(wait);
    }
  }

  Step Poll(const RequestSpec& spec, const RenderedRequest& req, const HttpReply& first) {
    Step out;
    std::string url;
    for (const std::string& h : spec.poll.url_headers) {
      std::string_view v = first.Header(h);
      if (!v.empty()) {
        url = std::string(v);
        break;
      }
    }
    if (url.empty()) {
      out.stop = true;
      out.result = Permanent("request '" + spec.name + "': HTTP " + std::to_string(first.status) +
                             " without an operation URL to poll");
      return out;
    }
    if (url[0] == '/') url = base_.substr(0, base_.find('/', base_.find("://") + 3)) + url;
    UrlInfo want, got;
    if (!ParseUrl(req.url, &want) || !ParseUrl(url, &got) || want.host != got.host ||
        want.scheme != got.scheme || want.port != got.port) {
      out.stop = true;
      out.result = Permanent("request '" + spec.name + "': the operation URL is not on the "
                             "endpoint's host; not polled");
      return out;
    }
    RenderedRequest poll;
    poll.name = spec.name + ".poll";
    poll.method = "GET";
    poll.url = url;
    std::chrono::milliseconds wait = RetryAfter(first);
    for (;;) {
      if (wait.count() < 0) wait = std::chrono::milliseconds(spec.poll.interval_ms);
      if (Clock::now() + wait >= ctx_.deadline) {
        out.stop = true;
        out.result = Retryable("request '" + spec.name + "': the operation was still running at "
                               "the deadline");
        return out;
      }
      std::this_thread::sleep_for(wait);
      HttpReply reply = internal::Send(MakeCall(poll));
      nlohmann::json body = ParseBody(reply);
      std::string id = RequestId(reply, body);
      if (!id.empty()) last_request_id_ = id;
      wait = RetryAfter(reply);
      if (reply.status == 0 || reply.status >= 500 || reply.status == 429) continue;
      if (reply.status >= 300) {
        out.stop = true;
        out.result = Permanent(Describe(spec, poll, reply, ProviderErrorCode(reply, body), body));
        return out;
      }
      if (spec.poll.failed_if >= 0 && ConditionHolds(program_, spec.poll.failed_if, body)) {
        out.stop = true;
        out.result = Permanent("request '" + spec.name + "': the operation failed" +
                               (FindMessage(body).empty() ? "" : ": " + FindMessage(body)));
        return out;
      }
      bool done = spec.poll.done_if >= 0 ? ConditionHolds(program_, spec.poll.done_if, body)
                                         : reply.status == 200;
      if (done) {
        steps_[spec.name] = StepRecord(reply, body);
        return out;
      }
    }
  }

  const Program& program_;
  const ActionType& type_;
  CredentialBroker& broker_;
  const ExecutorOptions& options_;
  const ActionContext& ctx_;
  RequestContext rc_;
  std::map<std::string, int> sent_count_;  // request name -> times sent
  nlohmann::json steps_ = nlohmann::json::object();
  std::string base_, connect_to_, region_, last_request_id_;
  CredentialRequest cred_request_;
  Credential credential_;
  bool retryable_error_ = false;
};

}  // namespace

ActionExecutor::ActionExecutor(std::shared_ptr<const Program> program,
                               std::shared_ptr<CredentialBroker> broker, ExecutorOptions options)
    : program_(std::move(program)), broker_(std::move(broker)), options_(options) {}

ActionResult ActionExecutor::Run(int type, const ActionContext& ctx) const {
  if (type < 0 || static_cast<std::size_t>(type) >= program_->action_types.size()) {
    return ActionResult::Permanent("unknown action type");
  }
  const ActionType& t = program_->action_types[type];
  if (!t.manual.empty()) return ActionResult::Manual("manual: " + t.manual);
  Execution run(*program_, t, *broker_, options_, ctx);
  return run.Go();
}

}  // namespace proact::internal
