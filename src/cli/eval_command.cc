// `proact eval` and `proact plan`.
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

const char kEvalUsage[] =
    "usage: proact eval --rules PATH [--rules PATH]... [--input auto|raw]\n"
    "                   [--header NAME:VALUE]... [--dry-run] [FILE|-]\n"
    "\n"
    "Reads payloads as JSON Lines (one per line, blank lines skipped), or one\n"
    "JSON document, from FILE or standard input and writes one JSON decision\n"
    "per event, in order:\n"
    "  {\"id\":…,\"source\":…,\"detail-type\":…,\"matches\":[{\"policy\":…,\n"
    "   \"mode\":…,\"severity\":…,\"actions\":[…],\"errors\":[…]}]}\n"
    "A line that cannot be evaluated gives {\"line\":N,\"error\":\"…\"} and a\n"
    "FILE:N: error: diagnostic on stderr; the rest is still processed.\n"
    "\n"
    "options:\n"
    "  --rules PATH     policy file or directory (repeatable, required)\n"
    "  --input auto     recognize and normalize each payload (default): any\n"
    "                   source and delivery envelope of docs/sources.md; a\n"
    "                   batch gives one decision line per event\n"
    "  --input raw      match every line as it is, envelope or not\n"
    "                   (EngineOptions::raw_events)\n"
    "  --header NAME:VALUE\n"
    "                   a request header that came with the payloads\n"
    "                   (repeatable): replay a webhook body saved from\n"
    "                   GitHub with --header X-GitHub-Event:push\n"
    "  --dry-run        mark every action as dry-run\n"
    "  --no-validate-json\n"
    "                   parse only what the policies read (the library's\n"
    "                   default); without it every line must be well-formed\n"
    "                   JSON in full\n"
    "Exit status: 0 when every line was evaluated, 1 if any failed or the\n"
    "policies do not compile, 2 on bad usage.\n";


const char kPlanUsage[] =
    "usage: proact plan --rules PATH [--rules PATH]... [--input auto|raw]\n"
    "                   [--header NAME:VALUE]... [--dry-run] [FILE|-]\n"
    "\n"
    "Reads events like 'proact eval' and writes JSON Lines, one line per\n"
    "action of each match, in decision order:\n"
    "  {\"event\":ID,\"policy\":ID,\"action\":NAME,\"dry_run\":BOOL,\n"
    "   \"requests\":[{\"name\",\"read\",\"method\",\"url\",\"headers\",\"body\",\n"
    "   \"identity\"}],\"error\":null|MESSAGE}\n"
    "the exact requests a declared action type would send, writes as sent when\n"
    "every read finds the resource non-compliant; values known only when\n"
    "sending show as <steps.NAME.body.FIELD> and [secret NAME]. Actions run by\n"
    "host handlers have no requests and \"handler\":\"host\". No network, no\n"
    "credentials; secrets redacted; stable output, for diffs in code review\n"
    "(docs/remediation.md). Options as for 'proact eval'.\n"
    "Exit status: 0, or 1 when an event or an action could not be planned.\n";

int Eval(const std::vector<std::string>& args, bool plan) {
  const char* kCommand = plan ? "proact plan" : "proact eval";
  const char* usage = plan ? kPlanUsage : kEvalUsage;
  std::vector<std::string> rules;
  std::string input_mode = "auto";
  std::string file = "-";
  bool have_file = false;
  proact::EngineOptions options;
  proact::Headers headers;
  options.validate_json = true;  // a tool for people: report any damage
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << kCommand << ": " << name << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    if (IsHelp(a)) {
      std::cout << usage;
      return 0;
    } else if (a == "--rules") {
      const std::string* v = value("--rules");
      if (!v) return 2;
      rules.push_back(*v);
    } else if (a.rfind("--rules=", 0) == 0) {
      rules.push_back(a.substr(8));
    } else if (a == "--input" || a.rfind("--input=", 0) == 0) {
      if (a == "--input") {
        const std::string* v = value("--input");
        if (!v) return 2;
        input_mode = *v;
      } else {
        input_mode = a.substr(8);
      }
      if (input_mode != "auto" && input_mode != "raw") {
        std::cerr << kCommand << ": --input must be auto or raw, not '"
                  << input_mode << "'\n";
        return 2;
      }
    } else if (a == "--header") {
      const std::string* v = value("--header");
      if (!v) return 2;
      if (!AddHeader(kCommand, *v, &headers)) return 2;
    } else if (a == "--dry-run") {
      options.dry_run = true;
    } else if (a == "--no-validate-json") {
      options.validate_json = false;
    } else if (a != "-" && a.size() > 1 && a[0] == '-') {
      std::cerr << kCommand << ": unknown option '" << a << "'\n" << usage;
      return 2;
    } else {
      if (have_file) {
        std::cerr << kCommand << ": one input file at most\n";
        return 2;
      }
      file = a;
      have_file = true;
    }
  }
  if (rules.empty()) {
    std::cerr << kCommand << ": --rules PATH is required\n" << usage;
    return 2;
  }
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(rules, &set)) return 1;
  proact::PolicySet policies = *set;
  options.raw_events = input_mode == "raw";  // auto: the normalizer makes envelopes
  proact::Engine engine(std::move(*set), options);

  std::string name;
  std::ios::sync_with_stdio(false);
  proact::Normalizer normalizer = NormalizerFromEnvironment();
  normalizer.AddSources(policies);  // the rules' own source definitions
  proact::NormalizeResult r;  // reused: its capacity is kept from payload to payload
  proact::Scratch scratch;
  proact::Decision decision;
  bool failed = false;
  std::string out;  // one decision line, reused
  // Prints the decision for `event` (evaluated now unless `evaluated`).
  auto evaluate = [&](std::size_t line, const std::string& origin, const std::string& event,
                      bool evaluated = false) {
    if (!evaluated) {
      proact::Status st = engine.Evaluate(event, scratch, &decision);
      if (!st.ok()) {
        failed = true;
        PrintError(name, line, origin, st.message());
        return;
      }
    }
    if (!plan) {
      out.clear();
      decision.AppendJson(&out);
      out.push_back('\n');
      std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
      return;
    }
    for (const nlohmann::ordered_json& l : proact::PlanDecision(policies, decision)) {
      std::cout << l.dump() << "\n";
      if (!l["error"].is_null()) {
        // The plan line carries the error; stderr gets the diagnostic.
        failed = true;
        std::cerr << name << ":" << line << ": error: " << (origin.empty() ? "" : origin + ": ")
                  << l["policy"].get<std::string>() << ": action '" << l["action"].get<std::string>()
                  << "': " << l["error"].get<std::string>() << "\n";
      }
    }
  };
  bool readable = StreamPayloads(file, &name, [&](const Payload& p) {
    if (input_mode == "raw") {
      evaluate(p.line, "", p.text);
    } else if (engine.EvaluateEnvelope(normalizer, p.text, headers, scratch, &r, &decision)) {
      evaluate(p.line, "", r.events[0].json, true);  // an envelope, read once
    } else {
      normalizer.Normalize(p.text, headers, &r);
      for (const proact::NormalizedEvent& e : r.events) evaluate(p.line, e.origin, e.json);
      if (r.challenge) PrintChallenge(p.line, *r.challenge);
      for (const proact::NormalizeError& e : r.errors) {
        failed = true;
        PrintError(name, p.line, e.origin, e.message);
      }
    }
    // From a pipe, decisions go out as events come in; a file's at the end.
    if (file == "-") std::cout.flush();
  });
  if (!readable) {
    std::cerr << kCommand << ": " << file << ": cannot be read\n";
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace proact::cli
