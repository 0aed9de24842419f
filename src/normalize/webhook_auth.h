// Webhook authentication by the host's generic HMAC schemes
// (WebhookSecrets::hmac) and require_signature. Source definitions
// authenticate their own requests (source_runner.h).
#ifndef PROACT_SRC_NORMALIZE_WEBHOOK_AUTH_H_
#define PROACT_SRC_NORMALIZE_WEBHOOK_AUTH_H_

#include <optional>
#include <string>
#include <string_view>

#include "proact/export.h"
#include "proact/normalizer.h"

namespace proact::internal {

// The value of header `name` (case-insensitive), or nullopt.
PROACT_EXPORT std::optional<std::string_view> HeaderValue(const Headers& headers, std::string_view name);

// `prefix` + the hex (or, for encoding "base64", base64) HMAC of `data`
// with `secret`: a signature as webhook senders write it; nullopt for an
// algorithm other than sha1, sha256 and sha512.
std::optional<std::string> HmacSignature(std::string_view algorithm, std::string_view encoding,
                                         std::string_view prefix, std::string_view secret,
                                         std::string_view data);

// Checks the request against every configured generic scheme whose header
// it carries. Returns "" when the request may be read, otherwise why it is
// rejected. `body` is the raw body as received (before any decoding the
// signature does not cover). `authenticated`: a source definition already
// verified it (require_signature is met).
std::string VerifyWebhook(const WebhookSecrets& secrets, const Headers& headers,
                          std::string_view body, bool authenticated);

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_WEBHOOK_AUTH_H_
