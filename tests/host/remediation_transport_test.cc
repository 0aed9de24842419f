// The remediation HTTP transport and credential broker against
// tests/remediation/fake_providers.py over real loopback HTTP: every SigV4
// signature is recomputed by botocore, every GitHub App JWT checked by PyJWT.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "host/remediation/credentials.h"
#include "host/remediation/http_transport.h"
#include "fake_providers.h"
#include "host_test_util.h"

namespace proact::internal {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using namespace fake;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    snprintf(buf, sizeof buf, "%02x", digest[i]);
    out += buf;
  }
  return out;
}

AwsSigning Signing(const std::string& region, const std::string& service, bool token = true) {
  AwsSigning s;
  s.credentials.access_key_id = kKey;
  s.credentials.secret_access_key = kSecret;
  if (token) s.credentials.session_token = kToken;
  s.region = region;
  s.service = service;
  return s;
}

// Every recorded request with the named header removed: a secret allowed
// only in that header must then be absent.
std::string WithoutHeader(json requests, const std::string& header) {
  for (auto& r : requests) r["headers"].erase(header);
  return requests.dump();
}

TEST_CASE("remediation transport: SigV4 requests are signed as botocore signs them") {
  REQUIRE_FAKE();
  Fake fake;

  SUBCASE("S3 PUT with an XML body to a virtual host, delivered through connect_to") {
    std::string body =
        "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
        "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>"
        "</PublicAccessBlockConfiguration>";
    HttpCall call;
    call.method = "PUT";
    call.url = "http://examplebucket.s3.us-east-1.amazonaws.com/?publicAccessBlock=";
    call.connect_to = fake.hostport();
    call.headers = {{"Content-Type", "application/xml"}};
    call.body = body;
    call.has_sigv4 = true;
    call.sigv4 = Signing("us-east-1", "s3");
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    CHECK(reply.Header("x-amzn-requestid").substr(0, 5) == "fake-");
    json r = fake.Requests().back();
    CheckVerified(r, "s3", "us-east-1");
    CHECK(r["method"] == "PUT");
    CHECK(r["host"] == "examplebucket.s3.us-east-1.amazonaws.com");
    CHECK(r["path"] == "/");
    CHECK(r["query"] == "publicAccessBlock=");
    CHECK(r["body"] == body);
    CHECK(r["headers"]["content-type"] == "application/xml");
    CHECK(r["headers"]["x-amz-content-sha256"] == Sha256Hex(body));
    CHECK(r["headers"]["x-amz-security-token"] == kToken);
    std::string auth = r["headers"]["authorization"];
    CHECK(auth.find("content-type") != std::string::npos);
    CHECK(auth.find("x-amz-security-token") != std::string::npos);
    CHECK(auth.find("x-amz-content-sha256") != std::string::npos);
  }

  SUBCASE("S3 GET without a body, and a caller's X-Amz-Date is not sent twice") {
    HttpCall call;
    call.method = "GET";
    call.url = "http://examplebucket.s3.us-east-1.amazonaws.com/?publicAccessBlock=";
    call.connect_to = fake.hostport();
    call.headers = {{"X-Amz-Date", "20200101T000000Z"}};
    call.has_sigv4 = true;
    call.sigv4 = Signing("us-east-1", "s3");
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    json r = fake.Requests().back();
    CheckVerified(r, "s3", "us-east-1");
    CHECK(r["headers"]["x-amz-content-sha256"] == Sha256Hex(""));
    CHECK(r["headers"]["x-amz-date"] != "20200101T000000Z");
  }

  SUBCASE("a body over a megabyte") {
    HttpCall call;
    call.method = "PUT";
    call.url = "http://examplebucket.s3.us-east-1.amazonaws.com/big/object.json";
    call.connect_to = fake.hostport();
    call.body = std::string(1536 * 1024, 'a');
    call.has_sigv4 = true;
    call.sigv4 = Signing("us-east-1", "s3");
    auto start = std::chrono::steady_clock::now();
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    json r = fake.Requests().back();
    CheckVerified(r, "s3", "us-east-1");
    CHECK(r["headers"]["content-type"] == "application/octet-stream");
    CHECK(r["body"].get<std::string>().size() == call.body.size());
  }

  SUBCASE("EC2 query protocol: POST with a form body") {
    HttpCall call;
    call.method = "POST";
    call.url = "http://ec2.eu-west-1.amazonaws.com/";
    call.connect_to = fake.hostport();
    call.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    call.body = "Action=ModifyInstanceMetadataOptions&HttpTokens=required&InstanceId=i-0123456789abcdef0"
                "&Version=2016-11-15";
    call.has_sigv4 = true;
    call.sigv4 = Signing("eu-west-1", "ec2");
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    json r = fake.Requests().back();
    CheckVerified(r, "ec2", "eu-west-1");
    CHECK(r["body"] == call.body);
    CHECK(r["headers"]["x-amz-security-token"] == kToken);
  }

  SUBCASE("IAM query protocol: POST to the global endpoint, signed for us-east-1") {
    HttpCall call;
    call.method = "POST";
    call.url = "http://iam.amazonaws.com/";
    call.connect_to = fake.hostport();
    call.body = "AccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=UpdateAccessKey&Status=Inactive&UserName=bob"
                "&Version=2010-05-08";
    call.has_sigv4 = true;
    call.sigv4 = Signing("us-east-1", "iam", false);
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    json r = fake.Requests().back();
    CheckVerified(r, "iam", "us-east-1");
    CHECK(r["host"] == "iam.amazonaws.com");
    CHECK(r["headers"]["content-type"] == "application/x-www-form-urlencoded");
    CHECK(!r["headers"].contains("x-amz-security-token"));
  }

  SUBCASE("JSON 1.1 protocol: POST with X-Amz-Target") {
    HttpCall call;
    call.method = "POST";
    call.url = "http://ssm.us-east-2.amazonaws.com/";
    call.connect_to = fake.hostport();
    call.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                    {"X-Amz-Target", "AmazonSSM.ModifyDocumentPermission"}};
    call.body = R"({"Name":"doc","PermissionType":"Share","AccountIdsToRemove":["all"]})";
    call.has_sigv4 = true;
    call.sigv4 = Signing("us-east-2", "ssm");
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    json r = fake.Requests().back();
    CheckVerified(r, "ssm", "us-east-2");
    CHECK(r["headers"]["x-amz-target"] == "AmazonSSM.ModifyDocumentPermission");
    CHECK(std::string(r["headers"]["authorization"]).find("x-amz-target") != std::string::npos);
  }

  SUBCASE("REST-JSON protocol: DELETE with a query") {
    HttpCall call;
    call.method = "DELETE";
    call.url = "http://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my-function/policy/"
               "public-invoke?RevisionId=1a2b-3c4d";
    call.connect_to = fake.hostport();
    call.has_sigv4 = true;
    call.sigv4 = Signing("us-east-1", "lambda");
    HttpReply reply = Send(call);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    json r = fake.Requests().back();
    CheckVerified(r, "lambda", "us-east-1");
    CHECK(r["method"] == "DELETE");
    CHECK(r["path"] == "/2015-03-31/functions/my-function/policy/public-invoke");
    CHECK(r["query"] == "RevisionId=1a2b-3c4d");
    CHECK(r["body"] == "");
  }

  json all = fake.Requests();
  CheckAbsent(all.dump(), kSecret);
  CheckAbsent(WithoutHeader(all, "x-amz-security-token"), kToken);
}

