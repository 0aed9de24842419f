// The Redis idempotency store: SET NX PX claims with per-claim tokens, and
// compare-and-set scripts so that a caller never completes or releases a
// claim it no longer owns.
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <mutex>

#include "proact/guard.h"
#include "proact/idempotency.h"

namespace proact {

namespace internal {
std::string NewClaimToken();
}  // namespace internal

namespace {

constexpr const char kCompleteScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2]) else return nil end";
constexpr const char kReleaseScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

class RedisStore : public IdempotencyStore {
 public:
  explicit RedisStore(RedisOptions options) : options_(std::move(options)) {}
  ~RedisStore() override {
    if (ctx_ != nullptr) redisFree(ctx_);
  }

  Result<Claim> TryClaim(std::string_view key, std::chrono::milliseconds ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string full = options_.key_prefix + std::string(key);
    std::string token = "inflight:" + internal::NewClaimToken();
    for (int attempt = 0; attempt < 2; ++attempt) {
      Reply set = Command("SET %b %b NX PX %lld", full.data(), full.size(), token.data(), token.size(),
                          static_cast<long long>(ttl.count()));
      if (!set.ok()) return set.status;
      if (set.reply->type == REDIS_REPLY_STATUS) return Claim{ClaimState::kClaimed, token};
      Reply get = Command("GET %b", full.data(), full.size());
      if (!get.ok()) return get.status;
      if (get.reply->type == REDIS_REPLY_STRING) {
        std::string value(get.reply->str, get.reply->len);
        return Claim{value == "done" ? ClaimState::kAlreadyDone : ClaimState::kInFlight, ""};
      }
      // Expired between SET and GET: try once more.
    }
    return Claim{ClaimState::kInFlight, ""};
  }

  Status Complete(std::string_view key, std::string_view token, std::chrono::milliseconds done_ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string full = options_.key_prefix + std::string(key);
    std::string ttl = std::to_string(done_ttl.count());
    Reply r = Command("EVAL %s 1 %b %b %b", kCompleteScript, full.data(), full.size(), token.data(),
                      token.size(), ttl.data(), ttl.size());
    if (!r.ok()) return r.status;
    if (r.reply->type == REDIS_REPLY_NIL) {
      return Status(StatusCode::kNotFound, "claim on '" + std::string(key) + "' was lost");
    }
    return Status::Ok();
  }

  Status Release(std::string_view key, std::string_view token) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string full = options_.key_prefix + std::string(key);
    Reply r = Command("EVAL %s 1 %b %b", kReleaseScript, full.data(), full.size(), token.data(), token.size());
    return r.ok() ? Status::Ok() : r.status;
  }

 private:
  struct Reply {
    redisReply* reply = nullptr;
    Status status;
    bool ok() const { return reply != nullptr; }
    Reply() = default;
    Reply(Reply&& o) noexcept : reply(o.reply), status(o.status) { o.reply = nullptr; }
    ~Reply() {
      if (reply != nullptr) freeReplyObject(reply);
    }
  };

  std::string Where() const { return "redis at " + options_.host + ":" + std::to_string(options_.port); }

  bool Connect(Status* error) {
    if (ctx_ != nullptr) return true;
    timeval tv{static_cast<time_t>(options_.timeout.count() / 1000),
               static_cast<suseconds_t>((options_.timeout.count() % 1000) * 1000)};
    ctx_ = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
    if (ctx_ == nullptr || ctx_->err) {
      *error = Status(StatusCode::kIoError,
                      Where() + ": " + (ctx_ ? std::string(ctx_->errstr) : std::string("cannot allocate")));
      if (ctx_ != nullptr) redisFree(ctx_);
      ctx_ = nullptr;
      return false;
    }
    redisSetTimeout(ctx_, tv);
    return true;
  }

  template <typename... Args>
  Reply Command(const char* format, Args... args) {
    Reply r;
    if (!Connect(&r.status)) return r;
    r.reply = static_cast<redisReply*>(redisCommand(ctx_, format, args...));
    if (r.reply == nullptr) {
      r.status = Status(StatusCode::kIoError, Where() + ": " + ctx_->errstr);
      redisFree(ctx_);  // reconnect on the next command
      ctx_ = nullptr;
      return r;
    }
    if (r.reply->type == REDIS_REPLY_ERROR) {
      r.status = Status(StatusCode::kIoError, Where() + ": " + std::string(r.reply->str, r.reply->len));
      freeReplyObject(r.reply);
      r.reply = nullptr;
    }
    return r;
  }

  RedisOptions options_;
  std::mutex mu_;
  redisContext* ctx_ = nullptr;
};

