#include "host/remediation/credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/pem.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "action/assume_root.h"
#include "normalize/codec.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact::internal {

namespace {

using Clock = std::chrono::system_clock;
constexpr auto kMargin = std::chrono::minutes(5);
constexpr char kStsUrl[] = "https://sts.amazonaws.com/";

std::string TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Base64Url(std::string_view data) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t v = uint8_t(data[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == data.size()) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}


// "2024-05-01T12:00:00Z", with optional fractional seconds and a Z or
// +hh:mm / -hh:mm offset.
bool ParseIso8601(std::string_view text, Clock::time_point* out) {
  std::string s = TrimSpace(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return false;
  }
  size_t at = static_cast<size_t>(consumed);
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
  }
  long offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int hh = 0, mm = 0;
    if (std::sscanf(s.c_str() + at + 1, "%2d:%2d", &hh, &mm) != 2) return false;
    offset = (hh * 3600L + mm * 60L) * (s[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return false;
  }
  if (at != s.size()) return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return false;
  *out = Clock::from_time_t(t - offset);
  return true;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Scheme, host (brackets removed) and port ("" when absent) of a URL
// written scheme://host[:port][/...].
bool SplitUrl(std::string_view url, std::string* scheme, std::string* host, std::string* port) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return false;
  *scheme = std::string(url.substr(0, sep));
  for (char& c : *scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return false;
  port->clear();
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      *port = std::string(after.substr(1));
    }
  } else {
    size_t colon = authority.rfind(':');
    *host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) *port = std::string(authority.substr(colon + 1));
  }
  return !host->empty() && (port->empty() || IsDigits(*port));
}

// True for a status worth retrying: none arrived, throttled, server error.
bool RetryableStatus(const HttpReply& reply) {
  return reply.status == 0 || reply.status == 429 || reply.status >= 500;
}

std::string Describe(const HttpReply& reply) {
  if (reply.status == 0) {
    return reply.timed_out ? "timed out" : "unreachable (" + reply.transport_error + ")";
  }
  return "HTTP " + std::to_string(reply.status);
}

// A short, single-line excerpt of a provider's message.
std::string Excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 300)) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

Credential BearerCredential(const std::string& token, std::string description) {
  Credential c;
  c.headers.emplace_back("Authorization", "Bearer " + token);
  c.description = std::move(description);
  return c;
}

}  // namespace

struct CredentialBroker::Cache {
  struct Entry {
    Credential credential;
    Clock::time_point expiration;
  };
  std::mutex mu;
  std::map<std::string, Entry> entries;
  std::atomic<int> fetches{0};
  // Every secret this broker has handled, so that no error message can
  // quote one (a provider's message may echo what it was sent).
  std::vector<std::string> secrets;

  void Remember(const std::string& secret) {
    if (secret.size() < 4) return;
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& s : secrets) {
      if (s == secret) return;
    }
    secrets.push_back(secret);
  }
  std::string Scrub(std::string text) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& s : secrets) {
      size_t at;
      while ((at = text.find(s)) != std::string::npos) text.replace(at, s.size(), "[redacted]");
    }
    return text;
  }
  bool Lookup(const std::string& key, Credential* out) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = entries.find(key);
    if (it == entries.end()) return false;
    if (it->second.expiration != Clock::time_point::max() &&
        Clock::now() + kMargin >= it->second.expiration) {
      entries.erase(it);
      return false;
    }
    *out = it->second.credential;
    return true;
  }
  void Store(const std::string& key, const Credential& credential, Clock::time_point expiration) {
    std::lock_guard<std::mutex> lock(mu);
    entries[key] = Entry{credential, expiration};
  }
};

CredentialBroker::CredentialBroker(Getenv getenv)
    : getenv_(std::move(getenv)), cache_(std::make_unique<Cache>()) {}

CredentialBroker::~CredentialBroker() = default;

