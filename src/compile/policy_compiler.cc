#include "compile/policy_compiler.h"
#include "compile/param_tree_builder.h"
#include "compile/source_compiler.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "action/template.h"
#include "compile/action_type_compiler.h"
#include "compile/anchor_planner.h"
#include "compile/pattern_compiler.h"
#include "compile/set_budget.h"
#include "load/json_document.h"
#include "util/utf8.h"
#include "load/yaml_document.h"
#include "match/event_reader.h"
#include "match/matcher.h"
#include "match/scratch.h"

namespace proact::internal {

void CheckMapKeys(const Node& map, const std::vector<KeySpec>& keys, const std::string& what,
                  DiagnosticSink* sink) {
  for (const auto& entry : map.entries) {
    const Node& k = entry.first;
    bool known = std::any_of(keys.begin(), keys.end(),
                             [&](const KeySpec& spec) { return spec.name == k.text; });
    if (!known) {
      std::vector<std::string_view> names;
      for (const KeySpec& spec : keys) names.push_back(spec.name);
      sink->Error(k.file, k.mark.line, k.mark.column, "unknown-key",
                  "unknown key '" + k.text + "' in " + what + DidYouMeanSuffix(k.text, names));
    }
  }
  for (const KeySpec& spec : keys) {
    if (spec.required && map.Find(spec.name) == nullptr) {
      sink->Error(map.file, map.mark.line, map.mark.column, "missing-key",
                  what + " is missing required key '" + std::string(spec.name) + "'");
    }
  }
}

const std::vector<KeySpec>& FileKeys() {
  static const std::vector<KeySpec> keys = {
      {"policies", "list", false, "the policies in this file"},
      {"lists", "mapping", false,
       "named lists of scalars, usable from any policy in the loaded set"},
      {"tests", "list", false,
       "test cases run by `proact test` (docs/testing.md); ignored when loading"},
      {"action_effects", "mapping", false,
       "per action name, the event running it causes (for the self-triggering check)"},
      {"sources", "list", false,
       "source definitions: how payloads of a webhook or other source are recognized, "
       "authenticated and mapped onto the envelope (docs/sources.md#sources-as-data)"},
      {"action_types", "mapping", false,
       "remediations declared as data: per action name, its params, credentials, endpoint, "
       "permissions and HTTP requests (docs/remediation.md)"},
  };
  return keys;
}

const std::vector<KeySpec>& PolicyKeys() {
  static const std::vector<KeySpec> keys = {
      {"id", "string", true, "unique identifier across everything loaded"},
      {"description", "string", false, "what the policy enforces"},
      {"severity", "string", false, "info, low, medium (default), high or critical"},
      {"tags", "list", false, "free-form labels (strings)"},
      {"enabled", "boolean", false, "false: compiled and checked, never matched"},
      {"mode", "string", false,
       "enforce (default), or dry-run: actions are rendered but marked not to "
       "be executed"},
      {"savings", "mapping", false,
       "estimated manual effort per remediation: minutes and/or usd"},
      {"metadata", "any", false, "free-form, passed through"},
      {"rate_limit", "mapping", false,
       "circuit breaker: at most `max` remediations per `per_seconds`; beyond, "
       "actions become dry-run and an alert action is added"},
      {"match", "mapping", true, "an AWS EventBridge event pattern"},
      {"except", "list", false,
       "event patterns; an event matching any of them is suppressed"},
      {"actions", "list", false,
       "remediation actions: {action: NAME, params: {...}}"},
      {"known_fields", "list", false,
       "field paths (e.g. detail.custom.flag) the field checks of `proact "
       "validate` and `proact test` take as existing, with any type, for "
       "fields a catalogue misses"},
  };
  return keys;
}

const std::vector<KeySpec>& OverrideKeys() {
  static const std::vector<KeySpec> keys = [] {
    std::vector<KeySpec> out = {
        {"override", "string", true,
         "the id of a policy defined in a loaded file, which this entry changes"}};
    for (const KeySpec& k : PolicyKeys()) {
      if (k.name == "id" || k.name == "match") continue;
      out.push_back({k.name, k.type, false, k.description});
    }
    return out;
  }();
  return keys;
}

bool OverrideAppends(std::string_view key) {
  return key == "except" || key == "tags" || key == "known_fields";
}

const std::vector<KeySpec>& ListOverrideKeys() {
  static const std::vector<KeySpec> keys = {
      {"append", "list", true, "values added to the list of this name defined in a loaded file"},
  };
  return keys;
}

const std::vector<KeySpec>& ActionKeys() {
  static const std::vector<KeySpec> keys = {
      {"action", "string", true, "the action's name, as the host registers it"},
      {"params", "mapping", false,
       "parameters; strings may hold {{ field.path }} templates"},
  };
  return keys;
}

const std::vector<KeySpec>& RateLimitKeys() {
  static const std::vector<KeySpec> keys = {
      {"max", "number", true, "remediations allowed in a window"},
      {"per_seconds", "number", true, "the window, in seconds"},
  };
  return keys;
}

const std::vector<KeySpec>& SavingsKeys() {
  static const std::vector<KeySpec> keys = {
      {"minutes", "number", false, "minutes of manual work saved"},
      {"usd", "number", false, "US dollars of manual work saved"},
  };
  return keys;
}

const std::vector<std::string_view>& Severities() {
  static const std::vector<std::string_view> v = {"info", "low", "medium",
                                                  "high", "critical"};
  return v;
}

const std::vector<std::string_view>& Modes() {
  static const std::vector<std::string_view> v = {"enforce", "dry-run"};
  return v;
}

const std::vector<std::string_view>& EnvelopeFields() {
  static const std::vector<std::string_view> v = {
      "version", "id",     "detail-type", "source", "account",
      "time",    "region", "resources",   "detail"};
  return v;
}

std::uint32_t FieldTrie::Intern(const std::vector<std::string>& segments) {
  std::uint32_t node = 0;
  for (const std::string& seg : segments) {
    // Linear: the lookup tables are built by Freeze, after interning.
    std::int32_t child = -1;
    for (const auto& [existing, index] : nodes[node].children) {
      if (existing == seg) child = static_cast<std::int32_t>(index);
    }
    if (child < 0) {
      nodes.emplace_back();
      child = static_cast<std::int32_t>(nodes.size() - 1);
      nodes[node].children.emplace_back(seg, static_cast<std::uint32_t>(child));
    }
    node = static_cast<std::uint32_t>(child);
  }
  if (nodes[node].field < 0) {
    nodes[node].field = static_cast<std::int32_t>(field_paths.size());
    std::string path;
    for (const std::string& seg : segments) {
      if (!path.empty()) path += '.';
      path += seg;
    }
    field_paths.push_back(std::move(path));
  }
  return static_cast<std::uint32_t>(nodes[node].field);
}

void FieldTrie::Freeze() {
  for (TrieNode& n : nodes) {
    for (std::size_t c = 0; c < n.children.size(); ++c) {
      nodes[n.children[c].second].ordinal = static_cast<std::uint32_t>(c);
    }
  }
  for (TrieNode& n : nodes) {
    n.slots.clear();
    n.length_mask = 0;
    std::fill(std::begin(n.first_chars), std::end(n.first_chars), 0);
    for (const auto& [seg, child] : n.children) {
      n.length_mask |= std::uint64_t{1} << (seg.size() < 63 ? seg.size() : 63);
      if (!seg.empty()) {
        unsigned char c = static_cast<unsigned char>(seg[0]);
        n.first_chars[c >> 6] |= std::uint64_t{1} << (c & 63);
      }
    }
    if (n.children.size() < 4) continue;
    std::size_t size = 8;
    while (size < n.children.size() * 2) size *= 2;
    n.slots.assign(size, 0);
    for (std::size_t c = 0; c < n.children.size(); ++c) {
      std::size_t i = SegmentHash(n.children[c].first, false) & (size - 1);
      while (n.slots[i] != 0) i = (i + 1) & (size - 1);
      n.slots[i] = static_cast<std::uint32_t>(c + 1);
    }
  }
}

namespace {

struct ParsedPolicy {
  const Node* node = nullptr;
  // Overrides of this policy, in load order, and the policy as they leave
  // it (node then points here).
  std::vector<const Node*> overrides;
  std::unique_ptr<Node> merged;
  PolicyInfo info;
  std::vector<Alternative> match;
  std::vector<Alternative> except;
  std::vector<std::uint32_t> except_entry;         // per `except` alternative: its entry
  std::vector<SourceLocation> except_locations;    // per `except` entry, as written
  std::vector<const Node*> except_nodes;           // per `except` entry
  std::vector<CompiledAction> actions;
  const Node* match_node = nullptr;
  bool ok = true;
};

class Compiler {
 public:
  Compiler(const CompileOptions& options, DiagnosticSink* sink,
           Program* program, const PolicyCheck* check = nullptr,
           std::size_t override_sources = static_cast<std::size_t>(-1))
      : options_(options), sink_(sink), program_(program), budget_(options),
        check_(check != nullptr && *check ? check : nullptr),
        override_sources_(override_sources) {}