TEST_CASE("remediation transport: requests that cannot be signed or must not be sent are refused") {
  REQUIRE_FAKE();
  Fake fake;
  auto refused = [](HttpCall call, const std::string& why) {
    HttpReply reply = Send(call);
    INFO("url " << call.url << " -> " << reply.transport_error);
    CHECK(reply.status == 0);
    CHECK(reply.transport_error.find(why) != std::string::npos);
    CheckAbsent(reply.transport_error, kSecret);
  };
  HttpCall plain;
  plain.method = "GET";
  plain.url = "http://203.0.113.7/";
  refused(plain, "loopback");
  plain.url = "http://sts.amazonaws.com/";
  plain.connect_to = "203.0.113.7:80";
  refused(plain, "loopback");
  plain.connect_to.clear();
  plain.url = "ftp://127.0.0.1/file";
  refused(plain, "http and https");
  plain.url = "http://169.254.169.254/latest/meta-data/";
  refused(plain, "loopback");

  HttpCall signed_call;
  signed_call.method = "GET";
  signed_call.connect_to = fake.hostport();
  signed_call.has_sigv4 = true;
  signed_call.sigv4 = Signing("us-east-1", "lambda");
  signed_call.url = "http://lambda.us-east-1.amazonaws.com/2015-03-31/functions/a:b/policy";
  refused(signed_call, "non-S3 SigV4 path");
  signed_call.url = "http://lambda.us-east-1.amazonaws.com/2015-03-31/functions/a%3ab/policy";
  refused(signed_call, "non-S3 SigV4 path");
  signed_call.url = "http://lambda.us-east-1.amazonaws.com/2015-03-31//functions";
  refused(signed_call, "dot segments");
  signed_call.sigv4.service = "s3";
  signed_call.url = "http://bucket.s3.us-east-1.amazonaws.com/?prefix=a%2fb";
  refused(signed_call, "encoded");
  signed_call.url = "http://bucket.s3.us-east-1.amazonaws.com/?prefix=a,b";
  refused(signed_call, "encoded");
  signed_call.url = "http://bucket.s3.us-east-1.amazonaws.com/?prefix=a b";
  refused(signed_call, "not a valid");
  CHECK(fake.Requests().empty());

  // What libcurl 7.88 could not sign and proact's signer can, each checked
  // by botocore: S3 keys with encoded characters (signed as sent), non-S3
  // paths with encoded characters (signed encoded twice, as AWS does: a
  // Lambda function ARN), query parameters in any order, valueless ones.
  for (auto [service, url] : std::vector<std::pair<std::string, std::string>>{
           {"s3", "http://bucket.s3.us-east-1.amazonaws.com/dir/a%20b%3Ac.txt?tagging="},
           {"s3", "http://bucket.s3.us-east-1.amazonaws.com/?publicAccessBlock"},
           {"lambda", "http://lambda.us-east-1.amazonaws.com/2015-03-31/functions/"
                      "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/policy"},
           {"lambda", "http://lambda.us-east-1.amazonaws.com/x?b=1&a=2&a=1"}}) {
    signed_call.sigv4.service = service;
    signed_call.url = url;
    HttpReply reply = Send(signed_call);
    INFO(url);
    REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
    CheckVerified(fake.Requests().back(), service, "us-east-1");
  }

  CHECK(IsLoopbackHost("127.0.0.1"));
  CHECK(IsLoopbackHost("127.10.20.30"));
  CHECK(IsLoopbackHost("::1"));
  CHECK(IsLoopbackHost("localhost"));
  CHECK(IsLoopbackHost("LocalHost"));
  CHECK(!IsLoopbackHost("128.0.0.1"));
  CHECK(!IsLoopbackHost("10.0.0.1"));
  CHECK(!IsLoopbackHost("localhost.example.com"));
  CHECK(!IsLoopbackHost("::2"));
  CHECK(!IsLoopbackHost(""));
}

