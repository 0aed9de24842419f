// IP address text to bytes, shared by the pattern compiler (CIDR operands)
// and the matcher (event values tested against them).
#ifndef PROACT_SRC_UTIL_IP_ADDRESS_H_
#define PROACT_SRC_UTIL_IP_ADDRESS_H_

#include <cstdint>
#include <string_view>

namespace proact::internal {

// Parses an IPv4 or IPv6 address into 16 bytes (v4 in the first 4).
bool ParseIp(std::string_view text, bool* v6, std::uint8_t bytes[16]);

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_IP_ADDRESS_H_