  bool Run(const std::vector<PolicySource>& sources) {
    InternEnvelopeFields();

    roots_.resize(sources.size());
    for (std::size_t f = 0; f < sources.size(); ++f) {
      const PolicySource& src = sources[f];
      int file = sink_->AddFile(src.name, src.text);
      program_->files.push_back(src.name);
      if (src.text.size() > options_.max_file_bytes) {
        sink_->Error(file, 1, 1, "file-too-large",
                     "policy file is " + std::to_string(src.text.size()) +
                         " bytes, over the limit of " +
                         std::to_string(options_.max_file_bytes));
        continue;
      }
      std::size_t bad = FirstInvalidUtf8(src.text);
      if (bad != std::string_view::npos) {
        int line = 1 + static_cast<int>(std::count(
                           src.text.begin(), src.text.begin() + bad, '\n'));
        std::size_t bol = src.text.rfind('\n', bad == 0 ? 0 : bad - 1);
        int col = static_cast<int>(bad - (bol == std::string::npos ? 0 : bol + 1)) + 1;
        if (bad == 0) col = 1;
        sink_->Error(file, line, col, "invalid-utf8",
                     "file is not valid UTF-8 (byte offset " +
                         std::to_string(bad) + ")");
        continue;
      }
      // `tests:` sections are for `proact test`: parsed, not built.
      if (!ParseYaml(src.text, file, options_.max_yaml_depth, sink_,
                     &roots_[f], {"tests"})) {
        roots_[f] = Node();  // unusable; its errors are reported
        continue;
      }
      CollectFile(roots_[f], f < override_sources_);
      if (file_has_overrides_) program_->override_files.push_back(static_cast<std::uint32_t>(f));
    }
    return Finish();
  }

  // Pattern file: pattern i becomes policy "i".
  bool RunPatterns(std::string name, std::string_view text) {
    InternEnvelopeFields();
    program_->files.push_back(name);
    int file = sink_->AddBorrowedFile(std::move(name), text);
    patterns_ = std::make_unique<PatternCompiler>(program_, &lists_, options_,
                                                  sink_);
    // Ids "0", "1", ... are distinct by construction: no duplicate check.
    generated_ids_ = true;
    // Each pattern is compiled as soon as it is read, then dropped.
    std::uint32_t index = 0;
    std::size_t expected = 0;
    auto reserve = [&](std::size_t count) {
      // One policy and (usually) one rule per pattern: sized once instead
      // of grown by doubling, which at 100,000 patterns held both the old
      // and the new array at once.
      expected = std::min<std::size_t>(count, options_.max_policies);
      program_->policies.reserve(expected);
      program_->rules.reserve(expected);
    };
    // The field and value tests of a large file are sized from its first
    // patterns (an estimate: past it they grow as usual).
    constexpr std::uint32_t kSample = 1024;
    auto extrapolate = [&] {
      double scale = static_cast<double>(expected) / kSample * 1.0625;
      auto grow = [scale](auto& v) {
        v.reserve(std::max(v.capacity(), static_cast<std::size_t>(static_cast<double>(v.size()) * scale)));
      };
      grow(program_->value_tests);
      grow(program_->field_tests);
      grow(program_->rules);
    };
    bool ok = ParseJsonArray(text, file, sink_, [&](Node&& pattern) {
      if (index >= options_.max_policies) {
        if (index == options_.max_policies) {
          sink_->Error(file, pattern.mark.line, pattern.mark.column,
                       "too-many-policies",
                       "more than " + std::to_string(options_.max_policies) +
                           " policies loaded (limit max_policies)");
        }
        ++index;
        return;
      }
      Node policy;
      policy.kind = Node::Kind::kMap;
      policy.file = file;
      policy.mark = pattern.mark;
      Node id_key, id_value, match_key;
      id_key.kind = match_key.kind = id_value.kind = Node::Kind::kString;
      id_key.text = "id";
      match_key.text = "match";
      id_value.text = std::to_string(index);
      id_key.mark = match_key.mark = id_value.mark = pattern.mark;
      id_key.file = match_key.file = id_value.file = file;
      policy.entries.emplace_back(std::move(id_key), std::move(id_value));
      policy.entries.emplace_back(std::move(match_key), std::move(pattern));
      ParsedPolicy p;
      p.node = &policy;
      CompilePolicy(&p);
      if (!sink_->has_errors()) Emit(index, &p);
      ++index;
      if (index == kSample && expected > 4 * kSample) extrapolate();
    }, reserve);
    if (!ok) return false;
    return Complete();
  }

