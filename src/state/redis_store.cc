// Shared state in Redis: the idempotency store (SET NX PX claims with
// per-claim tokens, and compare-and-set scripts so that a caller never
// completes or releases a claim it no longer owns) and the rate-limit
// counter (one script per hit), over one connection class.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <mutex>

#include "proact/export.h"
#include "proact/guard.h"
#include "proact/idempotency.h"
#include "util/environment.h"

namespace proact {

namespace internal {
PROACT_EXPORT std::string NewClaimToken();
}  // namespace internal

namespace {

constexpr const char kCompleteScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2]) else return nil end";
constexpr const char kReleaseScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

// One hiredis connection: connects lazily, reconnects after an error, and
// turns every failure into kIoError naming the server. Not thread-safe: its
// owner serializes calls.
class Connection {
 public:
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

  explicit Connection(RedisOptions options) : options_(std::move(options)) {}
  ~Connection() {
    if (ctx_ != nullptr) redisFree(ctx_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const RedisOptions& options() const { return options_; }
  std::string Key(std::string_view key) const { return options_.key_prefix + std::string(key); }
  std::string Where() const { return "redis at " + options_.host + ":" + std::to_string(options_.port); }

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

 private:
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

  RedisOptions options_;
  redisContext* ctx_ = nullptr;
};

class RedisStore : public IdempotencyStore {
 public:
  explicit RedisStore(RedisOptions options) : redis_(std::move(options)) {}

  Result<Claim> TryClaim(std::string_view key, std::chrono::milliseconds ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string full = redis_.Key(key);
    std::string token = "inflight:" + internal::NewClaimToken();
    for (int attempt = 0; attempt < 2; ++attempt) {
      Connection::Reply set = redis_.Command("SET %b %b NX PX %lld", full.data(), full.size(), token.data(),
                                             token.size(), static_cast<long long>(ttl.count()));
      if (!set.ok()) return set.status;
      if (set.reply->type == REDIS_REPLY_STATUS) return Claim{ClaimState::kClaimed, token};
      Connection::Reply get = redis_.Command("GET %b", full.data(), full.size());
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
    std::string full = redis_.Key(key);
    std::string ttl = std::to_string(done_ttl.count());
    Connection::Reply r = redis_.Command("EVAL %s 1 %b %b %b", kCompleteScript, full.data(), full.size(),
                                         token.data(), token.size(), ttl.data(), ttl.size());
    if (!r.ok()) return r.status;
    if (r.reply->type == REDIS_REPLY_NIL) {
      return Status(StatusCode::kNotFound, "claim on '" + std::string(key) + "' was lost");
    }
    return Status::Ok();
  }

  Status Release(std::string_view key, std::string_view token) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string full = redis_.Key(key);
    Connection::Reply r =
        redis_.Command("EVAL %s 1 %b %b", kReleaseScript, full.data(), full.size(), token.data(), token.size());
    return r.ok() ? Status::Ok() : r.status;
  }

 private:
  std::mutex mu_;
  Connection redis_;
};

// KEYS[1]: the window's counter; KEYS[2] (absent for an event without an
// id): the event's admission marker. ARGV: window TTL (ms), max, how long
// an admitted id is remembered (ms). A remembered id returns its position
// and counts nothing; otherwise the window counts one more, and a position
// within the limit is remembered. One script, so atomic across instances.
constexpr const char kRateHitScript[] =
    "if KEYS[2] then local p = redis.call('GET', KEYS[2]) if p then return tonumber(p) end end "
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
    "if KEYS[2] and n <= tonumber(ARGV[2]) then redis.call('SET', KEYS[2], n, 'PX', ARGV[3]) end "
    "return n";

// A fixed-window counter that remembers the events it admitted.
class RedisRateCounter : public RateCounter {
 public:
  using Clock = std::chrono::system_clock;
  RedisRateCounter(RedisOptions options, std::function<Clock::time_point()> now)
      : redis_(std::move(options)), now_(now ? std::move(now) : [] { return Clock::now(); }) {}

  Result<std::uint64_t> Hit(std::string_view key, std::string_view event_id,
                            const RateLimit& limit) override {
    std::int64_t secs = std::max<std::int64_t>(1, limit.window.count());
    std::int64_t index =
        std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count() / secs;
    std::string window_key = redis_.Key(key) + ":w:" + std::to_string(index);
    std::string window_ttl = std::to_string(secs * 2000);
    std::string max = std::to_string(limit.max);
    std::string remember = std::to_string(std::max<std::int64_t>(1, limit.remember.count()));
    std::string id_key = event_id.empty() ? std::string()
                                          : redis_.Key(key) + ":id:" + std::to_string(event_id.size()) +
                                                ":" + std::string(event_id);
    std::lock_guard<std::mutex> lock(mu_);
    Connection::Reply r =
        event_id.empty()
            ? redis_.Command("EVAL %s 1 %b %b %b %b", kRateHitScript, window_key.data(), window_key.size(),
                             window_ttl.data(), window_ttl.size(), max.data(), max.size(), remember.data(),
                             remember.size())
            : redis_.Command("EVAL %s 2 %b %b %b %b %b", kRateHitScript, window_key.data(), window_key.size(),
                             id_key.data(), id_key.size(), window_ttl.data(), window_ttl.size(), max.data(),
                             max.size(), remember.data(), remember.size());
    if (!r.ok()) return r.status;
    if (r.reply->type != REDIS_REPLY_INTEGER || r.reply->integer < 1) {
      return Status(StatusCode::kIoError, redis_.Where() + ": unexpected reply to the rate-limit script");
    }
    return static_cast<std::uint64_t>(r.reply->integer);
  }

 private:
  std::mutex mu_;
  Connection redis_;
  std::function<Clock::time_point()> now_;
};

}  // namespace

std::unique_ptr<RateCounter> NewRedisRateCounter(
    RedisOptions options, std::function<std::chrono::system_clock::time_point()> now) {
  return std::make_unique<RedisRateCounter>(std::move(options), std::move(now));
}

Result<IdempotencyConfig> IdempotencyFromEnvironment() {
  IdempotencyConfig config;
  const char* failure = internal::GetEnv("PROACT_IDEMPOTENCY_ON_FAILURE");
  std::string on_failure = failure ? failure : "closed";
  if (on_failure != "closed" && on_failure != "open") {
    return Status(StatusCode::kInvalidArgument,
                  "PROACT_IDEMPOTENCY_ON_FAILURE must be 'closed' or 'open', not '" + on_failure + "'");
  }
  config.on_failure = on_failure == "open" ? StoreFailurePolicy::kFailOpen : StoreFailurePolicy::kFailClosed;
  const char* store = internal::GetEnv("PROACT_IDEMPOTENCY");
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
    config.redis = options;
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
