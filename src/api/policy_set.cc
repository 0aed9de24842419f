#include "proact/policy_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "program/api_access.h"
#include "api/policy_set_layers.h"
#include "compile/policy_compiler.h"
#include "lint/field_catalogue.h"
#include "lint/field_checker.h"
#include "load/diagnostic_sink.h"
#include "load/policy_files.h"
#include "program/program.h"
#include "proact/version.h"

namespace proact {

namespace fs = std::filesystem;

const char* Version() { return "0.1.0"; }

PolicySet::PolicySet(std::shared_ptr<const internal::Program> program)
    : program_(std::move(program)) {}

std::size_t PolicySet::size() const { return program_->policies.size(); }

const PolicyInfo& PolicySet::policy(std::size_t i) const {
  return program_->policies[i].info;
}

const std::vector<Diagnostic>& PolicySet::warnings() const {
  return program_->warnings;
}

PolicyCost PolicySet::total_cost() const { return program_->total_cost; }

const std::vector<std::string>& PolicySet::files() const {
  return program_->files;
}

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
  return internal::ApiAccess::FromProgram(std::move(program));
}

}  // namespace

Result<PolicySet> PolicySet::Load(const std::vector<std::string>& paths,
                                  const CompileOptions& options) {
  return internal::LoadPolicySet(paths, options, static_cast<std::size_t>(-1));
}

Result<PolicySet> PolicySet::FromSources(
    const std::vector<PolicySource>& sources, const CompileOptions& options) {
  return internal::CompilePolicySet(sources, options, static_cast<std::size_t>(-1));
}

namespace internal {

Result<PolicySet> LoadPolicySet(const std::vector<std::string>& paths,
                                const CompileOptions& options, std::size_t override_files) {
  std::vector<std::string> files;
  Status found = internal::CollectPolicyFiles(paths, &files);
  if (!found.ok()) return found;
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
  return CompilePolicySet(sources, options, override_files);
}

Result<PolicySet> CompilePolicySet(const std::vector<PolicySource>& sources,
                                   const CompileOptions& options, std::size_t override_files) {
  auto program = std::make_shared<internal::Program>();
  internal::DiagnosticSink sink;
  if (!options.check_fields) {
    bool ok = internal::CompilePolicies(sources, options, &sink, program.get(), {}, override_files);
    return Finish(ok, sink, std::move(program));
  }
  // The field checks: an optional pass over each compiled policy.
  internal::FieldCatalogue catalogue;
  Status parsed = internal::FieldCatalogue::Parse(options.field_catalogues,
                                                  options.field_catalogue_names, &catalogue);
  if (!parsed.ok()) return parsed;
  internal::FieldChecker checker(&catalogue);
  internal::PolicyCheck check = [&checker](const internal::PolicyFacts& facts,
                                           internal::DiagnosticSink* s) { checker.Check(facts, s); };
  bool ok = internal::CompilePolicies(sources, options, &sink, program.get(), check, override_files);
  return Finish(ok, sink, std::move(program));
}

}  // namespace internal

Result<PolicySet> PolicySet::FromPatterns(std::string_view json_array,
                                          std::string_view name,
                                          const CompileOptions& options) {
  auto program = std::make_shared<internal::Program>();
  internal::DiagnosticSink sink;
  bool ok = internal::CompilePatterns(std::string(name), json_array, options, &sink,
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
