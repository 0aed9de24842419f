// Options for compiling policies and evaluating events.
//
// Plain structs with documented defaults. Every limit that protects the
// engine from hostile input is a field here; exceeding one produces an error
// that names the limit.
#ifndef PROACT_OPTIONS_H_
#define PROACT_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace proact {

// What one regex run is charged against EngineOptions::max_event_regex_cost
// on top of the bytes it scans, for its fixed cost.
inline constexpr std::uint64_t kRegexRunBytes = 32;

struct CompileOptions {
  // Largest policy file read, in bytes.
  std::size_t max_file_bytes = 8u << 20;
  // Deepest YAML nesting accepted in a policy file.
  int max_yaml_depth = 64;
  // Largest number of policies in one loaded set.
  std::size_t max_policies = 100000;
  // Largest number of alternatives a pattern may expand to once its `$or`
  // branches are multiplied out.
  std::size_t max_pattern_alternatives = 1024;
  // Largest number of value tests one policy may hold (its match and except
  // patterns, after `$or` is multiplied out).
  std::size_t max_pattern_tests = 10000;
  // Memory budget for each compiled regular expression (RE2 max_mem): its
  // program and the DFA caches it grows while matching.
  std::int64_t regex_max_mem = 1 << 20;

  // Budget for the whole set. The limits above are per file or per policy;
  // these bound what every loaded file together may cost, so that a set
  // that loads cannot exhaust memory or make each event slow. Policies are
  // charged in load order; the one that takes a total over its limit gets
  // a `set-budget` error at its file:line:col naming the limit. `proact
  // validate --budget` prints what each policy uses; docs/security.md gives
  // the worst case per event of a set within these limits.
  //
  // Sum of regex_max_mem over the distinct regexes of the set (a regex
  // written several times is compiled, and charged, once): the memory the
  // regexes may hold once hostile events have filled their caches.
  std::int64_t max_set_regex_mem = std::int64_t{256} << 20;
  // Distinct regexes in the set.
  std::size_t max_set_regexes = 1024;
  // Value tests in the set, counted as max_pattern_tests counts them, plus
  // one per entry of every `anything-but` prefix, suffix or wildcard list
  // (those are tried one by one).
  std::size_t max_set_value_tests = 2000000;
  // Bytes of the compiled matching program (tests, rules, interned strings,
  // wildcards, value lists, exact-value index), regexes not included.
  std::size_t max_set_program_bytes = std::size_t{512} << 20;

  // Field checks (docs/policy-language.md, "Field checks"): an optional
  // pass after compiling that reports pattern, `except` and template paths
  // that no event of the policy's sources has, values of the wrong JSON
  // type, and enforce-mode policies that match every event. Off by default:
  // hosts that compile at cold start do not pay for it; `proact validate`
  // and `proact test` turn it on.
  bool check_fields = false;
  // The field catalogues used when check_fields is true: the text of each
  // catalogue file (JSON, format in docs/policy-language.md). With none,
  // only the envelope's own fields are checked. A catalogue that does not
  // parse makes loading fail with kInvalidArgument naming it.
  std::vector<std::string> field_catalogues;
  // Names of field_catalogues (e.g. their file names), in the same order,
  // for error messages; may be shorter or empty.
  std::vector<std::string> field_catalogue_names;
};

struct EngineOptions {
  // Largest event accepted, in bytes of JSON text.
  std::size_t max_event_bytes = 4u << 20;
  // Deepest nesting of objects and arrays in an event.
  int max_event_depth = 128;
  // Largest number of leaf values one event may supply to the matcher
  // (all elements of all arrays at the paths the policies use).
  std::size_t max_event_values = 100000;
  // Per-event evaluation bound: the most work matching one event may take,
  // whatever the policies and the event. Past either limit the event is
  // not matched: Evaluate returns kLimitExceeded naming the limit (as for
  // an event over max_event_bytes), so hosts report that event as failed
  // rather than act on a partial answer.
  //
  // Steps: one per candidate rule considered, per field test visited, per
  // value test tried on one event value (an `anything-but` prefix, suffix
  // or wildcard list counts its length; the other `anything-but` forms are
  // a hash lookup and count one), and per same-element check between
  // values under arrays of objects.
  std::uint64_t max_event_steps = 1000000;
  // Bytes of event string values that the tests other than `regex` may
  // read: a comparison counts the bytes it may compare (an exact string of
  // the value's length, a prefix or suffix no longer than the value), a
  // hashed `anything-but` list twice the value's length, a `wildcard` the
  // value's length times its longest inner chunk (the search for it is
  // quadratic at worst).
  std::uint64_t max_event_scan_bytes = 64u << 20;
  // Regex work: each regex run costs (value length + kRegexRunBytes) times
  // the size of the regex's compiled program (RE2::ProgramSize), because
  // when a hostile value exhausts RE2's DFA cache it falls back to an NFA
  // that takes 6 to 16 ns per byte per instruction. The default bounds an
  // event's regexes to 0.1-0.16 s at worst (bench/worst_case_set.sh); a
  // 30-instruction regex may scan about 300 KiB of values per event.
  std::uint64_t max_event_regex_cost = 10000000;
  // Largest number of actions rendered for one event, over all matched
  // policies; the rest are reported as errors naming this limit.
  std::size_t max_actions_per_decision = 256;
  // Largest rendered `params` of one action, in bytes of compact JSON; a
  // larger one is an error for that action naming this limit.
  std::size_t max_action_params_bytes = 64u << 10;
  // When false (the default), an event is read as a projection: simdjson
  // checks the whole text for valid UTF-8 and string structure, and parses
  // in full only the objects and values on paths some policy uses; damage
  // elsewhere (e.g. `[1,,2]` in a field nothing reads) goes unnoticed. When
  // true, the whole event must be well-formed JSON: a full parse before
  // matching, which costs about as much as matching itself.
  bool validate_json = false;
  // When false, matched policies are reported without rendering their
  // actions (Decision::matches[i].actions stays empty): for hosts that only
  // need to know which policies matched.
  bool render_actions = true;
  // Loop protection: the remediator's own identities (role ARNs, service
  // account emails, GitHub App logins, Okta client ids...). An event whose
  // actor (one of identity_fields) is one of them never triggers
  // enforce-mode actions: they are reported as dry-run with a note.
  std::vector<std::string> self_identities;
  // Where events name their actor, as template paths.
  std::vector<std::string> identity_fields = {
      "detail.userIdentity.arn",
      "detail.userIdentity.sessionContext.sessionIssuer.arn",
      "detail.protoPayload.authenticationInfo.principalEmail",
      "detail.sender.login",
      "detail.actor.alternateId",
      "detail.caller",
      "detail.event.user"};
  // When true, every action of every matched policy is reported as dry-run,
  // whatever the policy's own mode.
  bool dry_run = false;
  // Policies are written against EventBridge envelopes (docs/sources.md),
  // so when false (the default) Evaluate, EvaluatePadded, EvaluateValue,
  // Explain and TraceEvent accept only an event whose top level has a
  // single string `source` and a single string `detail-type`; any other
  // JSON object (a raw GitHub webhook body, a CloudTrail record, an SQS
  // batch) returns kInvalidArgument saying to normalize it first
  // (Normalizer::Normalize) instead of silently matching nothing. When
  // true, any JSON object is matched as it is (`proact eval --input raw`):
  // for hosts that build their own envelope-free events on purpose.
  bool raw_events = false;
};

}  // namespace proact

#endif  // PROACT_OPTIONS_H_
