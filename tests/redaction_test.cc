// util/redaction: every secret name and value shape in the maintained list,
// and the look-alikes that must stay readable.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "proact/decision.h"
#include "util/redaction.h"

namespace proact::internal {
namespace {

// Real-looking values (the documented AWS examples, the jwt.io sample,
// fabricated tokens of the right shape).
constexpr const char* kAwsKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kAwsTempKeyId = "ASIAY34FZKBOKMUTVV7A";
constexpr const char* kAwsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
constexpr const char* kSlackHookPath = "T0A1B2C3D/B0E1F2G3H/abcdefghijklmnopqrstuvwx";

bool Hidden(const std::string& out, const std::string& secret) {
  return out.find(secret) == std::string::npos && out.find(kRedactedMarker) != std::string::npos;
}

TEST_CASE("redaction: secret key names, in any case and separator style") {
  for (const char* key :
       {"password", "Password", "PASSWORD", "passwd", "pwd", "db_pass", "passphrase", "secret",
        "client_secret", "clientSecret", "SecretString", "token", "api_token", "accessToken",
        "authtoken", "refresh-token", "x-amz-security-token", "api_key", "apikey", "apiKey", "x-api-key",
        "X-Api-Key", "x_api_key", "XApiKey", "authorization", "Authorization", "proxy-authorization",
        "auth", "basic_auth", "cookie", "Cookie", "cookies", "set-cookie", "Set-Cookie", "session",
        "session_id", "sessionId", "SESSIONID", "PHPSESSID", "private_key", "privateKey", "PrivateKey",
        "signature", "x-hub-signature-256", "X-Slack-Signature", "credentials", "Credentials",
        "credential", "access_key", "aws_access_key_id", "accessKeyId", "AWS_SECRET_ACCESS_KEY",
        "secretAccessKey", "PGPASSWORD", "MYSQL_PWD", "password_hash", "jwt", "signing_key",
        "encryption_key", "x-csrf-token", "otp", "db.password"}) {
    INFO(key);
    CHECK(IsSecretKey(key));
  }
}

TEST_CASE("redaction: look-alike key names are not secrets") {
  for (const char* key :
       {"token_count", "tokenizer", "author", "authors", "authority", "auth_type", "key", "Key",
        "monkey", "public_key", "secret_id", "secretArn", "SecretName", "password_last_used",
        "PasswordLastUsed", "password_policy", "credential_type", "signature_version",
        "SignatureVersion", "session_duration", "name", "message", "bypass", "passenger", "keyboard",
        "id", "event_id", "function_request_id", "xray_trace_id", "policy", "bucket", "url", "",
        "---", "123"}) {
    INFO(key);
    CHECK_FALSE(IsSecretKey(key));
  }
}

TEST_CASE("redaction: value shapes are masked in any string, keeping what is not secret") {
  struct Case {
    std::string in;
    std::string secret;    // must be gone
    std::string expected;  // the whole result, when given
  };
  const std::string hook = std::string("https://hooks.slack.com/services/") + kSlackHookPath;
  const Case cases[] = {
      {std::string("key ") + kAwsKeyId + " used", kAwsKeyId, "key AKIA[redacted] used"},
      {std::string("temporary ") + kAwsTempKeyId, kAwsTempKeyId, "temporary ASIA[redacted]"},
      {std::string(kAwsKeyId) + " " + kAwsSecret, kAwsSecret, "AKIA[redacted] [redacted]"},
      {std::string("id=") + kAwsKeyId + "\nsecret: \"" + kAwsSecret + "\"", kAwsSecret, ""},
      {std::string("token ") + kJwt + " expired", kJwt, "token [redacted] expired"},
      {"ghp_1234567890abcdefghijABCDEFGHIJ123456 leaked", "1234567890abcdefghijABCDEFGHIJ123456",
       "ghp_[redacted] leaked"},
      {"gho_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a", ""},
      {"ghu_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a", ""},
      {"ghs_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a", ""},
      {"ghr_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a", ""},
      {"github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS",
       "11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS", "github_pat_[redacted]"},
      {"glpat-xxxxxxxxxxxxxxxxxxxx1234", "xxxxxxxxxxxxxxxxxxxx1234", "glpat-[redacted]"},
      {"bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
       "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "bot xoxb-[redacted]"},
      {"xoxp-1111111111-2222222222-3333333333-abcdef", "1111111111-2222222222", "xoxp-[redacted]"},
      {"xapp-1-A0123456789-1234567890123-abcdef0123456789", "A0123456789-1234567890123", "xapp-[redacted]"},
      {"post to " + hook, kSlackHookPath, "post to https://hooks.slack.com/services/[redacted]"},
      {"https://discord.com/api/webhooks/123456789012345678/AbCdEf-GhIjKl_MnOpQr",
       "AbCdEf-GhIjKl_MnOpQr", "https://discord.com/api/webhooks/123456789012345678/[redacted]"},
      {"postgres://app:s3cr3t-pw@db.internal:5432/prod?sslmode=require", "s3cr3t-pw",
       "postgres://app:[redacted]@db.internal:5432/prod?sslmode=require"},
      {"mysql://root:hunter2@10.0.0.5/app", "hunter2", "mysql://root:[redacted]@10.0.0.5/app"},
      {"redis://:r3dis-pass@cache:6379/0", "r3dis-pass", "redis://:[redacted]@cache:6379/0"},
      {"see https://alice:opensesame@example.com/x", "opensesame",
       "see https://alice:[redacted]@example.com/x"},
      {"Server=db;User Id=sa;Password=Hunter2!;Database=x", "Hunter2!",
       "Server=db;User Id=sa;Password=[redacted];Database=x"},
      {"Driver={SQL};Pwd={p@ss w0rd};", "p@ss w0rd", "Driver={SQL};Pwd={[redacted]};"},
      {"host=db user=app password=hunter2 dbname=x", "hunter2",
       "host=db user=app password=[redacted] dbname=x"},
      {"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bXlrZXk9PQ==;EndpointSuffix=core",
       "bXlrZXk9PQ==", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[redacted];EndpointSuffix=core"},
      {"GET /x?api_key=abc123&page=2", "abc123", "GET /x?api_key=[redacted]&page=2"},
      {"https://s3.amazonaws.com/b/o?X-Amz-Signature=0123abcd&X-Amz-Expires=60", "0123abcd",
       "https://s3.amazonaws.com/b/o?X-Amz-Signature=[redacted]&X-Amz-Expires=60"},
      {"Authorization: Bearer abc.def", "abc.def", "Authorization: Bearer [redacted]"},
      {"Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "Authorization: Basic [redacted]"},
      {"curl -H 'Authorization: token gh123'", "gh123", ""},
      {"sent Bearer 0123456789abcdef", "0123456789abcdef", "sent Bearer [redacted]"},
      {"header Basic dXNlcjpwYXNz here", "dXNlcjpwYXNz", "header Basic [redacted] here"},
      {"X-Api-Key: k-7f3c9a1e5b", "k-7f3c9a1e5b", "X-Api-Key: [redacted]"},
      {"Cookie: session=abc123; theme=dark", "abc123", "Cookie: [redacted]"},
      {R"({"user":"bob","password":"hunter 2"})", "hunter 2", R"({"user":"bob","password":"[redacted]"})"},
      {R"({\"password\":\"hunter2\",\"a\":1})", "hunter2", R"({\"password\":\"[redacted]\",\"a\":1})"},
      {"password: 'se cret'", "se cret", "password: '[redacted]'"},
      {"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n",
       "MIIEowIBAAKCAQEA7",
       "-----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----\n"},
      {"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq (truncated)", "MIIEvQIBADANBgkq",
       "-----BEGIN PRIVATE KEY-----[redacted]"},
      {"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc", "sk_live_[redacted]"},
      {"AIzaSyA1234567890abcdefghijklmnopqrstuv", "SyA1234567890abcdefghijklmnopqrstuv", "AIza[redacted]"},
  };
  for (const Case& c : cases) {
    INFO(c.in);
    std::string out = RedactText(c.in);
    CHECK(Hidden(out, c.secret));
    if (!c.expected.empty()) CHECK(out == c.expected);
    CHECK(RedactText(out) == out);  // idempotent: reports are redacted, then logged
  }
}

TEST_CASE("redaction: ordinary text, URLs, ARNs and ids stay as they are") {
  for (const char* text : {
           "https://example.com/path?x=1&page=2",
           "https://example.com:8443/users/@alice",
           "arn:aws:iam::123456789012:role/Admin",
           "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
           "AIDAJQABLZS4A3QDU576Q",            // an IAM user's unique id, not a key
           "AROAEXAMPLEID1234567:session-name",  // a role session
           "commit 1234567890abcdef1234567890abcdef12345678",
           "at 12:30:00 the author: bob changed token_count=5",
           "Basic configuration and Bearer bonds",
           "see https://hooks.slack.com/ for setup",
           "auth_type=oauth; session_duration=3600",
           "eyJhbGciOi is not a whole token",
           "ghp_short",
           "bucket ACL changed",
           "",
       }) {
    INFO(text);
    CHECK(RedactText(text) == text);
  }
}

TEST_CASE("redaction: JSON values by key name, nested, and name/value pairs") {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(R"({
    "token_count": 5,
    "author": "alice",
    "auth": "s1",
    "headers": {"x-api-key": "k2", "cookie": "c=3", "content-type": "application/json"},
    "multi": {"Cookie": ["a=4", "b=5"]},
    "nested": [{"client_secret": {"v": "s6"}}, {"privateKey": "s7"}],
    "environment": [{"name": "DB_PASSWORD", "value": "s8"}, {"name": "REGION", "value": "us-east-1"}],
    "tags": [{"Key": "api_key", "Value": "s9"}],
    "password": null,
    "note": "dsn postgres://u:s10@db/x",
    "url": "https://example.com/x"
  })");
  RedactJson(&j);
  std::string out = j.dump();
  for (const char* secret : {"\"s1\"", "k2", "c=3", "a=4", "b=5", "s6", "s7", "s8", "s9", "s10"}) {
    INFO(secret);
    CHECK(out.find(secret) == std::string::npos);
  }
  CHECK(j["token_count"] == 5);
  CHECK(j["author"] == "alice");
  CHECK(j["headers"]["content-type"] == "application/json");
  CHECK(j["environment"][1]["value"] == "us-east-1");
  CHECK(j["environment"][0]["name"] == "DB_PASSWORD");
  CHECK(j["password"].is_null());
  CHECK(j["note"] == "dsn postgres://u:[redacted]@db/x");
  CHECK(j["url"] == "https://example.com/x");

  // The public entry point is the same list.
  nlohmann::ordered_json p = {{"x-api-key", "k"}, {"hook", std::string("https://hooks.slack.com/services/") + kSlackHookPath}};
  RedactSecrets(&p);
  CHECK(p["x-api-key"] == "[redacted]");
  CHECK(p["hook"] == "https://hooks.slack.com/services/[redacted]");
}

TEST_CASE("redaction: deep values and hostile text stay linear and never recurse") {
  // 200,000 levels: a recursive walk would overflow the stack.
  nlohmann::json deep = "AKIAIOSFODNN7EXAMPLE";
  for (int i = 0; i < 200000; ++i) {
    nlohmann::json wrap = nlohmann::json::array();
    wrap.push_back(std::move(deep));
    deep = std::move(wrap);
  }
  RedactJson(&deep);
  const nlohmann::json* leaf = &deep;
  while (leaf->is_array()) leaf = &(*leaf)[0];
  CHECK(*leaf == "AKIA[redacted]");
  // Tear down iteratively too (nlohmann's destructor is not recursive).
  deep = nullptr;

  // Shapes that make a backtracking or restart-per-candidate scanner
  // quadratic: 1 MiB each.
  auto start = std::chrono::steady_clock::now();
  for (const std::string& unit : {std::string("a:"), std::string("a="), std::string("password"),
                                  std::string("x://u:"), std::string("AKIA"), std::string("eyJ."),
                                  std::string("Basic "), std::string("\"")}) {
    std::string text;
    while (text.size() < (1u << 20)) text += unit;
    (void)RedactText(text);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 10.0);  // a few hundred ms in release; quadratic would be hours
}

}  // namespace
}  // namespace proact::internal
