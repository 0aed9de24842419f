// Helpers for the host adapter tests: child processes, and a loopback HTTP
// server that records what it receives (cpp-httplib).
#ifndef PROACT_TESTS_HOST_HOST_TEST_UTIL_H_
#define PROACT_TESTS_HOST_HOST_TEST_UTIL_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../test_util.h"

extern char** environ;

namespace proact::testing {

inline std::string Corpus(const std::string& rel) {
  return ReadFile(std::string(PROACT_TESTDATA_DIR) + "/corpus/" + rel);
}

// A child process with extra environment variables; stdout and stderr go
// to `log_path`.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
        const std::string& log_path) {
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      std::string key = kv.substr(0, kv.find('='));
      if (env.count(key) == 0 && key.rfind("PROACT_", 0) != 0 && key != "AWS_LAMBDA_RUNTIME_API" &&
          key != "PORT" && key != "FUNCTIONS_CUSTOMHANDLER_PORT") {
        envs.push_back(kv);
      }
    }
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    start_ = std::chrono::steady_clock::now();
    if (posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), cenv.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::chrono::steady_clock::time_point start() const { return start_; }
  void Signal(int sig) {
    if (pid_ > 0 && !exited_) kill(pid_, sig);
  }
  // Waits up to `timeout` for the process to end; returns its exit status
  // (128 + signal when killed), or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::chrono::steady_clock::time_point start_;
};

// A loopback server that records POSTed bodies and answers with a scripted
// sequence of statuses (the last one repeats) after an optional delay.
class Receiver {
 public:
  struct Request {
    std::string path;
    std::string body;
    std::map<std::string, std::string> headers;
  };

  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int status;
      std::chrono::milliseconds delay;
      {
        std::lock_guard<std::mutex> lock(mu_);
        Request r{req.path, req.body, {}};
        for (const auto& [k, v] : req.headers) r.headers[k] = v;
        requests_.push_back(std::move(r));
        status = statuses_.empty() ? 200 : statuses_.front();
        if (statuses_.size() > 1) statuses_.pop_front();
        delay = delay_;
      }
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      res.status = status;
      res.set_content("{\"ok\":" + std::string(status < 300 ? "true" : "false") + "}",
                      "application/json");
    });
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void Script(std::deque<int> statuses, std::chrono::milliseconds delay = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    statuses_ = std::move(statuses);
    delay_ = delay;
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Request> requests_;
  std::deque<int> statuses_;
  std::chrono::milliseconds delay_{0};
};

// A Lambda Runtime API (2018-06-01) served on loopback, written from the
// published API: invocation/next (long poll), invocation/{id}/response,
// invocation/{id}/error and init/error.
class RuntimeApi {
 public:
  struct Answer {
    std::string kind;  // "response" or "error"
    std::string body;
    std::string error_type;
  };

  RuntimeApi() {
    const std::string base = "/2018-06-01/runtime";
    server_.Get(base + "/invocation/next", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      if (next_calls_++ == 0) first_next_ = std::chrono::steady_clock::now();
      cv_.notify_all();
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        res.status = 500;
        return;
      }
      Invocation inv = std::move(queue_.front());
      queue_.pop_front();
      res.set_header("Lambda-Runtime-Aws-Request-Id", inv.id);
      res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(inv.deadline_ms));
      res.set_header("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:us-east-1:123456789012:function:proact");
      res.set_header("Lambda-Runtime-Trace-Id",
                     "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
      res.set_content(inv.body, "application/json");
    });
    server_.Post(base + R"(/invocation/([^/]+)/(response|error))",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard<std::mutex> lock(mu_);
                   Answer a{req.matches[2], req.body,
                            req.get_header_value("Lambda-Runtime-Function-Error-Type")};
                   answers_[req.matches[1]] = std::move(a);
                   cv_.notify_all();
                   res.status = 202;
                   res.set_content("{\"status\":\"OK\"}", "application/json");
                 });
    server_.Post(base + "/init/error", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      init_error_ = Answer{"init-error", req.body,
                           req.get_header_value("Lambda-Runtime-Function-Error-Type")};
      cv_.notify_all();
      res.status = 202;
      res.set_content("{\"status\":\"OK\"}", "application/json");
    });
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~RuntimeApi() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    server_.stop();
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Queues an invocation whose deadline is `budget` from now.
  void Invoke(const std::string& id, const std::string& body, std::chrono::milliseconds budget = std::chrono::seconds(30)) {
    long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({id, body, now_ms + budget.count()});
    cv_.notify_all();
  }
  // Waits for the answer to invocation `id`.
  std::optional<Answer> Wait(const std::string& id, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return answers_.count(id) > 0; })) return std::nullopt;
    return answers_[id];
  }
  std::optional<Answer> WaitInitError(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return init_error_.has_value(); });
    return init_error_;
  }
  // Waits until the runtime has asked for `n` invocations.
  bool WaitNextCalls(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return next_calls_ >= n; });
  }
  std::chrono::steady_clock::time_point first_next() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_next_;
  }

 private:
  struct Invocation {
    std::string id, body;
    long long deadline_ms;
  };
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Invocation> queue_;
  std::map<std::string, Answer> answers_;
  std::optional<Answer> init_error_;
  int next_calls_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point first_next_;
};

}  // namespace proact::testing

#endif  // PROACT_TESTS_HOST_HOST_TEST_UTIL_H_
