// The shared argument and reporting helpers of the `proact` commands.
#include "cli/flags.h"

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

#include "cli/embedded_catalogues.h"

namespace proact::cli {

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
                  const proact::CompileOptions& options) {
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

bool IsHelp(const std::string& arg) { return arg == "--help" || arg == "-h"; }

const std::string* FlagValue(const char* command, const std::vector<std::string>& args,
                             std::size_t* i) {
  if (*i + 1 >= args.size()) {
    std::cerr << "proact " << command << ": " << args[*i] << " needs a value\n";
    return nullptr;
  }
  return &args[++*i];
}

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

}  // namespace proact::cli
