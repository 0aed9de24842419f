// The actions every host gets: log, webhook (HTTP through the transport of
// host/remediation/http_transport.h), proact.rate_limited.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "host/remediation/http_transport.h"
#include "proact/dispatch.h"
#include "proact/observability.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact {

namespace {

using internal::AsciiLower;

// Scheme, host and port of `url` (the port the request goes to: the
// scheme's default when none is given).
bool UrlParts(std::string_view url, std::string* scheme, std::string* host,
              std::string* port = nullptr) {
  // The scheme even of a URL that does not parse, for the message.
  std::size_t colon = url.find(':');
  if (colon != std::string_view::npos) *scheme = AsciiLower(std::string(url.substr(0, colon)));
  internal::HttpUrl u;
  if (!internal::ParseHttpUrl(url, &u)) return false;
  if (u.scheme != "http" && u.scheme != "https") return false;
  *scheme = u.scheme;
  *host = u.host;
  if (port != nullptr) *port = std::to_string(u.port);
  return true;
}

// An allowlist entry: "host", "*.domain" or "*", with an optional ":port"
// ("[v6]:port" for IPv6 addresses). Without a port only the scheme's
// default port (443 for https, 80 for http) is allowed.
bool EntryAllows(std::string entry, const std::string& scheme, const std::string& host,
                 const std::string& port) {
  entry = AsciiLower(entry);
  if (entry == "*") return true;
  std::string entry_port;
  std::size_t colon = entry.rfind(':');
  std::size_t bracket = entry.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket) &&
      entry.find(':') == colon) {
    entry_port = entry.substr(colon + 1);
    entry = entry.substr(0, colon);
  } else if (bracket != std::string::npos && colon != std::string::npos && colon > bracket) {
    entry_port = entry.substr(colon + 1);
    entry = entry.substr(0, colon);
  }
  if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') {
    entry = entry.substr(1, entry.size() - 2);
  }
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (entry_port.empty()) entry_port = scheme == "https" ? "443" : "80";
  if (entry_port != port) return false;
  if (entry == h) return true;
  if (entry.size() > 2 && entry.compare(0, 2, "*.") == 0) {
    std::string suffix = entry.substr(1);  // ".example.com"
    return h.size() > suffix.size() &&
           h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return false;
}

// scheme://host[:port] of `url`, for messages: paths and query strings may
// carry tokens (Slack incoming webhooks do), and userinfo a password.
std::string Origin(std::string_view url) {
  internal::HttpUrl u;
  if (!internal::ParseHttpUrl(url, &u)) return "(bad url)";
  return u.Origin();
}

ActionResult PostOnce(const std::string& url, const std::string& body,
                      const std::vector<std::string>& headers, std::chrono::milliseconds timeout,
                      long* status) {
  internal::HttpCall call;
  call.method = "POST";
  call.url = url;
  call.allow_plain_http = true;  // the allowlist (WebhookUrlAllowed) vetted the host
  call.headers = {{"Content-Type", "application/json"}, {"User-Agent", "proact-webhook"}};
  for (const std::string& h : headers) {
    std::size_t colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::size_t start = h.find_first_not_of(' ', colon + 1);
    call.headers.emplace_back(h.substr(0, colon), start == std::string::npos ? "" : h.substr(start));
  }
  call.body = body;
  call.deadline = std::chrono::steady_clock::now() + std::max(timeout, std::chrono::milliseconds(1));
  call.max_response_bytes = 2048;  // a snippet for the message
  internal::HttpReply reply = internal::Send(call);
  if (reply.status == 0) {
    // The transport's message names the origin, never the path or query.
    return ActionResult::Retryable(reply.transport_error);
  }
  *status = reply.status;
  const std::string& response = reply.body;
  std::string snippet = response.substr(0, 200);
  if (*status >= 200 && *status < 300) return ActionResult::Ok("HTTP " + std::to_string(*status));
  std::string why = "POST " + Origin(url) + ": HTTP " + std::to_string(*status) +
                    (snippet.empty() ? "" : " " + snippet);
  if (*status == 408 || *status == 425 || *status == 429 || *status >= 500) {
    return ActionResult::Retryable(why);
  }
  return ActionResult::Permanent(why);
}

