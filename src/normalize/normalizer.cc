#include "proact/normalizer.h"

#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "normalize/codec.h"
#include "normalize/fast_path.h"
#include "normalize/source_runner.h"
#include "normalize/sources.h"
#include "normalize/webhook_auth.h"
#include "program/api_access.h"
#include "util/json_parse.h"
#include "util/utf8.h"

namespace proact {

using internal::Json;
using internal::Str;
using internal::StrAt;

struct internal::NormalizerRep {
  WebhookSecrets secrets;
  std::vector<CustomSource> custom;
  // Source definitions added with AddSources, in order, and the programs
  // holding them.
  std::vector<std::shared_ptr<const internal::Program>> programs;
  std::vector<internal::SourceRef> added;
  bool explain_sources = false;

  // The definitions tried: the added ones, then the built-in ones whose
  // name none of them takes. Built on first use (the built-in definitions
  // are compiled then, not at start-up).
  const std::vector<internal::SourceRef>& Sources() const {
    std::call_once(sources_once, [this] {
      sources = added;
      for (const internal::SourceRef& b : internal::BuiltinSources()) {
        bool replaced = false;
        for (const internal::SourceRef& a : added) replaced |= a.def->name == b.def->name;
        if (!replaced) sources.push_back(b);
      }
    });
    return sources;
  }
  mutable std::once_flag sources_once;
  mutable std::vector<internal::SourceRef> sources;
};

namespace {

constexpr int kMaxEnvelopeDepth = 8;        // envelopes inside envelopes
constexpr std::size_t kMaxInflated = 64u << 20;

struct Ctx {
  std::string kind;        // recognizers so far, "a/b"
  std::string origin;      // path inside the payload
  std::string message_id;  // SQS messageId
  std::string request_time;
  std::string request_id;
  int depth = 0;
  // Source definitions already ran on the value at this depth (an HTTP
  // request's body): not again, without the request's headers.
  int sources_ran_at = -1;

  Ctx Inner(std::string_view k, std::string_view where) const {
    Ctx c = *this;
    c.kind = kind.empty() ? std::string(k) : kind + "/" + std::string(k);
    c.origin = origin + std::string(where);
    c.depth = depth + 1;
    return c;
  }
};

std::string KeysOf(const Json& j) {
  if (!j.is_object()) return j.is_array() ? "an array" : std::string("a ") + j.type_name();
  std::string out = "keys: ";
  int n = 0;
  for (auto it = j.begin(); it != j.end() && n < 8; ++it, ++n) {
    out += (n ? ", " : "") + it.key();
  }
  if (j.size() > 8) out += ", ...";
  return out;
}

class Run {
 public:
  Run(const internal::NormalizerRep& rep, NormalizeResult* out) : rep_(rep), out_(out) {}

  // Parses and normalizes JSON text.
  void Text(std::string_view text, const Headers& headers, const Ctx& ctx) {
    Json j;
    if (!Parse(text, ctx, &j)) return;
    if (ctx.depth == 0 && internal::IsEventBridge(j)) {
      // Already an envelope: passed on byte for byte.
      NormalizedEvent e;
      e.json = Trim(text);
      e.kind = "eventbridge";
      out_->events.push_back(std::move(e));
      return;
    }
    if (!TryValue(j, headers, ctx)) Unrecognized(j, ctx);
  }

