// A real redis-server on a loopback port for the life of a test (tests of
// shared state: idempotency, rate limits).
#ifndef PROACT_TESTS_REDIS_SERVER_H_
#define PROACT_TESTS_REDIS_SERVER_H_

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "proact/idempotency.h"

namespace proact::testing {

// Started with no persistence (tests only). `port_offset` lets one process
// run two servers at once.
class RedisServer {
 public:
  explicit RedisServer(int port_offset = 0) {
    using namespace std::chrono_literals;
    port_ = 20000 + static_cast<int>((getpid() + port_offset) % 20000);
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      auto store = Store();
      if (store->TryClaim("ping", 10ms).ok()) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL("redis-server did not start on port " << port_ << " (is it installed?)");
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
