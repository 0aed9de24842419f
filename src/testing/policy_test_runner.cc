// Runs the `tests:` sections of policy files (docs/testing.md).
#include "proact/policy_test.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "program/api_access.h"
#include "api/policy_set_layers.h"
#include "load/diagnostic_sink.h"
#include "load/policy_files.h"
#include "load/yaml_document.h"
#include "match/nearest_field.h"
#include "normalize/source_runner.h"
#include "program/program.h"
#include "testing/test_format.h"
#include "proact/engine.h"
#include "proact/policy_set.h"
#include "util/strings.h"

namespace proact {

namespace fs = std::filesystem;
using internal::Node;

namespace {

std::vector<std::string_view> Names(const std::vector<internal::KeySpec>& specs) {
  std::vector<std::string_view> out;
  for (const internal::KeySpec& k : specs) out.push_back(k.name);
  return out;
}

const std::vector<std::string_view>& CaseKeys() {
  static const std::vector<std::string_view> keys = Names(internal::TestCaseKeys());
  return keys;
}

const std::vector<std::string_view>& ExpectKeys() {
  static const std::vector<std::string_view> keys = Names(internal::TestExpectKeys());
  return keys;
}

const std::vector<std::string_view>& ActionKeys() {
  static const std::vector<std::string_view> keys = Names(internal::TestActionKeys());
  return keys;
}

// `want` is contained in `got`: objects key by key, anything else equal.
bool Subset(const nlohmann::json& want, const nlohmann::json& got) {
  if (want.is_object()) {
    if (!got.is_object()) return false;
    for (auto it = want.begin(); it != want.end(); ++it) {
      auto g = got.find(it.key());
      if (g == got.end() || !Subset(*it, *g)) return false;
    }
    return true;
  }
  return want == got;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

struct Case {
  PolicyTestCase result;
  std::vector<std::string> policies;
};

class Runner {
 public:
  Runner(const PolicyTestOptions& options, PolicyTestReport* report)
      : normalizer_(options.secrets), secrets_(options.secrets), compile_(options.compile),
        report_(report) {}

  void Run(const std::vector<std::string>& paths) {
    Result<PolicySet> set = PolicySet::Load(paths, compile_);
    if (!set.ok()) {
      if (set.status().diagnostics().empty()) {
        Diagnostic d;
        d.code = "load";
        d.message = set.status().message();
        report_->diagnostics.push_back(std::move(d));
      }
      for (const Diagnostic& d : set.status().diagnostics()) {
        if (d.severity == Severity::kError) report_->diagnostics.push_back(d);
      }
      return;
    }
    for (std::size_t i = 0; i < set.value().size(); ++i) {
      const PolicyInfo& info = set.value().policy(i);
      ids_.insert(info.id);
      report_->cases_per_policy[info.id] = 0;
      report_->matching_cases_per_policy[info.id] = 0;
      for (std::size_t e = 0; e < info.except_locations.size(); ++e) {
        except_slot_[{info.id, e}] = report_->except_coverage.size();
        report_->except_coverage.push_back({info.id, e, info.except_locations[e], 0});
      }
    }
    report_->warnings = set.value().warnings();
    program_ = internal::ProgramOf(set.value());
    set_ = set.value();
    normalizer_.AddSources(set.value());
    for (const internal::SourceDefinition& d : program_->sources) source_names_.insert(d.name);
    for (const internal::SourceRef& r : internal::BuiltinSources()) source_names_.insert(r.def->name);
    const std::vector<std::uint32_t>& overriding = program_->override_files;
    // Normalized events are envelopes; a `raw: true` case asks for its
    // event to be matched as it is, envelope or not.
    engine_options_.raw_events = true;
    layers_[overriding.size()] = std::make_unique<Engine>(set.value(), engine_options_);
    std::vector<std::string> files;
    internal::CollectPolicyFiles(paths, &files).ok();
    for (std::size_t f = 0; f < files.size(); ++f) {
      // A file's cases see the overrides of the files up to it in load
      // order: a shipped file's cases keep testing the shipped policies.
      std::size_t seen = static_cast<std::size_t>(
          std::upper_bound(overriding.begin(), overriding.end(), f) - overriding.begin());
      std::unique_ptr<Engine>& layer = layers_[seen];
      if (!layer) {
        Result<PolicySet> part = internal::LoadPolicySet(paths, compile_, overriding[seen]);
        if (!part.ok()) {  // the whole set compiled, so this is not expected
          Diagnostic d;
          d.code = "load";
          d.message = files[f] + ": the set without later overrides does not compile: " +
                      part.status().message();
          report_->diagnostics.push_back(std::move(d));
          return;
        }
        layer = std::make_unique<Engine>(part.value(), engine_options_);
      }
      engine_ = layer.get();
      RunFile(files[f]);
    }
    for (const PolicyTestCase& c : report_->cases) (c.passed ? report_->passed : report_->failed)++;
    WarnAbsentFields();
  }

 private:
  void RunFile(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    internal::DiagnosticSink sink;
    int index = sink.AddFile(file, text.str());
    Node root;
    if (!internal::ParseYaml(text.str(), index, 64, &sink, &root)) return;  // compile reported it
    const Node* tests = root.Find("tests");
    if (tests == nullptr) return;
    if (tests->kind != Node::Kind::kSeq) {
      Fail(file, *tests, "", "'tests' must be a list of test cases");
      return;
    }
    for (const Node& c : tests->items) RunCase(file, c);
  }

  void Fail(const std::string& file, const Node& at, const std::string& name,
            const std::string& why, std::vector<std::string> policies = {}) {
    PolicyTestCase c;
    c.location = SourceLocation{file, at.mark.line, at.mark.column};
    c.name = name;
    c.passed = false;
    c.failure = why;
    c.policies = std::move(policies);
    report_->cases.push_back(std::move(c));
  }

  // The event texts of a case: fixture files relative to the test file, or
  // inline mappings.
  bool Events(const std::string& file, const Node& c, std::vector<std::string>* texts,
              std::string* error) {
    std::vector<const Node*> nodes;
    if (const Node* e = c.Find("event")) nodes.push_back(e);
    if (const Node* es = c.Find("events")) {
      if (es->kind != Node::Kind::kSeq) {
        *error = "'events' must be a list";
        return false;
      }
      for (const Node& e : es->items) nodes.push_back(&e);
    }
    if (nodes.empty()) {
      *error = "the case names no event ('event' or 'events')";
      return false;
    }
    for (const Node* e : nodes) {
      if (e->kind == Node::Kind::kString) {
        fs::path path = fs::path(file).parent_path() / e->text;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
          *error = "fixture " + path.string() + " does not exist or cannot be read";
          return false;
        }
        std::ostringstream text;
        text << in.rdbuf();
        texts->push_back(text.str());
      } else if (e->kind == Node::Kind::kMap || e->kind == Node::Kind::kSeq) {
        texts->push_back(internal::NodeToJson(*e).dump());
      } else {
        *error = std::string("an event is a fixture path or a mapping, not ") + e->KindName();
        return false;
      }
    }
    return true;
  }

  std::vector<std::string> Ids(const Node* list, std::string* error) {
    std::vector<std::string> out;
    if (list == nullptr) return out;
    if (list->kind != Node::Kind::kSeq) {
      *error = "expected a list of policy ids";
      return out;
    }
    for (const Node& n : list->items) {
      if (!n.IsScalar() || n.kind == Node::Kind::kNull) {
        *error = "expected policy ids";
        continue;
      }
      if (!ids_.count(n.text)) *error = "unknown policy '" + n.text + "'";
      out.push_back(n.text);
    }
    return out;
  }

  void RunCase(const std::string& file, const Node& c) {
    if (c.kind != Node::Kind::kMap) {
      Fail(file, c, "", "a test case must be a mapping");
      return;
    }
    std::string name = c.Find("name") && c.Find("name")->IsScalar() ? c.Find("name")->text : "";
    for (const auto& [k, v] : c.entries) {
      if (std::find(CaseKeys().begin(), CaseKeys().end(), k.text) == CaseKeys().end()) {
        Fail(file, k, name,
             "unknown key '" + k.text + "' in test case" + internal::DidYouMeanSuffix(k.text, CaseKeys()));
        return;
      }
    }
    if (name.empty()) {
      Fail(file, c, name, "a test case needs a 'name'");
      return;
    }
    std::string error;
    std::vector<std::string> policies;
    std::string policy;
    if (const Node* p = c.Find("policy")) {
      policy = p->text;
      if (!ids_.count(policy)) {
        Fail(file, *p, name, "unknown policy '" + policy + "'" + Suggest(policy));
        return;
      }
      policies.push_back(policy);
    }
    const Node* expect = c.Find("expect");
    if (expect == nullptr || expect->kind != Node::Kind::kMap || expect->entries.empty()) {
      Fail(file, expect ? *expect : c, name,
           "the case has no expectations: give expect.matches, includes, excludes, actions, "
           "envelope, rejected or challenge");
      return;
    }
    for (const auto& [k, v] : expect->entries) {
      if (std::find(ExpectKeys().begin(), ExpectKeys().end(), k.text) == ExpectKeys().end()) {
        Fail(file, k, name,
             "unknown key '" + k.text + "' in expect" + internal::DidYouMeanSuffix(k.text, ExpectKeys()));
        return;
      }
    }
    const Node* matches_node = expect->Find("matches");
    std::vector<std::string> matches = Ids(matches_node, &error);
    std::vector<std::string> includes = Ids(expect->Find("includes"), &error);
    std::vector<std::string> excludes = Ids(expect->Find("excludes"), &error);
    if (!error.empty()) {
      Fail(file, *expect, name, error);
      return;
    }
    for (const auto& list : {matches, includes, excludes}) {
      for (const std::string& id : list) {
        if (std::find(policies.begin(), policies.end(), id) == policies.end()) policies.push_back(id);
      }
    }
    std::vector<std::string> texts;
    if (!Events(file, c, &texts, &error)) {
      Fail(file, c, name, error, policies);
      return;
    }
    bool raw = c.Find("raw") && c.Find("raw")->kind == Node::Kind::kBool && c.Find("raw")->boolean;
    Headers headers;
    if (const Node* h = c.Find("headers")) {
      for (const auto& [k, v] : h->entries) headers.emplace_back(k.text, v.text);
    }
    // Source definitions under test: the definition, the request's query,
    // the host's secrets and clock.
    std::string source;
    if (const Node* sn = c.Find("source")) {
      source = sn->text;
      if (!source_names_.count(source)) {
        std::vector<std::string_view> names(source_names_.begin(), source_names_.end());
        Fail(file, *sn, name, "unknown source '" + source + "'" + internal::DidYouMeanSuffix(source, names));
        return;
      }
    }
    std::string query;
    if (const Node* q = c.Find("query")) {
      if (q->kind != Node::Kind::kMap) {
        Fail(file, *q, name, "'query' must be a mapping of query parameters");
        return;
      }
      for (const auto& [k, v] : q->entries) {
        query += (query.empty() ? "" : "&") + internal::PercentEncode(k.text) + "=" +
                 internal::PercentEncode(v.text);
      }
    }
    std::unique_ptr<Normalizer> own;
    const Normalizer* normalizer = &normalizer_;
    if (c.Find("secrets") != nullptr || c.Find("now") != nullptr) {
      WebhookSecrets secrets = secrets_;
      if (const Node* sec = c.Find("secrets")) {
        if (sec->kind != Node::Kind::kMap) {
          Fail(file, *sec, name, "'secrets' must map secret names to values");
          return;
        }
        for (const auto& [k, v] : sec->entries) secrets.named[k.text] = v.text;
      }
      if (const Node* now = c.Find("now")) {
        if (now->kind != Node::Kind::kNumber) {
          Fail(file, *now, name, "'now' must be a number of seconds since the epoch");
          return;
        }
        auto at = static_cast<std::int64_t>(now->number);
        secrets.now = [at] { return at; };
      }
      own = std::make_unique<Normalizer>(std::move(secrets));
      own->AddSources(*set_);
      normalizer = own.get();
    }
    const Node* want_envelope = expect->Find("envelope");
    const Node* want_rejected = expect->Find("rejected");
    const Node* want_challenge = expect->Find("challenge");
    bool expects_no_event = want_rejected != nullptr || want_challenge != nullptr;
    for (const std::string& id : policies) report_->cases_per_policy[id]++;
    case_matched_.clear();
    case_suppressed_.clear();
    std::string failures;
    for (std::size_t e = 0; e < texts.size(); ++e) {
      std::vector<std::string> events;
      std::string number = "event " + std::to_string(e + 1) + ": ";
      if (raw) {
        events.push_back(texts[e]);
      } else {
        NormalizeResult r;
        if (!headers.empty() || !query.empty()) {
          HttpRequest request;
          request.headers = headers;
          request.query = query;
          request.body = texts[e];
          normalizer->NormalizeRequest(request, &r);
        } else {
          normalizer->Normalize(texts[e], {}, &r);
        }
        if (want_rejected != nullptr) {
          bool found = false;
          std::string seen;
          for (const NormalizeError& err : r.errors) {
            seen += "\n      " + err.message;
            if (err.unauthenticated && err.message.find(want_rejected->text) != std::string::npos &&
                (source.empty() || err.message.find(source) != std::string::npos)) {
              found = true;
            }
          }
          if (!found) {
            failures += number + "expected the request to be rejected with \"" + want_rejected->text +
                        "\"; got " + std::to_string(r.events.size()) + " event(s) and errors:" +
                        (seen.empty() ? " none" : seen) + "\n";
          }
        }
        if (want_challenge != nullptr) {
          if (!r.challenge) {
            failures += number + "expected a handshake answer, got none (" +
                        std::to_string(r.events.size()) + " event(s), " +
                        std::to_string(r.errors.size()) + " error(s)" +
                        (r.errors.empty() ? "" : ": " + r.errors[0].message) + ")\n";
          } else {
            nlohmann::json got = {{"status", r.challenge->status},
                                  {"content_type", r.challenge->content_type},
                                  {"body", r.challenge->body}};
            if (!Subset(internal::NodeToJson(*want_challenge), got)) {
              failures += number + "handshake answer: expected " +
                          internal::NodeToJson(*want_challenge).dump() + ", got " + got.dump() + "\n";
            }
          }
        }
        if (!expects_no_event) {
          for (const NormalizeError& err : r.errors) {
            failures += "event " + std::to_string(e + 1) + " failed to normalize: " +
                        (err.origin.empty() ? "" : err.origin + ": ") + err.message + "\n";
          }
          if (r.events.empty() && r.errors.empty()) {
            failures += "event " + std::to_string(e + 1) + " normalized to no event\n";
          }
        } else if (!r.events.empty()) {
          failures += number + "expected no event, got " + std::to_string(r.events.size()) + "\n";
        }
        for (NormalizedEvent& n : r.events) {
          std::string by = n.kind.substr(n.kind.rfind('/') + 1);
          if (!source.empty() && by != source) {
            failures += number + "expected source definition '" + source + "' to recognize it; " +
                        (n.kind.empty() ? std::string("nothing did") : "it was read as " + n.kind) + "\n";
          }
          if (want_envelope != nullptr) {
            nlohmann::json got = nlohmann::json::parse(n.json, nullptr, false);
            nlohmann::json want = internal::NodeToJson(*want_envelope);
            if (!Subset(want, got)) {
              nlohmann::json shown = nlohmann::json::object();
              if (got.is_object()) {
                for (auto it = want.begin(); it != want.end() && want.is_object(); ++it) {
                  shown[it.key()] = got.contains(it.key()) ? got[it.key()] : nlohmann::json("<missing>");
                }
              }
              failures += number + "envelope: expected " + want.dump() + ", got " + shown.dump() + "\n";
            }
          }
          events.push_back(std::move(n.json));
        }
      }
      bool policy_expectations = matches_node != nullptr || !includes.empty() || !excludes.empty() ||
                                 expect->Find("actions") != nullptr;
      for (const std::string& event : events) {
        NoteFieldPaths(event, policies);
        if (policy_expectations) {
          failures += Check(event, policy, matches_node != nullptr, matches, includes, excludes,
                            expect->Find("actions"), texts.size() > 1 ? e + 1 : 0);
        }
      }
    }
    for (const std::string& id : case_matched_) report_->matching_cases_per_policy[id]++;
    for (std::size_t slot : case_suppressed_) report_->except_coverage[slot].cases++;
    PolicyTestCase result;
    result.location = SourceLocation{file, c.mark.line, c.mark.column};
    result.name = name;
    result.passed = failures.empty();
    result.failure = failures;
    result.policies = policies;
    report_->cases.push_back(std::move(result));
  }

  // Records the field paths of a test event for each policy the case
  // exercises.
  void NoteFieldPaths(const std::string& event, const std::vector<std::string>& policies) {
    if (policies.empty()) return;
    nlohmann::json json = nlohmann::json::parse(event, nullptr, false);
    if (json.is_discarded()) return;
    std::set<std::string> paths;
    internal::CollectFieldPaths(json, &paths);
    for (const std::string& id : policies) event_fields_[id].insert(paths.begin(), paths.end());
  }

  // A pattern or except field that no test event of its policy has: likely
  // a typo or the wrong level, and never exercised. `exists: false` fields
  // are meant to be missing.
  void WarnAbsentFields() {
    if (!program_) return;
    const internal::Program& p = *program_;
    std::set<std::tuple<std::string, int, int, std::string, std::string>> seen;
    std::vector<Diagnostic> found;
    for (const internal::Rule& rule : p.rules) {
      if (rule.policy >= p.policies.size()) continue;
      const std::string& id = p.policies[rule.policy].info.id;
      auto fields = event_fields_.find(id);
      if (fields == event_fields_.end()) continue;  // no test event: coverage says so
      for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
        const internal::FieldTest& ft = p.field_tests[rule.field_tests_begin + f];
        if (ft.exists_false) continue;
        const std::string& path = p.trie.field_paths[ft.field];
        if (fields->second.count(path)) continue;
        std::string file = ft.file < p.files.size() ? p.files[ft.file] : std::string();
        if (!seen.insert({file, static_cast<int>(ft.line), ft.column, id, path}).second) continue;
        Diagnostic d;
        d.severity = Severity::kWarning;
        d.code = "absent-field";
        d.location = SourceLocation{file, static_cast<int>(ft.line), ft.column};
        d.message = "no test event of policy " + id + " has " + path;
        std::string near = internal::NearestField(fields->second, path);
        if (!near.empty()) d.message += "; they have " + near;
        found.push_back(std::move(d));
      }
    }
    std::stable_sort(found.begin(), found.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.location.file, a.location.line, a.location.column) <
             std::tie(b.location.file, b.location.line, b.location.column);
    });
    for (Diagnostic& d : found) report_->warnings.push_back(std::move(d));
  }

  // The event field closest to `path`: a likely typo by edit distance, else
  // one that differs only in case, else one with the same last key at
  // another depth; "" when none is close.
  std::string Suggest(const std::string& id) {
    std::vector<std::string_view> all(ids_.begin(), ids_.end());
    return internal::DidYouMeanSuffix(id, all);
  }

  // "" when the event meets the expectations; otherwise what differs, with
  // the explanation of the policies concerned.
  std::string Check(const std::string& event, const std::string& policy, bool exact,
                    const std::vector<std::string>& matches, const std::vector<std::string>& includes,
                    const std::vector<std::string>& excludes, const Node* actions, std::size_t number) {
    Decision d;
    Status st = engine_->Evaluate(event, &d);
    std::string prefix = number ? "event " + std::to_string(number) + ": " : "";
    if (!st.ok()) return prefix + "the event cannot be evaluated: " + st.message() + "\n";
    // Coverage: what matched, and which except entries suppressed a match.
    Engine::Trace trace;
    if (engine_->TraceEvent(event, &trace).ok()) {
      case_matched_.insert(trace.matched.begin(), trace.matched.end());
      for (const Engine::Suppression& sup : trace.suppressed) {
        auto it = except_slot_.find({sup.policy, sup.except_index});
        if (it != except_slot_.end()) case_suppressed_.insert(it->second);
      }
    }
    std::vector<std::string> got;
    for (const PolicyMatch& m : d.matches) got.push_back(m.policy);
    std::string out;
    std::vector<std::string> sorted_got = got, sorted_want = matches;
    std::sort(sorted_got.begin(), sorted_got.end());
    std::sort(sorted_want.begin(), sorted_want.end());
    std::set<std::string> blame;
    if (exact && sorted_got != sorted_want) {
      out += prefix + "matches: expected " + Join(sorted_want) + ", got " + Join(sorted_got) + "\n";
      for (const auto& id : sorted_want) if (!std::count(got.begin(), got.end(), id)) blame.insert(id);
      for (const auto& id : sorted_got) if (!std::count(matches.begin(), matches.end(), id)) blame.insert(id);
    }
    for (const std::string& id : includes) {
      if (!std::count(got.begin(), got.end(), id)) {
        out += prefix + "expected '" + id + "' to match, it did not (matched: " + Join(got) + ")\n";
        blame.insert(id);
      }
    }
    for (const std::string& id : excludes) {
      if (std::count(got.begin(), got.end(), id)) {
        out += prefix + "expected '" + id + "' not to match, it did\n";
        blame.insert(id);
      }
    }
    if (actions != nullptr) out += CheckActions(d, policy, *actions, prefix, &blame);
    if (!out.empty()) {
      for (const std::string& id : blame) {
        std::string text;
        if (engine_->Explain(event, id, &text).ok()) out += text;
      }
    }
    return out;
  }

  std::string CheckActions(const Decision& d, const std::string& policy, const Node& actions,
                           const std::string& prefix, std::set<std::string>* blame) {
    if (actions.kind != Node::Kind::kSeq) return prefix + "expect.actions must be a list\n";
    std::string out;
    for (const Node& a : actions.items) {
      for (const auto& [k, v] : a.entries) {
        if (std::find(ActionKeys().begin(), ActionKeys().end(), k.text) == ActionKeys().end()) {
          return prefix + "unknown key '" + k.text + "' in an expected action" +
                 internal::DidYouMeanSuffix(k.text, ActionKeys()) + "\n";
        }
      }
      std::string from = a.Find("policy") ? a.Find("policy")->text : policy;
      std::string name = a.Find("action") ? a.Find("action")->text : "";
      nlohmann::json params = a.Find("params") ? internal::NodeToJson(*a.Find("params")) : nlohmann::json();
      bool exact = a.Find("params_exact") != nullptr;
      if (exact) params = internal::NodeToJson(*a.Find("params_exact"));
      bool found = false;
      std::string seen;
      for (const PolicyMatch& m : d.matches) {
        if (!from.empty() && m.policy != from) continue;
        for (const Action& act : m.actions) {
          if (act.name != name) continue;
          seen += "\n      " + m.policy + ": " + act.name + " " + act.params.dump();
          if (params.is_null() || (exact ? act.params == params : Subset(params, act.params))) found = true;
        }
        for (const ActionError& err : m.errors) {
          if (err.action == name) seen += "\n      " + m.policy + ": " + name + " error: " + err.message;
        }
      }
      if (!found) {
        out += prefix + "expected action " + name + (params.is_null() ? "" : " with params " + params.dump()) +
               (from.empty() ? "" : " from " + from) + "; got:" + (seen.empty() ? " none" : seen) + "\n";
        if (!from.empty()) blame->insert(from);
      }
    }
    return out;
  }

  Normalizer normalizer_;
  WebhookSecrets secrets_;
  std::optional<PolicySet> set_;
  std::set<std::string> source_names_;
  CompileOptions compile_;
  PolicyTestReport* report_;
  std::set<std::string> ids_;
  // Coverage of the case being run, and where each except entry is counted.
  std::set<std::string> case_matched_;
  std::set<std::size_t> case_suppressed_;
  std::map<std::pair<std::string, std::size_t>, std::size_t> except_slot_;
  // Engines by the number of overriding files they include (see Run), and
  // the one the current file's cases use.
  std::map<std::size_t, std::unique_ptr<Engine>> layers_;
  Engine* engine_ = nullptr;
  EngineOptions engine_options_;
  std::shared_ptr<const internal::Program> program_;
  // Field paths of the test events of each policy (cases naming it).
  std::map<std::string, std::set<std::string>> event_fields_;
};


}  // namespace