// A fixed-window counter: INCR on the window's key, which expires with it.
class RedisRateCounter : public RateCounter {
 public:
  explicit RedisRateCounter(RedisOptions options) : options_(std::move(options)) {}
  ~RedisRateCounter() override {
    if (ctx_ != nullptr) redisFree(ctx_);
  }

  Result<std::uint64_t> Hit(std::string_view key, std::chrono::seconds window) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::int64_t secs = std::max<std::int64_t>(1, window.count());
    std::int64_t index = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count() / secs;
    std::string full = options_.key_prefix + std::string(key) + ":" + std::to_string(index);
    std::string where = "redis at " + options_.host + ":" + std::to_string(options_.port);
    if (ctx_ == nullptr) {
      timeval tv{static_cast<time_t>(options_.timeout.count() / 1000),
                 static_cast<suseconds_t>((options_.timeout.count() % 1000) * 1000)};
      ctx_ = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
      if (ctx_ == nullptr || ctx_->err) {
        std::string err = ctx_ ? ctx_->errstr : "cannot allocate";
        if (ctx_ != nullptr) redisFree(ctx_);
        ctx_ = nullptr;
        return Status(StatusCode::kIoError, where + ": " + err);
      }
      redisSetTimeout(ctx_, tv);
    }
    std::string ttl = std::to_string(secs * 2000);
    const char* script = "local n = redis.call('INCR', KEYS[1]) "
                         "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
    auto* reply = static_cast<redisReply*>(
        redisCommand(ctx_, "EVAL %s 1 %b %b", script, full.data(), full.size(), ttl.data(), ttl.size()));
    if (reply == nullptr) {
      std::string err = ctx_->errstr;
      redisFree(ctx_);
      ctx_ = nullptr;
      return Status(StatusCode::kIoError, where + ": " + err);
    }
    Result<std::uint64_t> out = reply->type == REDIS_REPLY_INTEGER
                                    ? Result<std::uint64_t>(static_cast<std::uint64_t>(reply->integer))
                                    : Result<std::uint64_t>(Status(StatusCode::kIoError, where + ": unexpected reply"));
    freeReplyObject(reply);
    return out;
  }

 private:
  RedisOptions options_;
  std::mutex mu_;
  redisContext* ctx_ = nullptr;
};

}  // namespace

std::unique_ptr<RateCounter> NewRedisRateCounter(RedisOptions options) {
  return std::make_unique<RedisRateCounter>(std::move(options));
}

Result<IdempotencyConfig> IdempotencyFromEnvironment() {
  IdempotencyConfig config;
  const char* failure = std::getenv("PROACT_IDEMPOTENCY_ON_FAILURE");
  std::string on_failure = failure ? failure : "closed";
  if (on_failure != "closed" && on_failure != "open") {
    return Status(StatusCode::kInvalidArgument,
                  "PROACT_IDEMPOTENCY_ON_FAILURE must be 'closed' or 'open', not '" + on_failure + "'");
  }
  config.on_failure = on_failure == "open" ? StoreFailurePolicy::kFailOpen : StoreFailurePolicy::kFailClosed;
  const char* store = std::getenv("PROACT_IDEMPOTENCY");
  std::string spec = store ? store : "memory";
  if (spec == "memory") {
    config.store = NewMemoryIdempotencyStore();
  } else if (spec.rfind("redis://", 0) == 0) {
    std::string rest = spec.substr(8);
    std::size_t colon = rest.rfind(':');
    RedisOptions options;
    options.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      char* end = nullptr;
      long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
      if (*end != '\0' || port <= 0 || port > 65535) {
        return Status(StatusCode::kInvalidArgument, "PROACT_IDEMPOTENCY: bad port in '" + spec + "'");
      }
      options.port = static_cast<int>(port);
    }
    if (options.host.empty()) {
      return Status(StatusCode::kInvalidArgument, "PROACT_IDEMPOTENCY: no host in '" + spec + "'");
    }
    config.store = NewRedisIdempotencyStore(options);
  } else {
    return Status(StatusCode::kInvalidArgument,
                  "PROACT_IDEMPOTENCY must be 'memory' or 'redis://HOST:PORT', not '" + spec + "'");
  }
  config.description = spec + ", fail-" + on_failure;
  return config;
}

std::unique_ptr<IdempotencyStore> NewRedisIdempotencyStore(RedisOptions options) {
  return std::make_unique<RedisStore>(std::move(options));
}

}  // namespace proact