std::optional<std::string> CredentialBroker::Env(std::string_view name) const {
  if (getenv_) return getenv_(name);
  std::string key(name);
  const char* value = internal::GetEnv(key.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

bool CredentialBroker::Secret(std::string_view name, std::string* value, std::string* error) const {
  std::optional<std::string> direct = Env(name);
  if (direct && !direct->empty()) {
    *value = TrimSpace(*direct);
    cache_->Remember(*value);
    return true;
  }
  std::string file_var = std::string(name) + "_FILE";
  std::optional<std::string> path = Env(file_var);
  if (!path || path->empty()) {
    *error = std::string(name) + " (or " + file_var + ") is not set";
    return false;
  }
  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    *error = "cannot read the file named by " + file_var + " (" + *path + ")";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  *value = TrimSpace(text.str());
  if (value->empty()) {
    *error = "the file named by " + file_var + " (" + *path + ") is empty";
    return false;
  }
  cache_->Remember(*value);
  return true;
}

std::optional<std::string> CredentialBroker::AwsEndpoint(std::string_view service) const {
  std::string id;
  for (char c : service) {
    if (c == ' ' || c == '-') {
      id += '_';
    } else {
      id += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  std::optional<std::string> value = Env("AWS_ENDPOINT_URL_" + id);
  if (value && !value->empty()) return value;
  value = Env("AWS_ENDPOINT_URL");
  if (value && !value->empty()) return value;
  return std::nullopt;
}

int CredentialBroker::fetches() const { return cache_->fetches.load(); }

namespace {

std::string CacheKey(const CredentialRequest& r) {
  if (r.provider == "aws" && !r.aws_root_account.empty()) {
    return "aws-root\n" + r.aws_root_account + "\n" + r.aws_root_task_policy + "\n" + r.aws_root_region;
  }
  if (r.provider == "aws") return "aws\n" + r.aws_role_arn + "\n" + r.aws_session_name;
  if (r.provider == "github") return "github\n" + r.github_installation_id;
  if (r.provider == "azure") return "azure\n" + r.azure_resource;
  if (r.provider == "okta") return "okta\n" + r.okta_scopes;
  return r.provider;
}

}  // namespace

void CredentialBroker::Invalidate(const CredentialRequest& request) {
  std::lock_guard<std::mutex> lock(cache_->mu);
  std::string key = CacheKey(request);
  if (request.provider == "github" && request.github_installation_id.empty()) {
    key = "github\n" + Env("GITHUB_APP_INSTALLATION_ID").value_or("");
  }
  cache_->entries.erase(key);
  // An assumed role's base credentials may be what expired.
  if (request.provider == "aws") cache_->entries.erase("aws-container");
}

// ---------------------------------------------------------------------------
// The providers. Each Get* returns true with *out, or false with *error.

namespace {

struct Failure {
  CredentialError* error;
  bool operator()(bool retryable, std::string message) const {
    error->retryable = retryable;
    error->message = std::move(message);
    return false;
  }
};

}  // namespace

bool CredentialBroker::Get(const CredentialRequest& request,
                           std::chrono::steady_clock::time_point deadline, Credential* out,
                           CredentialError* error) {
  CredentialError local;
  Failure fail{&local};
  std::string secret_error;
  const std::string& provider = request.provider;

  auto secret = [&](const char* name, std::string* value) {
    return Secret(name, value, &secret_error);
  };

  // Fetches aws base credentials: environment, then container endpoint.
  auto aws_base = [&](AwsCredentials* creds, std::string* description) -> bool {
    std::optional<std::string> akid = Env("AWS_ACCESS_KEY_ID");
    if (akid && !akid->empty()) {
      creds->access_key_id = TrimSpace(*akid);
      if (!secret("AWS_SECRET_ACCESS_KEY", &creds->secret_access_key)) {
        return fail(false, "aws: AWS_ACCESS_KEY_ID is set but " + secret_error);
      }
      std::string token;
      if (Secret("AWS_SESSION_TOKEN", &token, &secret_error)) creds->session_token = token;
      *description = "aws environment credentials";
      return true;
    }
    std::string url;
    std::optional<std::string> full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    std::optional<std::string> relative = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    std::string variable;
    if (relative && !relative->empty()) {
      url = "http://169.254.170.2" + *relative;
      variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    } else if (full && !full->empty()) {
      url = *full;
      variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    } else {
      return fail(false,
                  "aws: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "
                  "where AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI is set");
    }
    Credential cached;
    if (cache_->Lookup("aws-container", &cached)) {
      *creds = cached.aws;
      *description = cached.description;
      return true;
    }
    std::string scheme, host, port;
    if (!SplitUrl(url, &scheme, &host, &port) || (scheme != "http" && scheme != "https")) {
      return fail(false, "aws: " + variable + " is not an http(s) URL");
    }
    if (scheme == "http" && !IsLoopbackHost(host) && host != "169.254.170.2" &&
        host != "169.254.170.23" && host != "fd00:ec2::23") {
      return fail(false, "aws: " + variable +
                             " must be https, or http to loopback or the container endpoint");
    }
    HttpCall call;
    call.method = "GET";
    call.url = url;
    call.deadline = deadline;
    call.allow_metadata_http = true;
    call.max_response_bytes = 64 << 10;
    std::string token;
    if (Secret("AWS_CONTAINER_AUTHORIZATION_TOKEN", &token, &secret_error)) {
      call.headers.emplace_back("Authorization", token);
    }
    cache_->fetches++;
    HttpReply reply = Send(call);
    std::string where = "aws: container credentials endpoint (" + variable + ")";
    if (reply.status != 200) {
      return fail(RetryableStatus(reply), where + ": " + Describe(reply));
    }
    nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
    auto field = [&doc](const char* name) -> std::string {
      if (!doc.is_object() || !doc.contains(name) || !doc[name].is_string()) return "";
      return doc[name].get<std::string>();
    };
    creds->access_key_id = field("AccessKeyId");
    creds->secret_access_key = field("SecretAccessKey");
    creds->session_token = field("Token");
    cache_->Remember(creds->secret_access_key);
    cache_->Remember(creds->session_token);
    if (creds->access_key_id.empty() || creds->secret_access_key.empty()) {
      return fail(true, where + ": answer without AccessKeyId and SecretAccessKey");
    }
    std::string expiration = field("Expiration");
    if (!expiration.empty() && !ParseIso8601(expiration, &creds->expiration)) {
      return fail(true, where + ": unreadable Expiration");
    }
    *description = "aws container credentials";
    Credential entry;
    entry.has_aws = true;
    entry.aws = *creds;
    entry.description = *description;
    cache_->Store("aws-container", entry, creds->expiration);
    return true;
  };

  // Sends an STS query-protocol request signed with the platform's
  // credentials and reads the credentials of OPResponse/OPResult. An
  // AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) on loopback receives exactly
  // what production would (URL, Host and signature) through connect_to; any
  // other override is used as given.
  auto sts_exchange = [&](HttpCall call, const std::string& where, const std::string& op,
                          bool region_from_override, AwsCredentials* creds) -> bool {
    std::optional<std::string> endpoint = AwsEndpoint("sts");
    if (endpoint) {
      std::string scheme, host, port;
      if (!SplitUrl(*endpoint, &scheme, &host, &port)) {
        return fail(false, where + ": AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL is not a URL");
      }
      if (scheme == "http" && IsLoopbackHost(host)) {
        // Production's URL and signature, delivered to the local endpoint.
        call.url = "http://" + call.url.substr(call.url.find("://") + 3);
        call.connect_to = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          (port.empty() ? "80" : port);
      } else {
        std::string base_url = *endpoint;
        while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
        call.url = base_url + "/";
        // A regional endpoint (sts.REGION.amazonaws.com) signs for its region.
        if (region_from_override && host.rfind("sts.", 0) == 0) {
          size_t dot = host.find('.', 4);
          std::string region = host.substr(4, dot == std::string::npos ? 0 : dot - 4);
          if (!region.empty() && region != "amazonaws") call.sigv4.region = region;
        }
      }
    }
    call.deadline = deadline;
    call.max_response_bytes = 64 << 10;
    cache_->fetches++;
    HttpReply reply = Send(call);
    if (reply.status == 0) return fail(true, where + ": STS " + Describe(reply));
    pugi::xml_document doc;
    bool parsed = doc.load_buffer(reply.body.data(), reply.body.size()).status == pugi::status_ok;
    if (reply.status != 200) {
      std::string code, message;
      if (parsed) {
        pugi::xml_node err = doc.child("ErrorResponse").child("Error");
        code = err.child_value("Code");
        message = err.child_value("Message");
      }
      bool retryable = RetryableStatus(reply) || code == "Throttling" ||
                       code == "ThrottlingException" || code == "RequestLimitExceeded" ||
                       code == "IDPCommunicationError" || code == "ServiceUnavailable";
      std::string text = where + ": STS " + Describe(reply);
      if (!code.empty()) text += " " + code;
      if (!message.empty()) text += ": " + Excerpt(message);
      return fail(retryable, text);
    }
    pugi::xml_node c = doc.child((op + "Response").c_str()).child((op + "Result").c_str()).child("Credentials");
    creds->access_key_id = TrimSpace(c.child_value("AccessKeyId"));
    creds->secret_access_key = TrimSpace(c.child_value("SecretAccessKey"));
    creds->session_token = TrimSpace(c.child_value("SessionToken"));
    cache_->Remember(creds->secret_access_key);
    cache_->Remember(creds->session_token);
    if (!parsed || creds->access_key_id.empty() || creds->secret_access_key.empty() ||
        creds->session_token.empty()) {
      return fail(true, where + ": STS answer without credentials");
    }
    if (!ParseIso8601(c.child_value("Expiration"), &creds->expiration)) {
      return fail(true, where + ": STS answer with an unreadable Expiration");
    }
    return true;
  };

  auto assume_role = [&](const AwsCredentials& base, AwsCredentials* creds) -> bool {
    const std::string& role = request.aws_role_arn;
    std::string where = "aws: AssumeRole " + role;
    if (role.rfind("arn:", 0) != 0) return fail(false, where + ": not a role ARN");
    HttpCall call;
    call.method = "POST";
    call.url = kStsUrl;
    call.has_sigv4 = true;
    call.sigv4.credentials = base;
    call.sigv4.region = "us-east-1";
    call.sigv4.service = "sts";
    call.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    call.body = "Action=AssumeRole&RoleArn=" + PercentEncode(role) +
                "&RoleSessionName=" + PercentEncode(request.aws_session_name) + "&Version=2011-06-15";
    return sts_exchange(std::move(call), where, "AssumeRole", true, creds);
  };

  // Root of a member account (action/assume_root.h): the regional endpoint,
  // signed for its region.
  auto assume_root = [&](const AwsCredentials& base, AwsCredentials* creds) -> bool {
    std::string where = "aws: AssumeRoot into account " + request.aws_root_account +
                        " (task policy " + request.aws_root_task_policy + ")";
    AssumeRootCall root;
    std::string error;
    if (!BuildAssumeRootCall(request.aws_root_account, request.aws_root_task_policy,
                             request.aws_root_region, &root, &error)) {
      return fail(false, where + ": " + error);
    }
    HttpCall call;
    call.method = "POST";
    call.url = root.url;
    call.has_sigv4 = true;
    call.sigv4.credentials = base;
    call.sigv4.region = root.region;
    call.sigv4.service = "sts";
    call.headers.emplace_back("Content-Type", root.content_type);
    call.body = root.body;
    return sts_exchange(std::move(call), where, "AssumeRoot", false, creds);
  };

  auto github_app = [&](Credential* cred) -> bool {
    std::string installation = request.github_installation_id;
    if (installation.empty()) installation = TrimSpace(Env("GITHUB_APP_INSTALLATION_ID").value_or(""));
    if (installation.empty()) {
      return fail(false, "github: no installation id (the event's installation.id or "
                         "GITHUB_APP_INSTALLATION_ID)");
    }
    if (!IsDigits(installation)) return fail(false, "github: the installation id is not a number");
    std::string key_cache = "github\n" + installation;
    if (cache_->Lookup(key_cache, cred)) return true;
    std::string app_id = TrimSpace(Env("GITHUB_APP_ID").value_or(""));
    if (app_id.empty()) {
      return fail(false, "github: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY");
    }
    std::string pem;
    if (!secret("GITHUB_APP_PRIVATE_KEY", &pem)) return fail(false, "github: " + secret_error);
    if (pem.find('\n') == std::string::npos && pem.find("\\n") != std::string::npos) {
      std::string fixed;  // a key stored with escaped newlines
      for (size_t i = 0; i < pem.size(); ++i) {
        if (pem[i] == '\\' && i + 1 < pem.size() && pem[i + 1] == 'n') {
          fixed += '\n';
          ++i;
        } else {
          fixed += pem[i];
        }
      }
      pem = fixed;
    }
    long long now = std::chrono::duration_cast<std::chrono::seconds>(
                        Clock::now().time_since_epoch()).count();
    nlohmann::json claims = {{"iat", now - 60}, {"exp", now + 9 * 60}, {"iss", app_id}};
    std::string jwt, jwt_error;
    if (!SignJwtRs256(claims.dump(), pem, &jwt, &jwt_error)) {
      return fail(false, "github: GITHUB_APP_PRIVATE_KEY: " + jwt_error);
    }
    cache_->Remember(jwt);
    std::string api = TrimSpace(Env("GITHUB_API_URL").value_or(""));
    if (api.empty()) api = "https://api.github.com";
    while (!api.empty() && api.back() == '/') api.pop_back();
    HttpCall call;
    call.method = "POST";
    call.url = api + "/app/installations/" + installation + "/access_tokens";
    call.headers = {{"Accept", "application/vnd.github+json"},
                    {"Authorization", "Bearer " + jwt},
                    {"X-GitHub-Api-Version", "2022-11-28"},
                    {"User-Agent", "proact"},
                    {"Content-Type", "application/json"}};
    call.deadline = deadline;
    call.max_response_bytes = 64 << 10;
    cache_->fetches++;
    HttpReply reply = Send(call);
    std::string where = "github: installation token exchange (app " + app_id + ", installation " +
                        installation + ")";
    nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
    if (reply.status != 201 && reply.status != 200) {
      std::string text = where + ": " + Describe(reply);
      if (doc.is_object() && doc.contains("message") && doc["message"].is_string()) {
        text += ": " + Excerpt(doc["message"].get<std::string>());
      }
      bool limited = reply.status == 403 && reply.Header("x-ratelimit-remaining") == "0";
      return fail(RetryableStatus(reply) || limited, text);
    }
    if (!doc.is_object() || !doc.contains("token") || !doc["token"].is_string()) {
      return fail(true, where + ": answer without a token");
    }
    std::string token = doc["token"].get<std::string>();
    cache_->Remember(token);
    Clock::time_point expires = Clock::now() + std::chrono::minutes(55);
    if (doc.contains("expires_at") && doc["expires_at"].is_string() &&
        !ParseIso8601(doc["expires_at"].get<std::string>(), &expires)) {
      return fail(true, where + ": unreadable expires_at");
    }
    *cred = BearerCredential(token, "github app " + app_id + " installation " + installation);
    cache_->Store(key_cache, *cred, expires);
    return true;
  };

  // Okta OAuth service app: client credentials with a private_key_jwt.
  auto okta_service_app = [&](Credential* cred) -> bool {
    std::string key_cache = CacheKey(request);
    if (cache_->Lookup(key_cache, cred)) return true;
    std::string client = TrimSpace(Env("OKTA_CLIENT_ID").value_or(""));
    std::string org = TrimSpace(Env("OKTA_ORG_URL").value_or(""));
    while (!org.empty() && org.back() == '/') org.pop_back();
    if (org.empty()) return fail(false, "okta: OKTA_CLIENT_ID is set but OKTA_ORG_URL is not");
    if (request.okta_scopes.empty()) {
      return fail(false, "okta: the action type declares no okta scopes (permissions.okta) to ask for");
    }
    std::string pem;
    if (!secret("OKTA_PRIVATE_KEY", &pem)) return fail(false, "okta: " + secret_error);
    std::string token_url = org + "/oauth2/v1/token";
    long long now = std::chrono::duration_cast<std::chrono::seconds>(
                        Clock::now().time_since_epoch()).count();
    unsigned char nonce[16];
    if (RAND_bytes(nonce, sizeof nonce) != 1) return fail(true, "okta: no random bytes for the jti");
    std::string jti = HexEncode(std::string_view(reinterpret_cast<const char*>(nonce), sizeof nonce));
    nlohmann::json claims = {{"iss", client}, {"sub", client}, {"aud", token_url},
                             {"iat", now},    {"exp", now + 300}, {"jti", jti}};
    std::string jwt, jwt_error;
    if (!SignJwtRs256(claims.dump(), pem, &jwt, &jwt_error)) {
      return fail(false, "okta: OKTA_PRIVATE_KEY: " + jwt_error);
    }
    cache_->Remember(jwt);
    HttpCall call;
    call.method = "POST";
    call.url = token_url;
    call.headers = {{"Accept", "application/json"},
                    {"Content-Type", "application/x-www-form-urlencoded"}};
    call.body = "grant_type=client_credentials&scope=" + PercentEncode(request.okta_scopes) +
                "&client_assertion_type=" +
                PercentEncode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                "&client_assertion=" + jwt;
    call.deadline = deadline;
    call.max_response_bytes = 64 << 10;
    cache_->fetches++;
    HttpReply reply = Send(call);
    std::string where = "okta: token request for client " + client + " at " + token_url;
    nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
    if (reply.status != 200) {
      std::string text = where + ": " + Describe(reply);
      if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
        text += " " + Excerpt(doc["error"].get<std::string>());
        if (doc.contains("error_description") && doc["error_description"].is_string()) {
          text += ": " + Excerpt(doc["error_description"].get<std::string>());
        }
      }
      return fail(RetryableStatus(reply), text);
    }
    if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string()) {
      return fail(true, where + ": answer without an access_token");
    }
    std::string token = doc["access_token"].get<std::string>();
    cache_->Remember(token);
    long long seconds = doc.contains("expires_in") && doc["expires_in"].is_number()
                            ? doc["expires_in"].get<long long>() : 0;
    *cred = BearerCredential(token, "okta service app " + client);
    cache_->Store(key_cache, *cred, Clock::now() + std::chrono::seconds(seconds));
    return true;
  };

  // GET a JSON token document; used by gcp and azure.
  auto token_endpoint = [&](HttpCall call, const std::string& where, nlohmann::json* doc) -> bool {
    call.method = "GET";
    call.deadline = deadline;
    call.allow_metadata_http = true;
    call.max_response_bytes = 64 << 10;
    cache_->fetches++;
    HttpReply reply = Send(call);
    if (reply.status != 200) return fail(RetryableStatus(reply), where + ": " + Describe(reply));
    *doc = nlohmann::json::parse(reply.body, nullptr, false);
    if (!doc->is_object() || !doc->contains("access_token") || !(*doc)["access_token"].is_string()) {
      return fail(true, where + ": answer without an access_token");
    }
    cache_->Remember((*doc)["access_token"].get<std::string>());
    return true;
  };

  bool ok = false;
  Credential result;
  if (provider == "none" || provider == "pagerduty" || provider.empty()) {
    result.description = provider.empty() ? "none" : provider;
    ok = true;
  } else if (provider == "okta" && !Env("OKTA_API_TOKEN") && !Env("OKTA_API_TOKEN_FILE") &&
             Env("OKTA_CLIENT_ID")) {
    ok = okta_service_app(&result);
  } else if (provider == "slack" || provider == "okta") {
    const char* variable = provider == "slack" ? "SLACK_BOT_TOKEN" : "OKTA_API_TOKEN";
    std::string token;
    if (!secret(variable, &token)) {
      ok = fail(false, provider + ": " + secret_error);
    } else {
      result.headers.emplace_back("Authorization",
                                  (provider == "slack" ? "Bearer " : "SSWS ") + token);
      result.description = provider + " token from " + variable;
      ok = true;
    }
  } else if (provider == "github") {
    std::string token;
    if (Secret("GITHUB_TOKEN", &token, &secret_error)) {
      result = BearerCredential(token, "github token from GITHUB_TOKEN");
      ok = true;
    } else {
      ok = github_app(&result);
    }
  } else if (provider == "gcp") {
    ok = cache_->Lookup("gcp", &result);
    if (!ok) {
      std::string host = TrimSpace(Env("GCE_METADATA_HOST").value_or(""));
      if (host.empty()) host = "metadata.google.internal";
      HttpCall call;
      call.url = "http://" + host + "/computeMetadata/v1/instance/service-accounts/default/token";
      call.headers.emplace_back("Metadata-Flavor", "Google");
      nlohmann::json doc;
      ok = token_endpoint(call, "gcp: metadata server " + host, &doc);
      if (ok) {
        long long seconds = doc.contains("expires_in") && doc["expires_in"].is_number()
                                ? doc["expires_in"].get<long long>() : 0;
        result = BearerCredential(doc["access_token"].get<std::string>(),
                                  "gcp metadata server service account");
        cache_->Store("gcp", result, Clock::now() + std::chrono::seconds(seconds));
      }
    }
  } else if (provider == "azure") {
    std::string key = CacheKey(request);
    ok = cache_->Lookup(key, &result);
    if (!ok) {
      std::string endpoint = TrimSpace(Env("IDENTITY_ENDPOINT").value_or(""));
      std::string header;
      if (endpoint.empty()) {
        ok = fail(false, "azure: IDENTITY_ENDPOINT is not set (no managed identity)");
      } else if (!secret("IDENTITY_HEADER", &header)) {
        ok = fail(false, "azure: " + secret_error);
      } else {
        HttpCall call;
        call.url = endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") +
                   "api-version=2019-08-01&resource=" + PercentEncode(request.azure_resource);
        call.headers.emplace_back("X-IDENTITY-HEADER", header);
        nlohmann::json doc;
        ok = token_endpoint(call, "azure: managed identity endpoint IDENTITY_ENDPOINT", &doc);
        if (ok) {
          long long expires_on = 0;
          if (doc.contains("expires_on") && doc["expires_on"].is_string()) {
            std::string text = doc["expires_on"].get<std::string>();
            if (IsDigits(text)) expires_on = std::atoll(text.c_str());
          } else if (doc.contains("expires_on") && doc["expires_on"].is_number()) {
            expires_on = doc["expires_on"].get<long long>();
          }
          result = BearerCredential(doc["access_token"].get<std::string>(),
                                    "azure managed identity for " + request.azure_resource);
          cache_->Store(key, result, Clock::from_time_t(static_cast<time_t>(expires_on)));
        }
      }
    }
  } else if (provider == "aws") {
    std::string key = CacheKey(request);
    bool exchanged = !request.aws_role_arn.empty() || !request.aws_root_account.empty();
    if (exchanged && cache_->Lookup(key, &result)) {
      ok = true;
    } else {
      AwsCredentials base;
      std::string description;
      ok = aws_base(&base, &description);
      if (ok && !request.aws_root_account.empty()) {
        AwsCredentials root;
        ok = assume_root(base, &root);
        if (ok) {
          result.has_aws = true;
          result.aws = root;
          result.description = "aws root of " + request.aws_root_account + " (AssumeRoot, task policy " +
                               request.aws_root_task_policy + ", with " + description + ")";
          cache_->Store(key, result, root.expiration);
        }
      } else if (ok && request.aws_role_arn.empty()) {
        result.has_aws = true;
        result.aws = base;
        result.description = description;
      } else if (ok) {
        AwsCredentials assumed;
        ok = assume_role(base, &assumed);
        if (ok) {
          result.has_aws = true;
          result.aws = assumed;
          result.description = "aws role " + request.aws_role_arn + " (assumed with " + description + ")";
          cache_->Store(key, result, assumed.expiration);
        }
      }
    }
  } else {
    ok = fail(false, "unknown credential provider '" + provider + "'");
  }
  if (!ok) {
    local.message = cache_->Scrub(local.message);
    if (error != nullptr) *error = local;
    return false;
  }
  *out = std::move(result);
  return true;
}

bool SignJwtRs256(std::string_view claims_json, std::string_view private_key_pem,
                  std::string* jwt, std::string* error) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())), &BIO_free);
  if (!bio) {
    *error = "out of memory";
    return false;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  ERR_clear_error();
  if (!key) {
    *error = "not a PEM private key";
    return false;
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    *error = "not an RSA private key";
    return false;
  }
  std::string input = Base64Url(R"({"alg":"RS256","typ":"JWT"})") + "." + Base64Url(claims_json);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();
    *error = "RS256 signing failed";
    return false;
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();
    *error = "RS256 signing failed";
    return false;
  }
  signature.resize(length);
  *jwt = input + "." + Base64Url(signature);
  return true;
}

}  // namespace proact::internal
