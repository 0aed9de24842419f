#include "cli/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "normalize/codec.h"
#include "normalize/webhook_auth.h"
#include "util/strings.h"

namespace proact::cli {

std::string HttpRequest::Header(std::string_view name) const {
  return std::string(internal::HeaderValue(headers, name).value_or(""));
}

bool HttpRequest::HasHeader(std::string_view name) const {
  return internal::HeaderValue(headers, name).has_value();
}

namespace {

// One request on one connection, from its headers to its answer.
struct Exchange {
  MHD_Connection* connection = nullptr;
  HttpRequest request;
  std::string encoding;    // Content-Encoding, lower case
  bool answered = false;   // a response is queued (or the request was cut off)
  bool dispatched = false; // waiting for, or with, a worker (connection suspended)
  bool ready = false;      // the worker's reply is in `reply`
  bool close = false;      // send Connection: close with the reply
  HttpReply reply;
};

HttpReply Error(int status, const std::string& message) {
  HttpReply r;
  r.status = status;
  r.body = "{\"error\":\"" + message + "\"}";  // messages here are fixed ASCII
  return r;
}

HttpReply TooLarge(std::size_t limit) {
  return Error(413, "request body over the limit of " + std::to_string(limit) + " bytes");
}

}  // namespace

struct HttpServer::Rep {
  HttpServerOptions options;
  Quick quick;
  Slow slow;
  OnReply on_reply;
  MHD_Daemon* daemon = nullptr;
  int bound_port = 0;

  std::mutex mu;
  std::condition_variable work_cv;   // workers wait for requests
  std::condition_variable idle_cv;   // Stop waits for the workers to go idle
  std::deque<Exchange*> queue;
  std::size_t busy = 0;              // requests a worker is running
  std::size_t outstanding = 0;       // handed to the workers, not yet sent
  std::atomic<bool> stopping{false};
  bool quit = false;                 // workers exit
  std::vector<std::thread> workers;

  MHD_Result Send(Exchange* ex, const HttpReply& r, bool close) {
    ex->answered = true;
    MHD_Response* resp = MHD_create_response_from_buffer(
        r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (resp == nullptr) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r.content_type.empty() ? "text/plain" : r.content_type.c_str());
    for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
    if (close || stopping) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_Result ret = MHD_queue_response(ex->connection, static_cast<unsigned>(r.status), resp);
    MHD_destroy_response(resp);
    if (on_reply) on_reply(r.status);
    return ret;
  }

  MHD_Result Unavailable(Exchange* ex, const std::string& why) {
    HttpReply r = Error(503, why);
    r.headers.emplace_back("Retry-After", "1");
    return Send(ex, r, /*close=*/true);
  }

  // The first call of a request: its headers are complete.
  MHD_Result Begin(Exchange* ex) {
    const char* length = MHD_lookup_connection_value(ex->connection, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != nullptr) {
      char* end = nullptr;
      unsigned long long n = std::strtoull(length, &end, 10);
      if (end != length && n > options.max_body_bytes) {
        // Answered before a byte of the body is read; the connection closes.
        return Send(ex, TooLarge(options.max_body_bytes), true);
      }
    }
    ex->encoding = internal::AsciiLower(ex->request.Header("Content-Encoding"));
    if (!ex->encoding.empty() && ex->encoding != "identity" && ex->encoding != "gzip" &&
        ex->encoding != "x-gzip") {
      return Send(ex, Error(415, "Content-Encoding '" + ex->encoding +
                                     "' is not accepted (identity or gzip)"),
                  true);
    }
    return MHD_YES;
  }

