// Normalizer: raw payloads from every supported source into EventBridge
// envelopes.
//
// SaaS products and clouds deliver events in their own shapes and through
// several delivery paths (EventBridge, SQS, SNS, Kinesis and DynamoDB
// streams, Amazon MSK and self-managed Kafka, Kinesis Data Firehose
// transformation, EventBridge Pipes batches, Lambda Function URL / API
// Gateway / ALB requests, Pub/Sub push, Eventarc, Event Grid). The
// Normalizer recognizes the payload, unwraps delivery envelopes (each inner
// message becomes its own event) and maps every event onto the EventBridge
// envelope (version, id, detail-type, source, account, time, region,
// resources, detail), keeping the source's payload in `detail`. The mapping
// of every source is documented in docs/sources.md. Every event produced
// has a string `source` and `detail-type`, which Engine::Evaluate requires
// unless EngineOptions::raw_events.
//
// Webhooks are authenticated before anything is read from them: with a
// secret configured for a scheme (GitHub, Slack, a generic HMAC header), a
// request of that scheme that is unsigned or badly signed is rejected and
// never normalized. Verification handshakes (Okta event hook, Slack URL
// verification) produce a Challenge for the host to answer.
//
// Thread-safety: Normalize() is const and may be called from many threads
// at once. AddSource() must not run concurrently with Normalize().
#ifndef PROACT_NORMALIZER_H_
#define PROACT_NORMALIZER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/export.h"
#include "proact/policy_set.h"

namespace proact {

namespace internal {
struct NormalizerRep;
}  // namespace internal

// HTTP headers as received; names are compared case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct NormalizedEvent {
  std::string json;        // the envelope, compact JSON
  std::string kind;        // recognizers that produced it, outermost first,
                           // e.g. "sqs/sns/eventbridge" or "function-url/github"
  std::string origin;      // where in the payload, e.g. "Records[2].body"
  // The item identifier of the batch item it came from ("" when it did not
  // come from one): the SQS messageId; a Kinesis or DynamoDB stream
  // record's sequence number; "<topic>-<partition>/<offset>" for a Kafka
  // record (its `records` key, a slash, its offset); a Firehose recordId;
  // in an EventBridge Pipes batch, an SQS messageId or a stream record's
  // eventID. The outermost batch names it: an SQS message whose body is
  // itself a batch keeps the messageId. (The name predates the other
  // deliveries.)
  std::string message_id;
};

// A part of the payload that could not be normalized. The rest of the
// payload is still normalized.
struct NormalizeError {
  std::string origin;      // e.g. "Records[1].body", "" for the whole payload
  std::string message_id;  // as NormalizedEvent::message_id
  std::string message;     // the reason, naming what was tried
  bool unauthenticated = false;  // rejected by webhook verification
};

// How the invoker of a delivery expects to hear which items failed; see
// docs/adapters.md for the Lambda answers.
enum class DeliveryAnswer {
  kNone,             // no per-item answer (a single event, SNS, S3, logs...)
  kItemFailures,     // {"batchItemFailures":[{"itemIdentifier":id}]}, every
                     // failed item (SQS, EventBridge Pipes)
  kStreamCheckpoint, // the same, naming only the first failed item in batch
                     // order (Kinesis, DynamoDB streams)
  kKafkaCheckpoint,  // the first failed record of each topic-partition:
                     // {"itemIdentifier":{"partition":"<topic>-<n>","offset":n}}
  kFirehoseRecords,  // {"records":[{"recordId","result","data"}]}, every item
  kHttp,             // an HTTP response (Function URL, API Gateway, ALB)
};

// One item of a batch delivery, in delivery order.
struct DeliveryItem {
  std::string id;         // as NormalizedEvent::message_id
  // Items with the same non-empty key are processed in order: once one
  // fails, every later item with that key fails too, unprocessed (an SQS
  // FIFO queue: its ARN; a stream shard: "shard"; a Kafka topic-partition:
  // its `records` key). "" for items without an order.
  std::string order_key;
  std::string data;       // Firehose: the record's data (base64), as received
};

// The host must answer the request with this, instead of evaluating it.
struct Challenge {
  int status = 200;
  std::string content_type;
  std::string body;
};

// One source definition tried on (a part of) a payload; recorded only when
// Normalizer::set_explain_sources(true).
struct SourceAttempt {
  std::string origin;      // where in the payload, as NormalizedEvent::origin
  std::string source;      // the definition's name
  std::string defined_at;  // FILE:LINE ("(built-in) rules/sources/..." for shipped ones)
  bool recognized = false;
  // When not recognized: its `recognize` pattern's field tests against the
  // request document (what each field held), one per line.
  std::string explanation;
};

// An HTTP request as a host's own server received it (proact serve).
struct HttpRequest {
  std::string method = "POST";
  std::string path = "/";
  std::string query;  // the raw query string, without '?' (percent-encoded)
  Headers headers;
  std::string_view body;  // as received
};

