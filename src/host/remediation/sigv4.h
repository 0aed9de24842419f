// AWS Signature Version 4, computed here (HMAC-SHA256 and SHA-256 through
// OpenSSL) from AWS's published description of the canonical request:
//
//   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//   SignedHeaders \n HexPayloadHash
//
//   - CanonicalURI: for S3 the path as sent; for every other service the
//     path with dot and empty segments removed, then URI-encoded again
//     (a '%' of the sent path becomes "%25": AWS encodes such paths twice);
//   - CanonicalQuery: "name=value" pairs (a valueless name gets "="),
//     sorted by name then value, as written (callers write them encoded);
//   - CanonicalHeaders: lower-cased names, sorted, values trimmed with runs
//     of spaces folded to one, repeated names joined with ',';
//   - the string to sign is "AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n
//     hex(SHA-256(canonical request))", the key derived from "AWS4"+secret
//     over date, region, service and "aws4_request".
// botocore's signer (the AWS SDK for Python) computes the same; the tests
// compare with it (tests/host/sigv4_test.cc, tests/remediation/fake_providers.py).
#ifndef PROACT_SRC_HOST_REMEDIATION_SIGV4_H_
#define PROACT_SRC_HOST_REMEDIATION_SIGV4_H_

#include <string>
#include <string_view>

#include "host/remediation/http_transport.h"

namespace proact::internal {

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lower-case hex
  std::string signed_headers;  // "host;x-amz-date"
  std::string authorization;   // the Authorization header's value
};

// Signs a request whose every header in `headers` is to be signed (Host and
// X-Amz-Date included; the caller leaves out what must not be signed, such
// as User-Agent). `amz_date` is "YYYYMMDDTHHMMSSZ"; `payload_hash` the hex
// SHA-256 of the body (or the x-amz-content-sha256 value sent).
SigV4Signature SignSigV4(std::string_view method, std::string_view path, std::string_view query,
                         const HeaderList& headers, std::string_view payload_hash,
                         const AwsSigning& signing, std::string_view amz_date);

// The canonical URI of `path` (as above; "/" for an empty path).
std::string SigV4CanonicalUri(std::string_view path, bool s3);
// The canonical query of `query` (without the '?').
std::string SigV4CanonicalQuery(std::string_view query);

// "YYYYMMDDTHHMMSSZ" of `t` in UTC.
std::string AmzDate(std::chrono::system_clock::time_point t);

}  // namespace proact::internal

#endif  // PROACT_SRC_HOST_REMEDIATION_SIGV4_H_
