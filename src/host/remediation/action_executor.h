// Endpoint overrides (docs/remediation.md): the type's endpoint_override
// variable, else aws AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, github
// GITHUB_API_URL, okta OKTA_ORG_URL, gcp / azure / slack / pagerduty
// PROACT_<PROVIDER>_URL.
//
// ActionExecutor: runs a declared action type (action/action_type.h)
// against the real API, as a Dispatcher handler.
//
// For one action: checks the rendered params against the type, renders the
// endpoint (applying the endpoint override), gets the credentials from the
// CredentialBroker, then sends the type's requests in order
// (request_builder.h builds them, http_transport.h sends them):
//   - a read whose answer matches `compliant_if`, or any request whose
//     answer matches `already_done`, stops the action: already_compliant;
//   - a read answered as `proceed_on` says goes on to the next request;
//   - success (the declared statuses, default 2xx) records the answer as
//     steps.NAME and goes on; an answer to poll (202 with an operation URL on
//     the endpoint's host) is polled until `done_if` / `failed_if` or the
//     deadline;
//   - throttling (429, the providers' throttling codes, `retry_on`) and
//     5xx / transport errors are retried with exponential backoff and full
//     jitter (Retry-After honoured) while the deadline allows, then reported
//     retryable;
//   - 401, or 400/403 with an expired-credential code, drops the cached
//     credential and tries once more with a fresh one;
//   - anything else is a permanent failure naming the request, status,
//     provider code and message, and the provider's request id.
// Messages never hold credentials (they are never in a rendered request's
// text but its auth headers, which messages do not quote).
//
// Thread-safety: Run may be called from many threads at once.
#ifndef PROACT_SRC_HOST_REMEDIATION_ACTION_EXECUTOR_H_
#define PROACT_SRC_HOST_REMEDIATION_ACTION_EXECUTOR_H_

#include <chrono>
#include <memory>
#include <string>

#include "action/action_type.h"
#include "host/remediation/credentials.h"
#include "proact/dispatch.h"
#include "program/program.h"

namespace proact::internal {

struct ExecutorOptions {
  int max_attempts = 5;                               // per request, retries included
  std::chrono::milliseconds base_backoff{200};        // doubled per attempt, full jitter
  std::chrono::milliseconds max_backoff{5000};
  std::size_t max_response_bytes = 4u << 20;
};

class ActionExecutor {
 public:
  ActionExecutor(std::shared_ptr<const Program> program, std::shared_ptr<CredentialBroker> broker,
                 ExecutorOptions options = {});

  // Runs action type `type` (an index into program->action_types).
  ActionResult Run(int type, const ActionContext& ctx) const;

 private:
  std::shared_ptr<const Program> program_;
  std::shared_ptr<CredentialBroker> broker_;
  ExecutorOptions options_;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_HOST_REMEDIATION_ACTION_EXECUTOR_H_
