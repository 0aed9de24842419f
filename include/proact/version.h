// The proact library version.
#ifndef PROACT_VERSION_H_
#define PROACT_VERSION_H_

#include "proact/export.h"

#define PROACT_VERSION_MAJOR 0
#define PROACT_VERSION_MINOR 1
#define PROACT_VERSION_PATCH 0

namespace proact {
// "MAJOR.MINOR.PATCH" of the library actually linked.
PROACT_EXPORT const char* Version();
}  // namespace proact

#endif  // PROACT_VERSION_H_
