// Encodings met inside payloads and webhooks: base64, gzip, form encoding,
// timestamps, HMAC. OpenSSL's libcrypto and zlib do the work.
#ifndef PROACT_SRC_NORMALIZE_CODEC_H_
#define PROACT_SRC_NORMALIZE_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace proact::internal {

// Standard base64 (padding optional, whitespace ignored); nullopt if invalid.
std::optional<std::string> Base64Decode(std::string_view in);
std::string Base64Encode(std::string_view in);
std::string HexEncode(std::string_view in);
// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// gzip or zlib data; nullopt if invalid or larger than max_out.
// `*too_large` (when given) tells an output over `max_out` from damaged
// input; inflating stops as soon as the output passes the limit.
std::optional<std::string> Gunzip(std::string_view in, std::size_t max_out,
                                  bool* too_large = nullptr);

// The value of `field` in an application/x-www-form-urlencoded body.
std::optional<std::string> FormField(std::string_view body, std::string_view field);
// Every field of an application/x-www-form-urlencoded body (or a URL query
// string), decoded, in order.
std::vector<std::pair<std::string, std::string>> FormFields(std::string_view body);

// "2024-01-02T03:04:05Z" (milliseconds kept when not zero) for a number of
// milliseconds read from a payload: "" unless it is finite and between 1970
// and the end of year 9999 (a hostile 1e300 or NaN is not a time, and must
// not reach an integer conversion).
std::string IsoTimeFromEpochMillis(double millis);

// HMAC of `data` with `key`; algorithm "sha1", "sha256" or "sha512".
// nullopt for an unknown algorithm.
std::optional<std::string> Hmac(std::string_view algorithm, std::string_view key,
                                std::string_view data);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_CODEC_H_
