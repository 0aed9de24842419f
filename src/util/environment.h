// The one place proact reads the process environment. Every adapter (the
// host and its Lambda runtime, the HTTP adapter, the Redis store, the
// remediation credentials and transport) reads its settings through these
// functions; the core library reads only TZDIR (where the `local-time`
// operator finds zone files). docs/adapters.md lists the variables.
#ifndef PROACT_SRC_UTIL_ENVIRONMENT_H_
#define PROACT_SRC_UTIL_ENVIRONMENT_H_

#include <unistd.h>  // environ

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace proact::internal {

// The value of environment variable `name`, or nullptr when it is unset.
inline const char* GetEnv(const char* name) { return std::getenv(name); }

// The value of `name`, or "" when it is unset.
inline std::string EnvString(const char* name) {
  const char* v = GetEnv(name);
  return v == nullptr ? "" : v;
}

// Every variable whose name starts with `prefix` and goes on after it, as
// (the rest of the name, value), in the environment's order.
inline std::vector<std::pair<std::string, std::string>> EnvWithPrefix(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    std::string_view entry(*env);
    if (entry.substr(0, prefix.size()) != prefix) continue;
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == prefix.size()) continue;
    out.emplace_back(std::string(entry.substr(prefix.size(), eq - prefix.size())),
                     std::string(entry.substr(eq + 1)));
  }
  return out;
}

// A yes/no environment variable: 1, true, yes, on (any case) are true;
// 0, false, no, off are false; unset or anything else gives `fallback`.
inline bool EnvFlag(const char* name, bool fallback) {
  const char* v = GetEnv(name);
  if (v == nullptr) return fallback;
  std::string s = AsciiLower(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  return fallback;
}

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_ENVIRONMENT_H_
