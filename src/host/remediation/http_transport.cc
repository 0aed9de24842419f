#include "host/remediation/http_transport.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

#include "host/remediation/sigv4.h"
#include "normalize/codec.h"
#include "util/environment.h"

namespace proact::internal {

namespace {

using Steady = std::chrono::steady_clock;

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

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Unreserved characters and upper-case %XX only (plus `extra`).
bool Encoded(std::string_view s, char extra = '\0') {
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsUnreserved(s[i]) || (extra != '\0' && s[i] == extra)) continue;
    if (s[i] == '%' && i + 2 < s.size() && IsUpperHex(s[i + 1]) &&
        IsUpperHex(s[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// Checks the rules of the header comment for a SigV4 URL's path and query.
bool SigV4UrlSignable(std::string_view path, std::string_view query, bool s3, std::string* why) {
  if (path.empty() || path.front() != '/') {
    *why = "the path must start with '/'";
    return false;
  }
  if (!s3) {
    if (!Encoded(path, '/')) {
      *why = "a non-S3 SigV4 path may hold only unreserved characters, '/' and upper-case %XX";
      return false;
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
  size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (name.empty() || !Encoded(name) || !Encoded(value)) {
      *why = "SigV4 query parameters must be encoded: unreserved characters and upper-case %XX only";
      return false;
    }
    start = end + 1;
  }
  return true;
}

bool IsMetadataHost(std::string_view host) {
  return host == "169.254.169.254" || host == "169.254.170.2" || host == "169.254.170.23" ||
         IEquals(host, "fd00:ec2::23") || IEquals(host, "metadata.google.internal");
}

// "host:port" or "[v6]:port".
bool SplitHostPort(std::string_view text, std::string* host, int* port) {
  std::string_view h, p;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.empty() || p.empty() || p.size() > 5) return false;
  int n = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > 65535) return false;
  *host = Lower(h);
  *port = n;
  return true;
}

// A numeric address of `host` (itself when numeric), or "".
std::string NumericAddress(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0 || result == nullptr) return "";
  char buf[INET6_ADDRSTRLEN] = {0};
  const void* addr = result->ai_family == AF_INET6
                         ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(result->ai_addr)->sin6_addr)
                         : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(result->ai_addr)->sin_addr);
  inet_ntop(result->ai_family, addr, buf, sizeof buf);
  freeaddrinfo(result);
  return buf;
}

std::string Env(const char* name) {
  const char* v = internal::GetEnv(name);
  return v == nullptr ? "" : v;
}

// True when NO_PROXY (or no_proxy) names `host`: "*", a host, or a domain
// (".example.com" or "example.com" match its subdomains too).
bool NoProxy(const std::string& host) {
  std::string list = Env("no_proxy");
  if (list.empty()) list = Env("NO_PROXY");
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string entry = Lower(list.substr(start, end - start));
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry == "*") return true;
    if (!entry.empty() && (host == entry || (host.size() > entry.size() &&
                                             host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
                                             host[host.size() - entry.size() - 1] == '.'))) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

// The proxy URL for `url` from the environment, as curl reads it: https_proxy
// (or HTTPS_PROXY) for https, http_proxy (lower case only) for http, then
// all_proxy (or ALL_PROXY); none for hosts NO_PROXY names.
std::string ProxyFor(const HttpUrl& url) {
  std::string proxy;
  if (url.scheme == "https") {
    proxy = Env("https_proxy");
    if (proxy.empty()) proxy = Env("HTTPS_PROXY");
  } else {
    proxy = Env("http_proxy");
  }
  if (proxy.empty()) proxy = Env("all_proxy");
  if (proxy.empty()) proxy = Env("ALL_PROXY");
  if (proxy.empty() || NoProxy(url.host)) return "";
  return proxy;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Points `client` at the proxy `text` ("[http://][user:password@]host[:port]");
// false, with *why, for one it cannot use.
bool UseProxy(httplib::ClientImpl* client, std::string text, std::string* why) {
  size_t scheme_end = text.find("://");
  if (scheme_end != std::string::npos) {
    if (Lower(text.substr(0, scheme_end)) != "http") {
      *why = "the proxy from the environment must be an http:// proxy (https_proxy, http_proxy, "
             "all_proxy); set NO_PROXY to reach this host without it";
      return false;
    }
    text = "http://" + text.substr(scheme_end + 3);
  } else {
    text = "http://" + text;
  }
  size_t at = text.rfind('@');
  std::string user, password;
  if (at != std::string::npos) {
    std::string userinfo = text.substr(7, at - 7);
    size_t colon = userinfo.find(':');
    user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string::npos) password = PercentDecode(userinfo.substr(colon + 1));
    text = "http://" + text.substr(at + 1);
  }
  HttpUrl proxy;
  if (!ParseHttpUrl(text, &proxy)) {
    *why = "the proxy from the environment is not host[:port]";
    return false;
  }
  client->set_proxy(proxy.host, proxy.port_given ? proxy.port : 1080);
  if (!user.empty()) client->set_proxy_basic_auth(user, password);
  return true;
}

// Replaces every occurrence of `secret` in *text.
void Scrub(std::string* text, const std::string& secret) {
  if (secret.size() < 4) return;
  size_t at;
  while ((at = text->find(secret)) != std::string::npos) text->replace(at, secret.size(), "[redacted]");
}

// SIGPIPE blocked on this thread while a request runs (a peer closing its
// end while we write must be an error, not the end of the process), and a
// SIGPIPE raised meanwhile swallowed; the process's handlers stay as they are.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
  }
  ~SigpipeBlock() {
    if (sigismember(&old_, SIGPIPE) == 1) return;  // blocked before: left alone
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      timespec zero{0, 0};
      while (sigtimedwait(&pipe, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

template <typename Duration>
void SetTimeouts(httplib::ClientImpl* client, Duration connect, Duration transfer) {
  auto sec = [](auto d) { return static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count()); };
  auto usec = [](auto d) {
    return static_cast<time_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count() % 1000000);
  };
  client->set_connection_timeout(sec(connect), usec(connect));
  client->set_read_timeout(sec(transfer), usec(transfer));
  client->set_write_timeout(sec(transfer), usec(transfer));
}

std::string ErrorText(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "reading the response failed";
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "could not load the CA bundle";
    case httplib::Error::SSLServerVerification: return "the server's certificate did not verify";
    case httplib::Error::Canceled: return "the transfer was stopped";
    case httplib::Error::Compression: return "could not decompress the response";
    default: return httplib::to_string(error);
  }
}

}  // namespace