  // Normalizes a parsed value; false when nothing recognizes it.
  bool TryValue(const Json& j, const Headers& headers, const Ctx& ctx) {
    if (ctx.depth > kMaxEnvelopeDepth) {
      Error(ctx, "envelopes nested deeper than " + std::to_string(kMaxEnvelopeDepth) + " levels");
      return true;
    }
    for (const CustomSource& source : rep_.custom) {
      if (!source.detect || !source.detect(j, headers)) continue;
      std::vector<Json> envelopes;
      std::string err = source.convert ? source.convert(j, headers, &envelopes)
                                       : "custom source has no converter";
      if (!err.empty()) {
        Error(ctx, source.name + ": " + err);
        return true;
      }
      for (Json& e : envelopes) {
        if (!e.is_object()) {
          Error(ctx, source.name + ": the converter produced " + std::string(e.type_name()) +
                         ", not an envelope object");
          continue;
        }
        internal::CompleteEnvelope(&e);
        // The engine refuses an envelope without these as strings.
        if (!internal::IsEventBridge(e)) {
          Error(ctx, source.name + ": the converter's envelope has a \"source\" or \"detail-type\" "
                                   "that is not a string");
          continue;
        }
        Emit(std::move(e), ctx, source.name);
      }
      return true;
    }
    if (Delivery(j, ctx)) return true;
    if (j.is_array()) {
      if (j.empty()) {
        Error(ctx, "empty array: no events");
        return true;
      }
      for (std::size_t i = 0; i < j.size(); ++i) {
        Ctx c = ctx.Inner("batch", "[" + std::to_string(i) + "]");
        c.kind = ctx.kind;  // a batch adds no meaning
        if (!TryValue(j[i], headers, c)) Unrecognized(j[i], c);
      }
      return true;
    }
    if (!j.is_object()) return false;
    // Records no delivery envelope claims: a CloudTrail log file, or empty.
    if (j.contains("Records") && j["Records"].is_array()) {
      return Records(j["Records"], ctx, ctx.depth == 0);
    }
    if (internal::IsEventBridge(j)) return Emit(j, ctx, "eventbridge");
    if (internal::IsCloudEvent(j)) {
      std::string type = Str(j, "type");
      // (const operator[] on a missing key is undefined: `data` may be absent
      // when the event carries data_base64 instead.)
      if (type == "google.cloud.audit.log.v1.written" && j.contains("data") &&
          internal::IsGcpAuditLogEntry(j["data"])) {
        return Emit(internal::GcpAuditEnvelope(j["data"]), ctx, "eventarc/gcp-audit-log");
      }
      if (internal::IsAzureCloudEvent(j)) {
        return Emit(internal::AzureCloudEventEnvelope(j), ctx, "azure-cloudevent");
      }
      return Emit(internal::CloudEventEnvelope(j), ctx, "cloudevent");
    }
    if (internal::IsEventGridEvent(j)) {
      if (Str(j, "eventType") == "Microsoft.EventGrid.SubscriptionValidationEvent" &&
          internal::HasObject(j, "data") && internal::HasString(j["data"], "validationCode")) {
        // Event Grid's subscription handshake: echo the code back.
        Json answer = {{"validationResponse", j["data"]["validationCode"]}};
        out_->challenge = Challenge{200, "application/json", answer.dump()};
        return true;
      }
      return Emit(internal::EventGridEnvelope(j), ctx, "azure-event-grid");
    }
    if (internal::IsGcpAuditLogEntry(j)) return Emit(internal::GcpAuditEnvelope(j), ctx, "gcp-audit-log");
    if (internal::IsAzureActivityLog(j)) {
      return Emit(internal::AzureActivityLogEnvelope(j), ctx, "azure-activity-log");
    }
    if (internal::IsConfigRuleInvocation(j)) {
      return Emit(internal::ConfigRuleEnvelope(j), ctx, "aws-config-rule");
    }
    if (internal::IsS3Notification(j)) {
      return Emit(internal::S3NotificationEnvelope(j), ctx, "s3");
    }
    if (internal::IsCloudTrailRecord(j)) {
      return Emit(internal::CloudTrailEnvelope(j), ctx, "cloudtrail");
    }
    // Source definitions (Okta, Slack, the shipped webhook sources and the
    // user's own), after the built-in cloud recognizers.
    if (ctx.sources_ran_at != ctx.depth) {
      internal::SourceRequest request;
      request.value = &j;
      request.request_time = ctx.request_time;
      request.request_id = ctx.request_id;
      if (Sources(request, ctx)) return true;
    }
    if (internal::HasObject(j, "sender") && internal::HasString(j["sender"], "login") &&
        (j.contains("repository") || j.contains("organization") || j.contains("installation") ||
         j.contains("enterprise"))) {
      Error(ctx,
            "this looks like a GitHub webhook body, but without its X-GitHub-Event header "
            "the event is unknown: deliver the whole HTTP request (Function URL, API "
            "Gateway or ALB event), or give the headers it came with (proact eval, "
            "explain and normalize: --header X-GitHub-Event:NAME)");
      return true;
    }
    if (j.contains("batchItemFailures")) {
      Error(ctx, "this is a Lambda SQS batch response (batchItemFailures), not an event");
      return true;
    }
    return false;
  }

 private:
  // Runs the source definitions; true when one took the payload (its
  // events, errors or handshake are recorded).
  bool Sources(const internal::SourceRequest& request, const Ctx& ctx) {
    std::vector<internal::SourceTrace> trace;
    internal::SourceOutcome o = internal::RunSources(rep_.Sources(), rep_.secrets, request,
                                                     rep_.explain_sources ? &trace : nullptr);
    for (internal::SourceTrace& t : trace) {
      SourceAttempt a;
      a.origin = ctx.origin;
      a.source = std::move(t.source);
      a.defined_at = std::move(t.defined_at);
      a.recognized = t.recognized;
      a.explanation = std::move(t.explanation);
      out_->source_attempts.push_back(std::move(a));
    }
    authenticated_ |= o.authenticated;
    switch (o.kind) {
      case internal::SourceOutcome::Kind::kNone:
        return false;
      case internal::SourceOutcome::Kind::kRejected:
        Error(ctx, "rejected: " + o.message, /*unauthenticated=*/true);
        return true;
      case internal::SourceOutcome::Kind::kError:
        Error(ctx, o.message);
        return true;
      case internal::SourceOutcome::Kind::kChallenge:
        out_->challenge = std::move(o.challenge);
        return true;
      case internal::SourceOutcome::Kind::kEvents:
        for (internal::SourceEvent& e : o.events) {
          Ctx c = ctx;
          c.origin += e.origin;
          if (!e.ok) {
            Error(c, e.error);
            continue;
          }
          Emit(std::move(e.envelope), c, o.source);
        }
        return true;
    }
    return false;
  }

  // Normalizes a message found inside an envelope when some source
  // recognizes it; otherwise leaves no trace, so the caller can fall back to
  // the envelope's own event.
  bool TryInner(const Json& inner, const Headers& headers, const Ctx& ctx) {
    NormalizeResult probe;
    Run sub(rep_, &probe);
    if (!sub.TryValue(inner, headers, ctx)) return false;
    for (auto& e : probe.events) out_->events.push_back(std::move(e));
    for (auto& e : probe.errors) out_->errors.push_back(std::move(e));
    if (probe.challenge) out_->challenge = std::move(probe.challenge);
    return true;
  }

  static std::string Trim(std::string_view s) {
    std::size_t b = s.find_first_not_of(" \t\r\n");
    std::size_t e = s.find_last_not_of(" \t\r\n");
    return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
  }

  bool Parse(std::string_view text, const Ctx& ctx, Json* out) {
    if (!internal::IsValidUtf8(text)) {
      Error(ctx, "payload is not valid UTF-8 (byte " +
                     std::to_string(internal::FirstInvalidUtf8(text)) + ")");
      return false;
    }
    std::string err;
    switch (internal::ParseJson(text, out, &err)) {
      case internal::JsonParse::kOk:
        return true;
      case internal::JsonParse::kInvalid:
        Error(ctx, "invalid JSON: " + err);
        return false;
      case internal::JsonParse::kLimit:
        Error(ctx, "payload not read: " + err);
        return false;
    }
    return false;
  }

