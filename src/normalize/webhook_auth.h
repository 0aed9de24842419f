// Webhook authentication: GitHub, Slack, Okta and generic HMAC headers,
// with secrets the host supplies (proact::WebhookSecrets).
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

// Checks the request against every configured scheme. Returns "" when the
// request may be read, otherwise why it is rejected. `body` is the raw body
// as received (before any decoding the signature does not cover).
std::string VerifyWebhook(const WebhookSecrets& secrets, const Headers& headers,
                          std::string_view body, bool okta_hook);

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_WEBHOOK_AUTH_H_
