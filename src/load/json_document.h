// JSON documents read into the same Node tree as YAML policy files.
//
// Used for pattern files (a JSON array of EventBridge event patterns, as
// EventBridge rules and the benchmark workloads hold them), read with
// simdjson. Diagnostics name the line and column where each pattern starts;
// every node of a pattern carries that position.
#ifndef PROACT_SRC_LOAD_JSON_DOCUMENT_H_
#define PROACT_SRC_LOAD_JSON_DOCUMENT_H_

#include <functional>
#include <string_view>
#include <vector>

#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"

namespace proact::internal {

// Parses `text`, a JSON array, calling `element` with each element's Node
// in order (so that a caller can compile and drop one before the next is
// read). Returns false after reporting a diagnostic when the text is not a
// JSON array; elements before the error have been delivered. `count`, when
// given, may be called once before the first element with the number of
// elements (unless the file is malformed).
bool ParseJsonArray(std::string_view text, int file, DiagnosticSink* sink,
                    const std::function<void(Node&&)>& element,
                    const std::function<void(std::size_t)>& count = {});

}  // namespace proact::internal

#endif  // PROACT_SRC_LOAD_JSON_DOCUMENT_H_