  MHD_Result Complete(Exchange* ex) {
    if (ex->encoding == "gzip" || ex->encoding == "x-gzip") {
      bool too_large = false;
      std::optional<std::string> inflated =
          internal::Gunzip(ex->request.body, options.max_body_bytes, &too_large);
      if (!inflated) {
        return Send(ex, too_large ? Error(413, "request body inflates beyond the limit of " +
                                                   std::to_string(options.max_body_bytes) + " bytes")
                                  : Error(400, "Content-Encoding gzip, but the body is not gzip"),
                    true);
      }
      ex->request.body = std::move(*inflated);
    }
    HttpReply quick_reply;
    if (quick && quick(ex->request, &quick_reply)) return Send(ex, quick_reply, false);
    if (stopping) return Unavailable(ex, "stopping: deliver again");
    // Our mutex is never held while calling into libmicrohttpd (which has
    // locks of its own, and calls back into us): no lock-order inversion.
    bool full;
    {
      std::lock_guard<std::mutex> lock(mu);
      full = queue.size() >= options.max_queued;
      if (!full) {
        ex->dispatched = true;
        ++outstanding;
      }
    }
    if (full) return Unavailable(ex, "busy: deliver again");
    // Suspended before any worker can see it, so resuming always follows.
    MHD_suspend_connection(ex->connection);
    {
      std::lock_guard<std::mutex> lock(mu);
      queue.push_back(ex);
    }
    work_cv.notify_one();
    return MHD_YES;
  }

