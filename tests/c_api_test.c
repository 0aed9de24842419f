/* The C API from C: every success path and every error path. Compiled as
 * C; run under AddressSanitizer by the asan preset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proact/proact.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (cond) {                                                       \
      ++passed;                                                       \
    } else {                                                          \
      ++failed;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                 \
  } while (0)

static int contains(const char* s, const char* part) { return s != NULL && strstr(s, part) != NULL; }

static const char kPolicy[] =
    "policies:\n"
    "  - id: s3-acl\n"
    "    match: {source: [aws.s3], detail: {eventName: [PutBucketAcl]}}\n"
    "    actions:\n"
    "      - action: s3.make_private\n"
    "        params: {bucket: \"{{ detail.requestParameters.bucketName }}\"}\n";

static const char kEvent[] =
    "{\"id\":\"e-1\",\"source\":\"aws.s3\",\"detail-type\":\"AWS API Call via CloudTrail\","
    "\"detail\":{\"eventName\":\"PutBucketAcl\",\"requestParameters\":{\"bucketName\":\"logs\"}}}";

int main(void) {
  char* error = NULL;
  char* diagnostics = NULL;
  proact_policy_set* set = NULL;
  proact_engine* engine = NULL;
  char* decision = NULL;
  char* result = NULL;
  proact_status st;

  CHECK(proact_version() != NULL && strlen(proact_version()) >= 5);

  /* Policies from a string. */
  st = proact_policy_set_from_yaml(kPolicy, strlen(kPolicy), "inline.yaml", &set, &error, &diagnostics);
  CHECK(st == PROACT_OK);
  CHECK(error == NULL);
  CHECK(diagnostics != NULL && strcmp(diagnostics, "[]") == 0);
  CHECK(proact_policy_set_size(set) == 1);
  proact_string_free(diagnostics);

  /* Invalid policies: every diagnostic as text and as JSON. */
  {
    static const char bad[] = "policies:\n  - id: x\n    mach: {source: [a]}\n";
    proact_policy_set* none = (proact_policy_set*)0x1;
    st = proact_policy_set_from_yaml(bad, strlen(bad), "bad.yaml", &none, &error, &diagnostics);
    CHECK(st == PROACT_INVALID_POLICY);
    CHECK(none == NULL);
    CHECK(contains(error, "bad.yaml:3:5: error: unknown key 'mach' in policy (did you mean 'match'?)"));
    CHECK(contains(error, "missing required key 'match'"));
    CHECK(contains(diagnostics, "\"file\":\"bad.yaml\",\"line\":3,\"column\":5,\"severity\":\"error\",\"code\":\"unknown-key\""));
    proact_string_free(error);
    proact_string_free(diagnostics);
    error = NULL;
  }

  /* Policies from files. */
  {
    const char* paths[] = {PROACT_SOURCE_DIR "/examples/quickstart"};
    proact_policy_set* files = NULL;
    st = proact_policy_set_load(paths, 1, &files, &error, NULL);
    CHECK(st == PROACT_OK);
    CHECK(proact_policy_set_size(files) == 3);
    proact_policy_set_free(files);

    const char* missing[] = {"/nonexistent/rules"};
    st = proact_policy_set_load(missing, 1, &files, &error, NULL);
    CHECK(st == PROACT_NOT_FOUND);
    CHECK(contains(error, "/nonexistent/rules: no such file or directory"));
    proact_string_free(error);

    st = proact_policy_set_load(NULL, 1, &files, &error, NULL);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    proact_string_free(error);
    st = proact_policy_set_load(paths, 0, &files, &error, NULL);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    proact_string_free(error);
    st = proact_policy_set_load(paths, 1, NULL, &error, NULL);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    proact_string_free(error);
    error = NULL;
  }

  /* Engine and evaluation. */
  st = proact_engine_create(NULL, &engine, &error);
  CHECK(st == PROACT_INVALID_ARGUMENT && contains(error, "policy set is NULL"));
  proact_string_free(error);
  st = proact_engine_create(set, &engine, &error);
  CHECK(st == PROACT_OK && engine != NULL);
  proact_policy_set_free(set); /* the engine keeps what it needs */

  st = proact_engine_evaluate(engine, kEvent, strlen(kEvent), &decision, &error);
  CHECK(st == PROACT_OK);
  CHECK(contains(decision, "\"matches\":[{\"policy\":\"s3-acl\""));
  CHECK(contains(decision, "\"params\":{\"bucket\":\"logs\"}"));
  proact_string_free(decision);

  st = proact_engine_evaluate(engine, "{\"source\":", 10, &decision, &error);
  CHECK(st == PROACT_INVALID_ARGUMENT);
  CHECK(decision == NULL);
  CHECK(contains(error, "invalid JSON"));
  proact_string_free(error);

  st = proact_engine_evaluate(engine, kEvent, strlen(kEvent), &decision, NULL); /* error may be NULL */
  CHECK(st == PROACT_OK);
  proact_string_free(decision);
  st = proact_engine_evaluate(NULL, kEvent, strlen(kEvent), &decision, &error);
  CHECK(st == PROACT_INVALID_ARGUMENT);
  proact_string_free(error);
  st = proact_engine_evaluate(engine, NULL, 0, &decision, &error);
  CHECK(st == PROACT_INVALID_ARGUMENT);
  proact_string_free(error);
  st = proact_engine_evaluate(engine, kEvent, strlen(kEvent), NULL, &error);
  CHECK(st == PROACT_INVALID_ARGUMENT);
  proact_string_free(error);

  /* A payload that is not an EventBridge envelope is refused, not silently
   * unmatched, unless the engine was created with raw_events. */
  {
    static const char webhook[] = "{\"action\":\"created\",\"source\":\"aws.s3\"}";
    st = proact_engine_evaluate(engine, webhook, strlen(webhook), &decision, &error);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    CHECK(decision == NULL);
    CHECK(contains(error, "event is not an EventBridge envelope: no string \"detail-type\" at the top level"));
    CHECK(contains(error, "proact_normalize"));
    CHECK(contains(error, "proact_engine_options_set_raw_events in C"));
    proact_string_free(error);

    proact_policy_set* raw_set = NULL;
    proact_engine* raw = NULL;
    proact_engine_options* options = proact_engine_options_create();
    CHECK(options != NULL);
    proact_engine_options_set_raw_events(options, 1);
    proact_engine_options_set_raw_events(NULL, 1); /* a no-op */
    static const char any[] = "policies:\n  - id: any-s3\n    match: {source: [aws.s3]}\n";
    st = proact_policy_set_from_yaml(any, strlen(any), "any.yaml", &raw_set, &error, NULL);
    CHECK(st == PROACT_OK);
    st = proact_engine_create_with_options(raw_set, options, &raw, &error);
    CHECK(st == PROACT_OK && raw != NULL);
    proact_engine_options_free(options); /* the engine copied them */
    st = proact_engine_evaluate(raw, webhook, strlen(webhook), &decision, &error);
    CHECK(st == PROACT_OK);
    CHECK(contains(decision, "\"detail-type\":null,\"matches\":[{\"policy\":\"any-s3\""));
    proact_string_free(decision);
    proact_engine_free(raw);

    /* NULL options are the defaults: the envelope is required. */
    st = proact_engine_create_with_options(raw_set, NULL, &raw, &error);
    CHECK(st == PROACT_OK);
    st = proact_engine_evaluate(raw, webhook, strlen(webhook), &decision, &error);
    CHECK(st == PROACT_INVALID_ARGUMENT && contains(error, "not an EventBridge envelope"));
    proact_string_free(error);
    st = proact_engine_create_with_options(raw_set, NULL, NULL, &error);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    proact_string_free(error);
    proact_engine_free(raw);
    proact_policy_set_free(raw_set);
    proact_engine_options_free(NULL);
    error = NULL;
  }

  /* Normalization. */
  {
    static const char record[] =
        "{\"eventVersion\":\"1.08\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutBucketAcl\","
        "\"eventTime\":\"2024-01-01T00:00:00Z\",\"awsRegion\":\"eu-west-1\",\"eventID\":\"ev-1\","
        "\"recipientAccountId\":\"123456789012\",\"eventType\":\"AwsApiCall\"}";
    st = proact_normalize(record, strlen(record), &result, &error);
    CHECK(st == PROACT_OK);
    CHECK(contains(result, "\"source\":\"aws.s3\""));
    CHECK(contains(result, "\"detail-type\":\"AWS API Call via CloudTrail\""));
    CHECK(contains(result, "\"errors\":[]"));
    proact_string_free(result);
    st = proact_normalize("{\"hello\":1}", 11, &result, &error);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    CHECK(result == NULL);
    CHECK(contains(error, "unrecognized payload"));
    proact_string_free(error);
    st = proact_normalize(NULL, 0, &result, &error);
    CHECK(st == PROACT_INVALID_ARGUMENT);
    proact_string_free(error);
  }

  proact_engine_free(engine);
  proact_engine_free(NULL);
  proact_policy_set_free(NULL);
  proact_string_free(NULL);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
