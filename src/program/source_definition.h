// A compiled source definition: how a webhook or other payload is
// recognized, authenticated and mapped onto the EventBridge envelope
// (docs/sources.md#sources-as-data is the specification of the YAML form).
//
// Recognition and handshake conditions are event patterns over the request
// document {"headers", "query", "method", "path", "body"}, compiled as
// one-policy programs in Program::conditions; the mapping is templates over
// the same document plus `event` (the element being mapped) and `request`.
#ifndef PROACT_SRC_PROGRAM_SOURCE_DEFINITION_H_
#define PROACT_SRC_PROGRAM_SOURCE_DEFINITION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "action/template.h"

namespace proact::internal {

struct SourceHandshake {
  int condition = -1;  // index in Program::conditions
  int status = 200;
  std::string content_type = "application/json";
  ParamTree body;      // a string template (sent as text) or a JSON tree
};

struct SourceAuth {
  enum class Kind : std::uint8_t { kNone, kHmac, kToken };
  Kind kind = Kind::kNone;
  std::string secret;     // the secret's name (WebhookSecrets::named)
  std::string header;     // where the signature or token is
  std::string algorithm = "sha256";
  std::string encoding = "hex";
  std::string prefix;
  std::string separator;  // "" when the header holds one signature
  std::string signed_text = "{body}";  // with {body} and {timestamp}
  std::string timestamp_header;
  std::string timestamp_item;
  std::int64_t max_age_seconds = 300;
  // kToken read from the body instead of a header: every value at this
  // path (a template path, e.g. body.value[*].clientState) must equal the
  // secret.
  std::vector<PathStep> token_field;
  std::string token_field_text;
};

struct SourceDefinition {
  std::string name;
  std::string description;
  std::string docs;
  std::string file;  // where it is defined, "FILE:LINE"
  std::string form_field;
  int recognize = -1;  // index in Program::conditions
  std::vector<SourceHandshake> handshakes;
  SourceAuth auth;
  bool has_events = false;
  std::vector<PathStep> events;  // one event per value at this path
  std::string events_text;
  // Envelope fields in output order, each a compiled value.
  std::vector<std::pair<std::string, ParamTree>> map;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_PROGRAM_SOURCE_DEFINITION_H_