 private:
  // After every policy was compiled and emitted: index the rules.
  bool Complete() {
    sink_->SortByLocation();
    if (sink_->has_errors()) return false;
    program_->total_cost = budget_.total();
    program_->anything_but_index.Build();
    PlanAnchors(program_);
    program_->trie.Freeze();
    CheckSelfTriggering();
    sink_->SortByLocation();
    program_->warnings = sink_->TakeWarnings();
    return true;
  }

  // A policy whose action causes an event the same policy matches would
  // remediate in a loop: warn, using the declared action effects.
  void CheckSelfTriggering() {
    if (effects_.empty()) return;
    ScratchRep scratch;
    EngineOptions options;
    for (std::uint32_t p = 0; p < program_->policies.size(); ++p) {
      const CompiledPolicy& cp = program_->policies[p];
      if (!cp.info.enabled) continue;
      for (const CompiledAction& a : cp.actions) {
        auto it = effects_.find(a.name);
        if (it == effects_.end()) continue;
        std::string event = NodeToJson(*it->second).dump();
        if (!ReadEvent(event, false, *program_, options, &scratch).ok()) continue;
        MatchEvent(*program_, &scratch);
        const auto& matched = scratch.matched_policies;
        if (std::find(matched.begin(), matched.end(), p) == matched.end()) continue;
        sink_->Warning(a.file, a.line, a.column, "self-triggering",
                       "policy '" + cp.info.id + "': action '" + a.name +
                           "' causes an event this policy matches (effect declared at " +
                           sink_->file_name(it->second->file) + ":" +
                           std::to_string(it->second->mark.line) +
                           "): it would trigger itself in a loop");
      }
    }
  }

  void InternEnvelopeFields() {
    // Fields every decision reports come first.
    program_->trie.Intern({"id"});
    program_->trie.Intern({"source"});
    program_->trie.Intern({"detail-type"});
  }

  bool Finish() {
    // Lists from every file are known now; patterns may use them.
    patterns_ = std::make_unique<PatternCompiler>(program_, &lists_, options_,
                                                  sink_);
    if (policies_.size() > options_.max_policies) {
      const Node& at = *policies_[options_.max_policies].node;
      sink_->Error(at.file, at.mark.line, at.mark.column, "too-many-policies",
                   "more than " + std::to_string(options_.max_policies) +
                       " policies loaded (limit max_policies)");
      return false;
    }
    ApplyListOverrides();
    ApplyPolicyOverrides();
    CompileActionTypes();
    CompileSources();
    // Policies are compiled and emitted one by one, in load order, so that
    // the intermediate forms of one are freed before the next.
    for (std::size_t i = 0; i < policies_.size(); ++i) {
      CompilePolicy(&policies_[i]);
      if (!sink_->has_errors()) Emit(static_cast<std::uint32_t>(i), &policies_[i]);
    }
    return Complete();
  }

  // Declared action types, in load order, before any policy uses them.
  void CompileActionTypes() {
    ConditionCompiler conditions = [this](const Node& pattern) { return CompileCondition(pattern); };
    for (const std::string& name : type_order_) {
      const auto& [key, node] = type_nodes_.at(name);
      ActionType t;
      if (CompileActionType(*key, *node, sink_, conditions, &t)) {
        program_->action_types.push_back(std::move(t));
      } else {
        failed_types_.insert(name);
      }
    }
  }

  // Source definitions, in load order; a name defined twice is an error
  // (a user's definition replaces a built-in one in the Normalizer, not
  // here).
  void CompileSources() {
    ConditionCompiler conditions = [this](const Node& pattern) { return CompileCondition(pattern); };
    std::map<std::string, std::string> seen;
    for (const Node* n : source_nodes_) {
      SourceDefinition d;
      if (!CompileSourceDefinition(*n, sink_, conditions, &d)) continue;
      auto [it, inserted] = seen.emplace(d.name, d.file);
      if (!inserted) {
        const Node* at = n->Find("source");
        Error(at ? *at : *n, "duplicate-source",
              "source '" + d.name + "' is already defined at " + it->second);
        continue;
      }
      program_->sources.push_back(std::move(d));
    }
  }

  // An event pattern tested against answers: a program of its own with one
  // policy, "condition".
  int CompileCondition(const Node& pattern) {
    auto sub = std::make_unique<Program>();
    Compiler c(options_, sink_, sub.get());
    c.InternEnvelopeFields();
    c.lists_ = lists_;
    PatternCompiler patterns(sub.get(), &c.lists_, options_, sink_);
    std::vector<Alternative> alts;
    std::size_t errors = sink_->error_count();
    if (!patterns.Compile(pattern, &alts) || sink_->error_count() != errors) return -1;
    CompiledPolicy cp;
    cp.info.id = "condition";
    sub->policies.push_back(std::move(cp));
    for (const Alternative& alt : alts) c.AddRule(0, alt, false);
    sub->anything_but_index.Build();
    PlanAnchors(sub.get());
    sub->trie.Freeze();
    program_->conditions.push_back(std::move(sub));
    return static_cast<int>(program_->conditions.size() - 1);
  }

  void Error(const Node& at, const std::string& code, const std::string& msg) {
    sink_->Error(at.file, at.mark.line, at.mark.column, code, msg);
  }
  void Warning(const Node& at, const std::string& code,
               const std::string& msg) {
    sink_->Warning(at.file, at.mark.line, at.mark.column, code, msg);
  }

  // Reports unknown keys of `map` against `keys`; `what` names the mapping.
  void CheckKeys(const Node& map, const std::vector<KeySpec>& keys,
                 const std::string& what) {
    CheckMapKeys(map, keys, what, sink_);
  }

  bool ExpectKind(const Node& n, Node::Kind kind, const std::string& what) {
    if (n.kind == kind) return true;
    Error(n, "wrong-type",
          what + " must be " + NodeKindName(kind) + ", not " + n.KindName());
    return false;
  }

