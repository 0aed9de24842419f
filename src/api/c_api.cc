// The C API (include/proact/proact.h): a thin layer over the C++ API that
// turns every failure, exception included, into a status and a message.
#include "proact/proact.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "proact/version.h"

struct proact_policy_set {
  proact::PolicySet set;
};

struct proact_engine {
  std::unique_ptr<proact::Engine> engine;
};

struct proact_engine_options {
  proact::EngineOptions options;
};

namespace {

char* Copy(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

proact_status Fail(proact_status code, const std::string& message, char** error) {
  if (error != nullptr) *error = Copy(message);
  return code;
}

proact_status Ok(char** error) {
  if (error != nullptr) *error = nullptr;
  return PROACT_OK;
}

proact_status FromStatus(const proact::Status& st) {
  switch (st.code()) {
    case proact::StatusCode::kOk: return PROACT_OK;
    case proact::StatusCode::kInvalidArgument: return PROACT_INVALID_ARGUMENT;
    case proact::StatusCode::kInvalidPolicy: return PROACT_INVALID_POLICY;
    case proact::StatusCode::kNotFound: return PROACT_NOT_FOUND;
    case proact::StatusCode::kIoError: return PROACT_IO_ERROR;
    case proact::StatusCode::kLimitExceeded: return PROACT_LIMIT_EXCEEDED;
    case proact::StatusCode::kInternal: return PROACT_INTERNAL;
  }
  return PROACT_INTERNAL;
}

std::string DiagnosticsJson(const std::vector<proact::Diagnostic>& diags) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const proact::Diagnostic& d : diags) {
    nlohmann::ordered_json j;
    j["file"] = d.location.file;
    j["line"] = d.location.line;
    j["column"] = d.location.column;
    j["severity"] = d.severity == proact::Severity::kError ? "error" : "warning";
    j["code"] = d.code;
    j["message"] = d.message;
    out.push_back(std::move(j));
  }
  return out.dump();
}

proact_status Finish(proact::Result<proact::PolicySet> result, proact_policy_set** out,
                     char** error, char** diagnostics_json) {
  if (!result.ok()) {
    const proact::Status& st = result.status();
    std::string text;
    for (const proact::Diagnostic& d : st.diagnostics()) text += d.ToString() + "\n";
    if (text.empty()) text = st.message();
    if (diagnostics_json != nullptr) *diagnostics_json = Copy(DiagnosticsJson(st.diagnostics()));
    return Fail(FromStatus(st), text, error);
  }
  if (diagnostics_json != nullptr) {
    *diagnostics_json = Copy(DiagnosticsJson(result.value().warnings()));
  }
  *out = new proact_policy_set{std::move(result).value()};
  return Ok(error);
}

template <typename Fn>
proact_status Guard(char** error, Fn fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Fail(PROACT_INTERNAL, std::string("internal error: ") + e.what(), error);
  } catch (...) {
    return Fail(PROACT_INTERNAL, "internal error", error);
  }
}

}  // namespace

