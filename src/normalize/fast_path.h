// The normalizer's fast path: the hot payload shapes normalized without a
// DOM, by slicing the raw JSON (docs/sources.md, "Fast path").
//
// It is a small declarative core: a table of the top-level keys each shape
// is recognized by (with the keys that make an earlier built-in recognizer
// a candidate, so that the fast path stands aside), and envelope mappings
// that name where each envelope field comes from. A payload it is not sure
// about in every respect (not valid JSON as the full parser would read it,
// duplicate or escaped keys, nesting deeper than it reads, custom sources,
// headers, shapes other than the ones below) is left to the full path,
// which then runs unchanged; the fast path never reports an error itself.
//
// Shapes:
//   - an EventBridge envelope (string source and detail-type): passed on
//     byte for byte, as the full path does;
//   - a bare CloudTrail record and a CloudTrail log file's Records[];
//   - SQS records whose body, and SNS notifications (direct, in SQS, or at
//     the top level) whose Message, is an EventBridge envelope or a
//     CloudTrail record.
#ifndef PROACT_SRC_NORMALIZE_FAST_PATH_H_
#define PROACT_SRC_NORMALIZE_FAST_PATH_H_

#include <string_view>

#include "proact/normalizer.h"

namespace proact::internal {

// Normalizes `payload` into `out` (reusing the capacity of its events and
// strings; errors cleared, challenge reset) and returns true, or returns
// false leaving `out` without events, for the full path to take it.
// Allocates nothing in steady state for payloads of a size seen before on
// this thread.
bool FastNormalize(std::string_view payload, NormalizeResult* out);

// Larger payloads are left to the full path.
inline constexpr std::size_t kMaxFastPayloadBytes = std::size_t{64} << 20;

// Reads the documents FastNormalize would pass on as EventBridge envelopes
// itself (the engine's checked read: Engine::NormalizeAndEvaluate), so
// that they are parsed once.
class EnvelopeReader {
 public:
  virtual ~EnvelopeReader() = default;
  // `text` is a document that starts like an envelope (the payload, an
  // SQS body or an SNS Message, unescaped), followed by at least
  // SIMDJSON_PADDING readable bytes, which would become out->events[index].
  // Returns true when it checked the whole text as JsonChecker does and
  // found an envelope without top-level "Records", "Type" or "Message":
  // FastNormalize then takes it as that event without reading it. False:
  // FastNormalize reads it as usual.
  virtual bool Read(std::string_view text, std::size_t index) = 0;
};

// FastNormalize, offering each document that starts like an envelope to
// `reader` first. The result is the same as without a reader.
bool FastNormalize(std::string_view payload, NormalizeResult* out, EnvelopeReader* reader);

// The full path alone (the Normalizer without the fast path), for tests
// comparing the two. Built-in sources only, no webhook secrets.
void NormalizeFull(std::string_view payload, const Headers& headers, NormalizeResult* out);

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_FAST_PATH_H_
