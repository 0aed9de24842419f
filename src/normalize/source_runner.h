// Running source definitions (`sources:`, docs/sources.md#sources-as-data)
// on a payload: which definition recognizes it, whether the request is
// authentic, whether it is a handshake, and the envelopes its map renders.
#ifndef PROACT_SRC_NORMALIZE_SOURCE_RUNNER_H_
#define PROACT_SRC_NORMALIZE_SOURCE_RUNNER_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/normalizer.h"
#include "program/program.h"

namespace proact::internal {

// A definition and the program holding its conditions.
struct SourceRef {
  const Program* program = nullptr;
  const SourceDefinition* def = nullptr;
};

// The definitions shipped in rules/sources/ (embedded at build time),
// compiled on first use; empty if they do not compile (a build defect the
// test suite catches).
const std::vector<SourceRef>& BuiltinSources();

// A payload as definitions see it.
struct SourceRequest {
  bool http = false;             // delivered as an HTTP request
  const Headers* headers = nullptr;
  nlohmann::json query = nlohmann::json::object();
  std::string method;
  std::string path;
  // HTTP: the body as received (signatures cover these bytes).
  std::string_view raw_body;
  // Not HTTP: the payload, already parsed.
  const nlohmann::json* value = nullptr;
  std::string request_time;
  std::string request_id;
};

struct SourceEvent {
  std::string origin;  // appended to the request's origin, e.g. ".data.events[0]"
  bool ok = true;
  nlohmann::json envelope;  // when ok
  std::string error;        // when not
};

struct SourceOutcome {
  enum class Kind { kNone, kEvents, kChallenge, kRejected, kError };
  Kind kind = Kind::kNone;
  std::string source;                // the definition that took the payload
  std::vector<SourceEvent> events;   // kEvents
  Challenge challenge;               // kChallenge
  std::string message;               // kRejected, kError
  // Some definition's secret verified the request (require_signature is
  // then met even when no definition took the body).
  bool authenticated = false;
};

// Why each definition did or did not take the payload (proact normalize).
struct SourceTrace {
  std::string source;
  std::string defined_at;  // FILE:LINE
  bool recognized = false;
  std::string explanation;  // the recognize pattern's field tests, one per line
};

// Tries `sources` in order. `secrets` authenticates HTTP requests: a
// definition's check applies to every request it recognizes and to every
// request carrying its signature header, when its secret is configured.
// With `trace`, appends one entry per definition tried.
SourceOutcome RunSources(const std::vector<SourceRef>& sources, const WebhookSecrets& secrets,
                         const SourceRequest& request, std::vector<SourceTrace>* trace);

}  // namespace proact::internal

#endif  // PROACT_SRC_NORMALIZE_SOURCE_RUNNER_H_