  // A document carried inside a string (an SNS Message, a log message,
  // Pub/Sub data, an HTTP body), which may also be plain text: kOk with
  // `*out` set, kInvalid when it is not JSON, kLimit once the error (too
  // deep, too large) is reported for this part.
  internal::JsonParse Inner(std::string_view text, const Ctx& ctx, Json* out) {
    std::string err;
    internal::JsonParse r = internal::ParseJson(text, out, &err);
    if (r == internal::JsonParse::kLimit) Error(ctx, "embedded document not read: " + err);
    return r;
  }

  bool Emit(Json envelope, const Ctx& ctx, std::string_view kind) {
    NormalizedEvent e;
    e.json = envelope.dump(-1, ' ', false, Json::error_handler_t::replace);
    e.kind = ctx.kind.empty() ? std::string(kind) : ctx.kind + "/" + std::string(kind);
    e.origin = ctx.origin;
    e.message_id = ctx.message_id;
    out_->events.push_back(std::move(e));
    return true;
  }

  void Error(const Ctx& ctx, std::string message, bool unauthenticated = false) {
    NormalizeError e;
    e.origin = ctx.origin;
    e.message_id = ctx.message_id;
    e.message = std::move(message);
    e.unauthenticated = unauthenticated;
    out_->errors.push_back(std::move(e));
  }

  void Unrecognized(const Json& j, const Ctx& ctx) {
    Error(ctx,
          "unrecognized payload (" + KeysOf(j) +
              "): tried EventBridge, CloudTrail record and log file, AWS Config rule, SQS, "
              "SNS, S3 notification, Kinesis and DynamoDB stream record, Kafka (MSK), Firehose, "
              "EventBridge Pipes batch, CloudWatch Logs, "
              "Lambda HTTP request, Pub/Sub push, Eventarc and CloudEvents, GCP audit LogEntry, "
              "Azure Event Grid and Activity Log, and the source definitions (" +
              SourceNames() +
              "; `proact normalize --explain-sources` shows why each did not recognize it); to "
              "match it as it is instead, evaluate it without normalizing on an engine with "
              "raw_events set (`--input raw` on the command line)");
  }

  std::string SourceNames() const {
    std::string names;
    for (const internal::SourceRef& ref : rep_.Sources()) {
      names += (names.empty() ? "" : ", ") + ref.def->name;
    }
    return names.empty() ? "none" : names;
  }

  // ---------------------------------------------------------------------
  // Delivery envelopes: how a batch (or one request) is handed over. The
  // table is Deliveries() below; docs/sources.md documents every row.

  using Unwrap = void (Run::*)(const Json& item, const std::string& where, const Ctx& ctx);
  enum class Container {
    kWhole,     // the payload is the delivery (one request, one log batch)
    kRecords,   // {"Records":[...]}: `matches` reads each record
    kArray,     // a JSON array of source records (EventBridge Pipes)
    kKafka,     // {"records":{"<topic>-<partition>":[...]}}: `matches` reads the payload
    kFirehose,  // {"records":[...]}: `matches` reads the payload
  };
  struct DeliveryEnvelope {
    std::string_view name;      // NormalizeResult::delivery
    Container container;
    bool (*matches)(const Json& j);
    std::string_view label;     // an item, in messages
    std::string_view id_field;  // the item identifier ("" when items have none)
    bool id_required;           // an item without it is an error
    // The identifier of an item; `group` is its Kafka `records` key.
    std::string (*item_id)(const Json& item, const std::string& group);
    // DeliveryItem::order_key of an item ("" unordered).
    std::string (*order_key)(const Json& item, const std::string& group);
    std::string_view data_field;  // kept for the answer (DeliveryItem::data)
    DeliveryAnswer answer;
    Unwrap unwrap;              // normalizes one item (kWhole: the payload)
  };
  static const std::vector<DeliveryEnvelope>& Deliveries();

  // Unwraps `j` when it is a delivery envelope; false when it is none.
  bool Delivery(const Json& j, const Ctx& ctx) {
    for (const DeliveryEnvelope& d : Deliveries()) {
      const Json* items = nullptr;
      switch (d.container) {
        case Container::kWhole:
          if (!j.is_object() || !d.matches(j)) continue;
          break;
        case Container::kRecords: {
          if (!j.is_object()) continue;
          auto it = j.find("Records");
          if (it == j.end() || !it->is_array() || it->empty() || !d.matches((*it)[0])) continue;
          items = &*it;
          break;
        }
        case Container::kArray:
          if (!j.is_array() || j.empty() || !d.matches(j[0])) continue;
          items = &j;
          break;
        case Container::kKafka:
        case Container::kFirehose:
          if (!j.is_object() || !d.matches(j)) continue;
          items = &*j.find("records");
          break;
      }
      bool top = ctx.depth == 0;
      if (top) {
        out_->delivery = d.name;
        out_->answer = d.answer;
      }
      switch (d.container) {
        case Container::kWhole:
          (this->*d.unwrap)(j, "", ctx);
          break;
        case Container::kRecords:
          Records(*items, ctx, top);
          break;
        case Container::kArray:
        case Container::kFirehose: {
          std::string prefix = d.container == Container::kFirehose ? ".records" : "";
          if (items->empty()) Error(ctx, "\"records\" is empty: no events");
          for (std::size_t i = 0; i < items->size(); ++i) {
            Item(d, (*items)[i], prefix + "[" + std::to_string(i) + "]", ctx, top, "");
          }
          break;
        }
        case Container::kKafka:
          if (items->empty()) Error(ctx, "\"records\" is empty: no events");
          for (auto it = items->begin(); it != items->end(); ++it) {
            std::string where = ".records." + it.key();
            if (!it->is_array()) {
              Error(ctx.Inner("kafka", where), "Kafka records of \"" + it.key() + "\" are not an array");
              continue;
            }
            for (std::size_t i = 0; i < it->size(); ++i) {
              Item(d, (*it)[i], where + "[" + std::to_string(i) + "]", ctx, top, it.key());
            }
          }
          break;
      }
      return true;
    }
    return false;
  }