  // `overrides`: keep the file's override entries (else they are skipped).
  void CollectFile(const Node& root, bool overrides) {
    file_has_overrides_ = false;
    if (root.kind == Node::Kind::kNull) {
      Warning(root, "empty-file", "file holds no policies");
      return;
    }
    if (!ExpectKind(root, Node::Kind::kMap, "a policy file")) return;
    CheckKeys(root, FileKeys(), "policy file");
    if (const Node* lists = root.Find("lists")) {
      if (ExpectKind(*lists, Node::Kind::kMap, "'lists'")) {
        for (const auto& [k, v] : lists->entries) {
          if (k.text.empty()) {
            Error(k, "bad-list", "list names must not be empty");
            continue;
          }
          if (v.kind == Node::Kind::kMap) {  // NAME: {append: [...]}
            file_has_overrides_ = true;
            if (overrides) list_overrides_.push_back({&k, &v});
            continue;
          }
          if (v.kind != Node::Kind::kSeq) {
            Error(v, "wrong-type",
                  "list '" + k.text + "' must be a list of values, not " + v.KindName() +
                      " (to add values to a list defined in another file, write '" + k.text +
                      ": {append: [...]}')");
            continue;
          }
          NamedList list{k.text, {}, k.mark, k.file};
          bool ok = true;
          for (const Node& item : v.items) {
            if (!item.IsScalar()) {
              Error(item, "bad-list",
                    "list '" + k.text + "' may hold only scalars, not " +
                        item.KindName());
              ok = false;
            } else {
              list.values.push_back(item);
            }
          }
          if (list.values.empty() && ok) {
            Error(v, "bad-list", "list '" + k.text + "' is empty");
            ok = false;
          }
          auto [it, inserted] = lists_.emplace(k.text, list);
          if (!inserted) {
            Error(k, "duplicate-list",
                  "list '" + k.text + "' is already defined at " +
                      sink_->file_name(it->second.file) + ":" +
                      std::to_string(it->second.mark.line) + ":" +
                      std::to_string(it->second.mark.column));
          }
        }
      }
    }
    if (const Node* effects = root.Find("action_effects")) {
      if (ExpectKind(*effects, Node::Kind::kMap, "'action_effects'")) {
        for (const auto& [k, v] : effects->entries) {
          if (!ExpectKind(v, Node::Kind::kMap, "the effect of action '" + k.text + "'")) continue;
          auto [it, inserted] = effects_.emplace(k.text, &v);
          if (!inserted) {
            Error(k, "duplicate-effect", "the effect of action '" + k.text + "' is already declared at " +
                                             sink_->file_name(it->second->file) + ":" +
                                             std::to_string(it->second->mark.line));
          }
        }
      }
    }
    if (const Node* types = root.Find("action_types")) {
      if (types->kind != Node::Kind::kNull &&
          ExpectKind(*types, Node::Kind::kMap, "'action_types'")) {
        for (const auto& [k, v] : types->entries) {
          auto [it, inserted] = type_nodes_.emplace(k.text, std::make_pair(&k, &v));
          if (!inserted) {
            Error(k, "duplicate-action-type",
                  "action type '" + k.text + "' is already declared at " +
                      sink_->file_name(it->second.first->file) + ":" +
                      std::to_string(it->second.first->mark.line) + ":" +
                      std::to_string(it->second.first->mark.column));
          } else {
            type_order_.push_back(k.text);
          }
        }
      }
    }
    if (const Node* sources = root.Find("sources")) {
      if (sources->kind != Node::Kind::kNull && ExpectKind(*sources, Node::Kind::kSeq, "'sources'")) {
        for (const Node& s : sources->items) source_nodes_.push_back(&s);
      }
    }
    const Node* policies = root.Find("policies");
    if (policies == nullptr) {
      if (root.Find("lists") == nullptr && root.Find("tests") == nullptr &&
          root.Find("sources") == nullptr &&
          root.Find("action_effects") == nullptr && root.Find("action_types") == nullptr) {
        Warning(root, "empty-file", "file holds no policies");
      }
      return;
    }
    if (policies->kind == Node::Kind::kNull) return;
    if (!ExpectKind(*policies, Node::Kind::kSeq, "'policies'")) return;
    for (const Node& p : policies->items) {
      if (p.Find("override") != nullptr) {
        file_has_overrides_ = true;
        if (overrides) policy_overrides_.push_back(&p);
        continue;
      }
      ParsedPolicy pp;
      pp.node = &p;
      policies_.push_back(std::move(pp));
    }
  }

  // `lists: {NAME: {append: [...]}}`: adds values to the list NAME that a
  // plain entry defines, in load order.
  void ApplyListOverrides() {
    for (const auto& [key, value] : list_overrides_) {
      const Node& k = *key;
      const Node& v = *value;
      CheckKeys(v, ListOverrideKeys(), "list override '" + k.text + "'");
      auto it = lists_.find(k.text);
      if (it == lists_.end()) {
        std::vector<std::string_view> names;
        for (const auto& [name, list] : lists_) names.push_back(name);
        Error(k, "unknown-override",
              "list '" + k.text + "' is defined in no loaded file, so there is nothing to append to" +
                  DidYouMeanSuffix(k.text, names) + " (to define it, write '" + k.text +
                  ": [VALUE, ...]')");
        continue;
      }
      const Node* items = v.Find("append");
      if (items == nullptr) continue;  // missing-key, reported
      if (items->kind != Node::Kind::kSeq) {
        Error(*items, "wrong-type",
              "'append' of list '" + k.text + "' must be a list of values, not " + items->KindName());
        continue;
      }
      if (items->items.empty()) {
        Error(*items, "bad-list", "'append' of list '" + k.text + "' is empty: it adds nothing");
        continue;
      }
      for (const Node& item : items->items) {
        if (!item.IsScalar()) {
          Error(item, "bad-list",
                "list '" + k.text + "' may hold only scalars, not " + item.KindName());
          continue;
        }
        it->second.values.push_back(item);
      }
    }
  }