std::string_view HttpReply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::string HttpUrl::Origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + (port_given ? ":" + std::to_string(port) : "");
}

std::string HttpUrl::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port_given ? h + ":" + std::to_string(port) : h;
}

bool ParseHttpUrl(std::string_view url, HttpUrl* out) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string scheme = Lower(url.substr(0, colon));
  for (char c : scheme) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  }
  std::string_view rest = url.substr(colon + 3);
  size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);
  tail = tail.substr(0, tail.find('#'));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  HttpUrl u;
  u.scheme = scheme;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    u.host = Lower(authority.substr(1, close - 1));
    in6_addr v6{};
    if (inet_pton(AF_INET6, u.host.c_str(), &v6) != 1) return false;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port_text = after.substr(1);
    }
  } else {
    size_t pc = authority.rfind(':');
    u.host = Lower(authority.substr(0, pc));
    if (pc != std::string_view::npos) port_text = authority.substr(pc + 1);
    if (u.host.find_first_of("[]:@\\") != std::string::npos) return false;
  }
  if (u.host.empty()) return false;
  if (!port_text.empty()) {
    if (port_text.size() > 5) return false;
    int n = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) return false;
    u.port = n;
    u.port_given = true;
  } else {
    u.port = scheme == "https" ? 443 : 80;
  }
  u.target = tail.empty() || tail.front() != '/' ? "/" + std::string(tail) : std::string(tail);
  *out = std::move(u);
  return true;
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
  HttpReply reply;
  auto fail = [&reply, &call](std::string message) {
    if (call.has_sigv4) {
      Scrub(&message, call.sigv4.credentials.secret_access_key);
      Scrub(&message, call.sigv4.credentials.session_token);
    }
    for (const auto& [name, value] : call.headers) {
      if (IEquals(name, "authorization") || IEquals(name, "x-amz-security-token")) Scrub(&message, value);
    }
    reply.status = 0;
    reply.headers.clear();
    reply.body.clear();
    reply.too_large = false;
    reply.transport_error = std::move(message);
    return reply;
  };

  HttpUrl url;
  if (!ParseHttpUrl(call.url, &url)) return fail("the request URL is not a valid absolute URL");
  if (url.scheme != "http" && url.scheme != "https") return fail("only http and https URLs are allowed");
  std::string target_host = url.host;
  int target_port = url.port;
  if (!call.connect_to.empty() && !SplitHostPort(call.connect_to, &target_host, &target_port)) {
    return fail("connect_to must be host:port");
  }
  if (url.scheme == "http" && !call.allow_plain_http && !IsLoopbackHost(target_host) &&
      !(call.allow_metadata_http && IsMetadataHost(target_host))) {
    return fail("plain http is allowed to loopback hosts only, not to " + target_host);
  }

  if (call.method.empty()) return fail("invalid request method");
  for (char c : call.method) {
    if (!(c >= 'A' && c <= 'Z')) return fail("invalid request method");
  }

  bool s3 = call.has_sigv4 && call.sigv4.service == "s3";
  std::string_view path = url.target, query;
  if (size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (call.has_sigv4) {
    std::string why;
    if (!SigV4UrlSignable(path, query, s3, &why)) return fail("SigV4 URL cannot be signed: " + why);
    if (call.sigv4.region.empty() || call.sigv4.service.empty() ||
        call.sigv4.credentials.access_key_id.empty() || call.sigv4.credentials.secret_access_key.empty()) {
      return fail("SigV4 signing needs a region, a service and credentials");
    }
    for (char c : call.sigv4.region + call.sigv4.service) {
      if (!IsUnreserved(c)) return fail("SigV4 region and service must be plain names");
    }
  }

  bool finite = call.deadline != Steady::time_point::max();
  auto now = Steady::now();
  if (finite && call.deadline <= now) {
    fail("the deadline passed before the request was sent");
    reply.timed_out = true;
    return reply;
  }

  // Headers: the caller's, then what the body and signing need.
  bool send_body = !call.body.empty() || call.method == "PUT" || call.method == "POST" ||
                   call.method == "PATCH";
  bool has_content_type = false, has_token = false, has_sha = false, has_agent = false;
  HeaderList headers{{"Host", url.HostHeader()}};
  for (const auto& [name, value] : call.headers) {
    if (name.empty() || name.find_first_of(":\r\n \t") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return fail("invalid request header name or value");
    }
    if (IEquals(name, "host") || IEquals(name, "content-length") || IEquals(name, "transfer-encoding")) {
      continue;  // written by the client from the URL and the body
    }
    if (call.has_sigv4 && (IEquals(name, "authorization") || IEquals(name, "x-amz-date"))) continue;
    if (IEquals(name, "content-type")) has_content_type = true;
    if (IEquals(name, "x-amz-security-token")) has_token = true;
    if (IEquals(name, "x-amz-content-sha256")) has_sha = true;
    if (IEquals(name, "user-agent")) has_agent = true;
    headers.emplace_back(name, value);
  }
  if (send_body && !has_content_type) {
    headers.emplace_back("Content-Type", call.method == "POST" ? "application/x-www-form-urlencoded"
                                                              : "application/octet-stream");
  }
  if (call.has_sigv4) {
    if (!call.sigv4.credentials.session_token.empty() && !has_token) {
      headers.emplace_back("X-Amz-Security-Token", call.sigv4.credentials.session_token);
    }
    std::string payload_hash = Sha256Hex(call.body);
    if (s3 && !has_sha) headers.emplace_back("x-amz-content-sha256", payload_hash);
    for (const auto& [name, value] : headers) {
      if (IEquals(name, "x-amz-content-sha256")) payload_hash = value;
    }
    auto when = call.signing_time == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                             : call.signing_time;
    headers.emplace_back("X-Amz-Date", AmzDate(when));
    HeaderList to_sign;
    for (const auto& h : headers) {
      if (!IEquals(h.first, "user-agent") && !IEquals(h.first, "expect")) to_sign.push_back(h);
    }
    SigV4Signature sig = SignSigV4(call.method, path, query, to_sign, payload_hash, call.sigv4, headers.back().second);
    headers.emplace_back("Authorization", sig.authorization);
  }
  if (!has_agent) headers.emplace_back("User-Agent", "proact");

  std::unique_ptr<httplib::ClientImpl> client;
  if (url.scheme == "https") {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, target_port);
    if (!CaBundlePath().empty()) tls->set_ca_cert_path(CaBundlePath());
    tls->enable_server_certificate_verification(true);
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, target_port);
  }
  if (target_host != url.host || !call.connect_to.empty()) {
    std::string address = NumericAddress(target_host);
    if (address.empty()) return fail("could not resolve connect_to host " + target_host);
    client->set_hostname_addr_map({{url.host, address}});
  } else if (!IsLoopbackHost(url.host)) {
    if (std::string proxy = ProxyFor(url); !proxy.empty()) {
      std::string why;
      if (!UseProxy(client.get(), proxy, &why)) return fail(why);
    }
  }
  client->set_keep_alive(false);
  client->set_follow_location(false);
  client->set_url_encode(false);
  client->set_tcp_nodelay(true);
  // Without a deadline: a long wait is allowed (the Runtime API's `next`
  // blocks until an invocation comes), a week at most.
  // (Rounded up to whole milliseconds: the library waits in poll(), whose
  // timeout is in milliseconds, and would give up just before the deadline.)
  auto transfer = finite ? std::chrono::ceil<std::chrono::milliseconds>(call.deadline - now) +
                               std::chrono::milliseconds(1)
                         : std::chrono::milliseconds(std::chrono::hours(24 * 7));
  auto connect = std::min<std::chrono::milliseconds>(transfer, call.connect_timeout);
  SetTimeouts(client.get(), connect, transfer);

  httplib::Request req;
  req.method = call.method;
  req.path = url.target;
  for (const auto& [name, value] : headers) req.headers.emplace(name, value);
  if (send_body) req.body = call.body;
  bool deadline_hit = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    size_t room = call.max_response_bytes - std::min(call.max_response_bytes, reply.body.size());
    if (n > room) {
      reply.body.append(data, room);
      reply.too_large = true;
      return false;  // stops the transfer
    }
    reply.body.append(data, n);
    if (finite && Steady::now() >= call.deadline) {
      deadline_hit = true;
      return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool ok;
  {
    SigpipeBlock no_sigpipe;
    ok = client->send(req, res, error);
  }
  if (ok || (error == httplib::Error::Canceled && reply.too_large && res.status > 0)) {
    reply.status = res.status;
    for (const auto& [name, value] : res.headers) reply.headers.emplace_back(Lower(name), value);
    return reply;
  }
  bool timed_out = deadline_hit || error == httplib::Error::ConnectionTimeout ||
                   (finite && Steady::now() >= call.deadline);
  std::string message = call.method + " " + url.Origin() + ": " + ErrorText(error);
  if (error == httplib::Error::SSLServerVerification) {
    auto* tls = static_cast<httplib::SSLClient*>(client.get());
    message += std::string(" (") + X509_verify_cert_error_string(tls->get_openssl_verify_result()) +
               "; CA bundle " + (CaBundlePath().empty() ? "OpenSSL's default" : CaBundlePath()) + ")";
  }
  if (timed_out) message += " (timed out)";
  fail(message);
  reply.timed_out = timed_out;
  return reply;
}

const std::string& CaBundlePath() {
  static const std::string path = [] {
    for (const char* env : {"PROACT_CA_BUNDLE", "SSL_CERT_FILE"}) {
      const char* v = internal::GetEnv(env);
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
