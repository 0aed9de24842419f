// JSON documents read into the same Node tree as YAML policy files.
//
// Used for pattern files (a JSON array of EventBridge event patterns, as
// EventBridge rules and the benchmark workloads hold them), read with
// simdjson. Diagnostics name the line and column where each pattern starts;
// every node of a pattern carries that position.
#ifndef PROACT_SRC_LOAD_JSON_DOCUMENT_H_
#define PROACT_SRC_LOAD_JSON_DOCUMENT_H_

#include <string_view>
#include <vector>

#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"

namespace proact::internal {

// Parses `text`, a JSON array, into one Node per element. Returns false after
// reporting a diagnostic when the text is not a JSON array.
bool ParseJsonArray(std::string_view text, int file, DiagnosticSink* sink,
                    std::vector<Node>* out);

}  // namespace proact::internal

#endif  // PROACT_SRC_LOAD_JSON_DOCUMENT_H_