  // `- override: ID` entries: checked, then merged into a copy of the
  // policy they name, in load order. Keys OverrideAppends names add their
  // entries after the policy's own; any other key replaces the value. Every
  // node keeps its own file and position, so diagnostics, explanations and
  // coverage point at the file that wrote it.
  void ApplyPolicyOverrides() {
    if (policy_overrides_.empty()) return;
    std::unordered_map<std::string, std::size_t> by_id;
    std::vector<std::string_view> ids;
    for (std::size_t i = 0; i < policies_.size(); ++i) {
      const Node* id = policies_[i].node->Find("id");
      if (id == nullptr || !id->IsScalar() || id->kind == Node::Kind::kNull) continue;
      if (by_id.emplace(id->text, i).second) ids.push_back(id->text);
    }
    // (policy, key) -> the key node of the override that last replaced it.
    std::map<std::pair<std::size_t, std::string>, const Node*> replaced;
    for (const Node* o : policy_overrides_) {
      if (!ExpectKind(*o, Node::Kind::kMap, "a policy override")) continue;
      const Node& target = *o->Find("override");
      if (!target.IsScalar() || target.kind == Node::Kind::kNull) {
        Error(target, "wrong-type",
              std::string("'override' must be the id of a policy (a string), not ") + target.KindName());
        continue;
      }
      bool ok = CheckOverrideKeys(*o, target.text);
      auto found = by_id.find(target.text);
      if (found == by_id.end()) {
        Error(target, "unknown-override",
              "override of policy '" + target.text + "', which no loaded file defines" +
                  DidYouMeanSuffix(target.text, ids) +
                  " (an override changes a policy of another file; to define a new policy, write "
                  "'id:' and 'match:')");
        continue;
      }
      if (!ok) continue;
      for (const auto& entry : o->entries) {
        const Node& k = entry.first;
        if (k.text == "override" || OverrideAppends(k.text)) continue;
        auto [it, inserted] = replaced.emplace(std::make_pair(found->second, k.text), &k);
        if (!inserted) {
          Warning(k, "repeated-override",
                  "'" + k.text + "' of policy '" + target.text + "' is also replaced at " +
                      sink_->file_name(it->second->file) + ":" + std::to_string(it->second->mark.line) +
                      ":" + std::to_string(it->second->mark.column) +
                      "; overrides apply in load order, so this one, loaded later, wins");
          it->second = &k;
        }
      }
      policies_[found->second].overrides.push_back(o);
    }
    for (ParsedPolicy& p : policies_) {
      if (p.overrides.empty() || p.node->kind != Node::Kind::kMap) continue;
      p.merged = std::make_unique<Node>(*p.node);
      for (const Node* o : p.overrides) MergeOverride(*o, p.merged.get());
      p.node = p.merged.get();
    }
  }

  // Reports keys an override may not hold; true when there is none.
  bool CheckOverrideKeys(const Node& o, const std::string& id) {
    bool ok = true;
    std::vector<std::string_view> names;
    for (const KeySpec& spec : OverrideKeys()) names.push_back(spec.name);
    for (const auto& entry : o.entries) {
      const Node& k = entry.first;
      if (k.text == "match") {
        Error(k, "bad-override",
              "an override cannot replace the 'match' of policy '" + id +
                  "': that is a different policy. Define it with its own 'id:' and 'match:', and turn "
                  "this one off with 'override: " + id + "' and 'enabled: false'");
        ok = false;
      } else if (k.text == "id") {
        Error(k, "bad-override",
              "an entry with 'override:' changes the policy it names and takes no 'id:'; remove "
              "'id:', or remove 'override:' to define a new policy");
        ok = false;
      } else if (std::find(names.begin(), names.end(), k.text) == names.end()) {
        Error(k, "unknown-key",
              "unknown key '" + k.text + "' in policy override" + DidYouMeanSuffix(k.text, names));
        ok = false;
      }
    }
    if (ok && o.entries.size() == 1) {
      Error(o, "bad-override",
            "override of policy '" + id + "' changes nothing: give the keys it replaces (mode, "
            "enabled, severity, actions, ...) or appends to (except, tags, known_fields)");
      ok = false;
    }
    return ok;
  }

  static Node* FindValue(Node* map, std::string_view key) {
    for (Node::Entry& e : map->entries) {
      if (e.first.text == key) return &e.second;
    }
    return nullptr;
  }

  void MergeOverride(const Node& o, Node* policy) {
    for (const Node::Entry& entry : o.entries) {
      const Node& k = entry.first;
      const Node& v = entry.second;
      if (k.text == "override") continue;
      Node* base = FindValue(policy, k.text);
      if (!OverrideAppends(k.text)) {
        if (base == nullptr) {
          policy->entries.emplace_back(k, v);
        } else {
          for (Node::Entry& e : policy->entries) {
            if (e.first.text == k.text) e = Node::Entry(k, v);
          }
        }
        continue;
      }
      if (v.kind == Node::Kind::kNull) continue;
      if (v.kind != Node::Kind::kSeq) {
        Error(v, "wrong-type",
              "'" + k.text + "' in an override must be a list (its entries are added to the policy's), not " +
                  v.KindName());
        continue;
      }
      if (base == nullptr) {
        policy->entries.emplace_back(k, v);
      } else if (base->kind == Node::Kind::kNull) {
        *base = v;
      } else if (base->kind == Node::Kind::kSeq) {
        base->items.insert(base->items.end(), v.items.begin(), v.items.end());
      }  // else: the policy's own value is reported as the wrong type
    }
  }

  bool GetString(const Node& policy, std::string_view key, std::string* out) {
    const Node* n = policy.Find(key);
    if (n == nullptr) return false;
    if (n->kind != Node::Kind::kString) {
      // Plain scalars like 42 or true are still text an author meant.
      if (n->IsScalar() && n->kind != Node::Kind::kNull) {
        *out = n->text;
        return true;
      }
      Error(*n, "wrong-type",
            "'" + std::string(key) + "' must be a string, not " + n->KindName());
      return false;
    }
    *out = n->text;
    return true;
  }