  MHD_Result Access(MHD_Connection* connection, const char* url, const char* method,
                    const char* upload_data, size_t* upload_size, void** con_cls) {
    Exchange* ex = static_cast<Exchange*>(*con_cls);
    if (ex == nullptr) {
      ex = new Exchange;
      *con_cls = ex;
      ex->connection = connection;
      ex->request.method = method;
      ex->request.path = url;
      MHD_get_connection_values(
          connection, MHD_HEADER_KIND,
          [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
            static_cast<Exchange*>(cls)->request.headers.emplace_back(key, value ? value : "");
            return MHD_YES;
          },
          ex);
      // Query parameters, decoded, re-encoded as one query string.
      MHD_get_connection_values(
          connection, MHD_GET_ARGUMENT_KIND,
          [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
            std::string& q = static_cast<Exchange*>(cls)->request.query;
            q += (q.empty() ? "" : "&") + internal::PercentEncode(key ? key : "") + "=" +
                 internal::PercentEncode(value ? value : "");
            return MHD_YES;
          },
          ex);
      return Begin(ex);
    }
    if (ex->answered) {
      *upload_size = 0;  // the rest of a refused body is dropped unread
      return MHD_YES;
    }
    if (*upload_size > 0) {
      // Counted as it arrives, whatever the transfer encoding.
      if (ex->request.body.size() + *upload_size > options.max_body_bytes) {
        *upload_size = 0;
        MHD_Result r = Send(ex, TooLarge(options.max_body_bytes), true);
        ex->request.body.clear();
        ex->request.body.shrink_to_fit();
        return r;
      }
      ex->request.body.append(upload_data, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
    if (ex->ready) return Send(ex, ex->reply, ex->close);
    if (ex->dispatched) return MHD_YES;
    return Complete(ex);
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      work_cv.wait(lock, [&] { return quit || !queue.empty(); });
      if (queue.empty()) return;  // quit
      Exchange* ex = queue.front();
      queue.pop_front();
      ++busy;
      lock.unlock();
      HttpReply reply;
      try {
        reply = slow(ex->request);
      } catch (...) {  // a route's failure answers its own request only
        reply = Error(500, "internal error");
      }
      lock.lock();
      ex->reply = std::move(reply);
      ex->ready = true;
      --busy;
      lock.unlock();
      MHD_resume_connection(ex->connection);
      lock.lock();
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, Quick quick, Slow slow, OnReply on_reply)
    : rep_(std::make_unique<Rep>()) {
  rep_->options = std::move(options);
  rep_->quick = std::move(quick);
  rep_->slow = std::move(slow);
  rep_->on_reply = std::move(on_reply);
}

HttpServer::~HttpServer() {
  if (rep_->daemon != nullptr) Stop(std::chrono::milliseconds(0));
}

int HttpServer::port() const { return rep_->bound_port; }
bool HttpServer::stopping() const { return rep_->stopping; }

bool HttpServer::Start(std::string* error) {
  Rep* rep = rep_.get();
  const HttpServerOptions& o = rep->options;
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* addr = nullptr;
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
  if (inet_pton(AF_INET, o.host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(o.port));
    addr = reinterpret_cast<const sockaddr*>(&v4);
  } else if (inet_pton(AF_INET6, o.host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(o.port));
    addr = reinterpret_cast<const sockaddr*>(&v6);
    flags |= MHD_USE_IPv6;
  } else {
    *error = "not an IP address: '" + o.host + "'";
    return false;
  }
  MHD_AccessHandlerCallback access = [](void* cls, MHD_Connection* c, const char* url,
                                        const char* method, const char*, const char* data,
                                        size_t* size, void** con_cls) -> MHD_Result {
    return static_cast<Rep*>(cls)->Access(c, url, method, data, size, con_cls);
  };
  MHD_RequestCompletedCallback completed = [](void* cls, MHD_Connection*, void** con_cls,
                                              MHD_RequestTerminationCode) {
    Exchange* ex = static_cast<Exchange*>(*con_cls);
    if (ex == nullptr) return;
    if (ex->dispatched) {
      Rep* r = static_cast<Rep*>(cls);
      std::lock_guard<std::mutex> lock(r->mu);
      --r->outstanding;
      r->idle_cv.notify_all();
    }
    delete ex;
    *con_cls = nullptr;
  };
  rep->daemon = MHD_start_daemon(
      flags, static_cast<uint16_t>(o.port), nullptr, nullptr, access, rep,
      MHD_OPTION_SOCK_ADDR, addr,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(o.max_header_bytes),
      MHD_OPTION_CONNECTION_LIMIT, o.max_connections,
      MHD_OPTION_CONNECTION_TIMEOUT, o.idle_timeout_seconds,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, static_cast<unsigned>(o.listen_backlog),
      MHD_OPTION_NOTIFY_COMPLETED, completed, rep,
      MHD_OPTION_END);
  if (rep->daemon == nullptr) {
    *error = "cannot listen on " + o.host + ":" + std::to_string(o.port);
    return false;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(rep->daemon, MHD_DAEMON_INFO_BIND_PORT);
  rep->bound_port = info != nullptr ? info->port : o.port;
  for (int i = 0; i < o.workers; ++i) rep->workers.emplace_back([rep] { rep->Work(); });
  return true;
}

bool HttpServer::Stop(std::chrono::milliseconds drain) {
  Rep* rep = rep_.get();
  if (rep->daemon == nullptr) return true;
  rep->stopping = true;
  // No new connections; requests already accepted are all answered.
  MHD_socket listener = MHD_quiesce_daemon(rep->daemon);
  if (listener != MHD_INVALID_SOCKET) close(listener);
  {
    std::unique_lock<std::mutex> lock(rep->mu);
    // Not started: nothing ran for them, so a redelivery is safe.
    std::deque<Exchange*> refused;
    refused.swap(rep->queue);
    for (Exchange* ex : refused) {
      ex->reply = Error(503, "stopping: deliver again");
      ex->reply.headers.emplace_back("Retry-After", "1");
      ex->close = true;
      ex->ready = true;
    }
    lock.unlock();
    for (Exchange* ex : refused) MHD_resume_connection(ex->connection);
    lock.lock();
    // Done when every request handed to a worker has been answered.
    rep->idle_cv.wait_for(lock, drain, [&] { return rep->outstanding == 0; });
    rep->quit = true;
    rep->work_cv.notify_all();
  }
  bool idle;
  {
    std::lock_guard<std::mutex> lock(rep->mu);
    idle = rep->outstanding == 0;
  }
  if (!idle) {
    // A request still runs past the drain time: leave its worker and the
    // daemon for the process exit rather than free what they use.
    for (std::thread& t : rep->workers) t.detach();
    rep->workers.clear();
    rep->daemon = nullptr;
    return false;
  }
  for (std::thread& t : rep->workers) t.join();
  rep->workers.clear();
  MHD_stop_daemon(rep->daemon);
  rep->daemon = nullptr;
  return true;
}

}  // namespace proact::cli
