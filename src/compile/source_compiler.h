// SourceCompiler: `sources:` entries into SourceDefinition records.
//
// Checks every key and value of a source definition (docs/sources.md,
// "Sources as data") with did-you-mean hints, compiles `recognize` and
// handshake `when` patterns as conditions, and the `map`, handshake bodies
// and `events` path as templates over the request document. Every problem
// goes to the DiagnosticSink at its node.
#ifndef PROACT_SRC_COMPILE_SOURCE_COMPILER_H_
#define PROACT_SRC_COMPILE_SOURCE_COMPILER_H_

#include <string_view>
#include <vector>

#include "compile/action_type_compiler.h"
#include "compile/policy_compiler.h"
#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"
#include "program/source_definition.h"

namespace proact::internal {

const std::vector<KeySpec>& SourceKeys();
const std::vector<KeySpec>& SourceMapKeys();
const std::vector<KeySpec>& SourceAuthKeys();
const std::vector<KeySpec>& SourceHmacKeys();
const std::vector<KeySpec>& SourceTimestampKeys();
const std::vector<KeySpec>& SourceTokenKeys();
const std::vector<KeySpec>& SourceHandshakeKeys();
// The roots a source template may read: headers, query, method, path,
// body, event, request.
const std::vector<std::string_view>& SourceTemplateRoots();

// Compiles one entry of a `sources:` list. Returns false when an error was
// reported; *out is usable only on success.
bool CompileSourceDefinition(const Node& node, DiagnosticSink* sink,
                             const ConditionCompiler& conditions, SourceDefinition* out);

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_SOURCE_COMPILER_H_
