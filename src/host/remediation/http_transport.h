// HttpTransport: proact's one HTTP client (cpp-httplib over OpenSSL), with
// AWS SigV4 signing (host/remediation/sigv4.h).
//
// Every outgoing request of proact goes through Send(): remediation calls,
// the credential broker's token fetches, the `webhook` action and the
// Lambda Runtime API loop. A call carries the exact request (method, URL,
// headers, body); Send() adds authentication (SigV4 computed by
// host/remediation/sigv4.cc, or the headers a credential provider gave) and
// returns the status, the response headers and a bounded body. It never
// follows redirects, speaks only http and https (plain http only to
// loopback addresses unless the call says otherwise), verifies HTTPS with
// the host's CA bundle (CaBundlePath), honours https_proxy / http_proxy /
// NO_PROXY as curl does (never for loopback hosts or connect_to), and never
// throws.
//
// SigV4: the session token is sent as X-Amz-Security-Token, S3 requests
// carry x-amz-content-sha256 (hex SHA-256 of the body), Content-Type is
// always set when a body is sent; Host, X-Amz-Date and every header of the
// call are signed (a caller's Authorization and X-Amz-Date are replaced).
// A SigV4 URL's query must be encoded as AWS canonicalises it (only
// unreserved characters and upper-case %XX), because the signature covers
// it as written: Send() refuses one that is not (transport_error) rather
// than send a request whose signature cannot match. Its order does not
// matter, nor does a valueless name ("?publicAccessBlock"). A non-S3 path
// holds unreserved characters, '/' and %XX (signed encoded twice, as AWS
// does), without empty or dot segments. With connect_to, the scheme stays
// the URL's: a test or an endpoint override on loopback writes
// http://<production host>/... and connect_to "127.0.0.1:PORT"; the
// signature does not cover the scheme.
//
// Thread-safety: Send() may be called from many threads at once.
#ifndef PROACT_SRC_HOST_REMEDIATION_HTTP_TRANSPORT_H_
#define PROACT_SRC_HOST_REMEDIATION_HTTP_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace proact::internal {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When they stop working; time_point::max() for keys that do not expire.
  std::chrono::system_clock::time_point expiration = std::chrono::system_clock::time_point::max();
};

struct AwsSigning {
  AwsCredentials credentials;
  std::string region;   // signing region, e.g. "us-east-1"
  std::string service;  // signing name, e.g. "s3", "ec2", "iam", "sts"
};

struct HttpCall {
  std::string method;   // GET, PUT, POST, PATCH, DELETE, HEAD
  std::string url;      // absolute http(s) URL, already encoded
  HeaderList headers;   // sent as given (names as written)
  std::string body;     // sent when non-empty, or when the method is PUT/POST/PATCH
  // Deliver the request to this "host:port" instead of the URL's host (the
  // URL, Host header and signature stay as they are): endpoint overrides
  // for services whose host carries request data (S3 virtual hosts).
  // Empty: connect to the URL's host.
  std::string connect_to;
  // Plain http goes to loopback hosts only (the connect_to host when set,
  // else the URL's); with this set also to the platforms' link-local
  // credential endpoints (169.254.169.254, 169.254.170.2, 169.254.170.23,
  // fd00:ec2::23, metadata.google.internal). The credential broker sets it
  // for those endpoints, nobody else.
  bool allow_metadata_http = false;
  // Plain http to any host: the caller has vetted the host itself (the
  // `webhook` action's allowlist, the Lambda Runtime API address).
  bool allow_plain_http = false;
  // Sign with SigV4 when set (has_sigv4).
  bool has_sigv4 = false;
  AwsSigning sigv4;
  // Give up at this time (connect and transfer); the call reports
  // timed_out.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Give up connecting (DNS, TCP, TLS handshake) after this long, whatever
  // the deadline.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(30);
  // The SigV4 signing time (X-Amz-Date); the clock's when unset. Tests only.
  std::chrono::system_clock::time_point signing_time{};
  // Response bodies longer than this are cut and flagged too_large.
  std::size_t max_response_bytes = 4u << 20;
};

struct HttpReply {
  long status = 0;             // 0 when no response arrived
  HeaderList headers;          // names lower-cased, in arrival order
  std::string body;
  bool too_large = false;      // body cut at max_response_bytes
  bool timed_out = false;      // the deadline passed
  std::string transport_error; // why no response arrived

  // First header named `name` (lower-case), or "".
  std::string_view Header(std::string_view name) const;
};

// Sends `call`. A transport failure (DNS, refused connection, TLS, timeout)
// is a reply with status 0 and transport_error set; the message never holds
// credentials.
HttpReply Send(const HttpCall& call);

// The CA bundle HTTPS is verified with: PROACT_CA_BUNDLE, SSL_CERT_FILE,
// else the first that exists of /etc/ssl/certs/ca-certificates.crt
// (Debian), /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux, so the Lambda
// package verifies with the host's bundle), /etc/ssl/cert.pem; "" for
// OpenSSL's default verify paths. Read once.
const std::string& CaBundlePath();

// An http(s) URL's parts. scheme and host lower-cased, host without
// brackets; port the given one or the scheme's default; target the path
// and query as written ("/" when the URL has no path), without fragment.
struct HttpUrl {
  std::string scheme;
  std::string host;
  int port = 0;
  bool port_given = false;
  std::string target;
  // scheme://host[:port] (brackets kept for IPv6), for messages: never a
  // path, query or userinfo, which may carry secrets.
  std::string Origin() const;
  // The Host header's value: host, with the port when given.
  std::string HostHeader() const;
};

// Parses an absolute URL with any scheme (the caller checks it); false for
// a URL without scheme or host, with a bad port, or with spaces or control
// characters.
bool ParseHttpUrl(std::string_view url, HttpUrl* out);

// True when `host` (no brackets, no port) is a loopback address or
// "localhost": the only hosts plain http is allowed to.
bool IsLoopbackHost(std::string_view host);

}  // namespace proact::internal

#endif  // PROACT_SRC_HOST_REMEDIATION_HTTP_TRANSPORT_H_