  // One item of a batch: its identifier, then its content.
  void Item(const DeliveryEnvelope& d, const Json& item, const std::string& where, const Ctx& ctx,
            bool top, const std::string& group) {
    // One item that breaks something fails alone, never its batch.
    std::string id;
    try {
      id = d.item_id != nullptr && item.is_object() ? d.item_id(item, group) : std::string();
      if (id.empty() && d.id_required) {
        Ctx c = ctx.Inner(d.name, where);
        Error(c, std::string(d.label) + " without a string " + std::string(d.id_field));
        return;
      }
      Ctx c = ctx;
      if (c.message_id.empty()) c.message_id = id;  // the outermost batch names it
      if (top && !id.empty()) {
        DeliveryItem entry;
        entry.id = id;
        if (d.order_key != nullptr) entry.order_key = d.order_key(item, group);
        if (!d.data_field.empty()) entry.data = Str(item, d.data_field);
        out_->items.push_back(std::move(entry));
      }
      (this->*d.unwrap)(item, where, c);
    } catch (const std::exception& e) {
      Ctx c = ctx.Inner(d.name, where);
      if (c.message_id.empty()) c.message_id = id;
      Error(c, std::string("internal error while normalizing this record: ") + e.what());
    }
  }

  // The Records of an S3 notification, SNS, SQS, Kinesis or DynamoDB
  // delivery, or of a CloudTrail log file: each record by its own kind.
  bool Records(const Json& records, const Ctx& ctx, bool top) {
    if (records.empty()) {
      Error(ctx, "\"Records\" is empty: no events");
      return true;
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Json& r = records[i];
      std::string where = ".Records[" + std::to_string(i) + "]";
      const DeliveryEnvelope* d = RecordKind(r);
      if (d != nullptr) {
        Item(*d, r, where, ctx, top, "");
        continue;
      }
      try {
        if (internal::IsCloudTrailRecord(r)) {
          Emit(internal::CloudTrailEnvelope(r), ctx.Inner("cloudtrail-log", where), "cloudtrail");
        } else {
          Ctx c = ctx.Inner("records", where);
          if (!TryValue(r, {}, c)) Unrecognized(r, c);
        }
      } catch (const std::exception& e) {
        Ctx c = ctx.Inner("records", where);
        Error(c, std::string("internal error while normalizing this record: ") + e.what());
      }
    }
    return true;
  }

  // The Records delivery a record belongs to, or null.
  static const DeliveryEnvelope* RecordKind(const Json& r) {
    for (const DeliveryEnvelope& d : Deliveries()) {
      if (d.container == Container::kRecords && d.matches(r)) return &d;
    }
    return nullptr;
  }

  // --- one item of each delivery ---

  void SqsItem(const Json& r, const std::string& where, const Ctx& ctx) {
    Ctx c = ctx.Inner("sqs", where + ".body");
    if (!r.contains("body") || !r["body"].is_string()) {
      Error(c, "SQS record without a string body");
      return;
    }
    Json body;
    if (!Parse(r["body"].get<std::string>(), c, &body)) return;
    if (!TryValue(body, {}, c)) Unrecognized(body, c);
  }

  void SnsItem(const Json& r, const std::string& where, const Ctx& ctx) {
    SnsNotification(r["Sns"], ctx.Inner("sns", where + ".Sns"));
  }

  // A Kinesis Data Streams record: its base64 data is one JSON document,
  // normalized like an SQS body.
  void KinesisItem(const Json& r, const std::string& where, const Ctx& ctx) {
    Base64Document(StrAt(r, {"kinesis", "data"}), "Kinesis record data",
                   ctx.Inner("kinesis", where + ".kinesis.data"));
  }

  void DynamoDbItem(const Json& r, const std::string& where, const Ctx& ctx) {
    Emit(internal::DynamoDbStreamEnvelope(r), ctx.Inner("dynamodb-stream", where), "dynamodb");
  }

  void S3Item(const Json& r, const std::string& where, const Ctx& ctx) {
    Emit(internal::S3NotificationEnvelope(r), ctx.Inner("s3-notification", where), "s3");
  }

  // A Kafka record (Amazon MSK, self-managed Kafka): its base64 `value` is
  // one JSON document, normalized like an SQS body.
  void KafkaItem(const Json& r, const std::string& where, const Ctx& ctx) {
    Ctx c = ctx.Inner("kafka", where + ".value");
    if (!internal::HasString(r, "value")) {
      Error(c, "Kafka record without a string value (base64)");
      return;
    }
    Base64Document(Str(r, "value"), "Kafka record value", c);
  }

  // A Kinesis Data Firehose record to transform: its base64 `data` is one
  // JSON document, normalized like an SQS body.
  void FirehoseItem(const Json& r, const std::string& where, const Ctx& ctx) {
    Ctx c = ctx.Inner("firehose", where + ".data");
    if (!internal::HasString(r, "data")) {
      Error(c, "Firehose record without a string data (base64)");
      return;
    }
    Base64Document(Str(r, "data"), "Firehose record data", c);
  }