extern "C" {

const char* proact_version(void) { return proact::Version(); }

proact_status proact_policy_set_load(const char* const* paths, size_t count,
                                     proact_policy_set** out, char** error,
                                     char** diagnostics_json) {
  if (diagnostics_json != nullptr) *diagnostics_json = nullptr;
  if (out == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "out is NULL", error);
  *out = nullptr;
  if (paths == nullptr && count > 0) return Fail(PROACT_INVALID_ARGUMENT, "paths is NULL", error);
  if (count == 0) return Fail(PROACT_INVALID_ARGUMENT, "no paths given", error);
  return Guard(error, [&] {
    std::vector<std::string> list;
    for (size_t i = 0; i < count; ++i) {
      if (paths[i] == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "a path is NULL", error);
      list.emplace_back(paths[i]);
    }
    return Finish(proact::PolicySet::Load(list), out, error, diagnostics_json);
  });
}

proact_status proact_policy_set_from_yaml(const char* yaml, size_t yaml_len, const char* name,
                                          proact_policy_set** out, char** error,
                                          char** diagnostics_json) {
  if (diagnostics_json != nullptr) *diagnostics_json = nullptr;
  if (out == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "out is NULL", error);
  *out = nullptr;
  if (yaml == nullptr && yaml_len > 0) return Fail(PROACT_INVALID_ARGUMENT, "yaml is NULL", error);
  return Guard(error, [&] {
    return Finish(proact::PolicySet::FromString(std::string_view(yaml ? yaml : "", yaml_len),
                                                name ? name : "<string>"),
                  out, error, diagnostics_json);
  });
}

size_t proact_policy_set_size(const proact_policy_set* set) {
  return set == nullptr ? 0 : set->set.size();
}

void proact_policy_set_free(proact_policy_set* set) { delete set; }

proact_status proact_engine_create(const proact_policy_set* set, proact_engine** out,
                                   char** error) {
  return proact_engine_create_with_options(set, nullptr, out, error);
}

proact_engine_options* proact_engine_options_create(void) {
  return new (std::nothrow) proact_engine_options();
}

void proact_engine_options_free(proact_engine_options* options) { delete options; }

void proact_engine_options_set_raw_events(proact_engine_options* options, int raw_events) {
  if (options != nullptr) options->options.raw_events = raw_events != 0;
}

proact_status proact_engine_create_with_options(const proact_policy_set* set,
                                                const proact_engine_options* options,
                                                proact_engine** out, char** error) {
  if (out == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "out is NULL", error);
  *out = nullptr;
  if (set == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "policy set is NULL", error);
  return Guard(error, [&] {
    proact::EngineOptions engine_options;
    if (options != nullptr) engine_options = options->options;
    *out = new proact_engine{std::make_unique<proact::Engine>(set->set, engine_options)};
    return Ok(error);
  });
}

void proact_engine_free(proact_engine* engine) { delete engine; }

proact_status proact_engine_evaluate(const proact_engine* engine, const char* event_json,
                                     size_t event_len, char** decision_json, char** error) {
  if (decision_json == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "decision_json is NULL", error);
  *decision_json = nullptr;
  if (engine == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "engine is NULL", error);
  if (event_json == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "event_json is NULL", error);
  return Guard(error, [&] {
    proact::Decision decision;
    proact::Status st = engine->engine->Evaluate(std::string_view(event_json, event_len), &decision);
    if (!st.ok()) return Fail(FromStatus(st), st.message(), error);
    *decision_json = Copy(decision.ToJson().dump());
    return Ok(error);
  });
}

proact_status proact_normalize(const char* payload, size_t payload_len, char** result_json,
                               char** error) {
  if (result_json == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "result_json is NULL", error);
  *result_json = nullptr;
  if (payload == nullptr) return Fail(PROACT_INVALID_ARGUMENT, "payload is NULL", error);
  return Guard(error, [&] {
    static const proact::Normalizer normalizer;
    proact::NormalizeResult r = normalizer.Normalize(std::string_view(payload, payload_len));
    if (r.events.empty() && !r.errors.empty()) {
      return Fail(PROACT_INVALID_ARGUMENT, r.errors[0].message, error);
    }
    nlohmann::ordered_json out;
    out["events"] = nlohmann::ordered_json::array();
    for (const proact::NormalizedEvent& e : r.events) {
      out["events"].push_back(nlohmann::ordered_json::parse(e.json));
    }
    out["errors"] = nlohmann::ordered_json::array();
    for (const proact::NormalizeError& e : r.errors) {
      out["errors"].push_back({{"origin", e.origin}, {"message", e.message}});
    }
    *result_json = Copy(out.dump());
    return Ok(error);
  });
}

void proact_string_free(char* s) { std::free(s); }

}  // extern "C"
