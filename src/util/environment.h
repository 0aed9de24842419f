// The one place proact reads the process environment. Every adapter (the
// host and its Lambda runtime, the HTTP adapter, the Redis store, the
// remediation credentials and transport) reads its settings through these
// functions; the core library reads only TZDIR (where the `local-time`
// operator finds zone files). docs/adapters.md lists the variables.
#ifndef PROACT_SRC_UTIL_ENVIRONMENT_H_
#define PROACT_SRC_UTIL_ENVIRONMENT_H_

#include <cstdlib>
#include <string>

#include "util/strings.h"

namespace proact::internal {

// The value of environment variable `name`, or nullptr when it is unset.
inline const char* GetEnv(const char* name) { return std::getenv(name); }

// The value of `name`, or "" when it is unset.
inline std::string EnvString(const char* name) {
  const char* v = GetEnv(name);
  return v == nullptr ? "" : v;
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
