// proact: the command-line tool. Thin: it uses the public API only, prints
// results and errors, and sets the exit status.
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/bench_command.h"
#include "cli/embedded_catalogues.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "proact/engine.h"
#include "proact/host.h"
#include "proact/normalizer.h"
#include "proact/policy_schema.h"
#include "proact/policy_test.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"
#include "proact/version.h"

namespace {

const char kUsage[] =
    "usage: proact <command> [options]\n"
    "\n"
    "commands:\n"
    "  validate PATH...     compile policy files and directories; print every\n"
    "                       diagnostic; exit 1 on any error\n"
    "  eval --rules PATH... evaluate JSON Lines events, print one decision per\n"
    "                       line\n"
    "  bench                measure throughput, latency, compile time and\n"
    "                       memory on policies and events\n"
    "  test PATH...         run the policies' test cases (docs/testing.md)\n"
    "  schema               print the JSON Schema of policy and test files\n"
    "  explain --rules PATH show why each policy matched an event or did not\n"
    "  normalize [FILE]     print the EventBridge envelopes built from raw\n"
    "                       payloads (any supported source or envelope)\n"
    "  serve --rules PATH   run the HTTP adapter (Cloud Run, Cloud Functions,\n"
    "                       Azure Functions custom handler)\n"
    "  report FILE...       per policy: executions, platform cost, human cost\n"
    "                       avoided and net savings, from host logs (+ html)\n"
    "  version              print the version\n"
    "\n"
    "Run 'proact <command> --help' for a command's options.\n";

const char kValidateUsage[] =
    "usage: proact validate [--budget] [--catalogues DIR] PATH...\n"
    "\n"
    "Compiles the policy files (and directories, searched recursively for\n"
    "*.yaml and *.yml) as one set. Prints warnings and errors as\n"
    "file:line:col diagnostics on stderr. Checks every field a pattern,\n"
    "except or template names against the field catalogues\n"
    "(docs/policy-language.md, \"Field checks\").\n"
    "  --catalogues DIR  read the field catalogues from DIR/*.json instead\n"
    "             of the ones built into proact\n"
    "  --budget   also print what each policy, and the whole set, uses of the\n"
    "             set budget (max_set_regex_mem, max_set_regexes,\n"
    "             max_set_value_tests, max_set_program_bytes), costliest first\n"
    "Exit status: 0 when everything compiles, 1 on any error, 2 on bad usage.\n";

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

void PrintDiagnostics(const std::vector<proact::Diagnostic>& diags) {
  for (const proact::Diagnostic& d : diags) {
    std::cerr << d.ToString() << "\n";
  }
}

// Turns on the field checks with the catalogues of `dir` (every *.json in
// it, by name), or the ones built into the CLI when `dir` is empty. Returns
// false after printing why when `dir` cannot be read.
bool UseCatalogues(const std::string& dir, const char* command, proact::CompileOptions* options) {
  options->check_fields = true;
  if (dir.empty()) {
    for (std::size_t i = 0; i < proact::cli::kEmbeddedCatalogueCount; ++i) {
      options->field_catalogues.emplace_back(proact::cli::kEmbeddedCatalogues[i]);
      options->field_catalogue_names.emplace_back(proact::cli::kEmbeddedCatalogueNames[i]);
    }
    return true;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec) {
    std::cerr << "proact " << command << ": --catalogues " << dir << ": " << ec.message() << "\n";
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << "proact " << command << ": " << f.string() << ": cannot be read\n";
      return false;
    }
    options->field_catalogues.push_back(text.str());
    options->field_catalogue_names.push_back(f.string());
  }
  return true;
}

