// The Redis idempotency store: SET NX PX claims with per-claim tokens, and
// compare-and-set scripts so that a caller never completes or releases a
// claim it no longer owns.
#include <hiredis/hiredis.h>

#include <mutex>

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

}  // namespace

std::unique_ptr<IdempotencyStore> NewRedisIdempotencyStore(RedisOptions options) {
  return std::make_unique<RedisStore>(std::move(options));
}

}  // namespace proact
