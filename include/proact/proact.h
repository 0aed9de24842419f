/* proact C API: compile policies, evaluate events, normalize payloads.
 *
 * Error convention: every function that can fail returns a proact_status:
 * PROACT_OK (0) on success; otherwise a nonzero code, and, when the caller
 * passed a non-NULL `error`, *error is set to a NUL-terminated message that
 * the caller frees with proact_string_free. On success *error is set to
 * NULL. No C++ exception crosses this API.
 *
 * Strings in are pointer + length (UTF-8, need not be NUL-terminated);
 * strings out are NUL-terminated, owned by the caller, freed with
 * proact_string_free. Handles are opaque and freed with their own *_free
 * function; freeing NULL is a no-op.
 *
 * Thread-safety: a proact_policy_set and a proact_engine are immutable once
 * created; any number of threads may call proact_engine_evaluate on one
 * engine at once. proact_normalize is thread-safe.
 */
#ifndef PROACT_PROACT_H_
#define PROACT_PROACT_H_

#include <stddef.h>

#if defined(_WIN32)
#define PROACT_C_EXPORT
#else
#define PROACT_C_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum proact_status {
  PROACT_OK = 0,
  PROACT_INVALID_ARGUMENT = 1, /* bad input: NULL where not allowed, malformed JSON */
  PROACT_INVALID_POLICY = 2,   /* policies do not compile; see diagnostics */
  PROACT_NOT_FOUND = 3,        /* a path does not exist */
  PROACT_IO_ERROR = 4,         /* a file cannot be read */
  PROACT_LIMIT_EXCEEDED = 5,   /* an input exceeds a limit */
  PROACT_INTERNAL = 6          /* a bug in proact */
} proact_status;

typedef struct proact_policy_set proact_policy_set;
typedef struct proact_engine proact_engine;
typedef struct proact_engine_options proact_engine_options;

/* "MAJOR.MINOR.PATCH"; static storage, not to be freed. */
PROACT_C_EXPORT const char* proact_version(void);

/* Loads and compiles the policy files and directories in paths[0..count).
 * On PROACT_INVALID_POLICY, *error holds every diagnostic as text (one per
 * line, compiler style) and, when diagnostics_json is not NULL, it receives
 * a JSON array of {"file","line","column","severity","code","message"}.
 * On success *out receives the set, and *diagnostics_json the warnings. */
PROACT_C_EXPORT proact_status proact_policy_set_load(const char* const* paths, size_t count,
                                                     proact_policy_set** out, char** error,
                                                     char** diagnostics_json);

/* The same for one YAML document held in memory; `name` (may be NULL)
 * names it in diagnostics. */
PROACT_C_EXPORT proact_status proact_policy_set_from_yaml(const char* yaml, size_t yaml_len,
                                                          const char* name,
                                                          proact_policy_set** out, char** error,
                                                          char** diagnostics_json);

/* Number of policies in the set; 0 for NULL. */
PROACT_C_EXPORT size_t proact_policy_set_size(const proact_policy_set* set);
PROACT_C_EXPORT void proact_policy_set_free(proact_policy_set* set);

/* An engine over `set` (which may be freed afterwards: the engine shares
 * the compiled program), with the default options. */
PROACT_C_EXPORT proact_status proact_engine_create(const proact_policy_set* set,
                                                   proact_engine** out, char** error);

/* Engine options (the C side of proact::EngineOptions, include/proact/
 * options.h), for proact_engine_create_with_options. Created with the
 * defaults; NULL when out of memory. Setters on NULL are no-ops. The
 * options may be freed once the engine is created. */
PROACT_C_EXPORT proact_engine_options* proact_engine_options_create(void);
PROACT_C_EXPORT void proact_engine_options_free(proact_engine_options* options);
/* Nonzero: evaluate any JSON object as it is (EngineOptions::raw_events).
 * Zero (the default): an event must be an EventBridge envelope, with a
 * string "source" and "detail-type" at its top level; proact_normalize
 * makes one from any supported payload. */
PROACT_C_EXPORT void proact_engine_options_set_raw_events(proact_engine_options* options,
                                                          int raw_events);

/* As proact_engine_create, with `options` (NULL: the defaults). */
PROACT_C_EXPORT proact_status proact_engine_create_with_options(
    const proact_policy_set* set, const proact_engine_options* options, proact_engine** out,
    char** error);
PROACT_C_EXPORT void proact_engine_free(proact_engine* engine);

/* Evaluates one event (JSON text): an EventBridge envelope, as
 * proact_normalize produces. On success *decision_json receives the
 * decision, the same JSON as a `proact eval` output line.
 * PROACT_INVALID_ARGUMENT for malformed JSON and, unless the engine was
 * created with raw_events set, for an object without a string "source"
 * and "detail-type" at its top level (*error says to normalize it first);
 * PROACT_LIMIT_EXCEEDED for an event over a limit. */
PROACT_C_EXPORT proact_status proact_engine_evaluate(const proact_engine* engine,
                                                     const char* event_json, size_t event_len,
                                                     char** decision_json, char** error);

/* Normalizes a raw payload (any source or delivery envelope of
 * docs/sources.md) into EventBridge envelopes. On success *result_json
 * receives {"events":[envelope...],"errors":[{"origin","message"}...]}; a
 * payload with errors but some events still succeeds. PROACT_INVALID_ARGUMENT
 * when nothing could be normalized (*error says why). */
PROACT_C_EXPORT proact_status proact_normalize(const char* payload, size_t payload_len,
                                               char** result_json, char** error);

PROACT_C_EXPORT void proact_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* PROACT_PROACT_H_ */
