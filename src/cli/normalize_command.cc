// `proact normalize`.
#include "cli/commands.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "cli/payloads.h"
#include "proact/engine.h"
#include "proact/host.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"

namespace proact::cli {

const char kNormalizeUsage[] =
    "usage: proact normalize [--rules PATH]... [--explain-sources]\n"
    "                        [--header NAME:VALUE]... [FILE|-]\n"
    "\n"
    "Prints the EventBridge envelope(s) proact builds from each payload: a\n"
    "line of JSON Lines, or the whole input when it is one JSON document.\n"
    "Delivery envelopes (SQS, SNS, Lambda HTTP requests, Pub/Sub push, ...)\n"
    "are unwrapped; each event is one output line. See docs/sources.md.\n"
    "--header NAME:VALUE (repeatable) gives the request headers a saved\n"
    "webhook body arrived with (X-GitHub-Event, X-Hub-Signature-256...).\n"
    "A payload that cannot be normalized gives {\"line\":N,\"error\":\"...\"}\n"
    "and FILE:N: error: on stderr; a verification handshake gives\n"
    "{\"line\":N,\"challenge\":{...}}.\n"
    "--rules PATH adds the source definitions (`sources:`) of those files to\n"
    "the shipped ones; --explain-sources prints on stderr, for each part of a\n"
    "payload, which definition recognized it and why the others did not.\n"
    "\n"
    "Webhook secrets are read from the environment: PROACT_SECRET_<NAME> for\n"
    "a definition's secret NAME, PROACT_GITHUB_SECRET,\n"
    "PROACT_SLACK_SIGNING_SECRET, PROACT_OKTA_AUTHORIZATION, and\n"
    "PROACT_REQUIRE_SIGNATURE=1 to reject unsigned requests.\n"
    "Exit status: 0 when every payload normalized, 1 otherwise, 2 on bad usage.\n";

int Normalize(const std::vector<std::string>& args) {
  std::string file = "-";
  bool have_file = false;
  bool explain_sources = false;
  std::vector<std::string> rules;
  proact::Headers headers;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (IsHelp(a)) {
      std::cout << kNormalizeUsage;
      return 0;
    }
    if (a == "--explain-sources") {
      explain_sources = true;
      continue;
    }
    if (a == "--rules") {
      if (i + 1 >= args.size()) {
        std::cerr << "proact normalize: --rules needs a path\n";
        return 2;
      }
      rules.push_back(args[++i]);
      continue;
    }
    if (a == "--header") {
      if (i + 1 >= args.size()) {
        std::cerr << "proact normalize: --header needs a value\n";
        return 2;
      }
      if (!AddHeader("proact normalize", args[++i], &headers)) return 2;
      continue;
    }
    if (a != "-" && a.size() > 1 && a[0] == '-') {
      std::cerr << "proact normalize: unknown option '" << a << "'\n" << kNormalizeUsage;
      return 2;
    }
    if (have_file) {
      std::cerr << "proact normalize: one input file at most\n";
      return 2;
    }
    file = a;
    have_file = true;
  }
  std::string name;
  proact::Normalizer normalizer = NormalizerFromEnvironment();
  if (!rules.empty()) {
    std::optional<proact::PolicySet> set;
    if (!LoadPolicies(rules, &set)) return 1;
    normalizer.AddSources(*set);
  }
  normalizer.set_explain_sources(explain_sources);
  proact::NormalizeResult r;  // reused: its capacity is kept from payload to payload
  bool failed = false;
  bool readable = StreamPayloads(file, &name, [&](const Payload& p) {
    normalizer.Normalize(p.text, headers, &r);
    for (const proact::SourceAttempt& a : r.source_attempts) {
      std::cerr << name << ":" << p.line << ": " << (a.origin.empty() ? "" : a.origin + ": ")
                << (a.recognized ? "recognized by " : "not ") << a.source << " (" << a.defined_at
                << ")\n";
      if (!a.recognized) {
        std::size_t start = 0;
        while (start < a.explanation.size()) {
          std::size_t end = a.explanation.find('\n', start);
          if (end == std::string::npos) end = a.explanation.size();
          std::cerr << "    " << a.explanation.substr(start, end - start) << "\n";
          start = end + 1;
        }
      }
    }
    for (const proact::NormalizedEvent& e : r.events) {
      // One line per envelope, even for an event passed through from a
      // pretty-printed file.
      if (e.json.find('\n') == std::string::npos) {
        std::cout << e.json << "\n";
      } else {
        std::cout << nlohmann::ordered_json::parse(e.json).dump() << "\n";
      }
    }
    if (r.challenge) PrintChallenge(p.line, *r.challenge);
    for (const proact::NormalizeError& e : r.errors) {
      failed = true;
      PrintError(name, p.line, e.origin, e.message);
    }
  });
  if (!readable) {
    std::cerr << "proact normalize: " << file << ": cannot be read\n";
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace proact::cli
