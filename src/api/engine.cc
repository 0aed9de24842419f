#include "proact/engine.h"

#include <string>

#include "program/api_access.h"
#include "action/template.h"
#include "match/event_reader.h"
#include "normalize/fast_path.h"
#include "util/json_check.h"
#include "match/explainer.h"
#include "match/matched_elements.h"
#include "match/matcher.h"
#include "match/scratch.h"
#include "program/program.h"
#include "util/json_size.h"
#include "util/redaction.h"
#include "util/strings.h"

namespace proact {

Scratch::Scratch() : rep_(std::make_unique<internal::ScratchRep>()) {}
Scratch::~Scratch() = default;
Scratch::Scratch(Scratch&&) noexcept = default;
Scratch& Scratch::operator=(Scratch&&) noexcept = default;

EvaluationWork Scratch::last_work() const {
  return EvaluationWork{rep_->steps, rep_->scan_bytes, rep_->regex_cost};
}

void Decision::Clear() {
  id.reset();
  source.reset();
  detail_type.reset();
  matches.clear();
}

nlohmann::ordered_json Decision::ToJson() const {
  auto opt = [](const std::optional<std::string>& s) -> nlohmann::ordered_json {
    if (s) return *s;
    return nullptr;
  };
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["id"] = opt(id);
  out["source"] = opt(source);
  out["detail-type"] = opt(detail_type);
  nlohmann::ordered_json matched = nlohmann::ordered_json::array();
  for (const PolicyMatch& m : matches) {
    nlohmann::ordered_json jm = nlohmann::ordered_json::object();
    jm["policy"] = m.policy;
    jm["mode"] = m.mode;
    jm["severity"] = m.severity;
    nlohmann::ordered_json actions = nlohmann::ordered_json::array();
    for (const Action& a : m.actions) {
      nlohmann::ordered_json ja = nlohmann::ordered_json::object();
      ja["action"] = a.name;
      ja["params"] = nlohmann::ordered_json(a.params);
      if (a.dry_run) ja["dry_run"] = true;
      actions.push_back(std::move(ja));
    }
    jm["actions"] = std::move(actions);
    nlohmann::ordered_json errors = nlohmann::ordered_json::array();
    for (const ActionError& e : m.errors) {
      nlohmann::ordered_json je = nlohmann::ordered_json::object();
      je["action"] = e.action;
      je["index"] = e.index;
      je["message"] = e.message;
      errors.push_back(std::move(je));
    }
    jm["errors"] = std::move(errors);
    if (!m.note.empty()) jm["note"] = m.note;
    matched.push_back(std::move(jm));
  }
  out["matches"] = std::move(matched);
  return out;
}

void Decision::AppendJson(std::string* out) const {
  if (!matches.empty()) {
    out->append(ToJson().dump());
    return;
  }
  auto field = [&](std::string_view key, const std::optional<std::string>& value) {
    out->append(key);
    if (value) {
      internal::AppendJsonString(out, *value);
    } else {
      out->append("null");
    }
  };
  field("{\"id\":", id);
  field(",\"source\":", source);
  field(",\"detail-type\":", detail_type);
  out->append(",\"matches\":[]}");
}

void RedactSecrets(nlohmann::ordered_json* j) { internal::RedactJson(j); }

nlohmann::ordered_json Decision::ToLogJson() const {
  // Params, error messages (a template error may quote a value) and notes.
  nlohmann::ordered_json out = ToJson();
  internal::RedactJson(&out["matches"]);
  return out;
}

namespace {

nlohmann::json ToJson(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      nlohmann::json a = nlohmann::json::array();
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) return a;
      for (simdjson::dom::element x : arr) a.push_back(ToJson(x));
      return a;
    }
    case simdjson::dom::element_type::OBJECT: {
      nlohmann::json o = nlohmann::json::object();
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) return o;
      for (auto kv : obj) o[std::string(kv.key)] = ToJson(kv.value);
      return o;
    }
    case simdjson::dom::element_type::INT64:
      return e.get_int64().value_unsafe();
    case simdjson::dom::element_type::UINT64:
      return e.get_uint64().value_unsafe();
    case simdjson::dom::element_type::DOUBLE:
      return e.get_double().value_unsafe();
    case simdjson::dom::element_type::STRING:
      return std::string(e.get_string().value_unsafe());
    case simdjson::dom::element_type::BOOL:
      return e.get_bool().value_unsafe();
    case simdjson::dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