TEST_CASE("remediation transport: deadline, response cap, lower-case headers, no redirects") {
  REQUIRE_FAKE();
  Fake fake;
  fake.Script({{"method", "GET"}, {"path", "/slow"}, {"responses", {{{"status", 200}, {"delay_ms", 3000}}}}});
  fake.Script({{"method", "GET"},
               {"path", "/big"},
               {"responses", {{{"status", 200}, {"headers", {{"X-Custom-Thing", "Value 1"}}},
                               {"body", std::string(1000, 'x')}}}}});
  fake.Script({{"method", "GET"},
               {"path_prefix", "/mov"},
               {"responses", {{{"status", 302}, {"headers", {{"Location", fake.url("/elsewhere")}}}}}}});

  HttpCall call;
  call.method = "GET";
  call.url = fake.url("/slow");
  auto start = std::chrono::steady_clock::now();
  call.deadline = start + 300ms;
  HttpReply reply = Send(call);
  auto took = std::chrono::steady_clock::now() - start;
  INFO("transport error: " << reply.transport_error);
  CHECK(reply.timed_out);
  CHECK(reply.status == 0);
  CHECK(!reply.transport_error.empty());
  CHECK(took < 2s);

  call.deadline = std::chrono::steady_clock::now() - 1ms;
  call.url = fake.url("/never");
  reply = Send(call);
  CHECK(reply.timed_out);
  CHECK(reply.status == 0);

  call.deadline = std::chrono::steady_clock::time_point::max();
  call.url = fake.url("/big");
  call.max_response_bytes = 100;
  reply = Send(call);
  CHECK(reply.status == 200);
  CHECK(reply.too_large);
  CHECK(reply.body == std::string(100, 'x'));
  CHECK(reply.Header("x-custom-thing") == "Value 1");
  CHECK(reply.Header("X-Custom-Thing") == "");
  for (const auto& [name, value] : reply.headers) {
    for (char c : name) CHECK(!(c >= 'A' && c <= 'Z'));
  }

  call.max_response_bytes = 4u << 20;
  call.url = fake.url("/moved");
  reply = Send(call);
  CHECK(reply.status == 302);
  CHECK(reply.Header("location") == fake.url("/elsewhere"));
  json requests = fake.Requests();
  for (const auto& r : requests) CHECK(r["path"] != "/elsewhere");
  // After the script ran out, the defaults answer again.
  reply = Send(call);
  CHECK(reply.status == 200);
  CHECK(reply.body == "{}");

  // Nobody listening: a transport error, not a status.
  call.url = "http://127.0.0.1:1/";
  reply = Send(call);
  CHECK(reply.status == 0);
  CHECK(!reply.timed_out);
  CHECK(!reply.transport_error.empty());
}

