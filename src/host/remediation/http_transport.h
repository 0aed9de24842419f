// HttpTransport: one HTTP request through libcurl, with AWS SigV4 signing.
//
// The only place remediation requests touch the network. A call carries the
// exact request (method, URL, headers, body) built by the action stage;
// Send() adds authentication (SigV4 through libcurl's CURLOPT_AWS_SIGV4, or
// the headers a credential provider gave) and returns the status, the
// response headers and a bounded body. It never follows redirects, speaks
// only http and https (plain http only to loopback addresses), and never
// throws.
//
// Debian 12's libcurl 7.88 signs what it is given, with these rules kept
// here so that callers need not know them: the session token is sent as
// X-Amz-Security-Token by us, Content-Type is always set explicitly (so it
// is signed), S3 requests carry x-amz-content-sha256 (hex SHA-256 of the
// body) set by us, bodies go through CURLOPT_POSTFIELDS (+ CUSTOMREQUEST for
// methods other than POST), and no "Header:" removal entries are passed.
// What 7.88 does not do, callers do: a SigV4 URL is given in canonical
// form, because 7.88 signs the path and the query exactly as written:
//   - query parameters sorted by name (then value), each written name=value
//     even when valueless (an S3 subresource is "?publicAccessBlock="), with
//     only unreserved characters left unencoded and %XX in upper case;
//   - for services other than "s3", a path of unreserved characters and '/'
//     only, without empty or dot segments (AWS encodes such paths again
//     before signing; 7.88 does not), so no percent-encoded character.
// Send() refuses a SigV4 URL that breaks these rules (transport_error)
// rather than send a request whose signature cannot match. A caller's
// Authorization and X-Amz-Date headers are dropped when signing (libcurl
// writes both). With connect_to, the scheme stays the URL's: a test or an
// endpoint override on loopback writes http://<production host>/... and
// connect_to "127.0.0.1:PORT"; the signature does not cover the scheme.
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
  // Sign with SigV4 when set (has_sigv4).
  bool has_sigv4 = false;
  AwsSigning sigv4;
  // Give up at this time (connect and transfer); the call reports
  // timed_out.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Response bodies longer than this are cut and flagged too_large.
  std::size_t max_response_bytes = 4u << 20;
};

struct HttpReply {
  long status = 0;             // 0 when no response arrived
  HeaderList headers;          // names lower-cased, in arrival order
  std::string body;
  bool too_large = false;      // body cut at max_response_bytes
  bool timed_out = false;      // the deadline passed
  std::string transport_error; // curl's message when no response arrived

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
// libcurl's compiled-in default. Read once.
const std::string& CaBundlePath();

// True when `host` (no brackets, no port) is a loopback address or
// "localhost": the only hosts plain http is allowed to.
bool IsLoopbackHost(std::string_view host);

}  // namespace proact::internal

#endif  // PROACT_SRC_HOST_REMEDIATION_HTTP_TRANSPORT_H_