// Loads and compiles; prints diagnostics. Returns false on failure.
bool LoadPolicies(const std::vector<std::string>& paths,
                  std::optional<proact::PolicySet>* out,
                  const proact::CompileOptions& options = {}) {
  proact::Result<proact::PolicySet> set = proact::PolicySet::Load(paths, options);
  if (!set.ok()) {
    const proact::Status& st = set.status();
    if (st.diagnostics().empty()) {
      std::cerr << "proact: " << st.message() << "\n";
    } else {
      PrintDiagnostics(st.diagnostics());
      std::cerr << "proact: " << st.message() << "\n";
    }
    return false;
  }
  PrintDiagnostics(set.value().warnings());
  out->emplace(std::move(set).value());
  return true;
}

bool IsHelp(const std::string& a) { return a == "--help" || a == "-h"; }

// `validate --budget`: one line per policy that uses anything, costliest
// first (by share of its most used limit), then the set's total against
// each limit.
void PrintBudget(const proact::PolicySet& set) {
  const proact::CompileOptions limits;
  auto share = [&](const proact::PolicyCost& c) {
    double s = 0;
    s = std::max(s, static_cast<double>(c.regex_mem) / static_cast<double>(limits.max_set_regex_mem));
    s = std::max(s, static_cast<double>(c.regexes) / static_cast<double>(limits.max_set_regexes));
    s = std::max(s, static_cast<double>(c.value_tests) / static_cast<double>(limits.max_set_value_tests));
    s = std::max(s, static_cast<double>(c.program_bytes) /
                        static_cast<double>(limits.max_set_program_bytes));
    return s;
  };
  std::vector<std::size_t> order(set.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return share(set.policy(a).cost) > share(set.policy(b).cost);
  });
  auto line = [](const proact::PolicyCost& c) {
    return "regexes " + std::to_string(c.regexes) + " (" + std::to_string(c.regex_mem) +
           " bytes), value tests " + std::to_string(c.value_tests) + ", program " +
           std::to_string(c.program_bytes) + " bytes";
  };
  std::cout << "budget by policy (costliest first):\n";
  for (std::size_t i : order) {
    const proact::PolicyInfo& p = set.policy(i);
    std::cout << "  " << p.location.file << ":" << p.location.line << ":" << p.location.column
              << ": " << p.id << ": " << line(p.cost) << "\n";
  }
  const proact::PolicyCost t = set.total_cost();
  auto pct = [](double used, double max) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", max > 0 ? 100.0 * used / max : 0.0);
    return std::string(buf);
  };
  std::cout << "budget of the set (default limits): regex memory " << t.regex_mem << " of "
            << limits.max_set_regex_mem << " bytes ("
            << pct(static_cast<double>(t.regex_mem), static_cast<double>(limits.max_set_regex_mem))
            << "), regexes " << t.regexes << " of " << limits.max_set_regexes << " ("
            << pct(static_cast<double>(t.regexes), static_cast<double>(limits.max_set_regexes))
            << "), value tests " << t.value_tests << " of " << limits.max_set_value_tests << " ("
            << pct(static_cast<double>(t.value_tests), static_cast<double>(limits.max_set_value_tests))
            << "), program " << t.program_bytes << " of " << limits.max_set_program_bytes
            << " bytes ("
            << pct(static_cast<double>(t.program_bytes),
                   static_cast<double>(limits.max_set_program_bytes))
            << ")\n";
}

int Validate(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  bool budget = false;
  std::string catalogues;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (IsHelp(a)) {
      std::cout << kValidateUsage;
      return 0;
    }
    if (a == "--budget") {
      budget = true;
      continue;
    }
    if (a == "--catalogues") {
      if (i + 1 >= args.size()) {
        std::cerr << "proact validate: --catalogues needs a directory\n" << kValidateUsage;
        return 2;
      }
      catalogues = args[++i];
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "proact validate: unknown option '" << a << "'\n"
                << kValidateUsage;
      return 2;
    }
    paths.push_back(a);
  }
  if (paths.empty()) {
    std::cerr << "proact validate: no policy paths given\n" << kValidateUsage;
    return 2;
  }
  proact::CompileOptions options;
  if (!UseCatalogues(catalogues, "validate", &options)) return 2;
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(paths, &set, options)) return 1;
  std::cout << "ok: " << set->size() << (set->size() == 1 ? " policy" : " policies")
            << " in " << set->files().size()
            << (set->files().size() == 1 ? " file" : " files");
  if (!set->warnings().empty()) {
    std::cout << ", " << set->warnings().size()
              << (set->warnings().size() == 1 ? " warning" : " warnings");
  }
  std::cout << "\n";
  if (budget) PrintBudget(*set);
  return 0;
}


