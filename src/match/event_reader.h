// EventReader: reads the fields the program needs out of an event's JSON.
//
// One pass of simdjson On-Demand over the text, guided by the program's
// field trie: objects are entered only along paths some policy uses, and
// every leaf value found there is recorded in the scratch with the trail of
// array-of-object elements that leads to it (so that two fields tested
// under one array must hold in the same element). Objects and empty arrays
// are not values: `exists` is about leaves.
#ifndef PROACT_SRC_MATCH_EVENT_READER_H_
#define PROACT_SRC_MATCH_EVENT_READER_H_

#include <string>
#include <string_view>

#include "proact/options.h"
#include "proact/status.h"
#include "program/program.h"
#include "match/scratch.h"

namespace proact::internal {

// Parses `json` and records the values of every program field into
// `scratch`. When `padded`, SIMDJSON_PADDING bytes after the text are
// readable and the text is parsed in place; otherwise it is copied into the
// scratch buffer. Returns kInvalidArgument for malformed JSON or a
// non-object, kLimitExceeded when a limit in `options` is crossed.
// When `checked`, the whole text is also checked as JsonChecker checks it
// (util/json_check.h: what the normalizer passes on byte for byte), every
// object read to its end, and a text that does not pass (or holds escapes
// in a value the walk records) is kInvalidArgument: the caller then reads
// it the usual way, normalizer first.
Status ReadEvent(std::string_view json, bool padded, const Program& program,
                 const EngineOptions& options, ScratchRep* scratch, bool checked = false);

// After ReadEvent succeeded: Ok when the event's top level has a single
// string `source` and a single string `detail-type` (the fields ReadEvent
// always records), else kInvalidArgument saying what is missing and to
// normalize the event first or set EngineOptions::raw_events. Reads two
// recorded fields; allocates only for the error.
Status RequireEnvelope(const ScratchRep& scratch);

// "invalid JSON: …" for a simdjson error, worded for users.
std::string JsonErrorMessage(simdjson::error_code error);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_EVENT_READER_H_