  void CompilePolicy(ParsedPolicy* p) {
    budget_.Begin(*program_);
    const Node& node = *p->node;
    if (!ExpectKind(node, Node::Kind::kMap, "a policy")) {
      p->ok = false;
      return;
    }
    std::size_t errors_before = sink_->error_count();
    CheckKeys(node, PolicyKeys(), "policy");
    PolicyInfo& info = p->info;
    info.location.file = sink_->file_name(node.file);
    info.location.line = node.mark.line;
    info.location.column = node.mark.column;
    for (const Node* o : p->overrides) {
      info.override_locations.push_back(
          SourceLocation{sink_->file_name(o->file), o->mark.line, o->mark.column});
    }
    info.severity = "medium";
    info.mode = "enforce";
    if (GetString(node, "id", &info.id)) {
      const Node* idn = node.Find("id");
      if (info.id.empty() ||
          info.id.find_first_of(" \t\r\n") != std::string::npos) {
        Error(*idn, "bad-id", "policy id must be non-empty and hold no spaces");
      } else {
        auto [it, inserted] =
            generated_ids_ ? std::pair{ids_.end(), true} : ids_.emplace(info.id, idn);
        if (!inserted) {
          Error(*idn, "duplicate-id",
                "duplicate policy id '" + info.id + "'; first defined at " +
                    sink_->file_name(it->second->file) + ":" +
                    std::to_string(it->second->mark.line) + ":" +
                    std::to_string(it->second->mark.column));
        }
      }
    }
    std::string id_label = info.id.empty() ? "policy" : "policy '" + info.id + "'";
    GetString(node, "description", &info.description);
    if (GetString(node, "severity", &info.severity)) {
      const auto& v = Severities();
      if (std::find(v.begin(), v.end(), info.severity) == v.end()) {
        Error(*node.Find("severity"), "bad-severity",
              "severity '" + info.severity +
                  "' is not one of info, low, medium, high, critical" +
                  DidYouMeanSuffix(info.severity, v));
      }
    }
    if (GetString(node, "mode", &info.mode)) {
      const auto& v = Modes();
      if (std::find(v.begin(), v.end(), info.mode) == v.end()) {
        Error(*node.Find("mode"), "bad-mode",
              "mode '" + info.mode + "' is not one of enforce, dry-run" +
                  DidYouMeanSuffix(info.mode, v));
      }
    }
    if (const Node* n = node.Find("enabled")) {
      if (ExpectKind(*n, Node::Kind::kBool, "'enabled'")) info.enabled = n->boolean;
    }
    if (const Node* n = node.Find("tags")) {
      if (ExpectKind(*n, Node::Kind::kSeq, "'tags'")) {
        for (const Node& t : n->items) {
          if (t.IsScalar() && t.kind != Node::Kind::kNull) info.tags.push_back(t.text);
          else Error(t, "wrong-type", std::string("tags must be strings, not ") + t.KindName());
        }
      }
    }
    if (const Node* n = node.Find("savings")) {
      if (ExpectKind(*n, Node::Kind::kMap, "'savings'")) {
        CheckKeys(*n, SavingsKeys(), "'savings'");
        for (const auto& [k, v] : n->entries) {
          if (k.text != "minutes" && k.text != "usd") continue;
          if (!ExpectKind(v, Node::Kind::kNumber, "savings '" + k.text + "'")) continue;
          if (v.number < 0) {
            Error(v, "bad-savings", "savings '" + k.text + "' must not be negative");
            continue;
          }
          (k.text == "minutes" ? info.savings_minutes : info.savings_usd) = v.number;
        }
      }
    }
    if (const Node* n = node.Find("metadata")) info.metadata = NodeToJson(*n);
    if (const Node* n = node.Find("rate_limit")) {
      if (ExpectKind(*n, Node::Kind::kMap, "'rate_limit'")) {
        CheckKeys(*n, RateLimitKeys(), "'rate_limit'");
        for (const auto& [k, v] : n->entries) {
          if (k.text != "max" && k.text != "per_seconds") continue;
          if (v.kind != Node::Kind::kNumber || v.number < 1 || v.number != static_cast<double>(static_cast<std::uint64_t>(v.number))) {
            Error(v, "bad-rate-limit", "rate_limit '" + k.text + "' must be a whole number of at least 1");
            continue;
          }
          (k.text == "max" ? info.rate_limit_max : info.rate_limit_window_seconds) =
              static_cast<std::uint64_t>(v.number);
        }
      }
    }

    PolicyFacts facts;
    template_paths_.clear();
    if (const Node* k = node.Find("known_fields")) CompileKnownFields(*k, &facts);
    PatternCompiler& patterns = *patterns_;
    if (const Node* m = node.Find("match")) {
      p->match_node = m;
      patterns.Compile(*m, &p->match);
    }
    if (const Node* e = node.Find("except")) {
      if (e->kind != Node::Kind::kNull &&
          ExpectKind(*e, Node::Kind::kSeq, "'except'")) {
        for (const Node& pat : e->items) {
          std::vector<Alternative> alts;
          std::uint32_t entry = static_cast<std::uint32_t>(p->except_locations.size());
          p->except_locations.push_back(SourceLocation{sink_->file_name(pat.file), pat.mark.line, pat.mark.column});
          p->except_nodes.push_back(&pat);
          if (patterns.Compile(pat, &alts)) {
            p->except.insert(p->except.end(), alts.begin(), alts.end());
            p->except_entry.insert(p->except_entry.end(), alts.size(), entry);
            if (check_ != nullptr) facts.except.push_back(std::move(alts));
          }
        }
      }
    }
    if (const Node* a = node.Find("actions")) {
      if (a->kind != Node::Kind::kNull &&
          ExpectKind(*a, Node::Kind::kSeq, "'actions'")) {
        for (const Node& act : a->items) CompileAction(act, p);
      }
    }
    std::size_t tests = 0;
    for (const auto* alts : {&p->match, &p->except}) {
      for (const Alternative& alt : *alts) {
        for (const PendingFieldTest& t : alt) tests += t.tests.size() + 1;
      }
    }
    if (tests > options_.max_pattern_tests) {
      Error(p->match_node ? *p->match_node : node, "pattern-too-large",
            id_label + " has " + std::to_string(tests) +
                " value tests, over max_pattern_tests (" +
                std::to_string(options_.max_pattern_tests) + ")");
    }
    p->ok = sink_->error_count() == errors_before;
    if (p->ok) {
      info.cost = budget_.Measure(*program_, p->match, p->except);
      budget_.Charge(info.cost, id_label, node.file, node.mark.line,
                     node.mark.column, sink_);
    }
    if (p->ok && p->match_node != nullptr) CheckSatisfiable(*p, id_label);
    if (p->ok && p->match_node != nullptr) CheckExceptsCanHold(*p, id_label);
    if (p->ok && check_ != nullptr) {
      facts.id = info.id;
      facts.mode = info.mode;
      facts.enabled = info.enabled;
      facts.file = node.file;
      facts.mark = node.mark;
      facts.match = &p->match;
      facts.template_paths = std::move(template_paths_);
      (*check_)(facts, sink_);
    }
  }