  // A source record in an EventBridge Pipes batch: read like the record of
  // the Lambda delivery of the same source.
  void PipesItem(const Json& r, const std::string& where, const Ctx& ctx) {
    const DeliveryEnvelope* d = RecordKind(r);
    Ctx c = ctx.Inner("pipes", "");
    if (d == nullptr) {
      Ctx at = ctx.Inner("pipes", where);
      if (!TryValue(r, {}, at)) Unrecognized(r, at);
      return;
    }
    (this->*d->unwrap)(r, where, c);
  }

  void SnsWhole(const Json& j, const std::string&, const Ctx& ctx) {
    SnsNotification(j, ctx.Inner("sns", ""));
  }
  void CloudWatchLogsWhole(const Json& j, const std::string&, const Ctx& ctx) {
    CloudWatchLogs(j["awslogs"], ctx.Inner("cloudwatch-logs", ".awslogs"));
  }
  void HttpWhole(const Json& j, const std::string&, const Ctx& ctx) { Http(j, ctx); }
  void PubSubWhole(const Json& j, const std::string&, const Ctx& ctx) {
    PubSubPush(j, ctx.Inner("pubsub-push", ""));
  }

  // Base64 text holding one JSON document (a stream record, a Kafka value).
  void Base64Document(const std::string& data, std::string_view what, const Ctx& c) {
    std::optional<std::string> decoded = internal::Base64Decode(data);
    if (!decoded) {
      Error(c, std::string(what) + " is not base64");
      return;
    }
    Json inner;
    if (!Parse(*decoded, c, &inner)) return;
    if (!TryValue(inner, {}, c)) Unrecognized(inner, c);
  }

