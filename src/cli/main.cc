// proact: the command-line tool. Thin: it uses the public API only, prints
// results and errors, and sets the exit status.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/bench_command.h"
#include "proact/engine.h"
#include "proact/policy_set.h"
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
    "  version              print the version\n"
    "\n"
    "Run 'proact <command> --help' for a command's options.\n";

const char kValidateUsage[] =
    "usage: proact validate PATH...\n"
    "\n"
    "Compiles the policy files (and directories, searched recursively for\n"
    "*.yaml and *.yml) as one set. Prints warnings and errors as\n"
    "file:line:col diagnostics on stderr.\n"
    "Exit status: 0 when everything compiles, 1 on any error, 2 on bad usage.\n";

const char kEvalUsage[] =
    "usage: proact eval --rules PATH [--rules PATH]... [--input auto|raw]\n"
    "                   [--dry-run] [FILE|-]\n"
    "\n"
    "Reads events as JSON Lines (one per line, blank lines skipped) from FILE\n"
    "or standard input and writes one JSON decision per event, in order:\n"
    "  {\"id\":…,\"source\":…,\"detail-type\":…,\"matches\":[{\"policy\":…,\n"
    "   \"mode\":…,\"severity\":…,\"actions\":[…],\"errors\":[…]}]}\n"
    "A line that cannot be evaluated gives {\"line\":N,\"error\":\"…\"} and a\n"
    "FILE:N: error: diagnostic on stderr; the rest is still processed.\n"
    "\n"
    "options:\n"
    "  --rules PATH     policy file or directory (repeatable, required)\n"
    "  --input auto     events must be EventBridge-shaped (default)\n"
    "  --input raw      match every line as it is\n"
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

// Loads and compiles; prints diagnostics. Returns false on failure.
bool LoadPolicies(const std::vector<std::string>& paths,
                  std::optional<proact::PolicySet>* out) {
  proact::Result<proact::PolicySet> set = proact::PolicySet::Load(paths);
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

int Validate(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  for (const std::string& a : args) {
    if (IsHelp(a)) {
      std::cout << kValidateUsage;
      return 0;
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
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(paths, &set)) return 1;
  std::cout << "ok: " << set->size() << (set->size() == 1 ? " policy" : " policies")
            << " in " << set->files().size()
            << (set->files().size() == 1 ? " file" : " files");
  if (!set->warnings().empty()) {
    std::cout << ", " << set->warnings().size()
              << (set->warnings().size() == 1 ? " warning" : " warnings");
  }
  std::cout << "\n";
  return 0;
}

int Eval(const std::vector<std::string>& args) {
  std::vector<std::string> rules;
  std::string input_mode = "auto";
  std::string file = "-";
  bool have_file = false;
  proact::EngineOptions options;
  options.validate_json = true;  // a tool for people: report any damage
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << "proact eval: " << name << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    if (IsHelp(a)) {
      std::cout << kEvalUsage;
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
        std::cerr << "proact eval: --input must be auto or raw, not '"
                  << input_mode << "'\n";
        return 2;
      }
    } else if (a == "--dry-run") {
      options.dry_run = true;
    } else if (a == "--no-validate-json") {
      options.validate_json = false;
    } else if (a != "-" && a.size() > 1 && a[0] == '-') {
      std::cerr << "proact eval: unknown option '" << a << "'\n" << kEvalUsage;
      return 2;
    } else {
      if (have_file) {
        std::cerr << "proact eval: one input file at most\n";
        return 2;
      }
      file = a;
      have_file = true;
    }
  }
  if (rules.empty()) {
    std::cerr << "proact eval: --rules PATH is required\n" << kEvalUsage;
    return 2;
  }
  std::optional<proact::PolicySet> set;
  if (!LoadPolicies(rules, &set)) return 1;
  proact::Engine engine(std::move(*set), options);

  std::ifstream in_file;
  std::istream* in = &std::cin;
  std::string name = "<stdin>";
  if (file != "-") {
    in_file.open(file, std::ios::binary);
    if (!in_file) {
      std::cerr << "proact eval: " << file << ": cannot be read\n";
      return 1;
    }
    in = &in_file;
    name = file;
  }
  std::ios::sync_with_stdio(false);
  proact::Scratch scratch;
  proact::Decision decision;
  std::string line;
  std::size_t line_no = 0;
  bool failed = false;
  while (std::getline(*in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    proact::Status st = engine.Evaluate(line, scratch, &decision);
    std::string error;
    if (!st.ok()) {
      error = st.message();
    } else if (input_mode == "auto" &&
               (!decision.source || !decision.detail_type)) {
      error =
          "unrecognized payload: an EventBridge event needs string 'source' "
          "and 'detail-type' fields (use --input raw to match it as it is)";
    }
    if (!error.empty()) {
      failed = true;
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      out["line"] = line_no;
      out["error"] = error;
      std::cout << out.dump() << "\n";
      std::cerr << name << ":" << line_no << ": error: " << error << "\n";
      continue;
    }
    std::cout << decision.ToJson().dump() << "\n";
  }
  std::cout.flush();
  if (in->bad()) {
    std::cerr << "proact eval: " << name << ": read error\n";
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
  if (command == "bench") return proact::cli::Bench(args);
  if (command == "version" || command == "--version") {
    std::cout << "proact " << proact::Version() << "\n";
    return 0;
  }
  std::cerr << "proact: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
