#include "host/remediation/http_transport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <cstdlib>
#include <unistd.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "normalize/codec.h"

namespace proact::internal {

namespace {

void GlobalCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// A query component in SigV4's encoding: unreserved characters and %XX.
bool CanonicalComponent(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsUnreserved(s[i])) continue;
    if (s[i] == '%' && i + 2 < s.size() && IsUpperHex(s[i + 1]) && IsUpperHex(s[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// Checks the rules of the header comment for a SigV4 URL's path and query.
bool SigV4UrlCanonical(std::string_view path, std::string_view query, bool s3, std::string* why) {
  if (path.empty() || path.front() != '/') {
    *why = "the path must start with '/'";
    return false;
  }
  if (!s3) {
    for (char c : path) {
      if (c != '/' && !IsUnreserved(c)) {
        *why = "a non-S3 SigV4 path may hold only unreserved characters and '/' (libcurl 7.88 "
               "does not canonicalise it)";
        return false;
      }
    }
    size_t start = 1;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      std::string_view segment = path.substr(start, end - start);
      bool last = end == path.size();
      if (segment == "." || segment == ".." || (segment.empty() && !last)) {
        *why = "a non-S3 SigV4 path may not hold empty or dot segments";
        return false;
      }
      start = end + 1;
    }
  }
  if (query.empty()) return true;
  std::vector<std::pair<std::string_view, std::string_view>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      *why = "every SigV4 query parameter must be written name=value (a subresource as 'name=')";
      return false;
    }
    std::string_view name = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (name.empty() || !CanonicalComponent(name) || !CanonicalComponent(value)) {
      *why = "SigV4 query parameters must be encoded: unreserved characters and upper-case %XX only";
      return false;
    }
    params.emplace_back(name, value);
    start = end + 1;
  }
  if (!std::is_sorted(params.begin(), params.end())) {
    *why = "SigV4 query parameters must be sorted by name, then value";
    return false;
  }
  return true;
}

bool IsMetadataHost(std::string_view host) {
  return host == "169.254.169.254" || host == "169.254.170.2" || host == "169.254.170.23" ||
         IEquals(host, "fd00:ec2::23") || IEquals(host, "metadata.google.internal");
}

// Host part of "host:port" or "[v6]:port".
std::string ConnectToHost(std::string_view connect_to) {
  if (!connect_to.empty() && connect_to.front() == '[') {
    size_t close = connect_to.find(']');
    if (close == std::string_view::npos) return "";
    return std::string(connect_to.substr(1, close - 1));
  }
  size_t colon = connect_to.rfind(':');
  return std::string(connect_to.substr(0, colon));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

struct Receive {
  HttpReply* reply;
  size_t max_bytes;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Receive*>(user);
  size_t bytes = size * n;
  size_t room = r->max_bytes - std::min(r->max_bytes, r->reply->body.size());
  if (bytes > room) {
    r->reply->body.append(data, room);
    r->reply->too_large = true;
    return 0;  // stops the transfer
  }
  r->reply->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Receive*>(user);
  size_t bytes = size * n;
  std::string_view line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    r->reply->headers.clear();  // a new response (after 100 Continue)
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  r->reply->headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
  return bytes;
}

// Replaces every occurrence of `secret` in *text.
void Scrub(std::string* text, const std::string& secret) {
  if (secret.size() < 4) return;
  size_t at;
  while ((at = text->find(secret)) != std::string::npos) text->replace(at, secret.size(), "[redacted]");
}

struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};

std::string UrlPart(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::unique_ptr<char, CurlFree> owned(value);
  return value;
}

}  // namespace

std::string_view HttpReply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

bool IsLoopbackHost(std::string_view host) {
  if (IEquals(host, "localhost")) return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

HttpReply Send(const HttpCall& call) {
  GlobalCurlInit();
  HttpReply reply;
  auto fail = [&reply](std::string message) {
    reply.transport_error = std::move(message);
    return reply;
  };

  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), &curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, call.url.c_str(), 0) != CURLUE_OK) {
    return fail("the request URL is not a valid absolute URL");
  }
  std::string scheme = Lower(UrlPart(url.get(), CURLUPART_SCHEME));
  std::string host = UrlPart(url.get(), CURLUPART_HOST);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (scheme != "http" && scheme != "https") return fail("only http and https URLs are allowed");
  std::string target_host = call.connect_to.empty() ? host : ConnectToHost(call.connect_to);
  if (!call.connect_to.empty() && target_host.empty()) {
    return fail("connect_to must be host:port");
  }
  if (scheme == "http" && !IsLoopbackHost(target_host) &&
      !(call.allow_metadata_http && IsMetadataHost(target_host))) {
    return fail("plain http is allowed to loopback hosts only, not to " + target_host);
  }

  if (call.method.empty()) return fail("invalid request method");
  for (char c : call.method) {
    if (!(c >= 'A' && c <= 'Z')) return fail("invalid request method");
  }

  bool s3 = call.has_sigv4 && call.sigv4.service == "s3";
  if (call.has_sigv4) {
    // The path and query as written (curl_url_get would re-encode them).
    std::string_view rest = call.url;
    size_t scheme_end = rest.find("://");
    rest.remove_prefix(scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
    size_t path_start = rest.find_first_of("/?#");
    std::string_view path_query = path_start == std::string_view::npos ? "" : rest.substr(path_start);
    path_query = path_query.substr(0, path_query.find('#'));
    size_t q = path_query.find('?');
    std::string_view path = path_query.substr(0, q);
    std::string_view query = q == std::string_view::npos ? "" : path_query.substr(q + 1);
    std::string why;
    if (!SigV4UrlCanonical(path.empty() ? "/" : path, query, s3, &why)) {
      return fail("SigV4 URL not in canonical form: " + why);
    }
    if (call.sigv4.region.empty() || call.sigv4.service.empty() ||
        call.sigv4.credentials.access_key_id.empty() || call.sigv4.credentials.secret_access_key.empty()) {
      return fail("SigV4 signing needs a region, a service and credentials");
    }
    for (char c : call.sigv4.region + call.sigv4.service) {
      if (!IsUnreserved(c)) return fail("SigV4 region and service must be plain names");
    }
  }

  auto now = std::chrono::steady_clock::now();
  long timeout_ms = 0;
  if (call.deadline != std::chrono::steady_clock::time_point::max()) {
    if (call.deadline <= now) {
      reply.timed_out = true;
      return fail("the deadline passed before the request was sent");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(call.deadline - now).count();
    timeout_ms = static_cast<long>(std::max<long long>(1, std::min<long long>(left, 1L << 30)));
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) return fail("libcurl could not start a request");
  CURL* h = easy.get();

  // Headers: the caller's, then what signing needs.
  bool send_body = !call.body.empty() || call.method == "PUT" || call.method == "POST" ||
                   call.method == "PATCH";
  bool has_content_type = false, has_token = false, has_sha = false;
  std::vector<std::string> lines;
  for (const auto& [name, value] : call.headers) {
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return fail("invalid request header name or value");
    }
    if (call.has_sigv4 && (IEquals(name, "authorization") || IEquals(name, "x-amz-date"))) continue;
    if (IEquals(name, "content-type")) has_content_type = true;
    if (IEquals(name, "x-amz-security-token")) has_token = true;
    if (IEquals(name, "x-amz-content-sha256")) has_sha = true;
    // "Name;" sends an empty header; "Name:" would remove one.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  if (send_body && !has_content_type) {
    lines.push_back(call.method == "POST" ? "Content-Type: application/x-www-form-urlencoded"
                                          : "Content-Type: application/octet-stream");
  }
  if (call.has_sigv4) {
    if (!call.sigv4.credentials.session_token.empty() && !has_token) {
      lines.push_back("X-Amz-Security-Token: " + call.sigv4.credentials.session_token);
    }
    if (s3 && !has_sha) lines.push_back("x-amz-content-sha256: " + Sha256Hex(call.body));
  }
  curl_slist* list = nullptr;
  for (const std::string& line : lines) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) {
      curl_slist_free_all(list);
      return fail("out of memory building headers");
    }
    list = next;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(list, &curl_slist_free_all);

  char errbuf[CURL_ERROR_SIZE] = {0};
  Receive receive{&reply, call.max_response_bytes};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!CaBundlePath().empty()) curl_easy_setopt(h, CURLOPT_CAINFO, CaBundlePath().c_str());
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &receive);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &receive);
  if (timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> connect_list(nullptr, &curl_slist_free_all);
  if (!call.connect_to.empty()) {
    std::string entry = "::" + call.connect_to;
    connect_list.reset(curl_slist_append(nullptr, entry.c_str()));
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_list.get());
  }
  std::string sigv4;
  if (call.has_sigv4) {
    sigv4 = "aws:amz:" + call.sigv4.region + ":" + call.sigv4.service;
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, call.sigv4.credentials.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, call.sigv4.credentials.secret_access_key.c_str());
  }
  if (call.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (send_body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.c_str());
    if (call.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  } else if (call.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }

  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && reply.too_large)) {
    reply.status = status;
    return reply;
  }
  reply.status = 0;
  reply.headers.clear();
  reply.body.clear();
  reply.too_large = false;
  reply.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
  std::string message = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  if (call.has_sigv4) {
    Scrub(&message, call.sigv4.credentials.secret_access_key);
    Scrub(&message, call.sigv4.credentials.session_token);
  }
  for (const auto& [name, value] : call.headers) {
    if (IEquals(name, "authorization") || IEquals(name, "x-amz-security-token")) Scrub(&message, value);
  }
  reply.transport_error = message;
  return reply;
}

const std::string& CaBundlePath() {
  static const std::string path = [] {
    for (const char* env : {"PROACT_CA_BUNDLE", "SSL_CERT_FILE"}) {
      const char* v = std::getenv(env);
      if (v != nullptr && *v != '\0') return std::string(v);
    }
    for (const char* p : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                          "/etc/ssl/cert.pem"}) {
      if (access(p, R_OK) == 0) return std::string(p);
    }
    return std::string();
  }();
  return path;
}

}  // namespace proact::internal