std::map<std::string, std::string> AwsEnv(const Fake& fake) {
  return {{"AWS_ACCESS_KEY_ID", kKey},
          {"AWS_SECRET_ACCESS_KEY", kSecret},
          {"AWS_ENDPOINT_URL_STS", fake.url()}};
}

const auto kLongDeadline = [] { return std::chrono::steady_clock::now() + 10s; };

TEST_CASE("remediation credentials: AssumeRole through the STS override, cached per role, then used to sign") {
  REQUIRE_FAKE();
  Fake fake;
  CredentialBroker broker(EnvOf(AwsEnv(fake)));
  CredentialRequest request;
  request.provider = "aws";
  request.aws_role_arn = "arn:aws:iam::123456789012:role/proact-fixer";
  Credential first, second;
  CredentialError error;
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &first, &error), error.message);
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &second, &error), error.message);
  CHECK(broker.fetches() == 1);
  CHECK(first.has_aws);
  CHECK(first.aws.access_key_id.substr(0, 4) == "ASIA");
  CHECK(!first.aws.session_token.empty());
  CHECK(first.aws.access_key_id == second.aws.access_key_id);
  auto left = first.aws.expiration - std::chrono::system_clock::now();
  CHECK(left > 50min);
  CHECK(left < 61min);
  CHECK(first.description.find(request.aws_role_arn) != std::string::npos);
  CheckAbsent(first.description, first.aws.secret_access_key);

  json requests = fake.Requests();
  REQUIRE(requests.size() == 1);
  const json& sts = requests[0];
  CheckVerified(sts, "sts", "us-east-1");
  CHECK(sts["method"] == "POST");
  CHECK(sts["host"] == "sts.amazonaws.com");
  CHECK(sts["path"] == "/");
  CHECK(sts["body"] ==
        "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fproact-fixer"
        "&RoleSessionName=proact-remediation&Version=2011-06-15");
  CHECK(!sts["headers"].contains("x-amz-security-token"));

  // Another role is its own cache entry.
  CredentialRequest other = request;
  other.aws_role_arn = "arn:aws:iam::123456789012:role/other";
  Credential third;
  REQUIRE(broker.Get(other, kLongDeadline(), &third, &error));
  CHECK(broker.fetches() == 2);
  CHECK(third.aws.access_key_id != first.aws.access_key_id);

  // The assumed credentials sign a request the fake verifies.
  HttpCall call;
  call.method = "GET";
  call.url = "http://examplebucket.s3.us-east-1.amazonaws.com/?policy=";
  call.connect_to = fake.hostport();
  call.has_sigv4 = true;
  call.sigv4.credentials = first.aws;
  call.sigv4.region = "us-east-1";
  call.sigv4.service = "s3";
  HttpReply reply = Send(call);
  REQUIRE_MESSAGE(reply.status == 200, reply.transport_error);
  json r = fake.Requests().back();
  CheckVerified(r, "s3", "us-east-1");
  CHECK(r["headers"]["x-amz-security-token"] == first.aws.session_token);

  json all = fake.Requests();
  CheckAbsent(all.dump(), kSecret);
  CheckAbsent(all.dump(), first.aws.secret_access_key);
  CheckAbsent(WithoutHeader(all, "x-amz-security-token"), first.aws.session_token);

  // Many threads at once: all served, the cache stays whole.
  CredentialBroker shared(EnvOf(AwsEnv(fake)));
  std::vector<std::thread> threads;
  std::atomic<int> served{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Credential c;
      CredentialError e;
      if (shared.Get(request, kLongDeadline(), &c, &e) && c.aws.access_key_id.substr(0, 4) == "ASIA") ++served;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(served == 8);
  CHECK(shared.fetches() >= 1);
  CHECK(shared.fetches() <= 8);

  // Without a role: the base credentials, nothing fetched.
  CredentialRequest base;
  base.provider = "aws";
  Credential plain;
  REQUIRE(broker.Get(base, kLongDeadline(), &plain, &error));
  CHECK(plain.aws.access_key_id == kKey);
  CHECK(plain.aws.expiration == std::chrono::system_clock::time_point::max());
  CHECK(broker.fetches() == 2);
}

