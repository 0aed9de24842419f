// `proact serve`: the command-line front of the HTTP adapter
// (proact/http_adapter.h, library proact::http). See docs/adapters.md.
#include "cli/serve_command.h"

#include <cstdlib>
#include <iostream>

#include "cli/flags.h"
#include "proact/http_adapter.h"

namespace proact::cli {

const char kServeUsage[] =
    "usage: proact serve [--rules PATH]... [--port N] [--host ADDR] [--path PATH]...\n"
    "                    [--threads N] [--dry-run]\n"
    "\n"
    "Runs an HTTP server that evaluates the events POSTed to it and runs the\n"
    "actions of the matched policies (built-in: log, webhook).\n"
    "\n"
    "Accepts: CloudEvents (binary mode with ce-* headers, structured mode,\n"
    "batches), Pub/Sub push, Event Grid (with its subscription validation),\n"
    "raw SaaS webhooks (GitHub, Slack, Okta: signatures verified with the\n"
    "secrets in the environment), any payload `proact normalize` reads, and\n"
    "and, when FUNCTIONS_CUSTOMHANDLER_PORT is set (under the Azure Functions\n"
    "host), custom-handler requests ({\"Data\":...,\"Metadata\":...}).\n"
    "\n"
    "  --rules PATH   policy files or folders (default $PROACT_RULES, else rules/)\n"
    "  --port N       default $FUNCTIONS_CUSTOMHANDLER_PORT, else $PORT, else 8080;\n"
    "                 0 picks a free port (logged)\n"
    "  --host ADDR    default 0.0.0.0\n"
    "  --path PATH    accept events only on these paths (default: any path)\n"
    "  --threads N    worker threads (default 8)\n"
    "  --dry-run      execute nothing (as PROACT_DRY_RUN=true)\n"
    "\n"
    "GET /healthz answers 200 while serving; GET /metrics gives Prometheus\n"
    "text. SIGTERM or SIGINT stop accepting connections and finish the\n"
    "requests in flight. Responses: 200 evaluated (and actions run), 400 a\n"
    "payload (part) that could not be read, 401 a webhook signature rejected,\n"
    "404 a path not served, 413 too large, 503 an action failed in a way a\n"
    "retry may fix (the platform should redeliver). Logs are JSON lines on\n"
    "stdout; see docs/adapters.md for the environment variables.\n";

int Serve(const std::vector<std::string>& args) {
  HttpAdapterOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (IsHelp(a)) {
      std::cout << kServeUsage;
      return 0;
    } else if (a == "--rules") {
      const std::string* v = FlagValue("serve", args, &i);
      if (v == nullptr) return 2;
      options.rules.push_back(*v);
    } else if (a == "--port" || a == "--threads") {
      const std::string* v = FlagValue("serve", args, &i);
      if (v == nullptr) return 2;
      char* end = nullptr;
      long n = std::strtol(v->c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 65535 || (a == "--threads" && (n < 1 || n > 256))) {
        std::cerr << "proact serve: bad " << a << " '" << *v << "'\n";
        return 2;
      }
      (a == "--port" ? options.port : options.threads) = static_cast<int>(n);
    } else if (a == "--host") {
      const std::string* v = FlagValue("serve", args, &i);
      if (v == nullptr) return 2;
      options.host = *v;
    } else if (a == "--path") {
      const std::string* v = FlagValue("serve", args, &i);
      if (v == nullptr) return 2;
      if (v->empty() || (*v)[0] != '/') {
        std::cerr << "proact serve: --path must start with '/': '" << *v << "'\n";
        return 2;
      }
      options.paths.push_back(*v);
    } else if (a == "--dry-run") {
      options.dry_run = true;
    } else {
      std::cerr << "proact serve: unknown argument '" << a << "'\n" << kServeUsage;
      return 2;
    }
  }
  return RunHttpAdapter(options);
}

}  // namespace proact::cli