namespace internal {

const std::vector<KeySpec>& TestCaseKeys() {
  static const std::vector<KeySpec> keys = {
      {"name", "string", true, "what the case checks; unique in its file"},
      {"policy", "string", false, "the policy under test (counts for coverage)"},
      {"event", "event", false, "a fixture path relative to the test file, or an inline event"},
      {"events", "list", false, "several events with the same expectations (table-driven)"},
      {"raw", "boolean", false, "true: use the event as it is, without normalizing it"},
      {"headers", "mapping", false, "HTTP headers the event (a webhook body) arrived with"},
      {"query", "mapping", false, "the HTTP request's query parameters (the event is its body)"},
      {"source", "string", false,
       "the source definition under test: it must be the one that recognizes the event"},
      {"secrets", "mapping", false,
       "secrets by name, as a host supplies them (authenticates the request)"},
      {"now", "number", false,
       "the clock, in seconds since the epoch, for signed timestamps"},
      {"expect", "mapping", true, "what must hold for every event"},
  };
  return keys;
}

const std::vector<KeySpec>& TestExpectKeys() {
  static const std::vector<KeySpec> keys = {
      {"matches", "list", false, "exactly these policies match (ids; [] for none)"},
      {"includes", "list", false, "at least these policies match"},
      {"excludes", "list", false, "these policies do not match"},
      {"actions", "list", false, "actions that must be emitted"},
      {"envelope", "mapping", false,
       "envelope fields the normalized event must have (these keys with these values)"},
      {"rejected", "string", false,
       "the request is rejected by authentication with a message containing this"},
      {"challenge", "mapping", false,
       "the request is a handshake answered with these {status, content_type, body}"},
  };
  return keys;
}

const std::vector<KeySpec>& TestActionKeys() {
  static const std::vector<KeySpec> keys = {
      {"action", "string", true, "the action name"},
      {"policy", "string", false, "the policy that emits it (default: the case's policy)"},
      {"params", "mapping", false, "params that must be present with these values (subset)"},
      {"params_exact", "mapping", false, "the params, exactly"},
  };
  return keys;
}

}  // namespace internal

