// A small HTTP/1.1 server for `proact serve`, on GNU libmicrohttpd.
//
// One event-loop thread (epoll) reads every connection: a slow or idle
// client costs a socket and its bounded buffer there, never a worker.
// Requests are handed to a fixed pool of workers only once they are
// complete (headers within `max_header_bytes`, body within `max_body_bytes`
// whatever the transfer or content encoding); quick routes (health checks,
// metrics) are answered on the event loop itself, so they answer while every
// worker is busy. When the queue of complete requests is full, or the server
// is stopping, a request is answered 503 with Retry-After at once.
#ifndef PROACT_SRC_CLI_HTTP_SERVER_H_
#define PROACT_SRC_CLI_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proact/normalizer.h"

namespace proact::cli {

struct HttpRequest {
  std::string method;
  std::string path;   // without the query
  std::string query;  // the query string, re-encoded ("a=1&b=x%20y"), "" when none
  Headers headers;   // as sent, in order
  std::string body;  // decoded (Content-Encoding: gzip inflated)

  // First value of a header, matched case-insensitively; "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;                        // 0: any free port (see HttpServer::port)
  int workers = 8;                        // threads running the slow route
  std::size_t max_queued = 1024;          // complete requests waiting for a worker
  std::size_t max_body_bytes = 8u << 20;  // after decoding
  std::size_t max_header_bytes = 32u << 10;  // request line and all headers
  unsigned idle_timeout_seconds = 30;     // a connection silent this long is closed
  unsigned max_connections = 4096;
  int listen_backlog = 4096;
};

class HttpServer {
 public:
  // `quick` answers on the event loop and returns true when it handled the
  // request (it must not block); everything else goes to `slow` on a worker.
  // `on_reply` sees every status sent by a route or by the server itself.
  using Quick = std::function<bool(const HttpRequest&, HttpReply*)>;
  using Slow = std::function<HttpReply(const HttpRequest&)>;
  using OnReply = std::function<void(int status)>;

  HttpServer(HttpServerOptions options, Quick quick, Slow slow, OnReply on_reply);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the event loop and the workers; false with `*error` set
  // when the address cannot be bound.
  bool Start(std::string* error);
  int port() const;

  // Stops accepting connections, answers every request not yet started 503
  // (Retry-After, Connection: close), waits up to `drain` for the requests
  // in progress, then closes everything and returns true. False when a
  // request still runs after `drain`: its worker and the event loop are left
  // running, and the caller should end the process without destructors.
  bool Stop(std::chrono::milliseconds drain);

  bool stopping() const;

  struct Rep;

 private:
  std::unique_ptr<Rep> rep_;
};

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_HTTP_SERVER_H_
