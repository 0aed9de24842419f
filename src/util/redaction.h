// Redaction: the one maintained list of what counts as a secret in what the
// adapters write (log lines, dispatch reports, error reasons sent back to a
// platform), and the functions that mask it.
//
// Two kinds of entries, both tables in redaction.cc (docs/security.md, "What
// is redacted", lists them for users):
//  - key names: an object member whose name says it holds a secret
//    (password, token, x-api-key, privateKey, cookie, session_id, ...) has
//    its whole value replaced by kRedactedMarker. Names are compared by
//    segments (split at '-', '_', '.', spaces, camelCase and letter/digit
//    boundaries, lower-cased), so "X-Api-Key", "x_api_key" and "xApiKey" are
//    one name, and "auth" is a secret while "author" is not.
//  - value shapes: found in any string, whatever its key: AWS access key
//    ids, JWTs, GitHub and Slack tokens, Slack and Discord webhook URLs,
//    URLs and DSNs with a password, PEM private keys, Bearer and Basic
//    credentials, and `name=value` / `name: value` pairs whose name is a
//    secret key name (connection strings, query strings, header lines).
//    Only the secret part is masked: the URL's host, the token's prefix, the
//    PEM armour lines stay, so a log line still says what it was about.
//
// Cost: one RE2::Set pass over each string, then only the patterns that
// matched; linear in the text. No recursion: JSON values are walked with an
// explicit stack.
//
// Thread-safety: every function may be called from many threads at once.
#ifndef PROACT_SRC_UTIL_REDACTION_H_
#define PROACT_SRC_UTIL_REDACTION_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proact/export.h"

namespace proact::internal {

// What replaces a secret (the marker `Decision::ToLogJson` has always used).
inline constexpr std::string_view kRedactedMarker = "[redacted]";

// True when a member named `key` holds a secret (see the header comment).
bool IsSecretKey(std::string_view key);

// `text` with every secret-shaped part replaced by kRedactedMarker; text
// without one comes back unchanged. Idempotent: RedactText(RedactText(t))
// == RedactText(t).
PROACT_EXPORT std::string RedactText(std::string_view text);

// In place: the values of secret keys (at any depth; null values stay null)
// become kRedactedMarker, every other string goes through RedactText, and
// in {"name": <secret key name>, "value": ...} objects (ECS environment
// lists, header lists) the value is redacted too. A string value found
// under a secret name (6 to 512 bytes; the first 32 of them) is also masked
// wherever another string of the same `j` repeats it, so a message that
// quotes a header logged beside it does not give it away. Object keys
// themselves are kept.
PROACT_EXPORT void RedactJson(nlohmann::json* j);
PROACT_EXPORT void RedactJson(nlohmann::ordered_json* j);

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_REDACTION_H_
