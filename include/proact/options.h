// Options for compiling policies and evaluating events.
//
// Plain structs with documented defaults. Every limit that protects the
// engine from hostile input is a field here; exceeding one produces an error
// that names the limit.
#ifndef PROACT_OPTIONS_H_
#define PROACT_OPTIONS_H_

#include <cstddef>
#include <cstdint>

namespace proact {

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
  // Memory budget for each compiled regular expression (RE2 max_mem).
  std::int64_t regex_max_mem = 1 << 20;
};

struct EngineOptions {
  // Largest event accepted, in bytes of JSON text.
  std::size_t max_event_bytes = 4u << 20;
  // Deepest nesting of objects and arrays in an event.
  int max_event_depth = 128;
  // Largest number of leaf values one event may supply to the matcher
  // (all elements of all arrays at the paths the policies use).
  std::size_t max_event_values = 100000;
  // When true (the default), every event is checked to be well-formed JSON
  // in full, so that a malformed event is always an error. When false, only
  // the parts of the event the policies read are parsed: faster, but damage
  // in fields no policy reads goes unnoticed.
  bool validate_json = true;
  // When false, matched policies are reported without rendering their
  // actions (Decision::matches[i].actions stays empty): for hosts that only
  // need to know which policies matched.
  bool render_actions = true;
  // When true, every action of every matched policy is reported as dry-run,
  // whatever the policy's own mode.
  bool dry_run = false;
};

}  // namespace proact

#endif  // PROACT_OPTIONS_H_
