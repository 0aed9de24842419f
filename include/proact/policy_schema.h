// JSON Schema (draft 2020-12) for policy files and their `tests:` sections,
// for editors (yaml-language-server / VS Code, see docs/testing.md). It is
// generated from the tables the compiler and the test runner check keys
// against, so it cannot drift from what they accept.
#ifndef PROACT_POLICY_SCHEMA_H_
#define PROACT_POLICY_SCHEMA_H_

#include <nlohmann/json.hpp>

#include "proact/export.h"

namespace proact {

PROACT_EXPORT nlohmann::ordered_json PolicyFileSchema();

}  // namespace proact

#endif  // PROACT_POLICY_SCHEMA_H_