// One payload of the input: a line of JSON Lines, or the whole input when it
// is a single JSON document (a pretty-printed file).
struct Payload {
  std::size_t line;
  std::string text;
};

// Calls `fn` for each payload as it is read: JSON Lines are handled line by
// line (so a live stream gets its decisions at once). When the first line
// is not JSON on its own but the whole input is one JSON document (a
// pretty-printed file), that document is the one payload.
bool StreamPayloads(const std::string& file, std::string* name,
                    const std::function<void(const Payload&)>& fn) {
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (file == "-") {
    *name = "<stdin>";
  } else {
    *name = file;
    in_file.open(file, std::ios::binary);
    if (!in_file) return false;
    in = &in_file;
  }
  std::string line;
  std::size_t line_no = 0;
  auto blank = [](const std::string& l) { return l.find_first_not_of(" \t\r") == std::string::npos; };
  // The first non-blank line decides the mode.
  std::vector<std::string> head;
  while (std::getline(*in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    head.push_back(line);
    if (!blank(line)) break;
  }
  if (head.empty() || blank(head.back())) return true;  // empty input
  std::size_t first_line = line_no;
  if (!nlohmann::json::accept(head.back())) {
    std::string text;
    for (const std::string& l : head) text += l + "\n";
    std::ostringstream rest;
    rest << in->rdbuf();
    text += rest.str();
    if (nlohmann::json::accept(text)) {
      fn(Payload{first_line, text});
      return true;
    }
    // Not one document either: each line is a payload (and errors alone).
    std::istringstream lines(text);
    line_no = first_line - 1;
    bool skip_head = true;
    std::size_t skipped = 0;
    while (std::getline(lines, line)) {
      if (skip_head && skipped < head.size() - 1) {  // blank lines before the first
        ++skipped;
        continue;
      }
      skip_head = false;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!blank(line)) fn(Payload{line_no, line});
    }
    return true;
  }
  fn(Payload{first_line, head.back()});
  while (std::getline(*in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!blank(line)) fn(Payload{line_no, line});
  }
  return !in->bad();
}

// Webhook secrets come from the environment, never from files or flags.
proact::Normalizer NormalizerFromEnvironment() {
  return proact::Normalizer(proact::WebhookSecretsFromEnvironment());
}

void PrintError(const std::string& name, std::size_t line, const std::string& origin,
                const std::string& error) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["line"] = line;
  if (!origin.empty()) out["origin"] = origin;
  out["error"] = error;
  std::cout << out.dump() << "\n";
  std::cerr << name << ":" << line << ": error: " << (origin.empty() ? "" : origin + ": ")
            << error << "\n";
}

void PrintChallenge(std::size_t line, const proact::Challenge& c) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["line"] = line;
  out["challenge"] = {{"status", c.status}, {"content_type", c.content_type}, {"body", c.body}};
  std::cout << out.dump() << "\n";
}

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

// `--header NAME:VALUE`: a request header given with a saved webhook body,
// as it arrived (X-GitHub-Event, X-Hub-Signature-256...). False, with a
// message, when the argument has no name before ':'.
bool AddHeader(const char* command, const std::string& arg, proact::Headers* headers) {
  std::size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) {
    std::cerr << command << ": --header takes NAME:VALUE, not '" << arg << "'\n";
    return false;
  }
  std::string value = arg.substr(colon + 1);
  std::size_t b = value.find_first_not_of(" \t");
  value = b == std::string::npos ? std::string() : value.substr(b);
  headers->emplace_back(arg.substr(0, colon), value);
  return true;
}

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

