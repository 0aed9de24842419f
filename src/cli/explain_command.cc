// `proact explain`.
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

const char kExplainUsage[] =
    "usage: proact explain --rules PATH [--rules PATH]... [--policy ID]\n"
    "                      [--input auto|raw] [--header NAME:VALUE]... [FILE|-]\n"
    "\n"
    "Shows, for each event, why each policy (or only --policy ID) matched or\n"
    "did not: every field test of every match alternative and except\n"
    "pattern, with the values found in the event (or \"missing\"), what the\n"
    "policy wants, the result, and the file:line of the pattern part.\n"
    "Input is read as by `proact eval` (normalized unless --input raw).\n"
    "Exit status: 0, 1 when an event or the policies could not be read, 2 on\n"
    "bad usage.\n";

int Explain(const std::vector<std::string>& args) {
  std::vector<std::string> rules;
  std::string policy, file = "-", input_mode = "auto";
  proact::Headers headers;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (IsHelp(a)) {
      std::cout << kExplainUsage;
      return 0;
    } else if ((a == "--rules" || a == "--policy" || a == "--input" || a == "--header") &&
               !has_value) {
      std::cerr << "proact explain: " << a << " needs a value\n";
      return 2;
    } else if (a == "--header") {
      if (!AddHeader("proact explain", args[++i], &headers)) return 2;
    } else if (a == "--rules") {
      rules.push_back(args[++i]);
    } else if (a == "--policy") {
      policy = args[++i];
    } else if (a == "--input") {
      input_mode = args[++i];
      if (input_mode != "auto" && input_mode != "raw") {
        std::cerr << "proact explain: --input must be auto or raw\n";
        return 2;
      }
    } else if (a != "-" && a.size() > 1 && a[0] == '-') {
      std::cerr << "proact explain: unknown option '" << a << "'\n" << kExplainUsage;
      return 2;
    } else {
      file = a;
    }
  }
  if (rules.empty()) {
    std::cerr << "proact explain: --rules PATH is required\n" << kExplainUsage;
    return 2;
  }
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(rules, &set)) return 1;
  proact::EngineOptions options;
  options.raw_events = input_mode == "raw";  // auto: the normalizer makes envelopes
  proact::Normalizer normalizer = NormalizerFromEnvironment();
  normalizer.AddSources(*set);  // the rules' own source definitions
  proact::Engine engine(std::move(*set), options);
  std::string name;
  proact::NormalizeResult r;  // reused: its capacity is kept from payload to payload
  bool failed = false;
  auto explain = [&](std::size_t line, const std::string& origin, const std::string& event) {
    std::string text;
    proact::Status st = engine.Explain(event, policy, &text);
    if (!st.ok()) {
      failed = true;
      std::cerr << name << ":" << line << ": error: " << st.message() << "\n";
      return;
    }
    std::cout << "event at " << name << ":" << line << (origin.empty() ? "" : " " + origin) << "\n"
              << text;
  };
  bool readable = StreamPayloads(file, &name, [&](const Payload& p) {
    if (input_mode == "raw") {
      explain(p.line, "", p.text);
      return;
    }
    normalizer.Normalize(p.text, headers, &r);
    for (const proact::NormalizedEvent& e : r.events) explain(p.line, e.origin, e.json);
    for (const proact::NormalizeError& e : r.errors) {
      failed = true;
      std::cerr << name << ":" << p.line << ": error: " << e.message << "\n";
    }
  });
  if (!readable) {
    std::cerr << "proact explain: " << file << ": cannot be read\n";
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace proact::cli