TEST_CASE("remediation credentials: AssumeRole refused is permanent, throttled or unreachable is retryable") {
  REQUIRE_FAKE();
  Fake fake;
  CredentialBroker broker(EnvOf(AwsEnv(fake)));
  CredentialRequest request;
  request.provider = "aws";
  request.aws_role_arn = "arn:aws:iam::123456789012:role/denied-role";
  Credential out;
  CredentialError error;
  CHECK(!broker.Get(request, kLongDeadline(), &out, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find(request.aws_role_arn) != std::string::npos);
  CHECK(error.message.find("AccessDenied") != std::string::npos);
  CheckAbsent(error.message, kSecret);
  CheckVerified(fake.Requests().back(), "sts", "us-east-1");

  request.aws_role_arn = "arn:aws:iam::123456789012:role/busy";
  fake.Script({{"method", "POST"},
               {"path", "/"},
               {"host", "sts.amazonaws.com"},
               {"responses",
                {{{"status", 503}, {"body", "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"}},
                 {{"status", 400},
                  {"body", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                           "<Message>Rate exceeded</Message></Error></ErrorResponse>"}}}}});
  CHECK(!broker.Get(request, kLongDeadline(), &out, &error));
  CHECK(error.retryable);
  CHECK(error.message.find("503") != std::string::npos);
  CHECK(!broker.Get(request, kLongDeadline(), &out, &error));
  CHECK(error.retryable);
  CHECK(error.message.find("Throttling") != std::string::npos);
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &out, &error), error.message);

  // A wrong base secret: the fake's STS refuses the signature.
  auto env = AwsEnv(fake);
  env["AWS_SECRET_ACCESS_KEY"] = "not-the-right-secret-at-all-0123456789";
  CredentialBroker wrong(EnvOf(env));
  CHECK(!wrong.Get(request, kLongDeadline(), &out, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("SignatureDoesNotMatch") != std::string::npos);
  CheckAbsent(error.message, "not-the-right-secret-at-all-0123456789");

  env = AwsEnv(fake);
  env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:1";
  CredentialBroker unreachable(EnvOf(env));
  CHECK(!unreachable.Get(request, kLongDeadline(), &out, &error));
  CHECK(error.retryable);
  CHECK(error.message.find(request.aws_role_arn) != std::string::npos);
  CheckAbsent(error.message, kSecret);

  CredentialBroker nothing(EnvOf({}));
  CHECK(!nothing.Get(request, kLongDeadline(), &out, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("AWS_ACCESS_KEY_ID") != std::string::npos);

  CredentialBroker no_secret(EnvOf({{"AWS_ACCESS_KEY_ID", kKey}}));
  CHECK(!no_secret.Get(request, kLongDeadline(), &out, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("AWS_SECRET_ACCESS_KEY") != std::string::npos);
}

TEST_CASE("remediation credentials: credentials expiring within five minutes are fetched again, Invalidate forgets") {
  REQUIRE_FAKE();
  Fake short_lived({"--sts-expiry-seconds", "120"});
  CredentialBroker broker(EnvOf(AwsEnv(short_lived)));
  CredentialRequest request;
  request.provider = "aws";
  request.aws_role_arn = "arn:aws:iam::123456789012:role/proact-fixer";
  Credential a, b;
  CredentialError error;
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &a, &error), error.message);
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &b, &error), error.message);
  CHECK(broker.fetches() == 2);
  CHECK(a.aws.access_key_id != b.aws.access_key_id);

  Fake fake;
  CredentialBroker cached(EnvOf(AwsEnv(fake)));
  REQUIRE(cached.Get(request, kLongDeadline(), &a, &error));
  REQUIRE(cached.Get(request, kLongDeadline(), &b, &error));
  CHECK(cached.fetches() == 1);
  cached.Invalidate(request);
  REQUIRE(cached.Get(request, kLongDeadline(), &b, &error));
  CHECK(cached.fetches() == 2);
  CHECK(a.aws.access_key_id != b.aws.access_key_id);
}

