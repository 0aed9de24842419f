#include "proact/policy_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "compile/policy_compiler.h"
#include "load/diagnostic_sink.h"
#include "program/program.h"
#include "proact/version.h"

namespace proact {

namespace fs = std::filesystem;

const char* Version() { return "0.1.0"; }

PolicySet::PolicySet(std::shared_ptr<const internal::Program> program)
    : program_(std::move(program)) {}

PolicySet PolicySet::FromProgram(
    std::shared_ptr<const internal::Program> program) {
  return PolicySet(std::move(program));
}

std::size_t PolicySet::size() const { return program_->policies.size(); }

const PolicyInfo& PolicySet::policy(std::size_t i) const {
  return program_->policies[i].info;
}

const std::vector<Diagnostic>& PolicySet::warnings() const {
  return program_->warnings;
}

const std::vector<std::string>& PolicySet::files() const {
  return program_->files;
}

namespace {

bool IsPolicyFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

}  // namespace

namespace {

Result<PolicySet> Finish(bool ok, internal::DiagnosticSink& sink,
                         std::shared_ptr<internal::Program> program) {
  if (!ok) {
    std::size_t errors = sink.error_count();
    return Status(StatusCode::kInvalidPolicy,
                  std::to_string(errors) + (errors == 1 ? " error" : " errors") +
                      " in policy files",
                  std::move(sink.diagnostics()));
  }
  return PolicySet::FromProgram(std::move(program));
}

}  // namespace

Result<PolicySet> PolicySet::Load(const std::vector<std::string>& paths,
                                  const CompileOptions& options) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      return Status(StatusCode::kNotFound, path + ": no such file or directory");
    }
    if (fs::is_directory(st)) {
      fs::recursive_directory_iterator it(
          path, fs::directory_options::skip_permission_denied, ec);
      if (ec) return Status(StatusCode::kIoError, path + ": " + ec.message());
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) return Status(StatusCode::kIoError, path + ": " + ec.message());
        const fs::path& p = it->path();
        if (p.filename().string().starts_with(".")) {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && IsPolicyFile(p)) files.push_back(p.string());
      }
    } else {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::vector<PolicySource> sources;
  for (const std::string& file : files) {
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    if (!ec && size > options.max_file_bytes) {
      return Status(StatusCode::kLimitExceeded,
                    file + ": " + std::to_string(size) +
                        " bytes, over max_file_bytes (" +
                        std::to_string(options.max_file_bytes) + ")");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status(StatusCode::kIoError, file + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return Status(StatusCode::kIoError, file + ": read failed");
    sources.push_back(PolicySource{file, text.str()});
  }
  return FromSources(sources, options);
}

Result<PolicySet> PolicySet::FromSources(
    const std::vector<PolicySource>& sources, const CompileOptions& options) {
  auto program = std::make_shared<internal::Program>();
  internal::DiagnosticSink sink;
  bool ok = internal::CompilePolicies(sources, options, &sink, program.get());
  return Finish(ok, sink, std::move(program));
}

Result<PolicySet> PolicySet::FromPatterns(std::string_view json_array,
                                          std::string_view name,
                                          const CompileOptions& options) {
  auto program = std::make_shared<internal::Program>();
  internal::DiagnosticSink sink;
  bool ok = internal::CompilePatterns(
      PolicySource{std::string(name), std::string(json_array)}, options, &sink,
      program.get());
  return Finish(ok, sink, std::move(program));
}

Result<PolicySet> PolicySet::FromString(std::string_view yaml,
                                        std::string_view name,
                                        const CompileOptions& options) {
  return FromSources({PolicySource{std::string(name), std::string(yaml)}},
                     options);
}

}  // namespace proact