ActionResult Webhook(const WebhookOptions& options, const ActionContext& ctx) {
  std::string url = options.default_url;
  bool configured = true;  // the operator's URL: it gets the configured headers
  if (ctx.params.is_object() && ctx.params.contains("url")) {
    if (!ctx.params["url"].is_string()) return ActionResult::Permanent("param 'url' is not a string");
    url = ctx.params["url"].get<std::string>();
    std::string why;
    if (!WebhookUrlAllowed(url, options, &why)) return ActionResult::Permanent(why);
    configured = !options.default_url.empty() && Origin(url) == Origin(options.default_url);
  }
  static const std::vector<std::string> kNoHeaders;
  const std::vector<std::string>& headers = configured ? options.headers : kNoHeaders;
  if (url.empty()) {
    return ActionResult::Permanent("no 'url' param and no default URL (PROACT_WEBHOOK_URL)");
  }
  nlohmann::json body;
  if (ctx.params.is_object() && ctx.params.contains("body")) {
    body = ctx.params["body"];
  } else {
    nlohmann::json params = ctx.params;
    if (params.is_object()) params.erase("url");
    body = {{"policy", ctx.policy},     {"action", ctx.action}, {"event_id", ctx.event_id},
            {"source", ctx.source},     {"request_id", ctx.request_id},
            {"params", std::move(params)}};
  }
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::chrono::milliseconds backoff = options.backoff;
  ActionResult last = ActionResult::Retryable("not attempted");
  int attempts = std::max(1, options.max_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        ctx.deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      last.message += " (deadline reached after " + std::to_string(attempt - 1) + " attempts)";
      return last;
    }
    long status = 0;
    last = PostOnce(url, text, headers, std::min(options.timeout, remaining), &status);
    if (last.failure != FailureClass::kRetryable) return last;
    if (attempt == attempts) break;
    remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        ctx.deadline - std::chrono::steady_clock::now());
    if (backoff >= remaining) break;
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
  last.message += " (after " + std::to_string(attempts) + " attempts at most)";
  return last;
}

}  // namespace

bool WebhookUrlAllowed(std::string_view url, const WebhookOptions& options, std::string* why) {
  std::string scheme, host, port;
  bool parsed = UrlParts(url, &scheme, &host, &port);
  if (!scheme.empty() && scheme != "http" && scheme != "https") {
    *why = "webhook url scheme '" + scheme + "' is not allowed: only http and https";
    return false;
  }
  if (!parsed) {
    *why = "webhook url is not a valid URL";
    return false;
  }
  // The configured URL's origin (scheme, host and port) is allowed.
  std::string default_scheme, default_host, default_port;
  if (!options.default_url.empty() &&
      UrlParts(options.default_url, &default_scheme, &default_host, &default_port) &&
      default_host == host && default_port == port && default_scheme == scheme) {
    return true;
  }
  for (const std::string& allowed : options.allowed_hosts) {
    if (EntryAllows(allowed, scheme, host, port)) return true;
  }
  *why = "webhook host '" + host + "' (port " + port +
         ") is not in the allowlist (PROACT_WEBHOOK_ALLOWED_HOSTS); the request was not sent";
  return false;
}

WebhookOptions WebhookOptionsFromEnvironment() {
  WebhookOptions options;
  if (const char* v = internal::GetEnv("PROACT_WEBHOOK_URL")) options.default_url = v;
  if (const char* hosts = internal::GetEnv("PROACT_WEBHOOK_ALLOWED_HOSTS")) {
    options.allowed_hosts = internal::SplitTrimmed(hosts, ',');
  }
  if (const char* v = internal::GetEnv("PROACT_WEBHOOK_TIMEOUT_MS")) {
    long ms = std::strtol(v, nullptr, 10);
    if (ms > 0) options.timeout = std::chrono::milliseconds(ms);
  }
  if (const char* v = internal::GetEnv("PROACT_WEBHOOK_MAX_ATTEMPTS")) {
    long n = std::strtol(v, nullptr, 10);
    if (n > 0 && n <= 10) options.max_attempts = static_cast<int>(n);
  }
  if (const char* v = internal::GetEnv("PROACT_WEBHOOK_AUTHORIZATION"); v != nullptr && *v != '\0') {
    options.headers.push_back(std::string("Authorization: ") + v);
  }
  return options;
}

void RegisterBuiltinActions(Dispatcher& dispatcher, WebhookOptions webhook) {
  auto log_action = [](LogLevel level) {
    return [level](const ActionContext& ctx) {
      nlohmann::ordered_json fields;
      fields["function_request_id"] = ctx.request_id;
      fields["event_id"] = ctx.event_id;
      fields["source"] = ctx.source;
      fields["policy"] = ctx.policy;
      fields["action"] = ctx.action;
      fields["params"] = ctx.params;  // LogJson redacts the line, message included
      std::string message = "remediation log";
      if (ctx.params.is_object() && ctx.params.contains("message") &&
          ctx.params["message"].is_string()) {
        message = ctx.params["message"].get<std::string>();
      }
      LogJson(level, "proact.action", message, fields);
      return ActionResult::Ok();
    };
  };
  dispatcher.Register("log", log_action(LogLevel::kInfo), /*inline_handler=*/true);
  dispatcher.Register("proact.rate_limited", log_action(LogLevel::kWarning), true);
  auto shared = std::make_shared<const WebhookOptions>(std::move(webhook));
  dispatcher.Register("webhook",
                      [shared](const ActionContext& ctx) { return Webhook(*shared, ctx); });
}

}  // namespace proact
