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

std::optional<std::string> HmacSignature(std::string_view algorithm, std::string_view encoding,
                                         std::string_view prefix, std::string_view secret,
                                         std::string_view data) {
  std::optional<std::string> mac = Hmac(algorithm, secret, data);
  if (!mac) return std::nullopt;
  return std::string(prefix) + (encoding == "base64" ? Base64Encode(*mac) : HexEncode(*mac));
}

namespace {

// "" when `signature` (as sent) is `prefix` + encoding(HMAC(secret, data)).
std::string CheckHmac(std::string_view what, std::string_view algorithm,
                      std::string_view encoding, std::string_view prefix,
                      std::string_view secret, std::string_view data,
                      std::string_view signature) {
  std::optional<std::string> expected = HmacSignature(algorithm, encoding, prefix, secret, data);
  if (!expected) return std::string(what) + ": unknown HMAC algorithm '" + std::string(algorithm) + "'";
  if (!ConstantTimeEquals(*expected, signature)) {
    return std::string(what) + " signature does not match the body";
  }
  return {};
}

}  // namespace

std::string VerifyWebhook(const WebhookSecrets& s, const Headers& headers,
                          std::string_view body, bool authenticated) {
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
