// The HTTP adapter: an HTTP/1.1 server that runs every POSTed delivery
// through a Host (proact/host.h). It is what `proact serve` runs, for Cloud
// Run, Cloud Functions (gen2), Azure Functions custom handlers and any
// container platform (docs/adapters.md); an embedder links proact::http and
// calls RunHttpAdapter from its own main().
//
// It accepts CloudEvents (binary, structured, batches), Pub/Sub push, Event
// Grid (with its subscription validation), raw SaaS webhooks (signatures
// verified with the secrets in the environment), anything the Normalizer
// reads, and, when FUNCTIONS_CUSTOMHANDLER_PORT is set, Azure Functions
// custom-handler requests. GET /healthz and GET /metrics answer on the event
// loop. The environment is read as by `proact serve` (docs/adapters.md).
//
// Thread-safety: RunHttpAdapter blocks the calling thread; call it once per
// process (it takes SIGTERM and SIGINT).
#ifndef PROACT_HTTP_ADAPTER_H_
#define PROACT_HTTP_ADAPTER_H_

#include <functional>
#include <string>
#include <vector>

#include "proact/export.h"

namespace proact {

class Host;

struct HttpAdapterOptions {
  // Policy files or folders; empty: $PROACT_RULES, else rules/.
  std::vector<std::string> rules;
  // Paths events are accepted on; empty: any path.
  std::vector<std::string> paths;
  // Address to listen on.
  std::string host = "0.0.0.0";
  // Port; -1: $FUNCTIONS_CUSTOMHANDLER_PORT, else $PORT, else 8080. 0 picks
  // a free port (logged).
  int port = -1;
  // Worker threads running the evaluation (1..256).
  int threads = 8;
  // Execute no action (as PROACT_DRY_RUN=true).
  bool dry_run = false;
  // Prefix of the messages written to stderr.
  std::string program = "proact serve";
  // Called once with the host before the server starts: register your own
  // action handlers on host.dispatcher() here (proact/host.h).
  std::function<void(Host&)> register_handlers;
};

// Loads the policies, serves until SIGTERM or SIGINT, finishes the requests
// in flight and returns the process exit status: 0 after a clean stop, 1
// when the policies do not load or the address cannot be bound (the reason
// on stderr), 2 for a bad setting in the environment (a port, a PROACT_*
// variable).
PROACT_EXPORT int RunHttpAdapter(const HttpAdapterOptions& options);

}  // namespace proact

#endif  // PROACT_HTTP_ADAPTER_H_