  // `known_fields:` a list of field paths.
  void CompileKnownFields(const Node& n, PolicyFacts* facts) {
    if (n.kind == Node::Kind::kNull || !ExpectKind(n, Node::Kind::kSeq, "'known_fields'")) return;
    for (const Node& f : n.items) {
      if (f.kind != Node::Kind::kString) {
        Error(f, "wrong-type",
              std::string("known_fields entries must be field paths (strings), not ") + f.KindName());
        continue;
      }
      KnownField k;
      k.text = f.text;
      std::string error;
      std::size_t offset = 0;
      if (!ParseFieldPath(f.text, &k.path, &error, &offset) || k.path.empty()) {
        sink_->Error(f.file, f.mark.line, ScalarColumn(f, offset), "bad-known-field",
                     "known_fields entry '" + f.text + "' is not a field path" +
                         (error.empty() ? std::string() : ": " + error));
        continue;
      }
      if (check_ != nullptr) facts->known_fields.push_back(std::move(k));
    }
  }

  void CompileAction(const Node& act, ParsedPolicy* p) {
    if (!ExpectKind(act, Node::Kind::kMap, "an action")) return;
    CheckKeys(act, ActionKeys(), "action");
    CompiledAction out;
    out.file = act.file;
    out.line = act.mark.line;
    out.column = act.mark.column;
    if (const Node* name = act.Find("action")) {
      if (name->kind != Node::Kind::kString || name->text.empty()) {
        Error(*name, "wrong-type", "'action' must be a non-empty string");
      } else {
        out.name = name->text;
      }
    }
    if (!out.name.empty()) {
      out.type = program_->FindActionType(out.name);
      const Node* params = act.Find("params");
      if (out.type >= 0) {
        CheckActionParams(program_->action_types[out.type], act,
                          params != nullptr && params->kind == Node::Kind::kMap ? params : nullptr,
                          sink_);
      }
    }
    if (const Node* params = act.Find("params")) {
      if (params->kind != Node::Kind::kNull &&
          ExpectKind(*params, Node::Kind::kMap, "'params'")) {
        current_match_ = &p->match;
        CompileParam(*params, &out.params);
        current_match_ = nullptr;
      } else {
        out.params.kind = ParamTree::Kind::kObject;
      }
    } else {
      out.params.kind = ParamTree::Kind::kObject;
    }
    p->actions.push_back(std::move(out));
  }

  void CompileParam(const Node& n, ParamTree* out) {
    BuildParamTree(n, [this](const Node& s, ParamTree* o) { CompileParamString(s, o); }, out);
  }

  // A string param: a literal, or a template over the event's fields.
  void CompileParamString(const Node& n, ParamTree* out) {
    Template t;
    if (!ParseTemplateLeaf(n, sink_, out, &t)) return;
    for (const TemplateExpr& e : t.exprs) {
      ForEachPath(e, [&](const std::vector<PathStep>& path, const std::string& text) {
        if (check_ != nullptr) {
          std::size_t at = n.text.find(text);
          TemplatePath tp;
          tp.path = path;
          tp.text = text;
          tp.file = n.file;
          tp.mark = {n.mark.line, ScalarColumn(n, at == std::string::npos ? 0 : at)};
          template_paths_.push_back(std::move(tp));
        }
        CheckMatchedTested(n, path, text);
        const PathStep& root = path[0];
        const auto& fields = EnvelopeFields();
        if (!root.is_index &&
            std::find(fields.begin(), fields.end(), root.key) != fields.end()) {
          return;
        }
        std::size_t at = n.text.find(text);
        sink_->Error(n.file, n.mark.line, ScalarColumn(n, at == std::string::npos ? 0 : at),
                     "unknown-field",
                     "template refers to '" + text + "', but events have no top-level field '" +
                         root.key + "'" + DidYouMeanSuffix(root.key, fields) +
                         " (fields: version, id, detail-type, source, "
                         "account, time, region, resources, detail)");
      });
    }
    out->kind = ParamTree::Kind::kTemplate;
    out->tmpl = std::move(t);
    return;
  }

  // `[matched]` over an array the policy's match tests nothing under
  // would always render an empty list: a warning at the path.
  void CheckMatchedTested(const Node& n, const std::vector<PathStep>& path,
                          const std::string& text) {
    if (current_match_ == nullptr || current_match_->empty()) return;
    std::vector<std::string> prefix;
    bool matched = false;
    for (const PathStep& step : path) {
      if (step.each == PathStep::Each::kMatched) {
        matched = true;
        break;
      }
      prefix.push_back(step.key);
    }
    if (!matched) return;
    std::string joined;
    for (const std::string& k : prefix) joined += (joined.empty() ? "" : ".") + k;
    for (const Alternative& alt : *current_match_) {
      for (const PendingFieldTest& t : alt) {
        if (t.exists_false) continue;
        std::string field;
        for (const std::string& k : t.path) field += (field.empty() ? "" : ".") + k;
        if (field == joined || field.rfind(joined + ".", 0) == 0) return;
      }
    }
    std::size_t at = n.text.find(text);
    sink_->Warning(n.file, n.mark.line, ScalarColumn(n, at == std::string::npos ? 0 : at),
                   "matched-untested",
                   "'" + text + "': the policy's match tests no field of " + joined +
                       ", so '[matched]' always renders an empty list; test a field of its "
                       "elements in `match`, or write '[*]' for every element");
  }

  // Why `a` (a match alternative) and `b` (an except alternative) can never
  // hold on one event, or "" when they might. Conservative: a field
  // required missing by one and valued by the other, or an envelope field
  // that holds one string (source, detail-type, account, region, id,
  // version, time) given disjoint exact values by the two.
  std::string Contradiction(const Alternative& a, const Alternative& b) const {
    static const std::set<std::string> kScalar = {"source", "detail-type", "account", "region",
                                                  "id",     "version",     "time"};
    auto exact = [&](const PendingFieldTest& t, std::set<std::string>* values) {
      if (t.exists_false || t.tests.empty()) return false;
      for (const ValueTest& v : t.tests) {
        if (v.op != TestOp::kString) return false;
        values->insert(program_->strings[v.a]);
      }
      return true;
    };
    for (const PendingFieldTest& x : a) {
      for (const PendingFieldTest& y : b) {
        if (x.path != y.path) continue;
        std::string path;
        for (const std::string& s : x.path) path += (path.empty() ? "" : ".") + s;
        bool x_missing = x.exists_false && x.tests.empty();
        bool y_missing = y.exists_false && y.tests.empty();
        if ((x_missing && !y.exists_false && !y.tests.empty()) ||
            (y_missing && !x.exists_false && !x.tests.empty())) {
          return "'" + path + "' must be missing for one and have a value for the other";
        }
        std::set<std::string> xv, yv;
        if (x.path.size() == 1 && kScalar.count(x.path[0]) && exact(x, &xv) && exact(y, &yv)) {
          bool overlap = std::any_of(xv.begin(), xv.end(), [&](const std::string& v) { return yv.count(v) > 0; });
          if (!overlap) {
            return "'" + path + "' is \"" + *xv.begin() + "\"" + (xv.size() > 1 ? " (or another)" : "") +
                   " for the match but \"" + *yv.begin() + "\"" + (yv.size() > 1 ? " (or another)" : "") +
                   " for the except";
          }
        }
      }
    }
    return "";
  }