  void SnsNotification(const Json& sns, const Ctx& ctx) {
    std::string message = Str(sns, "Message");
    Json inner;
    Ctx c = ctx;
    c.origin += ".Message";
    internal::JsonParse parsed = Inner(message, c, &inner);
    if (parsed == internal::JsonParse::kLimit) return;
    if (parsed == internal::JsonParse::kOk && (inner.is_object() || inner.is_array())) {
      if (TryInner(inner, {}, c)) return;
    }
    // arn:aws:sns:REGION:ACCOUNT:topic
    std::string arn = Str(sns, "TopicArn"), region, account;
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
      std::size_t colon = arn.find(':', start);
      parts.push_back(arn.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (parts.size() >= 6) {
      region = parts[3];
      account = parts[4];
    }
    Emit(internal::Envelope(Str(sns, "MessageId"), "SNS Notification", "aws.sns", account,
                            Str(sns, "Timestamp"), region, sns),
         ctx, "notification");
  }

  void CloudWatchLogs(const Json& awslogs, const Ctx& ctx) {
    std::optional<std::string> raw = internal::Base64Decode(Str(awslogs, "data"));
    if (!raw) {
      Error(ctx, "CloudWatch Logs data is not base64");
      return;
    }
    std::optional<std::string> text = internal::Gunzip(*raw, kMaxInflated);
    if (!text) {
      Error(ctx, "CloudWatch Logs data is not gzip (or inflates beyond 64 MiB)");
      return;
    }
    Json batch;
    if (!Parse(*text, ctx, &batch)) return;
    if (!batch.contains("logEvents") || !batch["logEvents"].is_array()) {
      Error(ctx, "CloudWatch Logs data without logEvents (messageType " +
                     Str(batch, "messageType") + ")");
      return;
    }
    for (std::size_t i = 0; i < batch["logEvents"].size(); ++i) {
      const Json& ev = batch["logEvents"][i];
      Ctx c = ctx;
      c.origin += ".logEvents[" + std::to_string(i) + "]";
      std::string message = Str(ev, "message");
      Json inner;
      internal::JsonParse parsed = Inner(message, c, &inner);
      if (parsed == internal::JsonParse::kLimit) continue;
      if (parsed == internal::JsonParse::kOk && inner.is_object() && TryInner(inner, {}, c)) continue;
      Json detail = Json::object();
      for (const char* key : {"logGroup", "logStream", "owner", "subscriptionFilters"}) {
        if (batch.contains(key)) detail[key] = batch[key];
      }
      for (const char* key : {"id", "timestamp", "message"}) {
        if (ev.contains(key)) detail[key] = ev[key];
      }
      std::string time;
      if (ev.contains("timestamp") && ev["timestamp"].is_number()) {
        time = internal::IsoTimeFromEpochMillis(ev["timestamp"].get<double>());
      }
      Emit(internal::Envelope(Str(ev, "id"), "CloudWatch Logs Log Event", "aws.logs",
                              Str(batch, "owner"), time, "", std::move(detail)),
           c, "log-event");
    }
  }

  void PubSubPush(const Json& push, const Ctx& ctx) {
    const Json& message = push["message"];
    std::string data;
    if (message.contains("data")) {
      std::optional<std::string> decoded = internal::Base64Decode(Str(message, "data"));
      if (!decoded) {
        Error(ctx, "Pub/Sub message data is not base64");
        return;
      }
      data = std::move(*decoded);
    }
    Json inner;
    Ctx c = ctx;
    c.origin += ".message.data";
    if (Inner(data, c, &inner) == internal::JsonParse::kLimit) return;
    if (!inner.is_discarded() && (inner.is_object() || inner.is_array())) {
      if (TryInner(inner, {}, c)) return;
    }
    Json detail = push;
    if (!inner.is_discarded()) detail["message"]["json"] = inner;
    else if (internal::IsValidUtf8(data)) detail["message"]["text"] = data;
    std::string subscription = Str(push, "subscription"), project;
    if (subscription.rfind("projects/", 0) == 0) {
      project = subscription.substr(9, subscription.find('/', 9) - 9);
    }
    std::string id = Str(message, "messageId");
    if (id.empty()) id = Str(message, "message_id");
    std::string time = Str(message, "publishTime");
    if (time.empty()) time = Str(message, "publish_time");
    Emit(internal::Envelope(id, "Pub/Sub Message", "gcp.pubsub", project, time, "",
                            std::move(detail)),
         ctx, "message");
  }

  void Http(const Json& request, const Ctx& outer) {
    const Json& rc = request["requestContext"];
    bool v2 = rc.contains("http");
    std::string kind = v2 ? (Str(request, "version") == "2.0" && !request.contains("routeKey")
                                 ? "function-url"
                                 : (Str(request, "routeKey").empty() ? "function-url" : "api-gateway-v2"))
                          : (rc.contains("elb") ? "alb" : "api-gateway-v1");
    Ctx ctx = outer.Inner(kind, "");
    if (outer.depth == 0) out_->delivery = kind;
    Headers headers;
    if (internal::HasObject(request, "headers")) {
      for (auto it = request["headers"].begin(); it != request["headers"].end(); ++it) {
        if (it->is_string()) headers.emplace_back(it.key(), it->get<std::string>());
      }
    } else if (internal::HasObject(request, "multiValueHeaders")) {
      const Json& mv = request["multiValueHeaders"];
      for (auto it = mv.begin(); it != mv.end(); ++it) {
        std::string joined;
        if (it->is_array()) {
          for (const Json& v : *it) {
            if (v.is_string()) joined += (joined.empty() ? "" : ",") + v.get<std::string>();
          }
        }
        headers.emplace_back(it.key(), joined);
      }
    }
    std::string body;
    if (request.contains("body") && request["body"].is_string()) {
      body = request["body"].get<std::string>();
      if (request.value("isBase64Encoded", false)) {
        // A body marked base64 that is not is read as it came.
        if (std::optional<std::string> decoded = internal::Base64Decode(body)) {
          body = std::move(*decoded);
        }
      }
    }
    double epoch_ms = 0;
    if (rc.contains("timeEpoch") && rc["timeEpoch"].is_number()) epoch_ms = rc["timeEpoch"].get<double>();
    if (rc.contains("requestTimeEpoch") && rc["requestTimeEpoch"].is_number()) {
      epoch_ms = rc["requestTimeEpoch"].get<double>();
    }
    if (epoch_ms > 0) ctx.request_time = internal::IsoTimeFromEpochMillis(epoch_ms);

    if (internal::HasString(rc, "requestId")) ctx.request_id = Str(rc, "requestId");

    // Source definitions first: they authenticate the request (before any
    // event is made of it), answer handshakes, and map webhook bodies.
    internal::SourceRequest sreq;
    sreq.http = true;
    sreq.headers = &headers;
    sreq.method = v2 ? StrAt(rc, {"http", "method"}) : Str(request, "httpMethod");
    sreq.path = v2 ? Str(request, "rawPath") : Str(request, "path");
    if (internal::HasObject(request, "queryStringParameters")) {
      sreq.query = request["queryStringParameters"];
    }
    sreq.raw_body = body;
    sreq.request_time = ctx.request_time;
    sreq.request_id = ctx.request_id;
    if (Sources(sreq, ctx)) return;
    // Other schemes (generic HMAC headers, require_signature).
    std::string rejected = internal::VerifyWebhook(rep_.secrets, headers, body, authenticated_);
    if (!rejected.empty()) {
      Error(ctx, "rejected: " + rejected, /*unauthenticated=*/true);
      return;
    }
    std::string content_type(internal::HeaderValue(headers, "content-type").value_or(""));
    if (auto ce_type = internal::HeaderValue(headers, "ce-type")) {
      // CloudEvents binary mode: attributes in ce-* headers, data in the body.
      Json event = Json::object();
      for (const auto& [key, value] : headers) {
        if (key.size() > 3 && (key[0] == 'c' || key[0] == 'C') && (key[1] == 'e' || key[1] == 'E') &&
            key[2] == '-') {
          std::string name = key.substr(3);
          for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          event[name] = value;
        }
      }
      if (!content_type.empty()) event["datacontenttype"] = content_type;
      Json data;
      Ctx body_ctx = ctx;
      body_ctx.origin += ".body";
      if (Inner(body, body_ctx, &data) == internal::JsonParse::kLimit) return;
      if (!data.is_discarded()) event["data"] = std::move(data);
      else if (internal::IsValidUtf8(body)) event["data"] = body;
      else event["data_base64"] = internal::Base64Encode(body);
      if (!TryValue(event, headers, ctx.Inner("cloudevent-binary", ".body"))) Unrecognized(event, ctx);
      return;
    }
    Json parsed;
    Ctx body_ctx = ctx;
    body_ctx.origin += ".body";
    if (Inner(body, body_ctx, &parsed) == internal::JsonParse::kLimit) return;
    if (!parsed.is_discarded() && (parsed.is_object() || parsed.is_array())) {
      Ctx c = ctx;
      c.origin += ".body";
      c.sources_ran_at = c.depth;
      if (TryInner(parsed, headers, c)) return;
    }
    // Any other request: an http event for policies on paths and headers.
    Json detail = Json::object();
    detail["method"] = v2 ? StrAt(rc, {"http", "method"}) : Str(request, "httpMethod");
    detail["path"] = v2 ? Str(request, "rawPath") : Str(request, "path");
    Json header_object = Json::object();
    for (const auto& [key, value] : headers) {
      std::string name = key;
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      header_object[name] = value;
    }
    detail["headers"] = std::move(header_object);
    detail["query"] = request.contains("queryStringParameters") && request["queryStringParameters"].is_object()
                          ? request["queryStringParameters"]
                          : Json::object();
    if (!parsed.is_discarded()) detail["body"] = std::move(parsed);
    else if (body.empty()) detail["body"] = nullptr;
    else if (internal::IsValidUtf8(body)) detail["body"] = body;
    else detail["body"] = internal::Base64Encode(body);
    detail["requestContext"] = rc;
    Emit(internal::Envelope(Str(rc, "requestId"), "HTTP Request", "http", Str(rc, "accountId"),
                            ctx.request_time, "", std::move(detail)),
         ctx, "request");
  }

  const internal::NormalizerRep& rep_;
  NormalizeResult* out_;
  bool authenticated_ = false;  // a source definition's secret verified the request
};

}  // namespace

namespace {

bool IsSqsRecord(const Json& r) { return Str(r, "eventSource") == "aws:sqs"; }
bool IsKinesisRecord(const Json& r) { return Str(r, "eventSource") == "aws:kinesis"; }
bool IsDynamoDbRecord(const Json& r) { return Str(r, "eventSource") == "aws:dynamodb"; }

std::string SqsOrder(const Json& r, const std::string&) {
  // A FIFO queue keeps order (per message group; proact keeps the whole
  // batch in order, which is stricter).
  std::string arn = Str(r, "eventSourceARN");
  return arn.ends_with(".fifo") ? arn : std::string();
}
std::string ShardOrder(const Json&, const std::string&) {
  return "shard";  // one Lambda batch comes from one shard
}

// "<topic>-<partition>/<offset>": the `records` key and the record's offset
// (a whole number, or a string of digits).
std::string KafkaId(const Json& r, const std::string& group) {
  auto it = r.find("offset");
  if (it == r.end()) return {};
  std::string offset;
  if (it->is_number_integer()) {
    offset = std::to_string(it->get<std::int64_t>());
  } else if (it->is_string()) {
    offset = it->get<std::string>();
    if (offset.empty() || offset.find_first_not_of("0123456789") != std::string::npos) return {};
  } else {
    return {};
  }
  return group + "/" + offset;
}

}  // namespace

// Every delivery envelope, in the order they are tried (after custom
// sources). A new delivery is one row here, its Unwrap, tests, and a row in
// docs/sources.md.
const std::vector<Run::DeliveryEnvelope>& Run::Deliveries() {
  using C = Container;
  using A = DeliveryAnswer;
  static const std::vector<DeliveryEnvelope> table = {
      // name, container, matches, label, id field, required, id, order, data, answer, unwrap
      {"sqs", C::kRecords, IsSqsRecord, "SQS record", "messageId", false,
       [](const Json& r, const std::string&) { return Str(r, "messageId"); }, SqsOrder, "",
       A::kItemFailures, &Run::SqsItem},
      {"sns", C::kRecords,
       [](const Json& r) { return Str(r, "EventSource") == "aws:sns" && internal::HasObject(r, "Sns"); },
       "SNS record", "", false, nullptr, nullptr, "", A::kNone, &Run::SnsItem},
      {"kinesis", C::kRecords, IsKinesisRecord, "Kinesis record", "kinesis.sequenceNumber", true,
       [](const Json& r, const std::string&) { return StrAt(r, {"kinesis", "sequenceNumber"}); },
       ShardOrder, "", A::kStreamCheckpoint, &Run::KinesisItem},
      {"dynamodb", C::kRecords, IsDynamoDbRecord, "DynamoDB stream record",
       "dynamodb.SequenceNumber", true,
       [](const Json& r, const std::string&) { return StrAt(r, {"dynamodb", "SequenceNumber"}); },
       ShardOrder, "", A::kStreamCheckpoint, &Run::DynamoDbItem},
      {"s3", C::kRecords, [](const Json& r) { return internal::IsS3Notification(r); },
       "S3 notification record", "", false, nullptr, nullptr, "", A::kNone, &Run::S3Item},
      {"kafka", C::kKafka,
       [](const Json& j) {
         std::string source = Str(j, "eventSource");
         return (source == "aws:kafka" || source == "SelfManagedKafka" ||
                 source == "aws:SelfManagedKafka") &&
                internal::HasObject(j, "records");
       },
       "Kafka record", "offset", true, KafkaId,
       [](const Json&, const std::string& group) { return group; }, "", A::kKafkaCheckpoint,
       &Run::KafkaItem},
      {"firehose", C::kFirehose,
       [](const Json& j) {
         return internal::HasString(j, "invocationId") && internal::HasString(j, "deliveryStreamArn") &&
                j.contains("records") && j["records"].is_array();
       },
       "Firehose record", "recordId", true,
       [](const Json& r, const std::string&) { return Str(r, "recordId"); }, nullptr, "data",
       A::kFirehoseRecords, &Run::FirehoseItem},
      {"pipes", C::kArray,
       [](const Json& r) { return IsSqsRecord(r) || IsKinesisRecord(r) || IsDynamoDbRecord(r); },
       "EventBridge Pipes record", "messageId or eventID", true,
       [](const Json& r, const std::string&) {
         return IsSqsRecord(r) ? Str(r, "messageId") : Str(r, "eventID");
       },
       [](const Json& r, const std::string& group) {
         return IsSqsRecord(r) ? SqsOrder(r, group) : ShardOrder(r, group);
       },
       "", A::kItemFailures, &Run::PipesItem},
      {"sns", C::kWhole,
       [](const Json& j) { return Str(j, "Type") == "Notification" && j.contains("Message"); },
       "", "", false, nullptr, nullptr, "", A::kNone, &Run::SnsWhole},
      {"cloudwatch-logs", C::kWhole, [](const Json& j) { return internal::HasObject(j, "awslogs"); },
       "", "", false, nullptr, nullptr, "", A::kNone, &Run::CloudWatchLogsWhole},
      // (named by the request's shape: function-url, api-gateway-v1/v2, alb)
      {"http", C::kWhole,
       [](const Json& j) {
         return internal::HasObject(j, "requestContext") &&
                (j["requestContext"].contains("http") || j.contains("httpMethod") ||
                 j["requestContext"].contains("elb"));
       },
       "", "", false, nullptr, nullptr, "", A::kHttp, &Run::HttpWhole},
      {"pubsub-push", C::kWhole,
       [](const Json& j) {
         return internal::HasObject(j, "message") && internal::HasString(j, "subscription");
       },
       "", "", false, nullptr, nullptr, "", A::kNone, &Run::PubSubWhole},
  };
  return table;
}

Normalizer::Normalizer() : rep_(std::make_unique<internal::NormalizerRep>()) {}
Normalizer::Normalizer(WebhookSecrets secrets) : rep_(std::make_unique<internal::NormalizerRep>()) {
  rep_->secrets = std::move(secrets);
  // The fields for the shipped definitions' secrets, by their names.
  WebhookSecrets& s = rep_->secrets;
  if (!s.github.empty()) s.named.emplace("github", s.github);
  if (!s.slack.empty()) s.named.emplace("slack", s.slack);
  if (!s.okta_authorization.empty()) s.named.emplace("okta", s.okta_authorization);
}
Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

void Normalizer::AddSource(CustomSource source) { rep_->custom.push_back(std::move(source)); }

void Normalizer::AddSources(const PolicySet& set) {
  const std::shared_ptr<const internal::Program>& program = internal::ProgramOf(set);
  if (!program || program->sources.empty()) return;
  rep_->programs.push_back(program);
  for (const internal::SourceDefinition& d : program->sources) {
    // A later definition of a name replaces an earlier one.
    std::erase_if(rep_->added, [&](const internal::SourceRef& r) { return r.def->name == d.name; });
    rep_->added.push_back({program.get(), &d});
  }
}

void Normalizer::set_explain_sources(bool on) { rep_->explain_sources = on; }

namespace {

// An HTTP request as an ALB would deliver it to Lambda.
Json RequestJson(const HttpRequest& r) {
  Json request = Json::object();
  Json h = Json::object();
  for (const auto& [k, v] : r.headers) h[k] = internal::IsValidUtf8(v) ? v : std::string();
  request["headers"] = std::move(h);
  if (internal::IsValidUtf8(r.body)) {
    request["body"] = std::string(r.body);
  } else {
    request["body"] = internal::Base64Encode(r.body);
    request["isBase64Encoded"] = true;
  }
  request["requestContext"] = {{"elb", Json::object()}};
  request["httpMethod"] = internal::IsValidUtf8(r.method) ? r.method : std::string("POST");
  request["path"] = internal::IsValidUtf8(r.path) ? r.path : std::string("/");
  Json query = Json::object();
  for (auto& [k, v] : internal::FormFields(r.query)) {
    if (internal::IsValidUtf8(k) && internal::IsValidUtf8(v) && !query.contains(k)) query[k] = v;
  }
  request["queryStringParameters"] = std::move(query);
  return request;
}

// The full path: every source, parsed into a DOM.
void Full(const internal::NormalizerRep& rep, std::string_view payload, const Headers& headers,
          NormalizeResult* out) {
  NormalizeResult result;
  try {
    Run run(rep, &result);
    if (!headers.empty()) {
      // A request body delivered with its headers (a host's own HTTP
      // server): read it as the body of an HTTP request.
      HttpRequest request;
      request.headers = headers;
      request.body = payload;
      run.TryValue(RequestJson(request), {}, Ctx{});
      result.delivery = "http";  // not the request shape made up here
    } else {
      run.Text(payload, headers, Ctx{});
    }
  } catch (const nlohmann::json::exception& e) {
    NormalizeError err;
    err.message = std::string("internal error while normalizing: ") + e.what();
    result.errors.push_back(std::move(err));
  }
  *out = std::move(result);
}

}  // namespace

void Normalizer::NormalizeRequest(const HttpRequest& request, NormalizeResult* out) const {
  NormalizeResult result;
  try {
    Run run(*rep_, &result);
    run.TryValue(RequestJson(request), {}, Ctx{});
    result.delivery = "http";  // not the request shape made up here
  } catch (const nlohmann::json::exception& e) {
    NormalizeError err;
    err.message = std::string("internal error while normalizing: ") + e.what();
    result.errors.push_back(std::move(err));
  }
  *out = std::move(result);
}

NormalizeResult Normalizer::Normalize(std::string_view payload, const Headers& headers) const {
  NormalizeResult result;
  Normalize(payload, headers, &result);
  return result;
}

bool Normalizer::PassesEnvelopesOn(const Headers& headers) const {
  // Custom sources may claim any payload, and a request's headers may
  // authenticate it: both only on the full path.
  return headers.empty() && rep_->custom.empty() && !rep_->explain_sources;
}

void Normalizer::Normalize(std::string_view payload, const Headers& headers,
                           NormalizeResult* out) const {
  if (PassesEnvelopesOn(headers) && internal::FastNormalize(payload, out)) {
    return;
  }
  Full(*rep_, payload, headers, out);
}

namespace internal {
void NormalizeFull(std::string_view payload, const Headers& headers, NormalizeResult* out) {
  static const internal::NormalizerRep rep;
  Full(rep, payload, headers, out);
}
}  // namespace internal

}  // namespace proact
