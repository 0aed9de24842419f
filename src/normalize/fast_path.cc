#include "normalize/fast_path.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "util/json_check.h"
#include "util/strings.h"

namespace proact::internal {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

using json_check::ScanString;
using json_check::Unescape;

// Documents inside strings read at once: the payload, an SQS body, an SNS
// Message inside it.
constexpr int kLevels = 3;

// ---------------------------------------------------------------------------
// The declarative core: which top-level keys are read, and what they mean.

enum Key : int {
  kSource,
  kDetailType,
  kRecords,
  kType,
  kMessage,
  kEventVersion,
  kEventTime,
  kEventSource,
  kEventName,
  kEventType,
  kEventID,
  kRecipientAccountId,
  kAwsRegion,
  kUserIdentity,    // object: accountId
  kInsightDetails,  // object: eventSource
  kMessageId,
  kEventSourceArn,  // of an SQS record: a FIFO queue's batch is ordered
  kBody,
  kEventSourceSns,  // "EventSource" of an SNS record
  kSns,             // object: Message
  kUnsure,          // a key some other built-in recognizer reads
  kKeyCount
};

struct KeyName {
  std::string_view name;
  Key key;
};

// Keys read at the top level of a payload, a record or an inner document.
// The kUnsure ones are those by which a recognizer the full path tries
// before CloudTrail (CloudWatch Logs, HTTP requests, Pub/Sub push, Okta,
// CloudEvents, Event Grid, GCP audit log, Azure Activity Log, AWS Config,
// Slack, GitHub, Lambda batch responses) may take the payload: with any of
// them present the fast path stands aside.
constexpr KeyName kKeys[] = {
    {"source", kSource},
    {"detail-type", kDetailType},
    {"Records", kRecords},
    {"Type", kType},
    {"Message", kMessage},
    {"eventVersion", kEventVersion},
    {"eventTime", kEventTime},
    {"eventSource", kEventSource},
    {"eventName", kEventName},
    {"eventType", kEventType},
    {"eventID", kEventID},
    {"recipientAccountId", kRecipientAccountId},
    {"awsRegion", kAwsRegion},
    {"userIdentity", kUserIdentity},
    {"insightDetails", kInsightDetails},
    {"messageId", kMessageId},
    {"eventSourceARN", kEventSourceArn},
    {"body", kBody},
    {"EventSource", kEventSourceSns},
    {"Sns", kSns},
    {"awslogs", kUnsure},
    {"requestContext", kUnsure},
    {"httpMethod", kUnsure},
    {"message", kUnsure},
    {"subscription", kUnsure},
    {"specversion", kUnsure},
    {"subject", kUnsure},
    {"dataVersion", kUnsure},
    {"protoPayload", kUnsure},
    {"protopayload", kUnsure},
    {"operationName", kUnsure},
    {"resourceId", kUnsure},
    {"category", kUnsure},
    {"configRuleArn", kUnsure},
    {"invokingEvent", kUnsure},
    {"published", kUnsure},
    {"actor", kUnsure},
    {"type", kUnsure},
    {"sender", kUnsure},
    {"batchItemFailures", kUnsure},
    {"records", kUnsure},  // Kafka, Firehose
};

// The one nested key read under an object-valued key.
constexpr std::string_view NestedKey(Key k) {
  switch (k) {
    case kUserIdentity: return "accountId";
    case kInsightDetails: return "eventSource";
    case kSns: return "Message";
    default: return {};
  }
}

// CloudTrail eventType → detail-type (sources.cc CloudTrailEnvelope).
struct Mapping {
  std::string_view from, to;
};
constexpr Mapping kCloudTrailDetailTypes[] = {
    {"AwsConsoleSignIn", "AWS Console Sign In via CloudTrail"},
    {"AwsServiceEvent", "AWS Service Event via CloudTrail"},
    {"AwsConsoleAction", "AWS Console Action via CloudTrail"},
    {"AwsCloudTrailInsight", "AWS Insight via CloudTrail"},
};
constexpr std::string_view kCloudTrailDefaultDetailType = "AWS API Call via CloudTrail";

// One value read: its JSON type and its text (a string's text with its
// quotes; objects keep only the nested key's value).
struct Val {
  bool present = false;
  od::json_type type = od::json_type::null;
  std::string_view raw;   // the token; for strings, "..." quotes included
  bool escaped = false;   // a string holding backslash escapes
  // For object-valued keys: the nested key's value.
  bool nested_present = false;
  od::json_type nested_type = od::json_type::null;
  std::string_view nested_raw;
  bool nested_escaped = false;