class DomFieldSource : public internal::FieldSource {
 public:
  explicit DomFieldSource(simdjson::dom::element root) : root_(root) {}
  bool Lookup(const std::vector<internal::PathStep>& path,
              nlohmann::json* out) const override {
    simdjson::dom::element found;
    if (!Find(path, &found)) return false;
    *out = ToJson(found);
    return true;
  }

  bool AppendString(const std::vector<internal::PathStep>& path, std::string* out) const override {
    simdjson::dom::element found;
    std::string_view str;
    if (!Find(path, &found) || found.get_string().get(str) != simdjson::SUCCESS) return false;
    out->append(str);
    return true;
  }

  // `[matched]` asks which elements the policy being rendered matched in.
  void SetMatch(const internal::Program* program, const internal::ScratchRep* scratch,
                std::uint32_t policy) {
    program_ = program;
    scratch_ = scratch;
    policy_ = policy;
  }

  bool MatchedElements(const std::vector<internal::PathStep>& prefix, const nlohmann::json& array,
                       std::vector<std::size_t>* out) const override {
    if (program_ == nullptr) return false;
    std::string field;
    for (const internal::PathStep& step : prefix) field += (field.empty() ? "" : ".") + step.key;
    internal::MatchedElements(*program_, *scratch_, policy_, field, array, out);
    return true;
  }

