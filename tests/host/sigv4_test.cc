// The SigV4 signer against known vectors. Expected values were computed by
// botocore 1.29 (Debian python3-botocore), AWS's Python SDK signer, with
// tests/host/sigv4_vectors.py on 2025-11-29; the request shapes follow
// AWS's published SigV4 test suite (get-vanilla, query order, POST with a
// session token, header value trimming) plus the cases proact relies on:
// non-S3 paths encoded twice, dot segments, S3 keys signed as sent.
// Credentials: AWS's documentation example (AKIDEXAMPLE), time
// 20150830T123600Z, region us-east-1, service "service" unless stated.
#include <doctest/doctest.h>

#include "host/remediation/sigv4.h"
#include "normalize/codec.h"

namespace proact::internal {
namespace {

const char* kDate = "20150830T123600Z";
const char* kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

AwsSigning Example(const std::string& service = "service") {
  AwsSigning s;
  s.credentials.access_key_id = "AKIDEXAMPLE";
  s.credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  s.region = "us-east-1";
  s.service = service;
  return s;
}

TEST_CASE("sigv4: get-vanilla") {
  SigV4Signature s = SignSigV4("GET", "/", "", {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}},
                               kEmptySha, Example(), kDate);
  CHECK(s.canonical_request ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
            std::string(kEmptySha));
  CHECK(s.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sigv4: query parameters are sorted in the canonical request") {
  SigV4Signature s = SignSigV4("GET", "/", "Param2=value2&Param1=value1",
                               {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}}, kEmptySha,
                               Example(), kDate);
  CHECK(s.canonical_request.find("\n/\nParam1=value1&Param2=value2\n") != std::string::npos);
  CHECK(s.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("sigv4: POST with a form body and a session token") {
  std::string body = "Param1=value1";
  SigV4Signature s = SignSigV4("POST", "/", "",
                               {{"Host", "example.amazonaws.com"},
                                {"Content-Type", "application/x-www-form-urlencoded"},
                                {"X-Amz-Date", kDate},
                                {"X-Amz-Security-Token", "AQoDYXdzEPT//////////wEXAMPLEtc764"}},
                               Sha256Hex(body), Example(), kDate);
  CHECK(s.signed_headers == "content-type;host;x-amz-date;x-amz-security-token");
  CHECK(Sha256Hex(body) == "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  CHECK(s.signature == "31bb7b76244dadfb2fcf1243867a27e63894a70ae70d12f7aaba35e588e40845");
}

TEST_CASE("sigv4: a non-S3 path is encoded twice, dot segments removed") {
  SigV4Signature arn = SignSigV4(
      "GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/policy", "",
      {{"Host", "lambda.us-east-1.amazonaws.com"}, {"X-Amz-Date", kDate}}, kEmptySha, Example("lambda"), kDate);
  CHECK(arn.canonical_request.find(
            "\n/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Amy-fn/"
            "policy\n") != std::string::npos);
  CHECK(arn.signature == "c1496e54cbf3b240dc10964354aba6af9c81c9144bca1652eaff52cc85852638");

  SigV4Signature dots = SignSigV4("GET", "/a/./b/../c/", "",
                                  {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}}, kEmptySha,
                                  Example(), kDate);
  CHECK(dots.canonical_request.find("\n/a/c/\n") != std::string::npos);
  CHECK(dots.signature == "03815191a982245f233767bed9d5022ca4cf6dc96e4c7598525bfdbc1932b50c");
  CHECK(SigV4CanonicalUri("", false) == "/");
  CHECK(SigV4CanonicalUri("//a//b", false) == "/a/b");
}

TEST_CASE("sigv4: S3 signs its path as sent, with x-amz-content-sha256") {
  std::string body = "hello";
  SigV4Signature s = SignSigV4("PUT", "/dir/a%20b.txt", "tagging",
                               {{"Host", "examplebucket.s3.amazonaws.com"},
                                {"Content-Type", "text/plain"},
                                {"x-amz-content-sha256", Sha256Hex(body)},
                                {"X-Amz-Date", kDate}},
                               Sha256Hex(body), Example("s3"), kDate);
  CHECK(s.canonical_request.find("\n/dir/a%20b.txt\ntagging=\n") != std::string::npos);
  CHECK(s.signed_headers == "content-type;host;x-amz-content-sha256;x-amz-date");
  CHECK(s.signature == "67dd1be6d4d07a105496b051915f8eb7d7c31310bbe6464e1a7ff06b12935565");
}

TEST_CASE("sigv4: header values trimmed, inner spaces folded, repeated names joined") {
  SigV4Signature s = SignSigV4("GET", "/", "",
                               {{"Host", "example.amazonaws.com"},
                                {"My-Header1", "  a   b   c  "},
                                {"X-Amz-Date", kDate},
                                {"X-Amz-Meta", "one"},
                                {"X-Amz-Meta", "two"}},
                               kEmptySha, Example(), kDate);
  CHECK(s.canonical_request.find("\nmy-header1:a b c\n") != std::string::npos);
  CHECK(s.canonical_request.find("\nx-amz-meta:one,two\n") != std::string::npos);
  CHECK(s.signed_headers == "host;my-header1;x-amz-date;x-amz-meta");
  CHECK(s.signature == "e8e0f98c1c583546255e3d6a9a4f205cfd9450cf43adf64e7571f38520f51779");
}

TEST_CASE("sigv4: X-Amz-Date of a time point") {
  // 2015-08-30T12:36:00Z is 1440938160 seconds after the epoch.
  CHECK(AmzDate(std::chrono::system_clock::time_point(std::chrono::seconds(1440938160))) == kDate);
}

}  // namespace
}  // namespace proact::internal