  // An `except` entry that can hold on no event the match takes never
  // suppresses anything: a typo or a stale exception (warning).
  void CheckExceptsCanHold(const ParsedPolicy& p, const std::string& label) {
    if (p.match.empty()) return;
    for (std::size_t e = 0; e < p.except_nodes.size(); ++e) {
      std::string reason;
      bool never = true, any = false;
      for (std::size_t i = 0; i < p.except.size() && never; ++i) {
        if (p.except_entry[i] != e) continue;
        any = true;
        for (const Alternative& m : p.match) {
          std::string why = Contradiction(m, p.except[i]);
          if (why.empty()) {
            never = false;
            break;
          }
          reason = why;
        }
      }
      if (!any || !never) continue;
      Warning(*p.except_nodes[e], "except-never-holds",
              label + ": except " + std::to_string(e + 1) +
                  " can never hold together with the match, so it suppresses nothing: " + reason);
    }
  }

  void CheckSatisfiable(const ParsedPolicy& p, const std::string& label) {
    if (p.match.empty()) return;
    std::string reason;
    for (const Alternative& alt : p.match) {
      bool contradictory = false;
      for (const PendingFieldTest& a : alt) {
        if (!(a.exists_false && a.tests.empty())) continue;
        for (const PendingFieldTest& b : alt) {
          if (&a != &b && a.path == b.path && !b.exists_false &&
              !b.tests.empty()) {
            contradictory = true;
            std::string path;
            for (const std::string& s : a.path) path += (path.empty() ? "" : ".") + s;
            reason = "'" + path + "' is required both to be missing and to have a value";
          }
        }
      }
      if (!contradictory) return;
    }
    Warning(*p.match_node, "never-matches",
            label + " can never match: " + reason);
  }

  std::uint32_t AddRule(std::uint32_t policy, const Alternative& alt,
                        bool is_except) {
    Rule r;
    r.policy = policy;
    r.is_except = is_except;
    r.field_tests_begin = static_cast<std::uint32_t>(program_->field_tests.size());
    for (const PendingFieldTest& t : alt) {
      FieldTest ft;
      ft.field = program_->trie.Intern(t.path);
      ft.file = static_cast<std::uint16_t>(t.file);
      ft.line = static_cast<std::uint32_t>(t.mark.line);
      ft.column = static_cast<std::uint16_t>(t.mark.column);
      ft.tests_begin = static_cast<std::uint32_t>(program_->value_tests.size());
      ft.tests_count = static_cast<std::uint32_t>(t.tests.size());
      ft.exists_false = t.exists_false;
      program_->value_tests.insert(program_->value_tests.end(), t.tests.begin(),
                                   t.tests.end());
      program_->field_tests.push_back(ft);
    }
    r.field_tests_count = static_cast<std::uint32_t>(alt.size());
    program_->rules.push_back(r);
    return static_cast<std::uint32_t>(program_->rules.size() - 1);
  }

  // Adds a compiled policy and its rules to the program.
  void Emit(std::uint32_t index, ParsedPolicy* p) {
    CompiledPolicy cp;
    cp.info = std::move(p->info);
    cp.actions = std::move(p->actions);
    if (cp.info.enabled) {
      for (const Alternative& alt : p->match) AddRule(index, alt, false);
      for (std::size_t i = 0; i < p->except.size(); ++i) {
        std::uint32_t r = AddRule(index, p->except[i], true);
        program_->rules[r].except_entry = p->except_entry[i];
        cp.except_rules.push_back(r);
      }
    }
    cp.info.except_locations = std::move(p->except_locations);
    program_->policies.push_back(std::move(cp));
    p->match = {};
    p->except = {};
    p->except_entry = {};
    p->except_nodes = {};
  }

  const CompileOptions& options_;
  DiagnosticSink* sink_;
  Program* program_;
  std::vector<Node> roots_;
  std::vector<ParsedPolicy> policies_;
  std::map<std::string, NamedList> lists_;
  std::unordered_map<std::string, const Node*> ids_;
  bool generated_ids_ = false;  // pattern files: ids are the indexes
  std::unique_ptr<PatternCompiler> patterns_;
  std::map<std::string, const Node*> effects_;  // action name → caused event
  // action_types: name → (key node, value node), and their load order.
  std::map<std::string, std::pair<const Node*, const Node*>> type_nodes_;
  std::vector<std::string> type_order_;
  std::set<std::string> failed_types_;
  std::vector<const Node*> source_nodes_;  // `sources:` entries, load order
  SetBudget budget_;
  const PolicyCheck* check_ = nullptr;
  // Overrides of sources at this index or later are skipped.
  std::size_t override_sources_ = static_cast<std::size_t>(-1);
  bool file_has_overrides_ = false;  // of the file CollectFile reads
  std::vector<std::pair<const Node*, const Node*>> list_overrides_;  // key, value
  std::vector<const Node*> policy_overrides_;
  // Template paths of the policy being compiled, for check_.
  std::vector<TemplatePath> template_paths_;
  // The match of the policy whose action params are compiling (for
  // CheckMatchedTested), or null.
  const std::vector<Alternative>* current_match_ = nullptr;
};

}  // namespace

bool CompilePolicies(const std::vector<PolicySource>& sources,
                     const CompileOptions& options, DiagnosticSink* sink,
                     Program* program, const PolicyCheck& check,
                     std::size_t override_sources) {
  Compiler compiler(options, sink, program, &check, override_sources);
  return compiler.Run(sources);
}

bool CompilePatterns(std::string name, std::string_view text, const CompileOptions& options,
                     DiagnosticSink* sink, Program* program) {
  Compiler compiler(options, sink, program);
  return compiler.RunPatterns(std::move(name), text);
}

}  // namespace proact::internal