  bool IsString() const { return present && type == od::json_type::string; }
  // The string's value when it has no escapes; `*ok` false otherwise.
  std::string_view Text() const { return raw.substr(1, raw.size() - 2); }
  bool NestedIsString() const {
    return nested_present && nested_type == od::json_type::string;
  }
};

struct Fields {
  std::array<Val, kKeyCount> v;
  bool unsure = false;
  void Clear() {
    for (Val& x : v) x.present = x.nested_present = false;
    unsure = false;
  }
  const Val& operator[](Key k) const { return v[k]; }
};


std::string_view Trim(std::string_view s) { return TrimJsonSpace(s); }

// ---------------------------------------------------------------------------
// Per-thread state, reused from payload to payload.

struct Level {
  od::parser parser;
  std::string text;  // the document, followed by padding
};

struct Scratch {
  std::array<Level, kLevels> levels;
  JsonChecker check;  // what passes (util/json_check.h), and the keys walked
  // Events of earlier, longer results, kept with their strings' capacity
  // for the next result that needs them.
  std::vector<NormalizedEvent> spare;
};

class Fast {
 public:
  Fast(Scratch* s, NormalizeResult* out, EnvelopeReader* reader)
      : s_(s), out_(out), reader_(reader) {}

  bool Payload(std::string_view payload) {
    Level& l = s_->levels[0];
    if (payload.size() > kMaxFastPayloadBytes) return false;
    l.text.resize(payload.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(l.text.data(), payload.data(), payload.size());
    if (ReadByReader(l, payload.size())) return PassOn(payload);
    od::document doc;
    Fields f;
    if (!Open(l, payload.size(), &doc, &f)) return false;
    if (f[kSource].IsString() && f[kDetailType].IsString()) {
      return PassOn(payload);  // already an envelope
    }
    if (f[kRecords].present) {
      if (f[kRecords].type != od::json_type::array) return false;
      return Records(doc);
    }
    Ctx ctx;
    return Inner(f, Trim(payload), 0, ctx);
  }

  std::size_t count() const { return n_; }
  std::size_t items() const { return items_; }

 private:
  struct Ctx {
    std::string_view kind;        // "sqs/", "sqs/sns/", ...
    int record = -1;              // index in Records, or -1
    std::string_view origin;      // after ".Records[i]"
    std::string_view message_id;  // unescaped SQS messageId
  };

  // Starts reading the document held in the first `size` bytes of the
  // level's buffer (which has room for the padding after them): false
  // unless it is one object, valid JSON as the full path reads it (which
  // the walk checks in full), without duplicate or escaped keys. The walk
  // also collects the top-level keys of interest into `f`: one pass.
  bool Open(Level& l, std::size_t size, od::document* doc, Fields* f) {
    std::memset(l.text.data() + size, 0, simdjson::SIMDJSON_PADDING);
    if (l.parser.iterate(simdjson::padded_string_view(l.text.data(), size, l.text.size()))
            .get(*doc)) {
      return false;
    }
    od::json_type type;
    if (doc->type().get(type) || type != od::json_type::object) return false;
    od::object root;
    if (doc->get_object().get(root)) return false;
    s_->check.Reset();
    f->Clear();
    if (!WalkObject(root, 1, f)) return false;
    const char* loc = nullptr;
    if (doc->current_location().get(loc) == simdjson::SUCCESS) return false;  // trailing text
    return true;
  }

  // The payload, an envelope, passed on byte for byte.
  bool PassOn(std::string_view payload) {
    NormalizedEvent& e = Next();
    e.json.assign(Trim(payload));
    e.kind.assign("eventbridge");
    return true;
  }

  // An envelope found inside a string (an SQS body, an SNS Message),
  // passed on as it came, on one line.
  bool PassOnInner(std::string_view text, const Ctx& ctx) {
    NormalizedEvent& e = Next();
    AppendCompact(&e.json, Trim(text));
    Describe(e, ctx, "eventbridge");
    return true;
  }

  // Offers the document in the level's buffer to the reader.
  bool ReadByReader(Level& l, std::size_t size) {
    if (reader_ == nullptr) return false;
    std::string_view text = Trim(std::string_view(l.text.data(), size));
    if (!StartsLikeEnvelope(text)) return false;
    std::memset(l.text.data() + size, 0, simdjson::SIMDJSON_PADDING);
    return reader_->Read(text, n_);
  }

  // Where a walked value is recorded: its presence, type and token.
  struct Into {
    bool* present;
    od::json_type* type;
    std::string_view* raw;
    bool* escaped;
  };

  // Checks the value `v` in full (as JsonChecker does); records it in
  // `into`, and with `nested` (for an object) the value of that key in it
  // as well.
  bool Walk(od::value v, int depth, const Into& into, const Into* nested,
            std::string_view nested_key) {
    if (depth > json_check::kMaxDepth) return false;
    od::json_type type;
    if (v.type().get(type)) return false;
    *into.present = true;
    *into.type = type;
    *into.escaped = false;
    if (type == od::json_type::string) {
      od::raw_json_string raw;
      if (v.get_raw_json_string().get(raw)) return false;
      bool escaped;
      const char* end = ScanString(raw.raw(), &escaped);
      if (end == nullptr) return false;
      *into.raw = std::string_view(raw.raw() - 1, static_cast<std::size_t>(end - raw.raw()) + 2);
      *into.escaped = escaped;
      return true;
    }
    if (type == od::json_type::object && nested != nullptr) {
      od::object o;
      if (v.get_object().get(o)) return false;
      return WalkObject(o, depth + 1, nullptr, nested, nested_key);
    }
    return s_->check.Value(v, depth);
  }

  // Checks the object `o` in full. With `f` (a document's top level),
  // collects its keys of interest; with `nested`, the value of
  // `nested_key` is recorded there.
  bool WalkObject(od::object o, int depth, Fields* f = nullptr, const Into* nested = nullptr,
                  std::string_view nested_key = {}) {
    if (depth > json_check::kMaxDepth) return false;
    JsonChecker& check = s_->check;
    std::size_t base = check.Open();
    for (auto field_result : o) {
      od::field field;
      std::string_view key;
      if (std::move(field_result).get(field) || !check.Key(field, base, &key)) return false;
      if (f != nullptr) {
        Key which = Lookup(key);
        if (which == kUnsure) f->unsure = true;
        if (which != kKeyCount && which != kUnsure) {
          Val& val = f->v[which];
          Into into{&val.present, &val.type, &val.raw, &val.escaped};
          Into in_nested{&val.nested_present, &val.nested_type, &val.nested_raw,
                         &val.nested_escaped};
          std::string_view nk = NestedKey(which);
          if (!Walk(field.value(), depth, into, nk.empty() ? nullptr : &in_nested, nk)) {
            return false;
          }
          continue;
        }
      } else if (nested != nullptr && key == nested_key) {
        if (!Walk(field.value(), depth, *nested, nullptr, {})) return false;
        continue;
      }
      if (!check.Value(field.value(), depth)) return false;
    }
    check.Close(base);
    return true;
  }

  static Key Lookup(std::string_view key) {
    constexpr std::uint64_t kLengths = [] {
      std::uint64_t m = 0;
      for (const KeyName& k : kKeys) m |= std::uint64_t{1} << k.name.size();
      return m;
    }();
    if (key.size() >= 64 || ((kLengths >> key.size()) & 1) == 0) return kKeyCount;
    for (const KeyName& k : kKeys) {
      if (k.name.size() == key.size() && k.name[0] == key[0] &&
          std::memcmp(k.name.data(), key.data(), key.size()) == 0) {
        return k.key;
      }
    }
    return kKeyCount;
  }

  // Reads a string's token (quotes included) into `raw` in a document the
  // walk has checked: the token runs to the next structural character, so
  // only the whitespace before it is cut; other values are skipped.
  static bool Token(od::value v, od::json_type type, std::string_view* raw, bool* escaped) {
    *escaped = false;
    if (type != od::json_type::string) return true;
    std::string_view t = v.raw_json_token();
    while (!t.empty() && t.back() != '"') t.remove_suffix(1);
    if (t.size() < 2) return false;
    *raw = t;
    *escaped = std::memchr(t.data() + 1, '\\', t.size() - 2) != nullptr;
    return true;
  }

  // The top-level keys of interest of a validated object.
  bool Collect(od::object o, Fields* f) {
    f->Clear();
    for (auto field_result : o) {
      od::field field;
      if (std::move(field_result).get(field)) return false;
      const char* k = field.key().raw();
      std::string_view key(k, static_cast<std::size_t>(std::strchr(k, '"') - k));
      Key which = Lookup(key);
      if (which == kKeyCount) continue;
      if (which == kUnsure) {
        f->unsure = true;
        continue;
      }
      Val& val = f->v[which];
      od::value v = field.value();
      val.present = true;
      if (v.type().get(val.type)) return false;
      if (!Token(v, val.type, &val.raw, &val.escaped)) return false;
      std::string_view nested = NestedKey(which);
      if (!nested.empty() && val.type == od::json_type::object) {
        od::object inner;
        if (v.get_object().get(inner)) return false;
        for (auto inner_result : inner) {
          od::field nf;
          if (std::move(inner_result).get(nf)) return false;
          const char* nk = nf.key().raw();
          if (std::string_view(nk, static_cast<std::size_t>(std::strchr(nk, '"') - nk)) != nested) {
            continue;
          }
          od::value nv = nf.value();
          val.nested_present = true;
          if (nv.type().get(val.nested_type)) return false;
          if (!Token(nv, val.nested_type, &val.nested_raw, &val.nested_escaped)) return false;
        }
      }
    }
    return true;
  }

  // A string field's value equals `want` (false when escaped).
  static bool Equals(const Val& v, std::string_view want) {
    return v.IsString() && !v.escaped && v.Text() == want;
  }

  NormalizedEvent& Next() {
    if (out_->events.size() <= n_) {
      if (s_->spare.empty()) {
        out_->events.emplace_back();
      } else {
        out_->events.push_back(std::move(s_->spare.back()));
        s_->spare.pop_back();
      }
    }
    NormalizedEvent& e = out_->events[n_++];
    e.json.clear();
    e.kind.clear();
    e.origin.clear();
    e.message_id.clear();
    return e;
  }

  void Describe(NormalizedEvent& e, const Ctx& ctx, std::string_view kind) {
    e.kind.assign(ctx.kind).append(kind);
    if (ctx.record >= 0) {
      char digits[24];
      auto r = std::to_chars(digits, digits + sizeof digits, ctx.record);
      e.origin.assign(".Records[").append(digits, r.ptr).append("]");
    }
    e.origin.append(ctx.origin);
    e.message_id.assign(ctx.message_id);
  }

  // Appends a document's text, on one line.
  void AppendCompact(std::string* out, std::string_view text) {
    // (memchr twice: find_first_of would look each byte up in the set.)
    if (std::memchr(text.data(), '\n', text.size()) == nullptr &&
        std::memchr(text.data(), '\r', text.size()) == nullptr) {
      out->append(text);
      return;
    }
    std::size_t at = out->size();
    out->resize(at + text.size());
    std::size_t len = 0;
    if (simdjson::minify(text.data(), text.size(), out->data() + at, len)) {
      out->resize(at);
      out->append(text);  // not reached: the text was validated
      return;
    }
    out->resize(at + len);
  }

  static void AppendStr(std::string* out, const Val& v) {
    if (v.IsString()) out->append(v.raw);
    else out->append("\"\"");
  }

  static bool IsCloudTrail(const Fields& f) {
    if (!f[kEventVersion].IsString() || !f[kEventTime].present) return false;
    // Lambda event-source records ("aws:s3", "aws:kinesis", ...) are not
    // CloudTrail (sources.cc IsLambdaEventSourceRecord): the full path
    // maps them. An escaped eventSource goes there too.
    const Val& source = f[kEventSource];
    if (source.IsString() && (source.escaped || source.Text().starts_with("aws:"))) return false;
    return (f[kEventSource].IsString() && f[kEventName].IsString()) ||
           Equals(f[kEventType], "AwsCloudTrailInsight");
  }

  // The CloudTrail envelope (sources.cc CloudTrailEnvelope), `record` as
  // its detail.
  bool CloudTrail(const Fields& f, std::string_view record, const Ctx& ctx,
                  std::string_view kind) {
    const Val& type = f[kEventType];
    if (type.IsString() && type.escaped) return false;
    std::string_view detail_type = kCloudTrailDefaultDetailType;
    if (type.IsString()) {
      for (const Mapping& m : kCloudTrailDetailTypes) {
        if (type.Text() == m.from) detail_type = m.to;
      }
    }
    // Service: eventSource, else insightDetails.eventSource, less
    // ".amazonaws.com".
    std::string_view service;
    const Val& es = f[kEventSource];
    const Val& insight = f[kInsightDetails];
    if (es.IsString() && es.raw.size() > 2) {
      if (es.escaped) return false;
      service = es.Text();
    } else if (insight.present && insight.type == od::json_type::object &&
               insight.NestedIsString()) {
      if (insight.nested_escaped) return false;
      service = insight.nested_raw.substr(1, insight.nested_raw.size() - 2);
    }
    constexpr std::string_view kSuffix = ".amazonaws.com";
    if (service.size() > kSuffix.size() && service.ends_with(kSuffix)) {
      service.remove_suffix(kSuffix.size());
    }
    NormalizedEvent& e = Next();
    std::string& j = e.json;
    j.append(R"({"version":"0","id":)");
    AppendStr(&j, f[kEventID]);
    j.append(R"(,"detail-type":")").append(detail_type);
    j.append(R"(","source":"aws.)").append(service);
    j.append(R"(","account":)");
    const Val& account = f[kRecipientAccountId];
    const Val& identity = f[kUserIdentity];
    if (account.IsString() && account.raw.size() > 2) {
      j.append(account.raw);
    } else if (identity.present && identity.type == od::json_type::object &&
               identity.NestedIsString()) {
      j.append(identity.nested_raw);
    } else {
      j.append("\"\"");
    }
    j.append(R"(,"time":)");
    AppendStr(&j, f[kEventTime]);
    j.append(R"(,"region":)");
    AppendStr(&j, f[kAwsRegion]);
    j.append(R"(,"resources":[],"detail":)");
    AppendCompact(&j, record);
    j.push_back('}');
    Describe(e, ctx, kind);
    return true;
  }

  // A parsed object (the payload, when not an envelope, or a document
  // found inside an SQS body or an SNS Message): as TryValue reads it.
  bool Inner(const Fields& f, std::string_view text, int level, const Ctx& ctx) {
    if (f[kRecords].present) return false;
    if (Equals(f[kType], "Notification") && f[kMessage].present) {
      const Val& m = f[kMessage];
      if (!m.IsString()) return false;  // read as "": not JSON
      if (level == 0) SetDelivery("sns", DeliveryAnswer::kNone);
      Ctx c = ctx;
      if (!Concat(ctx.kind, "sns/", &c.kind) || !Concat(ctx.origin, ".Message", &c.origin)) {
        return false;
      }
      return Document(m, level + 1, c);
    }
    if (f[kType].present && f[kType].IsString() && f[kType].escaped) return false;
    if (level > 0 && f[kSource].IsString() && f[kDetailType].IsString()) {
      return PassOnInner(text, ctx);
    }
    if (f.unsure || f[kSource].present || f[kDetailType].present) return false;
    if (Equals(f[kEventType], "com.okta.event_hook")) return false;
    if (!IsCloudTrail(f)) return false;
    return CloudTrail(f, text, ctx, "cloudtrail");
  }

  // A document carried in the string `v`, read at `level`.
  bool Document(const Val& v, int level, const Ctx& ctx) {
    if (level >= kLevels) return false;
    Level& l = s_->levels[level];
    std::string_view escaped = v.Text();
    // Unescaped straight into the level's buffer (no longer than the
    // literal), with room for a block and then the padding.
    l.text.resize(escaped.size() + simdjson::SIMDJSON_PADDING);
    std::size_t size = Unescape(escaped, l.text.data());
    if (ReadByReader(l, size)) return PassOnInner(std::string_view(l.text.data(), size), ctx);
    od::document doc;
    Fields f;
    if (!Open(l, size, &doc, &f)) return false;
    return Inner(f, Trim(std::string_view(l.text.data(), size)), level, ctx);
  }

  bool Records(od::document& doc) {
    doc.rewind();  // walked by Open
    od::object root;
    od::array records;
    if (doc.get_object().get(root) || root.find_field("Records").get_array().get(records)) {
      return false;
    }
    int i = 0;
    Fields f;
    for (auto element : records) {
      od::value v;
      if (element.get(v)) return false;
      od::object r;
      if (v.get_object().get(r)) return false;
      std::string_view raw;
      if (r.raw_json().get(raw)) return false;
      bool fresh;
      if (r.reset().get(fresh)) return false;
      if (!Collect(r, &f)) return false;
      Ctx ctx;
      ctx.record = i++;
      if (Equals(f[kEventSource], "aws:sqs")) {
        if (!f[kBody].IsString()) return false;
        if (i == 1) SetDelivery("sqs", DeliveryAnswer::kItemFailures);
        const Val& id = f[kMessageId];
        if (id.IsString()) {
          if (id.escaped) return false;
          ctx.message_id = id.Text();
        }
        if (!ctx.message_id.empty()) {
          const Val& arn = f[kEventSourceArn];
          if (arn.IsString() && arn.escaped) return false;
          std::string_view queue = arn.IsString() ? arn.Text() : std::string_view();
          AddItem(ctx.message_id, queue.ends_with(".fifo") ? queue : std::string_view());
        }
        ctx.kind = "sqs/";
        ctx.origin = ".body";
        if (!Document(f[kBody], 1, ctx)) return false;
      } else if (f[kEventSource].IsString() && f[kEventSource].escaped) {
        return false;
      } else if (Equals(f[kEventSourceSns], "aws:sns") && f[kSns].present &&
                 f[kSns].type == od::json_type::object) {
        const Val& sns = f[kSns];
        if (!sns.NestedIsString()) return false;
        Val message;
        message.present = true;
        message.type = sns.nested_type;
        message.raw = sns.nested_raw;
        message.escaped = sns.nested_escaped;
        if (i == 1) SetDelivery("sns", DeliveryAnswer::kNone);
        ctx.kind = "sns/";
        ctx.origin = ".Sns.Message";
        if (!Document(message, 1, ctx)) return false;
      } else if (f[kEventSourceSns].IsString() && f[kEventSourceSns].escaped) {
        return false;
      } else if (IsCloudTrail(f)) {
        ctx.kind = "cloudtrail-log/";
        if (!CloudTrail(f, Trim(raw), ctx, "cloudtrail")) return false;
      } else {
        return false;
      }
    }
    return i > 0;
  }

  // The few composed contexts are literals: no allocation.
  static bool Concat(std::string_view a, std::string_view b, std::string_view* out) {
    static constexpr std::string_view kComposed[] = {"sns/", "sqs/sns/", ".Message",
                                                     ".body.Message"};
    for (std::string_view c : kComposed) {
      if (c.size() == a.size() + b.size() && c.starts_with(a) && c.ends_with(b)) {
        *out = c;
        return true;
      }
    }
    return false;  // an SNS notification inside another: the full path
  }

  // A batch item (as the full path's Item()), its strings reused.
  void AddItem(std::string_view id, std::string_view order_key) {
    if (out_->items.size() <= items_) out_->items.emplace_back();
    DeliveryItem& item = out_->items[items_++];
    item.id.assign(id);
    item.order_key.assign(order_key);
    item.data.clear();
  }

  // The delivery, named by the first record as the full path does.
  void SetDelivery(std::string_view name, DeliveryAnswer answer) {
    out_->delivery.assign(name);
    out_->answer = answer;
  }

  Scratch* s_;
  NormalizeResult* out_;
  EnvelopeReader* reader_;
  std::size_t n_ = 0;
  std::size_t items_ = 0;
};

}  // namespace

bool FastNormalize(std::string_view payload, NormalizeResult* out) {
  return FastNormalize(payload, out, nullptr);
}

bool FastNormalize(std::string_view payload, NormalizeResult* out, EnvelopeReader* reader) {
  thread_local Scratch scratch;
  out->errors.clear();
  out->challenge.reset();
  out->delivery.clear();
  out->answer = DeliveryAnswer::kNone;
  Fast fast(&scratch, out, reader);
  bool ok = false;
  try {
    ok = fast.Payload(payload);
  } catch (const std::exception&) {
    ok = false;  // out of memory: the full path reports it
  }
  out->items.resize(ok ? fast.items() : 0);
  std::size_t keep = ok ? fast.count() : 0;
  while (out->events.size() > keep) {
    scratch.spare.push_back(std::move(out->events.back()));
    out->events.pop_back();
  }
  return ok;
}

}  // namespace proact::internal