struct NormalizeResult {
  std::vector<NormalizedEvent> events;
  std::vector<NormalizeError> errors;
  std::optional<Challenge> challenge;  // a verification handshake
  // The outermost delivery envelope unwrapped, "" when none (an event as
  // it is, a CloudTrail log file, a SaaS payload): "sqs", "sns", "kinesis",
  // "dynamodb", "s3", "kafka", "firehose", "pipes", "cloudwatch-logs",
  // "pubsub-push", "function-url", "api-gateway-v1", "api-gateway-v2",
  // "alb", or "http" (a body given with its headers, or NormalizeRequest). The table is in
  // docs/sources.md.
  std::string delivery;
  DeliveryAnswer answer = DeliveryAnswer::kNone;
  // The items of a batch delivery that have an identifier, in delivery
  // order (an item that failed to normalize is here too). Empty otherwise.
  std::vector<DeliveryItem> items;
  std::vector<SourceAttempt> source_attempts;  // see SourceAttempt
};

// One header-carried HMAC signature scheme (for SaaS not built in).
struct HmacScheme {
  std::string name;           // for messages, e.g. "stripe"
  std::string header;         // e.g. "X-Signature"
  std::string secret;
  std::string algorithm = "sha256";  // sha256, sha1 or sha512
  std::string encoding = "hex";      // hex or base64
  std::string prefix;         // text before the digest, e.g. "sha256="
};

// Secrets supplied by the host (never stored in policies). An empty secret
// disables that verification.
struct WebhookSecrets {
  // By name: the `authenticate.secret` of source definitions
  // (docs/sources.md#sources-as-data), e.g. {"pagerduty", "..."}. The
  // fields github, slack and okta_authorization below are the shipped
  // definitions' secrets "github", "slack" and "okta" (a named entry wins).
  std::map<std::string, std::string> named;
  std::string github;  // webhook secret: X-Hub-Signature-256
  std::string slack;   // signing secret: X-Slack-Signature v0
  // Okta event hooks: the expected value of the Authorization header.
  std::string okta_authorization;
  std::vector<HmacScheme> hmac;
  // When true, HTTP requests that no configured scheme authenticates are
  // rejected.
  bool require_signature = false;
  // Largest age of a signed Slack request, in seconds.
  std::int64_t max_clock_skew_seconds = 300;
  // Current time in seconds since the epoch (tests set it).
  std::function<std::int64_t()> now;
};

// A recognizer for a source proact does not know; see docs/sources.md.
struct CustomSource {
  std::string name;  // appears in NormalizedEvent::kind
  // True when this source should take the payload (a parsed JSON value, with
  // the HTTP headers when it arrived in a request).
  std::function<bool(const nlohmann::json& payload, const Headers& headers)> detect;
  // Appends one or more envelopes (objects; missing envelope fields are
  // filled with defaults). Returns "" or an error message. An envelope that
  // is not an object, or whose `source` or `detail-type` is not a string, is
  // reported in NormalizeResult::errors instead: Engine::Evaluate would
  // refuse it.
  std::function<std::string(const nlohmann::json& payload, const Headers& headers,
                            std::vector<nlohmann::json>* envelopes)>
      convert;
};

class PROACT_EXPORT Normalizer {
 public:
  Normalizer();
  explicit Normalizer(WebhookSecrets secrets);
  ~Normalizer();
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;

  // Adds a recognizer, tried before the built-in ones, in the order added.
  void AddSource(CustomSource source);

  // Adds the source definitions (`sources:` sections) of `set`, tried in
  // their load order before the shipped ones (rules/sources/, built into
  // the library); a definition named like a shipped one replaces it. The
  // set's program is shared, so `set` need not outlive the Normalizer.
  // Must not be called after the first Normalize().
  void AddSources(const PolicySet& set);

  // Records in NormalizeResult::source_attempts which definition
  // recognized each part of a payload and why the others did not
  // (`proact normalize --explain-sources`). Slower: for diagnosis only.
  void set_explain_sources(bool on);

  // Normalizes one payload: JSON text (an event, a batch, a delivery
  // envelope), with the HTTP headers when it is a request body. Never
  // throws; every problem is in result.errors.
  NormalizeResult Normalize(std::string_view payload,
                            const Headers& headers = {}) const;

  // The same, into `*out`, whose previous contents are replaced: its
  // vectors and the strings of its events keep their capacity, so a caller
  // that reuses one NormalizeResult per thread allocates nothing per
  // payload in steady state on the fast path (EventBridge envelopes, bare
  // CloudTrail records and log files, SQS and SNS deliveries of either,
  // when no custom source is added and no headers are given; see
  // docs/sources.md). The output is the same either way.
  void Normalize(std::string_view payload, const Headers& headers,
                 NormalizeResult* out) const;

  // True when Normalize(payload, headers) passes an EventBridge envelope
  // on byte for byte (no custom source added, no headers, not explaining
  // sources), as Engine::EvaluateEnvelope requires.
  bool PassesEnvelopesOn(const Headers& headers) const;

  // Normalizes one HTTP request: as Normalize(body, headers), with the
  // method, path and query parameters that source definitions may read
  // (a handshake token in the query, for example).
  void NormalizeRequest(const HttpRequest& request, NormalizeResult* out) const;

 private:
  std::unique_ptr<internal::NormalizerRep> rep_;
};

}  // namespace proact

#endif  // PROACT_NORMALIZER_H_