TEST_CASE("remediation credentials: container credentials endpoint with an authorization token file") {
  REQUIRE_FAKE();
  const std::string token = "container-auth-token-7f3a9c";
  Fake fake({"--container-token", token});
  TempDir dir;
  std::string token_file = dir.File("token", token + "\n");
  std::map<std::string, std::string> env = {
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.url("/creds")},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file},
      {"AWS_ENDPOINT_URL", fake.url()}};
  CredentialBroker broker(EnvOf(env));
  CredentialRequest request;
  request.provider = "aws";
  Credential a, b;
  CredentialError error;
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &a, &error), error.message);
  REQUIRE(broker.Get(request, kLongDeadline(), &b, &error));
  CHECK(broker.fetches() == 1);
  CHECK(a.has_aws);
  CHECK(a.aws.access_key_id.substr(0, 4) == "ASIA");
  CHECK(a.aws.access_key_id == b.aws.access_key_id);
  CHECK(!a.aws.session_token.empty());
  CHECK(a.aws.expiration < std::chrono::system_clock::now() + 61min);
  json creds = fake.Requests().back();
  CHECK(creds["path"] == "/creds");
  CHECK(creds["headers"]["authorization"] == token);

  // A role assumed with the container's credentials (AWS_ENDPOINT_URL
  // serves STS too): signed with them, session token included.
  request.aws_role_arn = "arn:aws:iam::123456789012:role/from-task";
  Credential role;
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &role, &error), error.message);
  CHECK(broker.fetches() == 2);
  json sts = fake.Requests().back();
  CheckVerified(sts, "sts", "us-east-1");
  CHECK(sts["headers"]["x-amz-security-token"] == a.aws.session_token);
  CHECK(std::string(sts["headers"]["authorization"]).find(a.aws.access_key_id) != std::string::npos);

  json all = fake.Requests();
  CheckAbsent(WithoutHeader(all, "authorization"), token);
  CheckAbsent(all.dump(), a.aws.secret_access_key);

  // A wrong token is refused for good, without quoting it.
  std::string wrong_file = dir.File("wrong", "wrong-token-value-123");
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = wrong_file;
  CredentialBroker wrong(EnvOf(env));
  request.aws_role_arn.clear();
  CHECK(!wrong.Get(request, kLongDeadline(), &a, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("401") != std::string::npos);
  CheckAbsent(error.message, "wrong-token-value-123");

  // Plain http only to loopback or the container endpoint's address.
  CredentialBroker far(EnvOf({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds"}}));
  CHECK(!far.Get(request, kLongDeadline(), &a, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI") != std::string::npos);
  CHECK(far.fetches() == 0);
}

TEST_CASE("remediation credentials: GitHub App JWT exchanged for a cached installation token") {
  REQUIRE_FAKE();
  TempDir dir;
  std::string private_pem, public_pem;
  NewRsaKey(&private_pem, &public_pem);
  REQUIRE(private_pem.find("BEGIN RSA PRIVATE KEY") != std::string::npos);
  std::string key_file = dir.File("app.pem", private_pem);
  std::string pub_file = dir.File("app.pub", public_pem);
  Fake fake({"--github-app-public-key", pub_file, "--github-app-id", "424242"});
  std::map<std::string, std::string> env = {{"GITHUB_APP_ID", "424242"},
                                            {"GITHUB_APP_PRIVATE_KEY_FILE", key_file},
                                            {"GITHUB_API_URL", fake.url()},
                                            {"GITHUB_APP_INSTALLATION_ID", "5"}};
  CredentialBroker broker(EnvOf(env));
  CredentialRequest request;
  request.provider = "github";
  request.github_installation_id = "99887766";
  Credential a, b;
  CredentialError error;
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &a, &error), error.message);
  REQUIRE(broker.Get(request, kLongDeadline(), &b, &error));
  CHECK(broker.fetches() == 1);
  REQUIRE(a.headers.size() == 1);
  CHECK(a.headers[0].first == "Authorization");
  CHECK(a.headers[0].second.substr(0, 11) == "Bearer ghs_");
  CHECK(a.headers == b.headers);
  json r = fake.Requests().back();
  INFO(r.dump(2));
  CHECK(r["method"] == "POST");
  CHECK(r["path"] == "/app/installations/99887766/access_tokens");
  CHECK(r["jwt"]["present"] == true);
  CHECK(r["jwt"]["verified"] == true);
  CHECK(r["headers"]["accept"] == "application/vnd.github+json");

  // The installation id from the environment.
  request.github_installation_id.clear();
  Credential c;
  REQUIRE(broker.Get(request, kLongDeadline(), &c, &error));
  CHECK(broker.fetches() == 2);
  CHECK(fake.Requests().back()["path"] == "/app/installations/5/access_tokens");

  // A key stored inline with escaped newlines works too.
  std::string escaped;
  for (char ch : private_pem) escaped += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  CredentialBroker inline_key(EnvOf({{"GITHUB_APP_ID", "424242"},
                                     {"GITHUB_APP_PRIVATE_KEY", escaped},
                                     {"GITHUB_API_URL", fake.url()}}));
  request.github_installation_id = "7";
  REQUIRE_MESSAGE(inline_key.Get(request, kLongDeadline(), &c, &error), error.message);

  // Another app id: the fake refuses the JWT, for good.
  env["GITHUB_APP_ID"] = "1";
  CredentialBroker wrong_app(EnvOf(env));
  CHECK(!wrong_app.Get(request, kLongDeadline(), &c, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("401") != std::string::npos);
  std::string jwt = std::string(fake.Requests().back()["headers"]["authorization"]).substr(7);
  CheckAbsent(error.message, jwt);

  // An unreadable key never shows in the error.
  const std::string garbage = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-SECRETBYTES\n-----END RSA PRIVATE KEY-----\n";
  std::string out_jwt, jwt_error;
  CHECK(!SignJwtRs256("{}", garbage, &out_jwt, &jwt_error));
  CheckAbsent(jwt_error, "SECRETBYTES");
  CredentialBroker bad_key(EnvOf({{"GITHUB_APP_ID", "424242"},
                                  {"GITHUB_APP_PRIVATE_KEY", garbage},
                                  {"GITHUB_API_URL", fake.url()}}));
  CHECK(!bad_key.Get(request, kLongDeadline(), &c, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("GITHUB_APP_PRIVATE_KEY") != std::string::npos);
  CheckAbsent(error.message, "SECRETBYTES");

  json all = fake.Requests();
  std::string body_key = private_pem.substr(40, 40);
  CheckAbsent(all.dump(), body_key);
  CheckAbsent(WithoutHeader(all, "authorization"), "eyJ");
  CheckAbsent(error.message, body_key);

  CredentialBroker no_installation(EnvOf({{"GITHUB_APP_ID", "424242"}, {"GITHUB_APP_PRIVATE_KEY_FILE", key_file}}));
  request.github_installation_id.clear();
  CHECK(!no_installation.Get(request, kLongDeadline(), &c, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("GITHUB_APP_INSTALLATION_ID") != std::string::npos);
}

TEST_CASE("remediation credentials: GCP metadata server and Azure managed identity tokens") {
  REQUIRE_FAKE();
  const std::string identity_header = "azure-identity-header-6d2f";
  Fake fake({"--identity-header", identity_header});
  TempDir dir;
  std::map<std::string, std::string> env = {
      {"GCE_METADATA_HOST", fake.hostport()},
      {"IDENTITY_ENDPOINT", fake.url("/msi/token")},
      {"IDENTITY_HEADER_FILE", dir.File("identity", identity_header + "\n")}};
  CredentialBroker broker(EnvOf(env));
  CredentialError error;

  CredentialRequest gcp;
  gcp.provider = "gcp";
  Credential a, b;
  REQUIRE_MESSAGE(broker.Get(gcp, kLongDeadline(), &a, &error), error.message);
  REQUIRE(broker.Get(gcp, kLongDeadline(), &b, &error));
  CHECK(broker.fetches() == 1);
  REQUIRE(a.headers.size() == 1);
  CHECK(a.headers[0].second.substr(0, 17) == "Bearer ya29.fake-");
  CHECK(a.headers == b.headers);
  json r = fake.Requests().back();
  CHECK(r["path"] == "/computeMetadata/v1/instance/service-accounts/default/token");
  CHECK(r["headers"]["metadata-flavor"] == "Google");

  CredentialRequest azure;
  azure.provider = "azure";
  REQUIRE_MESSAGE(broker.Get(azure, kLongDeadline(), &a, &error), error.message);
  REQUIRE(broker.Get(azure, kLongDeadline(), &b, &error));
  CHECK(broker.fetches() == 2);
  REQUIRE(a.headers.size() == 1);
  CHECK(a.headers[0].second.substr(0, 7) == "Bearer ");
  CHECK(a.headers == b.headers);
  r = fake.Requests().back();
  CHECK(r["path"] == "/msi/token");
  CHECK(r["query"] == "api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com%2F");
  CHECK(r["headers"]["x-identity-header"] == identity_header);
  // Another resource is another token.
  azure.azure_resource = "https://vault.azure.net";
  REQUIRE(broker.Get(azure, kLongDeadline(), &b, &error));
  CHECK(broker.fetches() == 3);
  CheckAbsent(WithoutHeader(fake.Requests(), "x-identity-header"), identity_header);

  env.erase("IDENTITY_HEADER_FILE");
  env["IDENTITY_HEADER"] = "wrong-identity-header-value";
  CredentialBroker wrong(EnvOf(env));
  CHECK(!wrong.Get(azure, kLongDeadline(), &a, &error));
  CHECK(!error.retryable);
  CHECK(error.message.find("401") != std::string::npos);
  CheckAbsent(error.message, "wrong-identity-header-value");

  fake.Script({{"method", "GET"},
               {"path", "/computeMetadata/v1/instance/service-accounts/default/token"},
               {"responses", {{{"status", 503}}}}});
  CredentialBroker gcp_down(EnvOf(env));
  CHECK(!gcp_down.Get(gcp, kLongDeadline(), &a, &error));
  CHECK(error.retryable);
  CHECK(error.message.find("gcp") != std::string::npos);
}

TEST_CASE("remediation credentials: static tokens, NAME_FILE secrets, endpoint overrides, missing variables") {
  TempDir dir;
  std::map<std::string, std::string> env = {
      {"SLACK_BOT_TOKEN_FILE", dir.File("slack", "  xoxb-1111-secret-slack \n")},
      {"OKTA_API_TOKEN", "00okta-secret-token"},
      {"GITHUB_TOKEN", "ghp_secretgithubtoken"},
      {"WEBHOOK_KEY_FILE", dir.File("key", "k3y\n")},
      {"BROKEN_FILE", dir.path() + "/does-not-exist"},
      {"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"},
      {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING", "http://127.0.0.1:4567"},
      {"GITHUB_API_URL", "http://127.0.0.1:9"}};
  CredentialBroker broker(EnvOf(env));
  CredentialError error;
  Credential c;
  CredentialRequest request;

  request.provider = "slack";
  REQUIRE_MESSAGE(broker.Get(request, kLongDeadline(), &c, &error), error.message);
  CHECK(c.headers == HeaderList{{"Authorization", "Bearer xoxb-1111-secret-slack"}});
  CheckAbsent(c.description, "xoxb");
  request.provider = "okta";
  REQUIRE(broker.Get(request, kLongDeadline(), &c, &error));
  CHECK(c.headers == HeaderList{{"Authorization", "SSWS 00okta-secret-token"}});
  request.provider = "github";
  REQUIRE(broker.Get(request, kLongDeadline(), &c, &error));
  CHECK(c.headers == HeaderList{{"Authorization", "Bearer ghp_secretgithubtoken"}});
  for (const char* p : {"none", "pagerduty"}) {
    request.provider = p;
    REQUIRE(broker.Get(request, kLongDeadline(), &c, &error));
    CHECK(c.headers.empty());
    CHECK(!c.has_aws);
  }
  request.provider = "carrier-pigeon";
  CHECK(!broker.Get(request, kLongDeadline(), &c, &error));
  CHECK(!error.retryable);
  CHECK(broker.fetches() == 0);

  std::string value, why;
  CHECK(broker.Secret("WEBHOOK_KEY", &value, &why));
  CHECK(value == "k3y");
  CHECK(!broker.Secret("MISSING", &value, &why));
  CHECK(why.find("MISSING") != std::string::npos);
  CHECK(why.find("MISSING_FILE") != std::string::npos);
  CHECK(!broker.Secret("BROKEN", &value, &why));
  CHECK(why.find("BROKEN_FILE") != std::string::npos);

  CredentialBroker empty(EnvOf({}));
  for (const char* p : {"slack", "okta", "github", "azure"}) {
    request.provider = p;
    CHECK(!empty.Get(request, kLongDeadline(), &c, &error));
    CHECK(!error.retryable);
    CHECK(error.message.find(p) == 0);
  }
  request.provider = "slack";
  CHECK(!empty.Get(request, kLongDeadline(), &c, &error));
  CHECK(error.message.find("SLACK_BOT_TOKEN") != std::string::npos);

  CHECK(broker.AwsEndpoint("s3") == std::optional<std::string>("http://127.0.0.1:4566"));
  CHECK(broker.AwsEndpoint("elastic-load-balancing") == std::optional<std::string>("http://127.0.0.1:4567"));
  CHECK(broker.AwsEndpoint("Elastic Load Balancing") == std::optional<std::string>("http://127.0.0.1:4567"));
  CHECK(!empty.AwsEndpoint("s3").has_value());
  CHECK(broker.Env("GITHUB_API_URL") == std::optional<std::string>("http://127.0.0.1:9"));
  CHECK(!broker.Env("GCE_METADATA_HOST").has_value());
}

}  // namespace
}  // namespace proact::internal