const char kTestUsage[] =
    "usage: proact test [-v] [--coverage] [--require-coverage]\n"
    "                   [--format junit FILE] [--catalogues DIR] PATH...\n"
    "\n"
    "Loads the policies under PATH (files or directories) and runs the test\n"
    "cases in their `tests:` sections (docs/testing.md). Prints one block per\n"
    "failing case: FILE:LINE, expected vs actual, and why the policy matched\n"
    "or not (as `proact explain`). The last line is `N passed, N failed`.\n"
    "\n"
    "options:\n"
    "  -v                   list every case, passing ones too\n"
    "  --coverage           list each policy with its number of cases, and\n"
    "                       the policies no case exercises\n"
    "  --require-coverage   a failure for each policy without a case, without\n"
    "                       a case in which it matches, and for each `except`\n"
    "                       entry without a case in which it suppresses a match\n"
    "  --format junit FILE  also write JUnit XML to FILE\n"
    "  --catalogues DIR     field catalogues to check the policies' fields\n"
    "                       against (default: the ones built into proact)\n"
    "Exit status: 0 when every case passed and everything compiled, 1\n"
    "otherwise, 2 on bad usage.\n";

int Test(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  bool verbose = false, coverage = false, require_coverage = false;
  std::string junit, catalogues;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (IsHelp(a)) {
      std::cout << kTestUsage;
      return 0;
    } else if (a == "--catalogues") {
      if (i + 1 >= args.size()) {
        std::cerr << "proact test: --catalogues needs a directory\n" << kTestUsage;
        return 2;
      }
      catalogues = args[++i];
    } else if (a == "-v" || a == "--verbose") {
      verbose = true;
    } else if (a == "--coverage") {
      coverage = true;
    } else if (a == "--require-coverage") {
      coverage = require_coverage = true;
    } else if (a == "--format") {
      if (i + 2 >= args.size() || args[i + 1] != "junit") {
        std::cerr << "proact test: --format takes 'junit FILE'\n";
        return 2;
      }
      junit = args[i + 2];
      i += 2;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "proact test: unknown option '" << a << "'\n" << kTestUsage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) {
    std::cerr << "proact test: no paths given\n" << kTestUsage;
    return 2;
  }
  proact::PolicyTestOptions test_options;
  if (!UseCatalogues(catalogues, "test", &test_options.compile)) return 2;
  proact::PolicyTestReport report = proact::RunPolicyTests(paths, test_options);
  for (const proact::Diagnostic& d : report.warnings) std::cerr << d.ToString() << "\n";
  for (const proact::Diagnostic& d : report.diagnostics) std::cerr << d.ToString() << "\n";
  for (const proact::PolicyTestCase& c : report.cases) {
    if (c.passed) {
      if (verbose) std::cout << c.location.ToString() << ": PASS: " << c.name << "\n";
      continue;
    }
    std::cout << c.location.ToString() << ": FAIL: " << (c.name.empty() ? "(unnamed)" : c.name) << "\n";
    std::istringstream lines(c.failure);
    std::string line;
    while (std::getline(lines, line)) std::cout << "    " << line << "\n";
  }
  std::size_t failed = report.failed + report.diagnostics.size();
  if (coverage) {
    std::vector<std::string> untested = report.UntestedPolicies();
    std::cout << "coverage: " << report.cases_per_policy.size() - untested.size() << " of "
              << report.cases_per_policy.size() << " policies have test cases\n";
    if (verbose) {
      for (const auto& [id, n] : report.cases_per_policy) {
        std::cout << "  " << id << ": " << n << (n == 1 ? " case" : " cases") << "\n";
      }
    }
    for (const std::string& id : untested) {
      std::cout << "  untested: " << id << "\n";
      if (require_coverage) ++failed;
    }
    std::size_t excepts_covered = 0;
    for (const auto& e : report.except_coverage) excepts_covered += e.cases > 0;
    std::cout << "coverage: " << excepts_covered << " of " << report.except_coverage.size()
              << " except entries suppress a match in some case\n";
    for (const std::string& gap : report.CoverageGaps()) {
      std::cout << "  " << gap << "\n";
      if (require_coverage) ++failed;
    }
  }
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary);
    out << report.ToJUnitXml();
    if (!out) {
      std::cerr << "proact test: " << junit << ": cannot be written\n";
      return 1;
    }
  }
  if (report.cases.empty() && report.diagnostics.empty()) {
    std::cerr << "proact test: no test cases found (a run that tests nothing fails)\n";
    ++failed;
  }
  std::cout << report.passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

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

