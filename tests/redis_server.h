// A real redis-server on a loopback port for the life of a test (tests of
// shared state: idempotency, rate limits).
#ifndef PROACT_TESTS_REDIS_SERVER_H_
#define PROACT_TESTS_REDIS_SERVER_H_

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "proact/idempotency.h"

namespace proact::testing {

// Started with no persistence (tests only), on a port the kernel picks, so
// that servers of tests running at once never collide.
class RedisServer {
 public:
  RedisServer() {
    using namespace std::chrono_literals;
    // A port the kernel says is free now; another process may take it
    // before redis-server binds it, so a server that exits is started
    // again on a new port.
    for (int attempt = 0; attempt < 10; ++attempt) {
      port_ = FreePort();
      pid_ = fork();
      if (pid_ == 0) {
        std::string port = std::to_string(port_);
        execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save",
               "", "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
        _exit(127);
      }
      for (int i = 0; i < 100; ++i) {
        auto store = Store();
        if (store->TryClaim("ping", 10ms).ok()) return;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken, or not installed
          pid_ = -1;
          if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
            FAIL("redis-server could not be run (is it installed?)");
          }
          break;
        }
        std::this_thread::sleep_for(50ms);
      }
      if (pid_ > 0) break;  // running but not answering: give up below
    }
    Stop();
    FAIL("redis-server did not start on a free loopback port (last tried " << port_ << ")");
  }
  ~RedisServer() { Stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  int port() const { return port_; }

  // A loopback port free at the time of the call.
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    if (fd >= 0) close(fd);
    return port;
  }
  std::string Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  RedisOptions Options(std::string prefix = "test:") const {
    RedisOptions o;
    o.port = port_;
    o.key_prefix = std::move(prefix);
    return o;
  }
  std::unique_ptr<IdempotencyStore> Store() const { return NewRedisIdempotencyStore(Options()); }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace proact::testing

#endif  // PROACT_TESTS_REDIS_SERVER_H_
