#include "util/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace proact::internal {

bool ParseIp(std::string_view text, bool* v6, std::uint8_t bytes[16]) {
  if (text.size() > 64) return false;
  char buf[65];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::memset(bytes, 0, 16);
  if (text.find(':') != std::string_view::npos) {
    *v6 = true;
    return inet_pton(AF_INET6, buf, bytes) == 1;
  }
  *v6 = false;
  return inet_pton(AF_INET, buf, bytes) == 1;
}

}  // namespace proact::internal