 private:
  // The element at `path` (keys and [n] steps).
  bool Find(const std::vector<internal::PathStep>& path, simdjson::dom::element* out) const {
    simdjson::dom::element cur = root_;
    for (std::size_t i = 0; i < path.size(); ++i) {
      const internal::PathStep& step = path[i];
      if (step.is_index) {
        simdjson::dom::array arr;
        if (cur.get_array().get(arr)) return false;
        if (arr.at(step.index).get(cur)) return false;
      } else {
        simdjson::dom::object obj;
        if (cur.get_object().get(obj)) return false;
        if (obj.at_key(step.key).get(cur) == simdjson::SUCCESS) continue;
        // As in patterns, {"a.b": x} answers the path a.b: join the
        // following key steps with '.' until a key matches.
        std::string joined = step.key;
        bool found = false;
        while (i + 1 < path.size() && !path[i + 1].is_index) {
          joined += '.';
          joined += path[++i].key;
          if (obj.at_key(joined).get(cur) == simdjson::SUCCESS) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
    }
    *out = cur;
    return true;
  }

  simdjson::dom::element root_;
  const internal::Program* program_ = nullptr;
  const internal::ScratchRep* scratch_ = nullptr;
  std::uint32_t policy_ = 0;
};

// Sets *out to the field's value, reusing the string's storage, or resets it.
void SetString(const internal::ScratchRep& s, std::uint32_t field,
               std::optional<std::string>* out) {
  const internal::EventValue* v = nullptr;
  if (s.field_stamp.size() > field && s.field_stamp[field] == s.event_stamp) {
    v = &s.values[s.field_head[field]];
  }
  // Only a single top-level string counts, not an array of them.
  if (v == nullptr || v->kind != internal::ValueKind::kString || v->in_array ||
      v->next >= 0) {
    out->reset();
  } else if (*out) {
    (*out)->assign(v->str);
  } else {
    out->emplace(v->str);
  }
}

}  // namespace

Engine::Engine(PolicySet policies, EngineOptions options)
    : policies_(std::move(policies)), options_(options) {}

static_assert(kEventPadding == simdjson::SIMDJSON_PADDING);

Status Engine::Evaluate(std::string_view event_json, Scratch& scratch,
                        Decision* decision) const {
  return Run(event_json, false, scratch, decision);
}

Status Engine::Explain(std::string_view event_json, std::string_view policy_id,
                       std::string* out) const {
  Scratch scratch;
  return internal::Explain(*internal::ProgramOf(policies_), options_, event_json, policy_id,
                           internal::ApiAccess::Rep(scratch), out);
}

Status Engine::TraceEvent(std::string_view event_json, Trace* trace) const {
  *trace = Trace();
  Scratch scratch;
  const internal::Program& program = *internal::ProgramOf(policies_);
  std::vector<std::uint32_t> matched;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> suppressed;
  Status st = internal::TraceMatches(program, options_, event_json, internal::ApiAccess::Rep(scratch), &matched,
                                     &suppressed);
  if (!st.ok()) return st;
  for (std::uint32_t i : matched) trace->matched.push_back(program.policies[i].info.id);
  for (const auto& [policy, entry] : suppressed) {
    const internal::CompiledPolicy& cp = program.policies[policy];
    Suppression sup;
    sup.policy = cp.info.id;
    sup.except_index = entry;
    if (entry < cp.info.except_locations.size()) sup.except_location = cp.info.except_locations[entry];
    trace->suppressed.push_back(std::move(sup));
  }
  return Status::Ok();
}

Status Engine::EvaluatePadded(std::string_view event_json, Scratch& scratch,
                              Decision* decision) const {
  return Run(event_json, true, scratch, decision);
}

bool Engine::ReadEnvelope(std::string_view text, bool padded, Scratch& scratch,
                          Decision* decision) const {
  if (!Run(text, padded, scratch, decision, true).ok()) return false;
  // Run requires an envelope unless raw_events; one is required here
  // either way (the normalizer would map anything else).
  return !options_.raw_events || internal::RequireEnvelope(*internal::ApiAccess::Rep(scratch)).ok();
}

bool Engine::EvaluateEnvelope(const Normalizer& normalizer, std::string_view payload,
                              const Headers& headers, Scratch& scratch,
                              NormalizeResult* normalized, Decision* decision) const {
  if (!normalizer.PassesEnvelopesOn(headers) || payload.size() > internal::kMaxFastPayloadBytes ||
      !internal::StartsLikeEnvelope(payload)) {
    return false;
  }
  std::string_view text = internal::TrimJsonSpace(payload);
  if (!ReadEnvelope(text, false, scratch, decision)) return false;
  // As the normalizer's fast path leaves its result for an envelope.
  normalized->events.resize(1);
  NormalizedEvent& e = normalized->events[0];
  e.json.assign(text);
  e.kind.assign("eventbridge");
  e.origin.clear();
  e.message_id.clear();
  normalized->errors.clear();
  normalized->challenge.reset();
  normalized->delivery.clear();
  normalized->answer = DeliveryAnswer::kNone;
  normalized->items.clear();
  normalized->source_attempts.clear();
  return true;
}

void Engine::NormalizeAndEvaluate(const Normalizer& normalizer, std::string_view payload,
                                  const Headers& headers, Scratch& scratch,
                                  NormalizeResult* normalized, std::vector<Decision>* decisions,
                                  std::vector<Status>* statuses) const {
  // Envelopes the normalizer's fast path meets are read here, checked, in
  // its padded buffer: evaluated as they are found.
  struct Reader : internal::EnvelopeReader {
    const Engine* engine;
    Scratch* scratch;
    std::vector<Decision>* decisions;
    std::vector<char>* read;
    // Sizes *decisions to `n`, keeping the storage of the ones no longer
    // needed for later payloads (a resize would free their strings).
    static void Size(std::vector<Decision>* decisions, std::size_t n) {
      thread_local std::vector<Decision> spare;
      while (decisions->size() > n) {
        spare.push_back(std::move(decisions->back()));
        decisions->pop_back();
      }
      while (decisions->size() < n) {
        if (spare.empty()) {
          decisions->emplace_back();
        } else {
          decisions->push_back(std::move(spare.back()));
          spare.pop_back();
        }
      }
    }
    bool Read(std::string_view text, std::size_t index) override {
      if (decisions->size() <= index) Size(decisions, index + 1);
      if (read->size() <= index) read->resize(index + 1, 0);
      if (!engine->ReadEnvelope(text, true, *scratch, &(*decisions)[index])) return false;
      (*read)[index] = 1;
      return true;
    }
  };
  thread_local std::vector<char> read;
  read.clear();
  Reader reader;
  reader.engine = this;
  reader.scratch = &scratch;
  reader.decisions = decisions;
  reader.read = &read;
  if (!normalizer.PassesEnvelopesOn(headers) ||
      !internal::FastNormalize(payload, normalized, &reader)) {
    read.clear();
    normalizer.Normalize(payload, headers, normalized);
  }
  std::size_t n = normalized->events.size();
  Reader::Size(decisions, n);
  statuses->resize(n);
  read.resize(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (read[i]) {
      (*statuses)[i] = Status::Ok();
    } else {
      (*statuses)[i] = Evaluate(normalized->events[i].json, scratch, &(*decisions)[i]);
    }
  }
}

Status Engine::Run(std::string_view event_json, bool padded, Scratch& scratch,
                   Decision* decision, bool checked) const {
  // id, source and detail-type keep their storage from the last event.
  decision->matches.clear();
  internal::ScratchRep* s = internal::ApiAccess::Rep(scratch);
  const internal::Program& p = *internal::ProgramOf(policies_);
  Status st = internal::ReadEvent(event_json, padded, p, options_, s, checked);
  if (!st.ok()) {
    decision->Clear();
    return st;
  }
  SetString(*s, internal::kFieldId, &decision->id);
  SetString(*s, internal::kFieldSource, &decision->source);
  SetString(*s, internal::kFieldDetailType, &decision->detail_type);
  // An envelope has both as single strings, just read for the decision.
  if (!options_.raw_events && (!decision->source || !decision->detail_type)) [[unlikely]] {
    decision->Clear();
    return internal::RequireEnvelope(*s);
  }
  internal::MatchEvent(p, s);
  if (s->over_budget != internal::ScratchRep::Over::kNone) {
    decision->Clear();
    return Status(StatusCode::kLimitExceeded, internal::OverBudgetMessage(*s));
  }
  if (s->matched_policies.empty()) return Status::Ok();
  bool need_dom = options_.render_actions || !options_.self_identities.empty();
  if (need_dom && !s->dom_valid) {
    if (auto e = s->dom_parser.parse(s->text, s->text_size, false)
                     .get(s->dom_root)) {
      return Status(StatusCode::kInvalidArgument,
                    internal::JsonErrorMessage(e));
    }
    s->dom_valid = true;
  }
  DomFieldSource fields(s->dom_root);
  std::size_t rendered = 0;
  // Loop protection: events the remediator itself caused do not enforce.
  std::string self_actor;
  if (need_dom && !options_.self_identities.empty()) {
    for (const std::string& field : options_.identity_fields) {
      std::vector<internal::PathStep> path;
      std::string perr;
      std::size_t poff = 0;
      nlohmann::json value;
      if (!internal::ParseFieldPath(field, &path, &perr, &poff) || !fields.Lookup(path, &value) ||
          !value.is_string()) {
        continue;
      }
      const std::string& actor = value.get_ref<const std::string&>();
      for (const std::string& self : options_.self_identities) {
        if (actor == self) self_actor = actor;
      }
      if (!self_actor.empty()) break;
    }
  }
  for (std::uint32_t index : s->matched_policies) {
    const internal::CompiledPolicy& cp = p.policies[index];
    fields.SetMatch(&p, s, index);
    PolicyMatch m;
    m.policy = cp.info.id;
    m.mode = cp.info.mode;
    m.severity = cp.info.severity;
    bool dry_run = options_.dry_run || cp.info.mode == "dry-run";
    if (!self_actor.empty() && !dry_run) {
      dry_run = true;
      m.note = "loop protection: the event was caused by the remediator's own identity " +
               self_actor + "; actions are not enforced";
    }
    std::size_t actions = options_.render_actions ? cp.actions.size() : 0;
    m.actions.reserve(actions);
    for (std::size_t a = 0; a < actions; ++a) {
      const internal::CompiledAction& ca = cp.actions[a];
      if (rendered >= options_.max_actions_per_decision) {
        m.errors.push_back(ActionError{
            ca.name, static_cast<int>(a),
            "not rendered: the event already has max_actions_per_decision (" +
                std::to_string(options_.max_actions_per_decision) + ") actions"});
        continue;
      }
      Action action;
      action.name = ca.name;
      action.dry_run = dry_run;
      std::string error;
      if (!internal::RenderParams(ca.params, fields, &action.params, &error)) {
        m.errors.push_back(ActionError{ca.name, static_cast<int>(a), error});
        continue;
      }
      // The size of the compact text, counted without writing it, and
      // only when a bound of it is over the limit.
      std::size_t size = internal::CompactJsonSizeBound(action.params);
      if (size > options_.max_action_params_bytes) {
        std::optional<std::size_t> counted = internal::CompactJsonSize(action.params);
        size = counted ? *counted : action.params.dump().size();
      }
      if (size > options_.max_action_params_bytes) {
        m.errors.push_back(ActionError{
            ca.name, static_cast<int>(a),
            "rendered params are " + std::to_string(size) + " bytes, over max_action_params_bytes (" +
                std::to_string(options_.max_action_params_bytes) + ")"});
        continue;
      }
      ++rendered;
      m.actions.push_back(std::move(action));
    }
    decision->matches.push_back(std::move(m));
  }
  return Status::Ok();
}

Status Engine::Evaluate(std::string_view event_json, Decision* decision) const {
  thread_local Scratch scratch;
  return Evaluate(event_json, scratch, decision);
}

Status Engine::EvaluateValue(const nlohmann::json& event,
                             Decision* decision) const {
  std::string text;
  try {
    text = event.dump();
  } catch (const nlohmann::json::exception& e) {
    return Status(StatusCode::kInvalidArgument,
                  std::string("event cannot be serialized: ") + e.what());
  }
  return Evaluate(text, decision);
}

}  // namespace proact