const char kPermissionsUsage[] =
    "usage: proact permissions PATH...\n"
    "\n"
    "Compiles the policy files and prints, as JSON, what the action types their\n"
    "enabled policies use need: an IAM policy document for the remediation\n"
    "role (and one allowing sts:AssumeRole into the roles types assume), the\n"
    "GitHub App permissions, the Okta and Slack scopes, the GCP permissions,\n"
    "the Azure role actions, and which policies use each action type\n"
    "(docs/remediation.md).\n";

int Permissions(const std::vector<std::string>& args) {
  if (!args.empty() && IsHelp(args[0])) {
    std::cout << kPermissionsUsage;
    return 0;
  }
  if (args.empty()) {
    std::cerr << "proact permissions: no policy paths given\n" << kPermissionsUsage;
    return 2;
  }
  for (const std::string& a : args) {
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "proact permissions: unknown option '" << a << "'\n" << kPermissionsUsage;
      return 2;
    }
  }
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(args, &set)) return 1;
  std::cout << proact::RequiredPermissions(*set).dump(2) << "\n";
  return 0;
}

int Eval(const std::vector<std::string>& args, bool plan = false) {
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
  auto evaluate = [&](std::size_t line, const std::string& origin, const std::string& event) {
    proact::Status st = engine.Evaluate(event, scratch, &decision);
    if (!st.ok()) {
      failed = true;
      PrintError(name, line, origin, st.message());
      return;
    }
    if (!plan) {
      std::cout << decision.ToJson().dump() << "\n";
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
    } else {
      normalizer.Normalize(p.text, headers, &r);
      for (const proact::NormalizedEvent& e : r.events) evaluate(p.line, e.origin, e.json);
      if (r.challenge) PrintChallenge(p.line, *r.challenge);
      for (const proact::NormalizeError& e : r.errors) {
        failed = true;
        PrintError(name, p.line, e.origin, e.message);
      }
    }
    std::cout.flush();  // decisions go out as events come in
  });
  if (!readable) {
    std::cerr << kCommand << ": " << file << ": cannot be read\n";
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || IsHelp(args[0]) || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "validate") return Validate(args);
  if (command == "eval") return Eval(args);
  if (command == "plan") return Eval(args, /*plan=*/true);
  if (command == "permissions") return Permissions(args);
  if (command == "bench") return proact::cli::Bench(args);
  if (command == "serve") return proact::cli::Serve(args);
  if (command == "report") return proact::cli::Report(args);
  if (command == "normalize") return Normalize(args);
  if (command == "explain") return Explain(args);
  if (command == "test") return Test(args);
  if (command == "schema") {
    if (!args.empty() && IsHelp(args[0])) {
      std::cout << "usage: proact schema\n\nPrints the JSON Schema (draft 2020-12) of policy files and\n"
                   "their tests: sections, for editors (docs/testing.md).\n";
      return 0;
    }
    if (!args.empty()) {
      std::cerr << "proact schema: takes no arguments\n";
      return 2;
    }
    std::cout << proact::PolicyFileSchema().dump(2) << "\n";
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::cout << "proact " << proact::Version() << "\n";
    return 0;
  }
  std::cerr << "proact: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
