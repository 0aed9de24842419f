// CredentialBroker: the platform's own credentials, found the way each
// platform hands them to a process, cached until shortly before they expire.
//
// Providers (docs/remediation.md, "Credentials"):
//   aws     AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//           (Lambda), else the container credentials endpoint
//           (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI on
//           169.254.170.2, with AWS_CONTAINER_AUTHORIZATION_TOKEN or
//           AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). With a role ARN: STS
//           AssumeRole (global endpoint, signed for us-east-1) with those
//           base credentials; the answer is cached per role until five
//           minutes before its Expiration.
//           AWS_ENDPOINT_URL_STS (else AWS_ENDPOINT_URL) redirects
//           AssumeRole: an http URL on loopback receives exactly what
//           production would (URL http://sts.amazonaws.com/, same Host and
//           signature) through HttpCall::connect_to; any other URL is used
//           as given (signed for the region of an sts.REGION.amazonaws.com
//           host). A FULL_URI must be https, or http to loopback or the
//           container endpoint's link-local address. Container credentials
//           are cached until five minutes before their Expiration.
//           With a root target instead (CredentialRequest::aws_root_*):
//           STS AssumeRoot (action/assume_root.h) on the regional endpoint
//           sts.REGION.amazonaws.com, signed for REGION, with the base
//           credentials (the Organizations management account's or IAM's
//           delegated administrator's): short-term root credentials of the
//           member account, scoped by the task policy, cached per account,
//           task policy and region until five minutes before Expiration (a
//           session lasts 900 s). A loopback STS override receives
//           http://sts.REGION.amazonaws.com/ as production would.
//           AccessDenied and other 4xx answers are permanent errors naming
//           the role (or the target account and task policy) and AWS's
//           error code; 5xx, throttling and transport failures are
//           retryable.
//   github  GITHUB_TOKEN, or a GitHub App: GITHUB_APP_ID and
//           GITHUB_APP_PRIVATE_KEY (PEM) or GITHUB_APP_PRIVATE_KEY_FILE; a JWT
//           signed RS256 (iat 60 s in the past, exp 9 minutes ahead, iss the
//           app id) is exchanged at POST {api}/app/installations/{id}/access_tokens
//           for an installation token, cached per installation until five
//           minutes before its expires_at. The installation id comes from the
//           request (the webhook's installation.id) or GITHUB_APP_INSTALLATION_ID.
//           {api} is GITHUB_API_URL, else https://api.github.com. A key
//           given inline with "\n" escapes instead of newlines is accepted.
//   okta    OKTA_API_TOKEN (header "Authorization: SSWS <token>"), or an OAuth
//           service app: OKTA_CLIENT_ID and OKTA_PRIVATE_KEY (PEM) with
//           OKTA_ORG_URL; a client assertion JWT (RS256; iss and sub the
//           client id, aud the token URL, 5 minutes, a random jti) is
//           exchanged at POST {OKTA_ORG_URL}/oauth2/v1/token (client
//           credentials, the request's scopes) for a Bearer token, cached per
//           scope set until five minutes before it expires.
//   gcp     the metadata server: GET http://{GCE_METADATA_HOST or
//           metadata.google.internal}/computeMetadata/v1/instance/service-accounts/default/token
//           with "Metadata-Flavor: Google" -> access_token, expires_in.
//   azure   managed identity: GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=...
//           with "X-IDENTITY-HEADER: $IDENTITY_HEADER" -> access_token, expires_on.
//   slack   SLACK_BOT_TOKEN (Bearer).
//   pagerduty  none in headers: the routing key is a secret the body names.
//   none    no credentials.
// Every secret variable NAME may instead be given as NAME_FILE, the path of a
// file holding it (a mounted secret); surrounding whitespace is trimmed.
//
// Errors never contain a secret: they name the provider, the variable, the
// role or the endpoint.
//
// Thread-safety: every method may be called from many threads at once.
#ifndef PROACT_SRC_HOST_REMEDIATION_CREDENTIALS_H_
#define PROACT_SRC_HOST_REMEDIATION_CREDENTIALS_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "host/remediation/http_transport.h"

namespace proact::internal {

struct CredentialRequest {
  std::string provider;                 // aws|github|okta|gcp|azure|slack|pagerduty|none
  std::string aws_role_arn;             // aws: AssumeRole into it first; empty: base credentials
  std::string aws_root_account;         // aws: AssumeRoot into this member account instead
  std::string aws_root_task_policy;     //   scoped by this root task policy (a name)
  std::string aws_root_region;          //   on this region's STS endpoint
  std::string aws_session_name = "proact-remediation";
  std::string github_installation_id;   // github App: empty -> GITHUB_APP_INSTALLATION_ID
  std::string azure_resource = "https://management.azure.com/";
  std::string okta_scopes;              // okta OAuth service app: space-separated scopes
};

struct Credential {
  HeaderList headers;       // authentication headers to add (Authorization, ...)
  bool has_aws = false;     // aws: sign with these
  AwsCredentials aws;
  std::string description;  // what was used, without secrets ("aws role arn:...")
};

// How a credential failed: permanent failures will not get better by
// retrying (missing variable, AssumeRole AccessDenied, a 401 from a token
// endpoint); retryable ones might (endpoint unreachable, 5xx, throttled).
struct CredentialError {
  bool retryable = false;
  std::string message;  // names provider and variable / role / endpoint; no secret
};

class CredentialBroker {
 public:
  // Reads variables through `getenv` (tests pass their own); nullptr: the
  // process environment.
  using Getenv = std::function<std::optional<std::string>(std::string_view name)>;
  explicit CredentialBroker(Getenv getenv = nullptr);
  ~CredentialBroker();
  CredentialBroker(const CredentialBroker&) = delete;
  CredentialBroker& operator=(const CredentialBroker&) = delete;

  // Fills *out, from the cache when a cached credential is still valid for
  // at least five more minutes. False with *error otherwise.
  bool Get(const CredentialRequest& request, std::chrono::steady_clock::time_point deadline,
           Credential* out, CredentialError* error);

  // Forgets the cached credential of `request` (after a 401, or an AWS
  // ExpiredToken answer), so that the next Get fetches a new one.
  void Invalidate(const CredentialRequest& request);

  // A secret by variable name (NAME, else the file named by NAME_FILE),
  // for {{ secrets.NAME }} in action types. False with *error naming the
  // variable when neither is set or the file cannot be read.
  bool Secret(std::string_view name, std::string* value, std::string* error) const;

  // Base URL overrides, by the ecosystem's own convention:
  //   AwsEndpoint("s3"): AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (service
  //     id upper-cased, spaces and '-' as '_'); nullopt when neither is set.
  //   Override("GITHUB_API_URL"), Override("GCE_METADATA_HOST"), ...: the
  //     variable's value, or nullopt.
  std::optional<std::string> AwsEndpoint(std::string_view service) const;
  std::optional<std::string> Env(std::string_view name) const;

  // How many credentials were fetched from an endpoint (not the cache):
  // for tests and metrics.
  int fetches() const;

 private:
  struct Cache;
  Getenv getenv_;
  std::unique_ptr<Cache> cache_;
};

// RS256 JWT (header {"alg":"RS256","typ":"JWT"}) over `claims_json` with the
// PEM private key. False with *error (never quoting the key) when the key
// cannot be read.
bool SignJwtRs256(std::string_view claims_json, std::string_view private_key_pem,
                  std::string* jwt, std::string* error);

}  // namespace proact::internal

#endif  // PROACT_SRC_HOST_REMEDIATION_CREDENTIALS_H_
