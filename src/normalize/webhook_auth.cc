#include "normalize/webhook_auth.h"

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "normalize/codec.h"

namespace proact::internal {

std::optional<std::string_view> HeaderValue(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return std::string_view(value);
  }
  return std::nullopt;
}

namespace {

std::int64_t Now(const WebhookSecrets& s) {
  if (s.now) return s.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "" when `signature` (as sent) is `prefix` + encoding(HMAC(secret, data)).
std::string CheckHmac(std::string_view what, std::string_view algorithm,
                      std::string_view encoding, std::string_view prefix,
                      std::string_view secret, std::string_view data,
                      std::string_view signature) {
  std::optional<std::string> mac = Hmac(algorithm, secret, data);
  if (!mac) return std::string(what) + ": unknown HMAC algorithm '" + std::string(algorithm) + "'";
  std::string expected =
      std::string(prefix) + (encoding == "base64" ? Base64Encode(*mac) : HexEncode(*mac));
  if (!ConstantTimeEquals(expected, signature)) {
    return std::string(what) + " signature does not match the body";
  }
  return {};
}

}  // namespace

std::string VerifyWebhook(const WebhookSecrets& s, const Headers& headers,
                          std::string_view body, bool okta_hook) {
  bool authenticated = false;
  if (HeaderValue(headers, "x-github-event") && !s.github.empty()) {
    auto sig = HeaderValue(headers, "x-hub-signature-256");
    if (!sig) return "GitHub request without an X-Hub-Signature-256 header";
    std::string err = CheckHmac("GitHub", "sha256", "hex", "sha256=", s.github, body, *sig);
    if (!err.empty()) return err;
    authenticated = true;
  }
  auto slack_sig = HeaderValue(headers, "x-slack-signature");
  auto slack_ts = HeaderValue(headers, "x-slack-request-timestamp");
  if ((slack_sig || slack_ts) && !s.slack.empty()) {
    if (!slack_sig || !slack_ts) {
      return "Slack request without both X-Slack-Signature and X-Slack-Request-Timestamp";
    }
    char* end = nullptr;
    std::string ts(*slack_ts);
    long long when = std::strtoll(ts.c_str(), &end, 10);
    if (ts.empty() || *end != '\0') return "Slack request timestamp is not a number";
    if (std::llabs(Now(s) - when) > s.max_clock_skew_seconds) {
      return "Slack request timestamp is more than " + std::to_string(s.max_clock_skew_seconds) +
             " s away from now (replayed?)";
    }
    std::string base = "v0:" + ts + ":" + std::string(body);
    std::string err = CheckHmac("Slack", "sha256", "hex", "v0=", s.slack, base, *slack_sig);
    if (!err.empty()) return err;
    authenticated = true;
  }
  if (okta_hook && !s.okta_authorization.empty()) {
    auto auth = HeaderValue(headers, "authorization");
    if (!auth) return "Okta event hook request without an Authorization header";
    if (!ConstantTimeEquals(*auth, s.okta_authorization)) {
      return "Okta event hook Authorization header does not match";
    }
    authenticated = true;
  }
  for (const HmacScheme& scheme : s.hmac) {
    auto sig = HeaderValue(headers, scheme.header);
    if (!sig) continue;
    std::string err = CheckHmac(scheme.name.empty() ? scheme.header : scheme.name,
                                scheme.algorithm, scheme.encoding, scheme.prefix,
                                scheme.secret, body, *sig);
    if (!err.empty()) return err;
    authenticated = true;
  }
  if (s.require_signature && !authenticated) {
    return "request carries no signature that a configured secret verifies "
           "(require_signature is on)";
  }
  return {};
}

}  // namespace proact::internal
