// The built-in sources: how each payload is recognized and mapped onto the
// EventBridge envelope (docs/sources.md is the specification).
//
// Recognizers look at a parsed JSON value; mappers build the envelope with
// the payload unchanged in `detail`. Delivery envelopes (SQS, SNS, HTTP
// requests...) are unwrapped by the Normalizer, not here.
#ifndef PROACT_SRC_NORMALIZE_SOURCES_H_
#define PROACT_SRC_NORMALIZE_SOURCES_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace proact::internal {

using Json = nlohmann::json;

// A string member of `j`, or "" when absent or not a string.
std::string Str(const Json& j, std::string_view key);
// A string at a dotted path of object keys, or "".
std::string StrAt(const Json& j, std::initializer_list<std::string_view> path);
bool HasString(const Json& j, std::string_view key);
bool HasObject(const Json& j, std::string_view key);

// An envelope with every EventBridge field; `detail` is moved in.
Json Envelope(std::string id, std::string detail_type, std::string source,
              std::string account, std::string time, std::string region,
              Json detail, Json resources = Json::array());
// Fills missing envelope fields of a custom source's output with defaults.
void CompleteEnvelope(Json* envelope);

// AWS.
bool IsEventBridge(const Json& j);
bool IsCloudTrailRecord(const Json& j);
Json CloudTrailEnvelope(const Json& record);
bool IsConfigRuleInvocation(const Json& j);
Json ConfigRuleEnvelope(const Json& invocation);
// Lambda event-source records (Records[] of an S3 notification, a Kinesis
// or DynamoDB stream batch): `eventSource` is "aws:SERVICE", never the
// "SERVICE.amazonaws.com" of a CloudTrail record.
bool IsLambdaEventSourceRecord(const Json& j);
bool IsS3Notification(const Json& j);
// As EventBridge maps S3 event notifications (docs/sources.md).
Json S3NotificationEnvelope(const Json& record);
Json DynamoDbStreamEnvelope(const Json& record);

// Google Cloud.
bool IsGcpAuditLogEntry(const Json& j);
Json GcpAuditEnvelope(const Json& entry);

// Azure.
bool IsEventGridEvent(const Json& j);
Json EventGridEnvelope(const Json& event);
bool IsAzureCloudEvent(const Json& j);
Json AzureCloudEventEnvelope(const Json& event);
bool IsAzureActivityLog(const Json& j);
Json AzureActivityLogEnvelope(const Json& record);

// Okta and Slack.
bool IsOktaSystemLogEvent(const Json& j);
Json OktaEnvelope(const Json& event);
bool IsSlackEventCallback(const Json& j);
Json SlackEnvelope(const Json& callback);

// GitHub webhook body with its headers' values.
Json GitHubEnvelope(const Json& body, std::string event, std::string delivery,
                    std::string time);

// CloudEvents (structured mode). `data_base64` is decoded into `data`.
bool IsCloudEvent(const Json& j);
Json CloudEventEnvelope(Json event);

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_SOURCES_H_