std::vector<std::string> PolicyTestReport::CoverageGaps() const {
  std::vector<std::string> out;
  for (const auto& [id, n] : matching_cases_per_policy) {
    auto tested = cases_per_policy.find(id);
    if (n == 0 && tested != cases_per_policy.end() && tested->second > 0) {
      out.push_back("policy " + id + ": no case in which it matches");
    }
  }
  for (const ExceptCoverage& e : except_coverage) {
    if (e.cases == 0) {
      out.push_back("policy " + e.policy + ": except " + std::to_string(e.index + 1) + " (" +
                    e.location.ToString() + "): no case in which it suppresses a match");
    }
  }
  return out;
}

std::vector<std::string> PolicyTestReport::UntestedPolicies() const {
  std::vector<std::string> out;
  for (const auto& [id, n] : cases_per_policy) {
    if (n == 0) out.push_back(id);
  }
  return out;
}

std::string PolicyTestReport::ToJUnitXml() const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites tests=\"" + std::to_string(cases.size() + diagnostics.size()) +
         "\" failures=\"" + std::to_string(failed + diagnostics.size()) + "\">\n";
  out += "  <testsuite name=\"proact policy tests\" tests=\"" +
         std::to_string(cases.size() + diagnostics.size()) + "\" failures=\"" +
         std::to_string(failed + diagnostics.size()) + "\">\n";
  for (const Diagnostic& d : diagnostics) {
    out += "    <testcase classname=\"" + internal::XmlEscape(d.location.file) + "\" name=\"policies compile\">\n";
    out += "      <failure message=\"" + internal::XmlEscape(d.message) + "\">" + internal::XmlEscape(d.ToString()) +
           "</failure>\n    </testcase>\n";
  }
  for (const PolicyTestCase& c : cases) {
    out += "    <testcase classname=\"" + internal::XmlEscape(c.location.file) + "\" name=\"" +
           internal::XmlEscape(c.name) + "\" file=\"" + internal::XmlEscape(c.location.file) + "\" line=\"" +
           std::to_string(c.location.line) + "\"";
    if (c.passed) {
      out += "/>\n";
    } else {
      std::string first = c.failure.substr(0, c.failure.find('\n'));
      out += ">\n      <failure message=\"" + internal::XmlEscape(first) + "\">" + internal::XmlEscape(c.failure) +
             "</failure>\n    </testcase>\n";
    }
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

PolicyTestReport RunPolicyTests(const std::vector<std::string>& paths,
                                const PolicyTestOptions& options) {
  PolicyTestReport report;
  try {
    Runner runner(options, &report);
    runner.Run(paths);
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "internal";
    d.message = std::string("internal error while running tests: ") + e.what();
    report.diagnostics.push_back(std::move(d));
  }
  return report;
}

}  // namespace proact
