// Engine: matches events against a PolicySet and renders remediation actions.
//
// The engine reads an event's JSON text once, touching only the fields the
// policies use, finds the policies whose `match` pattern (AWS EventBridge
// semantics) accepts it and no `except` pattern suppresses, and renders each
// matched policy's actions. It never executes actions.
//
// Thread-safety: an Engine is immutable; Evaluate() may be called from any
// number of threads at once. Per-call working memory lives in a Scratch: one
// per thread, reused across calls, so that steady-state matching does not
// allocate. The overloads without a Scratch use a thread-local one.
#ifndef PROACT_ENGINE_H_
#define PROACT_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/decision.h"
#include "proact/export.h"
#include "proact/normalizer.h"
#include "proact/options.h"
#include "proact/policy_set.h"
#include "proact/status.h"

namespace proact {

namespace internal {
struct ApiAccess;
struct ScratchRep;
}  // namespace internal

// The work one evaluation took, in the units of EngineOptions' per-event
// bound (max_event_steps, max_event_scan_bytes, max_event_regex_cost).
struct EvaluationWork {
  std::uint64_t steps = 0;
  std::uint64_t scan_bytes = 0;
  std::uint64_t regex_cost = 0;
};

// Reusable per-thread working memory for Engine::Evaluate. Not thread-safe:
// use one Scratch per thread. Movable, not copyable.
class PROACT_EXPORT Scratch {
 public:
  Scratch();
  ~Scratch();
  Scratch(Scratch&&) noexcept;
  Scratch& operator=(Scratch&&) noexcept;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // The work the last evaluation on this scratch took (up to the point it
  // stopped, for an event over the bound); zeros before the first.
  EvaluationWork last_work() const;

 private:
  friend struct internal::ApiAccess;  // src/program/api_access.h
  std::unique_ptr<internal::ScratchRep> rep_;
};

// Bytes that must be readable after the end of an event passed to
// Engine::EvaluatePadded (their contents do not matter).
inline constexpr std::size_t kEventPadding = 64;

class PROACT_EXPORT Engine {
 public:
  explicit Engine(PolicySet policies, EngineOptions options = {});

  // Evaluates one event given as JSON text: an EventBridge envelope, as
  // Normalizer::Normalize produces from any supported payload. On success
  // fills *decision (cleared first; capacity is reused); decision->source
  // and decision->detail_type are then set unless options().raw_events.
  // Returns kInvalidArgument for text that is not a JSON object (the message
  // names the problem and its byte offset) and, unless options().raw_events,
  // for an object without a single string `source` and `detail-type` at its
  // top level (the message names the missing field and says to normalize
  // the event first or set EngineOptions::raw_events); kLimitExceeded when
  // the event breaks a limit in EngineOptions (the message names the limit).
  // On error *decision is cleared.
  // REQUIRES: decision != nullptr.
  Status Evaluate(std::string_view event_json, Scratch& scratch,
                  Decision* decision) const;
  Status Evaluate(std::string_view event_json, Decision* decision) const;

  // Like Evaluate, but parses the text in place instead of copying it.
  // REQUIRES: kEventPadding bytes after event_json.data() + size() are
  // readable memory (for example a buffer allocated kEventPadding bytes
  // larger than the event).
  Status EvaluatePadded(std::string_view event_json, Scratch& scratch,
                        Decision* decision) const;

  // Normalizes and evaluates a payload in one read when it is an
  // EventBridge envelope: the commonest payload (EventBridge to Lambda,
  // `proact eval --input auto` on envelopes), which Normalize passes on
  // byte for byte and Evaluate then parses again. When `normalizer` would
  // pass `payload` on unchanged (see Normalizer::PassesEnvelopesOn) and the
  // payload is such an envelope, reads it once, checking the whole text as
  // the normalizer does (valid JSON, no duplicate or escaped keys), and
  // returns true with *normalized as normalizer.Normalize(payload, headers,
  // normalized) would set it and *decision as Evaluate of its one event
  // would, that evaluation having succeeded. Otherwise returns false,
  // *normalized untouched and *decision unspecified: normalize and
  // evaluate as usual, which gives the same results (the ones it declines
  // include every payload Normalize or Evaluate would report an error for).
  // The first key of the payload picks the attempt, so other payloads
  // (SQS, SNS, CloudTrail, webhooks) cost a few nanoseconds more.
  // REQUIRES: normalized != nullptr, decision != nullptr.
  bool EvaluateEnvelope(const Normalizer& normalizer, std::string_view payload,
                        const Headers& headers, Scratch& scratch,
                        NormalizeResult* normalized, Decision* decision) const;

  // Normalizes a payload and evaluates every event it yields, with the
  // results of normalizer.Normalize(payload, headers, normalized) followed
  // by (*statuses)[i] = Evaluate(normalized->events[i].json, scratch,
  // &(*decisions)[i]) for each event: both vectors are resized to the
  // events' count (reusing their storage). The envelopes the normalizer
  // would pass on as they are (the payload itself, an SQS body, an SNS
  // Message) are read once, checked as EvaluateEnvelope checks them, in
  // the normalizer's own buffer; the others as the two calls read them.
  // REQUIRES: normalized, decisions and statuses not null.
  void NormalizeAndEvaluate(const Normalizer& normalizer, std::string_view payload,
                            const Headers& headers, Scratch& scratch,
                            NormalizeResult* normalized, std::vector<Decision>* decisions,
                            std::vector<Status>* statuses) const;

  // Evaluates an already-parsed event, as Evaluate does its text.
  Status EvaluateValue(const nlohmann::json& event, Decision* decision) const;

  // Explains, for policy `policy_id` (every policy when empty), why the
  // event matched or did not: each field test with the values found (or
  // "missing"), the operator, the result, the `except` entry that
  // suppressed a match, and the file:line of each pattern part. Appends
  // human-readable text to *out. Returns kNotFound for an unknown policy id,
  // or the error Evaluate would return for the event (a non-envelope event
  // included, unless options().raw_events). Not for the hot path.
  Status Explain(std::string_view event_json, std::string_view policy_id,
                 std::string* out) const;

  // For tests and coverage (`proact test --require-coverage`): the
  // policies the event matches, and every (policy, `except` entry) whose
  // match held but whose except entry held too and so suppressed it. Not
  // for the hot path. Returns the error Evaluate would return for the event.
  struct Suppression {
    std::string policy;
    std::size_t except_index = 0;  // 0-based, the order the entries are written
    SourceLocation except_location;
  };
  struct Trace {
    std::vector<std::string> matched;  // load order
    std::vector<Suppression> suppressed;
  };
  Status TraceEvent(std::string_view event_json, Trace* trace) const;

  const PolicySet& policies() const { return policies_; }
  const EngineOptions& options() const { return options_; }

 private:
  Status Run(std::string_view event_json, bool padded, Scratch& scratch,
             Decision* decision, bool checked = false) const;
  // The checked read of an envelope the normalizer would pass on (Run with
  // `checked`, an envelope required even with raw_events): true when it
  // passed and was evaluated into *decision.
  bool ReadEnvelope(std::string_view text, bool padded, Scratch& scratch,
                    Decision* decision) const;

  PolicySet policies_;
  EngineOptions options_;
};

}  // namespace proact

#endif  // PROACT_ENGINE_H_
