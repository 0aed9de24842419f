#include "normalize/sources.h"

#include <algorithm>
#include <cctype>

#include "normalize/codec.h"
#include "util/json_parse.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace proact::internal {

std::string Str(const Json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string StrAt(const Json& j, std::initializer_list<std::string_view> path) {
  const Json* cur = &j;
  for (std::string_view key : path) {
    if (!cur->is_object()) return {};
    auto it = cur->find(key);
    if (it == cur->end()) return {};
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : std::string();
}

bool HasString(const Json& j, std::string_view key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_string();
}

bool HasObject(const Json& j, std::string_view key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_object();
}

Json Envelope(std::string id, std::string detail_type, std::string source,
              std::string account, std::string time, std::string region,
              Json detail, Json resources) {
  Json e = Json::object();
  e["version"] = "0";
  e["id"] = std::move(id);
  e["detail-type"] = std::move(detail_type);
  e["source"] = std::move(source);
  e["account"] = std::move(account);
  e["time"] = std::move(time);
  e["region"] = std::move(region);
  e["resources"] = std::move(resources);
  e["detail"] = std::move(detail);
  return e;
}

void CompleteEnvelope(Json* e) {
  for (const char* key : {"version", "id", "detail-type", "source", "account", "time", "region"}) {
    if (!e->contains(key)) (*e)[key] = std::string(key) == "version" ? "0" : "";
  }
  if (!e->contains("resources")) (*e)["resources"] = Json::array();
  if (!e->contains("detail")) (*e)["detail"] = Json::object();
}

namespace {

// "a.googleapis.com" → "a"; "s3.amazonaws.com" → "s3".
std::string ServicePrefix(const std::string& host, std::string_view suffix) {
  if (host.size() > suffix.size() &&
      host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return host.substr(0, host.size() - suffix.size());
  }
  return host;
}

// The id after "/subscriptions/" in an Azure resource path, or "".
std::string Subscription(const std::string& path) {
  std::string lower = AsciiLower(path);
  std::size_t at = lower.find("/subscriptions/");
  if (at == std::string::npos) return {};
  std::size_t start = at + 15;
  std::size_t end = path.find('/', start);
  return path.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// "Microsoft.Resources.ResourceWriteSuccess" → "azure.resources";
// "MICROSOFT.NETWORK/networkSecurityGroups/delete" → "azure.network".
std::string AzureProvider(const std::string& name) {
  std::string lower = AsciiLower(name);
  if (lower.rfind("microsoft.", 0) != 0) return "azure";
  std::size_t start = 10;
  std::size_t end = lower.find_first_of("./", start);
  return "azure." + lower.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

// --- AWS ----------------------------------------------------------------

bool IsEventBridge(const Json& j) {
  return HasString(j, "detail-type") && HasString(j, "source");
}

bool IsCloudTrailRecord(const Json& j) {
  if (!HasString(j, "eventVersion") || !j.contains("eventTime")) return false;
  if (IsLambdaEventSourceRecord(j)) return false;
  return (HasString(j, "eventSource") && HasString(j, "eventName")) ||
         Str(j, "eventType") == "AwsCloudTrailInsight";
}

Json CloudTrailEnvelope(const Json& record) {
  std::string type = Str(record, "eventType");
  std::string detail_type = type == "AwsConsoleSignIn"       ? "AWS Console Sign In via CloudTrail"
                            : type == "AwsServiceEvent"      ? "AWS Service Event via CloudTrail"
                            : type == "AwsConsoleAction"     ? "AWS Console Action via CloudTrail"
                            : type == "AwsCloudTrailInsight" ? "AWS Insight via CloudTrail"
                                                             : "AWS API Call via CloudTrail";
  std::string account = Str(record, "recipientAccountId");
  if (account.empty()) account = StrAt(record, {"userIdentity", "accountId"});
  std::string service = Str(record, "eventSource");
  if (service.empty()) service = StrAt(record, {"insightDetails", "eventSource"});
  return Envelope(Str(record, "eventID"), detail_type,
                  "aws." + ServicePrefix(service, ".amazonaws.com"),
                  account, Str(record, "eventTime"), Str(record, "awsRegion"), record);
}

bool IsLambdaEventSourceRecord(const Json& j) {
  return Str(j, "eventSource").rfind("aws:", 0) == 0;
}

bool IsS3Notification(const Json& j) {
  return Str(j, "eventSource") == "aws:s3" && HasObject(j, "s3");
}

namespace {

struct S3Type {
  std::string_view event_name;  // exact, or a prefix ending in ':'
  std::string_view detail_type;
  std::string_view reason;         // detail.reason, "" for none
  std::string_view deletion_type;  // detail.deletion-type, "" for none
};

// S3 notification eventName -> the EventBridge detail-type of the same
// event (docs/sources.md). Exact names first, then prefixes.
constexpr S3Type kS3Types[] = {
    {"ObjectCreated:Put", "Object Created", "PutObject", ""},
    {"ObjectCreated:Post", "Object Created", "POST Object", ""},
    {"ObjectCreated:Copy", "Object Created", "CopyObject", ""},
    {"ObjectCreated:CompleteMultipartUpload", "Object Created", "CompleteMultipartUpload", ""},
    {"ObjectRemoved:Delete", "Object Deleted", "DeleteObject", "Permanently Deleted"},
    {"ObjectRemoved:DeleteMarkerCreated", "Object Deleted", "DeleteObject",
     "Delete Marker Created"},
    {"LifecycleExpiration:Delete", "Object Deleted", "Lifecycle Expiration",
     "Permanently Deleted"},
    {"LifecycleExpiration:DeleteMarkerCreated", "Object Deleted", "Lifecycle Expiration",
     "Delete Marker Created"},
    {"ObjectRestore:Post", "Object Restore Initiated", "", ""},
    {"ObjectRestore:Completed", "Object Restore Completed", "", ""},
    {"ObjectRestore:Delete", "Object Restore Expired", "", ""},
    {"ObjectTagging:Put", "Object Tags Added", "", ""},
    {"ObjectTagging:Delete", "Object Tags Deleted", "", ""},
    {"ObjectAcl:Put", "Object ACL Updated", "", ""},
    {"LifecycleTransition", "Object Storage Class Changed", "", ""},
    {"IntelligentTiering", "Object Access Tier Changed", "", ""},
    {"ObjectCreated:", "Object Created", "", ""},
    {"ObjectRemoved:", "Object Deleted", "", ""},
    {"LifecycleExpiration:", "Object Deleted", "Lifecycle Expiration", ""},
};
constexpr std::string_view kS3OtherDetailType = "S3 Event Notification";

const S3Type* FindS3Type(const std::string& name) {
  for (const S3Type& t : kS3Types) {
    if (name == t.event_name) return &t;
  }
  for (const S3Type& t : kS3Types) {
    if (t.event_name.ends_with(':') && name.starts_with(t.event_name)) return &t;
  }
  return nullptr;
}

// The "aws:SERVICE:REGION:ACCOUNT:..." account field of an ARN, or "".
std::string ArnAccount(const std::string& arn) {
  std::size_t at = 0;
  for (int i = 0; i < 4; ++i) {
    at = arn.find(':', at);
    if (at == std::string::npos) return {};
    ++at;
  }
  std::size_t end = arn.find(':', at);
  return end == std::string::npos ? std::string() : arn.substr(at, end - at);
}

}  // namespace

Json S3NotificationEnvelope(const Json& record) {
  const Json& s3 = record["s3"];
  const S3Type* type = FindS3Type(Str(record, "eventName"));
  Json detail = Json::object();
  detail["version"] = "0";
  std::string bucket = StrAt(s3, {"bucket", "name"});
  detail["bucket"] = {{"name", bucket}};
  Json object = Json::object();
  if (HasObject(s3, "object")) {
    const Json& o = s3["object"];
    if (o.contains("key")) object["key"] = o["key"];
    if (o.contains("size")) object["size"] = o["size"];
    if (o.contains("eTag")) object["etag"] = o["eTag"];
    if (o.contains("versionId")) object["version-id"] = o["versionId"];
    if (o.contains("sequencer")) object["sequencer"] = o["sequencer"];
  }
  detail["object"] = std::move(object);
  std::string request_id = StrAt(record, {"responseElements", "x-amz-request-id"});
  detail["request-id"] = request_id;
  detail["requester"] = StrAt(record, {"userIdentity", "principalId"});
  std::string ip = StrAt(record, {"requestParameters", "sourceIPAddress"});
  if (!ip.empty()) detail["source-ip-address"] = ip;
  if (type && !type->reason.empty()) detail["reason"] = std::string(type->reason);
  if (type && !type->deletion_type.empty()) {
    detail["deletion-type"] = std::string(type->deletion_type);
  }
  detail["notification"] = record;  // the record as S3 sent it

  std::string arn = StrAt(s3, {"bucket", "arn"});
  if (arn.empty() && !bucket.empty()) arn = "arn:aws:s3:::" + bucket;
  Json resources = Json::array();
  if (!arn.empty()) resources.push_back(arn);
  std::string sequencer = StrAt(s3, {"object", "sequencer"});
  std::string id = request_id;
  if (!sequencer.empty()) id += (id.empty() ? "" : ":") + sequencer;
  return Envelope(std::move(id),
                  std::string(type ? type->detail_type : kS3OtherDetailType), "aws.s3", "",
                  Str(record, "eventTime"), Str(record, "awsRegion"), std::move(detail),
                  std::move(resources));
}

Json DynamoDbStreamEnvelope(const Json& record) {
  std::string arn = Str(record, "eventSourceARN");
  // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL: the table.
  std::string table = arn.substr(0, arn.find("/stream/"));
  Json resources = Json::array();
  if (!table.empty()) resources.push_back(table);
  std::string time;
  if (HasObject(record, "dynamodb")) {
    const Json& created = record["dynamodb"].value("ApproximateCreationDateTime", Json());
    if (created.is_number()) time = IsoTimeFromEpochMillis(created.get<double>() * 1000.0);
  }
  return Envelope(Str(record, "eventID"), "DynamoDB Stream Record", "aws.dynamodb",
                  ArnAccount(arn), std::move(time), Str(record, "awsRegion"), record,
                  std::move(resources));
}

bool IsConfigRuleInvocation(const Json& j) {
  return HasString(j, "configRuleArn") && j.contains("invokingEvent");
}

Json ConfigRuleEnvelope(const Json& invocation) {
  Json detail = invocation;
  for (const char* key : {"invokingEvent", "ruleParameters"}) {
    if (detail.contains(key) && detail[key].is_string()) {
      // A document too deep to read stays the string it came as.
      Json parsed;
      if (ParseJson(detail[key].get<std::string>(), &parsed) == JsonParse::kOk) {
        detail[key] = std::move(parsed);
      }
    }
  }
  const Json& event = detail["invokingEvent"];
  std::string message = Str(event, "messageType");
  std::string detail_type = message.find("ConfigurationItemChange") != std::string::npos
                                ? "Config Configuration Item Change"
                                : "Config Scheduled Notification";
  std::string arn = Str(invocation, "configRuleArn");  // arn:aws:config:REGION:...
  std::string region;
  std::size_t p1 = arn.find(':', 4), p2, p3;
  if (p1 != std::string::npos && (p2 = arn.find(':', p1 + 1)) != std::string::npos &&
      (p3 = arn.find(':', p2 + 1)) != std::string::npos) {
    region = arn.substr(p2 + 1, p3 - p2 - 1);
  }
  return Envelope(Str(invocation, "resultToken"), detail_type, "aws.config",
                  Str(invocation, "accountId"), Str(event, "notificationCreationTime"),
                  region, std::move(detail));
}

// --- Google Cloud -------------------------------------------------------

namespace {
// Top-level LogEntry keys, also as a log vendor stores them lower-cased.
const Json* Member(const Json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it != j.end()) return &*it;
  it = j.find(AsciiLower(std::string(key)));
  return it != j.end() ? &*it : nullptr;
}
std::string MemberStr(const Json& j, std::string_view key) {
  const Json* m = Member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}
}  // namespace

bool IsGcpAuditLogEntry(const Json& j) {
  const Json* payload = Member(j, "protoPayload");
  if (payload == nullptr || !payload->is_object()) return false;
  std::string type = Str(*payload, "@type");
  return type.find("AuditLog") != std::string::npos || HasString(*payload, "serviceName");
}

Json GcpAuditEnvelope(const Json& entry) {
  const Json& payload = *Member(entry, "protoPayload");
  std::string service = ServicePrefix(Str(payload, "serviceName"), ".googleapis.com");
  const Json* resource = Member(entry, "resource");
  std::string project, region;
  if (resource != nullptr) {
    project = StrAt(*resource, {"labels", "project_id"});
    region = StrAt(*resource, {"labels", "location"});
    if (region.empty()) {
      std::string zone = StrAt(*resource, {"labels", "zone"});
      std::size_t dash = zone.rfind('-');
      // "us-central1-a" → "us-central1"
      if (dash != std::string::npos && dash + 2 == zone.size()) region = zone.substr(0, dash);
    }
  }
  if (project.empty()) {
    std::string log = MemberStr(entry, "logName");  // projects/P/logs/...
    if (log.rfind("projects/", 0) == 0) project = log.substr(9, log.find('/', 9) - 9);
  }
  return Envelope(MemberStr(entry, "insertId"), "GCP API Call via Cloud Audit Logs",
                  "gcp." + (service.empty() ? std::string("unknown") : service), project,
                  MemberStr(entry, "timestamp"), region, entry);
}

// --- Azure ---------------------------------------------------------------

bool IsEventGridEvent(const Json& j) {
  return HasString(j, "eventType") && HasString(j, "subject") && j.contains("dataVersion") &&
         HasString(j, "id");
}

Json EventGridEnvelope(const Json& event) {
  std::string type = Str(event, "eventType");
  std::string account = Subscription(Str(event, "topic"));
  if (account.empty()) account = Subscription(Str(event, "subject"));
  return Envelope(Str(event, "id"), type, AzureProvider(type), account,
                  Str(event, "eventTime"), "", event);
}

bool IsAzureCloudEvent(const Json& j) {
  return HasString(j, "specversion") && AsciiLower(Str(j, "type")).rfind("microsoft.", 0) == 0;
}

Json AzureCloudEventEnvelope(const Json& event) {
  std::string type = Str(event, "type");
  std::string account = Subscription(Str(event, "source"));
  if (account.empty()) account = Subscription(Str(event, "subject"));
  return Envelope(Str(event, "id"), type, AzureProvider(type), account, Str(event, "time"),
                  "", event);
}

bool IsAzureActivityLog(const Json& j) {
  return HasString(j, "operationName") && HasString(j, "resourceId") && j.contains("category");
}

Json AzureActivityLogEnvelope(const Json& record) {
  std::string id = Str(record, "eventDataId");
  if (id.empty()) id = Str(record, "correlationId");
  return Envelope(id, "Azure Activity Log", AzureProvider(Str(record, "operationName")),
                  Subscription(Str(record, "resourceId")), Str(record, "time"),
                  Str(record, "location"), record);
}

// --- Okta, Slack, GitHub -------------------------------------------------

bool IsOktaSystemLogEvent(const Json& j) {
  return HasString(j, "eventType") && j.contains("published") && j.contains("actor");
}

Json OktaEnvelope(const Json& event) {
  std::string published = Str(event, "published");
  return Envelope(Str(event, "uuid"), "Okta System Log Event", "okta", "", published, "",
                  event);
}

bool IsSlackEventCallback(const Json& j) {
  return Str(j, "type") == "event_callback" && HasObject(j, "event");
}

Json SlackEnvelope(const Json& callback) {
  std::string time;
  auto t = callback.find("event_time");
  if (t != callback.end() && t->is_number()) {
    time = IsoTimeFromEpochMillis(t->get<double>() * 1000);
  }
  return Envelope(Str(callback, "event_id"), StrAt(callback, {"event", "type"}), "slack",
                  Str(callback, "team_id"), time, "", callback);
}

Json GitHubEnvelope(const Json& body, std::string event, std::string delivery,
                    std::string time) {
  std::string account = StrAt(body, {"organization", "login"});
  if (account.empty()) account = StrAt(body, {"repository", "owner", "login"});
  if (account.empty()) account = StrAt(body, {"sender", "login"});
  return Envelope(std::move(delivery), std::move(event), "github", account, std::move(time), "",
                  body);
}

// --- CloudEvents ---------------------------------------------------------

bool IsCloudEvent(const Json& j) {
  return HasString(j, "specversion") && HasString(j, "type") && HasString(j, "source") &&
         HasString(j, "id");
}

Json CloudEventEnvelope(Json event) {
  if (event.contains("data_base64") && event["data_base64"].is_string()) {
    if (auto raw = Base64Decode(event["data_base64"].get<std::string>())) {
      Json parsed;
      if (ParseJson(*raw, &parsed) == JsonParse::kOk) {
        event["data"] = std::move(parsed);
      } else if (IsValidUtf8(*raw)) {
        event["data"] = Json(*raw);
      }  // binary data stays in data_base64
    }
  }
  std::string id = Str(event, "id"), type = Str(event, "type"), source = Str(event, "source"),
              time = Str(event, "time");
  return Envelope(id, type, source, "", time, "", std::move(event));
}

}  // namespace proact::internal
