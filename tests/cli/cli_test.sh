#!/usr/bin/env bash
# CLI tests: runs the real `proact` binary. Usage: cli_test.sh PROACT SOURCE_DIR
set -u
PROACT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

check() {  # check NAME CONDITION-EXIT-CODE
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1"
  fi
}

expect_eq() {  # expect_eq NAME ACTUAL EXPECTED
  if [ "$2" == "$3" ]; then check "$1" 0; else
    check "$1" 1
    echo "  expected: $3"
    echo "  actual:   $2"
  fi
}

expect_contains() {  # expect_contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then check "$1" 0; else
    check "$1" 1
    echo "  '$3' not in $2:"; sed 's/^/    /' "$2"
  fi
}

# --- help and usage ---------------------------------------------------------
"$PROACT" --help > "$TMP/out" 2>&1; expect_eq "proact --help exits 0" $? 0
expect_contains "proact --help lists commands" "$TMP/out" "validate PATH..."
"$PROACT" validate --help > "$TMP/out" 2>&1; expect_eq "validate --help exits 0" $? 0
"$PROACT" eval --help > "$TMP/out" 2>&1; expect_eq "eval --help exits 0" $? 0
expect_contains "eval --help documents --input" "$TMP/out" "--input raw"
"$PROACT" frobnicate > /dev/null 2>&1; expect_eq "unknown command exits 2" $? 2
"$PROACT" eval "$SRC/examples/quickstart/events.jsonl" > /dev/null 2>"$TMP/err"; expect_eq "eval without --rules exits 2" $? 2
expect_contains "eval without --rules says so" "$TMP/err" "--rules PATH is required"
"$PROACT" eval --rules x --input weird > /dev/null 2>&1; expect_eq "bad --input exits 2" $? 2
"$PROACT" version > "$TMP/out"; expect_contains "version" "$TMP/out" "proact 0.1.0"

# --- validate ---------------------------------------------------------------
"$PROACT" validate "$SRC/examples/quickstart" > "$TMP/out" 2>"$TMP/err"
expect_eq "validate quickstart exits 0" $? 0
expect_contains "validate reports count" "$TMP/out" "ok: 3 policies in 2 files"
"$PROACT" validate --budget "$SRC/examples/quickstart" > "$TMP/out" 2>"$TMP/err"
expect_eq "validate --budget exits 0" $? 0
expect_contains "validate --budget keeps the count line" "$TMP/out" "ok: 3 policies in 2 files"
expect_contains "validate --budget lists policies" "$TMP/out" "budget by policy (costliest first):"
expect_contains "validate --budget totals the set" "$TMP/out" "budget of the set (default limits): regex memory 0 of 268435456 bytes (0.0%), regexes 0 of 1024 (0.0%)"

"$PROACT" validate "$SRC/tests/compile/testdata/unknown_keys.yaml" > "$TMP/out" 2>"$TMP/err"
expect_eq "validate bad file exits 1" $? 1
expect_contains "validate prints file:line:col" "$TMP/err" "unknown_keys.yaml:5:5: error: unknown key 'mach' in policy (did you mean 'match'?) [unknown-key]"
expect_contains "validate prints the caret line" "$TMP/err" "        mach:"

"$PROACT" validate "$SRC/tests/compile/testdata/never_matches.yaml" > "$TMP/out" 2>"$TMP/err"
expect_eq "warnings alone exit 0" $? 0
expect_contains "warnings are printed" "$TMP/err" "warning: policy 'contradiction' can never match"

"$PROACT" validate "$TMP/does-not-exist" > /dev/null 2>"$TMP/err"
expect_eq "missing path exits 1" $? 1
expect_contains "missing path is named" "$TMP/err" "does-not-exist: no such file or directory"

# Directories are searched recursively for *.yaml/*.yml; hidden ones skipped.
mkdir -p "$TMP/rules/sub" "$TMP/rules/.hidden"
printf 'policies:\n  - id: a\n    match: {source: [a]}\n' > "$TMP/rules/a.yaml"
printf 'policies:\n  - id: b\n    match: {source: [a]}\n' > "$TMP/rules/sub/b.yml"
printf 'not: [valid\n' > "$TMP/rules/.hidden/broken.yaml"
printf 'ignored' > "$TMP/rules/notes.txt"
"$PROACT" validate "$TMP/rules" > "$TMP/out" 2>"$TMP/err"
expect_eq "directory validate exits 0" $? 0
expect_contains "directory validate counts files" "$TMP/out" "ok: 2 policies in 2 files"
printf 'policies:\n  - id: a\n    match: {source: [b]}\n' > "$TMP/rules/sub/dup.yaml"
"$PROACT" validate "$TMP/rules" > /dev/null 2>"$TMP/err"
expect_eq "duplicate id across files exits 1" $? 1
expect_contains "duplicate id names both places" "$TMP/err" "dup.yaml:2:9: error: duplicate policy id 'a'; first defined at $TMP/rules/a.yaml:2:9"
rm "$TMP/rules/sub/dup.yaml"

# --- eval -------------------------------------------------------------------
(cd "$SRC" && "$PROACT" eval --rules examples/quickstart/policies.yaml examples/quickstart/events.jsonl > "$TMP/out")
expect_eq "eval quickstart exits 0" $? 0
if diff -u "$SRC/examples/quickstart/expected.jsonl" "$TMP/out" > "$TMP/diff"; then check "eval quickstart output" 0; else check "eval quickstart output" 1; cat "$TMP/diff"; fi

# Load order: files sorted by path, then file order.
printf '{"source":"a","detail-type":"t","id":"1"}\n' | "$PROACT" eval --rules "$TMP/rules" > "$TMP/out"
expect_eq "eval reads stdin, matches in load order" "$(cat "$TMP/out")" '{"id":"1","source":"a","detail-type":"t","matches":[{"policy":"a","mode":"enforce","severity":"medium","actions":[],"errors":[]},{"policy":"b","mode":"enforce","severity":"medium","actions":[],"errors":[]}]}'

# Bad lines: an error line each, the rest still processed, exit 1.
printf '{"source":"a","detail-type":"t","id":"1"}\n\n{"source": \n{"source":"zzz","detail-type":"t","id":"3"}\n[1]\n' > "$TMP/events.jsonl"
"$PROACT" eval --rules "$TMP/rules/a.yaml" "$TMP/events.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "eval with bad lines exits 1" $? 1
expect_eq "eval output has one line per non-blank input line" "$(wc -l < "$TMP/out")" 4
expect_eq "bad line 3 gives an error line" "$(sed -n 2p "$TMP/out" | cut -c1-30)" '{"line":3,"error":"invalid JSO'
expect_eq "line 4 is still evaluated" "$(sed -n 3p "$TMP/out")" '{"id":"3","source":"zzz","detail-type":"t","matches":[]}'
expect_eq "non-object line" "$(sed -n 4p "$TMP/out" | cut -c1-65)" '{"line":5,"origin":"[0]","error":"unrecognized payload (a number)'
expect_contains "stderr names file and line" "$TMP/err" "$TMP/events.jsonl:3: error: invalid JSON"

# eval checks each line in full unless told to read only what policies use.
printf '{"source":"a","detail-type":"t","q":{"a":tru}}\n' > "$TMP/damaged.jsonl"
"$PROACT" eval --rules "$TMP/rules/a.yaml" "$TMP/damaged.jsonl" > "$TMP/out" 2>/dev/null
expect_eq "eval rejects damage in unread fields" "$(cut -c1-31 "$TMP/out")" '{"line":1,"error":"invalid JSON'
printf '{"source":"a","detail-type":"t","q":[1,2]}\n' > "$TMP/fine.jsonl"
"$PROACT" eval --rules "$TMP/rules/a.yaml" --no-validate-json "$TMP/fine.jsonl" > "$TMP/out" 2>/dev/null
expect_eq "--no-validate-json evaluates" "$(cat "$TMP/out")" '{"id":null,"source":"a","detail-type":"t","matches":[{"policy":"a","mode":"enforce","severity":"medium","actions":[],"errors":[]}]}'

# A damaged first line does not swallow the stream: later lines still count.
printf '\n\n{"source": \n{"source":"a","detail-type":"t","id":"9"}\n' | "$PROACT" eval --rules "$TMP/rules/a.yaml" > "$TMP/out" 2>/dev/null
expect_eq "first-line error keeps its line number" "$(head -1 "$TMP/out" | cut -c1-10)" '{"line":3,'
expect_eq "the next line is still evaluated" "$(sed -n 2p "$TMP/out" | cut -c1-10)" '{"id":"9",'

# --input auto wants EventBridge-shaped events; raw takes anything.
printf '{"source":"a"}\n' > "$TMP/raw.jsonl"
"$PROACT" eval --rules "$TMP/rules/a.yaml" "$TMP/raw.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "auto rejects non-EventBridge payloads" $? 1
expect_contains "auto explains" "$TMP/err" "unrecognized payload"
"$PROACT" eval --rules "$TMP/rules/a.yaml" --input raw "$TMP/raw.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "raw accepts it" $? 0
expect_eq "raw matches it" "$(cat "$TMP/out")" '{"id":null,"source":"a","detail-type":null,"matches":[{"policy":"a","mode":"enforce","severity":"medium","actions":[],"errors":[]}]}'
"$PROACT" plan --rules "$TMP/rules/a.yaml" --input raw "$TMP/raw.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "plan --input raw accepts it" $? 0
# docs/sources.md#sources-as-data: which definition recognized a payload.
(cd "$SRC" && "$PROACT" normalize --explain-sources --header X-PagerDuty-Signature:v1=00 \
    tests/data/corpus/webhooks/pagerduty/incident.priority_updated.go-pagerduty.json) > "$TMP/out" 2>"$TMP/err"
expect_eq "normalize --explain-sources exits 0" $? 0
expect_contains "explain-sources names the definition that recognized it" "$TMP/err" "recognized by pagerduty ((built-in) rules/sources/pagerduty.yaml:"
expect_contains "explain-sources says why github did not" "$TMP/err" "NO   headers.x-github-event = missing; headers has x-pagerduty-signature"
expect_contains "the envelope is PagerDuty's" "$TMP/out" '"source":"pagerduty"'
"$PROACT" explain --rules "$TMP/rules/a.yaml" --input raw "$TMP/raw.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "explain --input raw accepts it" $? 0
expect_contains "explain --input raw matches it" "$TMP/out" "): MATCHED"
"$PROACT" explain --rules "$TMP/rules/a.yaml" "$TMP/raw.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "explain --input auto rejects it" $? 1
expect_contains "explain --input auto says why" "$TMP/err" "raw.jsonl:1: error: unrecognized payload"
expect_contains "the advice names --input raw" "$TMP/err" "(\`--input raw\` on the command line)"

"$PROACT" eval --rules "$SRC/tests/compile/testdata/templates.yaml" "$TMP/raw.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "eval with bad policies exits 1" $? 1
expect_contains "eval prints policy diagnostics" "$TMP/err" "templates.yaml:9:39: error: unknown filter 'lowr'"

# --- normalize and mixed sources --------------------------------------------
SHARED=${PROACT_TESTDATA_DIR:-$SRC/tests/data}
"$PROACT" normalize --help > "$TMP/out"; expect_eq "normalize --help exits 0" $? 0
# A pretty-printed file is one document: a CloudTrail log file gives one envelope per record.
"$PROACT" normalize "$SHARED/corpus/aws/cloudtrail-logfile.insights-pair.awsdocs.json" > "$TMP/out"
expect_eq "normalize a CloudTrail log file exits 0" $? 0
expect_eq "one envelope per record" "$(wc -l < "$TMP/out")" 2
expect_contains "CloudTrail Insights detail-type" "$TMP/out" '"detail-type":"AWS Insight via CloudTrail"'
"$PROACT" normalize "$SHARED/corpus/lambda/sqs.batch.powertools.json" > "$TMP/out" 2>"$TMP/err"
expect_eq "normalize with unreadable SQS bodies exits 1" $? 1
expect_contains "the failing SQS body is named" "$TMP/err" ".Records[0].body: invalid JSON"
# One stream mixing sources and envelopes, one payload per line.
python3 - "$SHARED/corpus" > "$TMP/mixed.jsonl" <<'PY'
import json, sys
corpus = sys.argv[1]
for f in ["aws/cloudtrail.s3-putBucketAcl.panther.json", "lambda/sns.aws-lambda-go.json",
          "gcp/audit-log.storage-setIamPermissions-allUsers.panther.json",
          "okta/event-hook.delivery.user-session-start.okta-docs.json",
          "azure/eventgrid.resource-write-success.eventgrid-schema.json",
          "cloudevents/spec.example.json", "aws/eventbridge.ec2-instance-state-change.custodian.json"]:
    print(json.dumps(json.load(open(corpus + "/" + f))))
body = json.dumps(json.load(open(corpus + "/github/repository.publicized.json")))
print(json.dumps({"version": "2.0", "rawPath": "/gh", "headers": {"x-github-event": "repository",
      "x-github-delivery": "d-77", "x-hub-signature-256": "sha256=0000"},
      "requestContext": {"http": {"method": "POST"}}, "body": body, "isBase64Encoded": False}))
PY
cat > "$TMP/mixed-rules.yaml" <<'YAML'
policies:
  - id: s3-acl
    match: {source: [aws.s3], detail: {eventName: [PutBucketAcl]}}
  - id: gcs-public
    match: {source: [gcp.storage], detail: {protoPayload: {methodName: [{prefix: storage.setIam}]}}}
  - id: okta-login
    match: {source: [okta], detail: {eventType: [user.session.start]}}
  - id: azure-write
    match: {source: [azure.resources], detail-type: [Microsoft.Resources.ResourceWriteSuccess]}
  - id: sns
    match: {source: [aws.sns]}
  - id: repo-public
    match: {source: [github], detail-type: [repository], detail: {action: [publicized]}}
YAML
"$PROACT" eval --rules "$TMP/mixed-rules.yaml" "$TMP/mixed.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "mixed stream without a GitHub secret exits 0" $? 0
expect_eq "mixed stream: one decision per event" "$(wc -l < "$TMP/out")" 8
expect_eq "mixed stream: matched policies in order" "$(python3 -c "import json,sys; print(' '.join(','.join(m['policy'] for m in json.loads(l)['matches']) or '-' for l in open(sys.argv[1])))" "$TMP/out")" "s3-acl sns gcs-public okta-login azure-write - - repo-public"
PROACT_GITHUB_SECRET=s3cr3t "$PROACT" eval --rules "$TMP/mixed-rules.yaml" "$TMP/mixed.jsonl" > "$TMP/out" 2>"$TMP/err"
expect_eq "a badly signed webhook fails its line" $? 1
expect_contains "the rejection is explained" "$TMP/err" "mixed.jsonl:8: error: rejected: github signature does not match the body"
expect_eq "the other payloads are still evaluated" "$(grep -c '"matches"' "$TMP/out")" 7

# --- the shipped pack --------------------------------------------------------
"$PROACT" validate "$SRC/rules" > "$TMP/out" 2>"$TMP/err"
expect_eq "the pack validates" $? 0
expect_eq "the pack has no warnings" "$(grep -c warning "$TMP/err")" 0

# --- test and explain ---------------------------------------------------------
"$PROACT" test --help > "$TMP/out"; expect_eq "test --help exits 0" $? 0
"$PROACT" test -v --coverage "$SRC/examples/quickstart" > "$TMP/out"
expect_eq "quickstart tests pass" $? 0
expect_eq "closing line" "$(tail -1 "$TMP/out")" "5 passed, 0 failed"
expect_contains "coverage lists cases per policy" "$TMP/out" "guardduty-high-severity: 2 cases"
"$PROACT" test --format junit "$TMP/junit.xml" "$SRC/tests/testing/failing" > "$TMP/out"
expect_eq "failing cases fail the run" $? 1
expect_eq "failing closing line" "$(tail -1 "$TMP/out")" "1 passed, 6 failed"
expect_contains "a wrong expectation shows expected vs actual" "$TMP/out" "matches: expected [root-login], got []"
expect_contains "and the field that failed" "$TMP/out" 'NO   detail.userIdentity.type = "IAMUser"  wants "Root"'
expect_contains "an unknown policy is an error" "$TMP/out" "unknown policy 'root-logon' (did you mean 'root-login'?)"
expect_contains "a missing fixture is an error" "$TMP/out" "nowhere.json does not exist or cannot be read"
expect_contains "an event that does not normalize is an error" "$TMP/out" "event 1 failed to normalize: unrecognized payload"
expect_contains "a case without expectations is an error" "$TMP/out" "the case has no expectations"
expect_contains "wrong params show what was rendered" "$TMP/out" 'root-login: notify {"who":"arn:aws:iam::1:root"}'
expect_contains "failures name file:line" "$TMP/out" "failing/policies.yaml:10:5: FAIL: wrong expectation about a non-root login"
expect_contains "JUnit XML has the failures" "$TMP/junit.xml" '<testsuite name="proact policy tests" tests="7" failures="6">'
"$PROACT" test "$SRC/tests/testing/broken" > "$TMP/out" 2>"$TMP/err"
expect_eq "a policy that does not compile fails the run" $? 1
expect_contains "with its diagnostic" "$TMP/err" "broken/policies.yaml:3:21: error: 'source' must be an object or an array"
printf 'policies:\n  - id: a\n    match: {source: [a]}\n  - id: b\n    match: {source: [b]}\ntests:\n  - name: t\n    policy: a\n    event: {source: a, detail-type: x}\n    expect: {matches: [a]}\n' > "$TMP/cov.yaml"
"$PROACT" test --coverage "$TMP/cov.yaml" > "$TMP/out"
expect_eq "--coverage alone does not fail" $? 0
expect_contains "untested policies are listed" "$TMP/out" "untested: b"
"$PROACT" test --require-coverage "$TMP/cov.yaml" > "$TMP/out"
expect_eq "--require-coverage fails on untested policies" $? 1
# An except entry with a typo (userName spelt username) never suppresses;
# --require-coverage finds it by its missing case, and a policy whose only
# case expects no match is not tested where it acts.
printf 'policies:\n  - id: root-login\n    match: {detail-type: [AWS Console Sign In via CloudTrail], detail: {userIdentity: {type: [Root]}}}\n    except:\n      - detail: {sourceIPAddress: [{cidr: 10.0.0.0/8}]}\n      - detail: {userIdentity: {username: [break-glass]}}\n  - id: quiet\n    match: {source: [q]}\ntests:\n  - name: from the office network\n    policy: root-login\n    event: {source: aws.signin, detail-type: AWS Console Sign In via CloudTrail, detail: {userIdentity: {type: Root, userName: break-glass}, sourceIPAddress: 10.1.2.3}}\n    expect: {excludes: [root-login]}\n  - name: quiet stays quiet\n    policy: quiet\n    event: {source: r, detail-type: x}\n    expect: {matches: []}\n' > "$TMP/exc.yaml"
"$PROACT" test --coverage "$TMP/exc.yaml" > "$TMP/out" 2>"$TMP/err"
expect_eq "--coverage reports except coverage without failing" $? 0
expect_contains "a field no test event has is a warning, with the field the events have" "$TMP/err" "$TMP/exc.yaml:6:33: warning: no test event of policy root-login has detail.userIdentity.username; they have detail.userIdentity.userName [absent-field]"
expect_contains "except entries counted" "$TMP/out" "coverage: 1 of 2 except entries suppress a match in some case"
"$PROACT" test --require-coverage "$TMP/exc.yaml" > "$TMP/out"
expect_eq "--require-coverage fails on an except that never suppresses" $? 1
expect_contains "names the except entry" "$TMP/out" "policy root-login: except 2 ($TMP/exc.yaml:6:9): no case in which it suppresses a match"
expect_contains "names a policy never seen matching" "$TMP/out" "policy root-login: no case in which it matches"
expect_contains "and one whose only case expects no match" "$TMP/out" "policy quiet: no case in which it matches"
# Absent fields warn without failing; exists: false fields are exempt, and a
# field at the wrong level is matched by its last key.
printf 'policies:\n  - id: a\n    match: {source: [a], detail: {eventname: [x], gone: [{exists: false}], user: [u]}}\ntests:\n  - name: t\n    policy: a\n    event: {source: a, detail-type: x, detail: {eventName: y, who: {user: u}}}\n    expect: {matches: []}\n' > "$TMP/absent.yaml"
"$PROACT" test "$TMP/absent.yaml" > "$TMP/out" 2>"$TMP/err"
expect_eq "absent fields do not fail the run" $? 0
expect_contains "absent field: typo" "$TMP/err" "$TMP/absent.yaml:3:35: warning: no test event of policy a has detail.eventname; they have detail.eventName [absent-field]"
expect_contains "absent field: wrong level" "$TMP/err" "$TMP/absent.yaml:3:76: warning: no test event of policy a has detail.user; they have detail.who.user [absent-field]"
expect_eq "exists: false fields are exempt" "$(grep -c 'detail.gone' "$TMP/err")" 0
expect_eq "two absent-field warnings" "$(grep -c 'absent-field' "$TMP/err")" 2
"$PROACT" test "$SRC/docs/examples/operators" > "$TMP/out" 2>"$TMP/err"
expect_eq "a run with no test case fails" $? 1
expect_contains "and says why" "$TMP/err" "no test cases found"
"$PROACT" explain --rules "$SRC/examples/quickstart/policies.yaml" --policy guardduty-high-severity "$SRC/examples/quickstart/events.jsonl" > "$TMP/out"
expect_eq "explain exits 0" $? 0
expect_contains "explain shows the numeric test" "$TMP/out" 'yes  detail.severity = 5  wants numeric [">=", 4]'
"$PROACT" explain --rules "$SRC/examples/quickstart/policies.yaml" "$SRC/examples/quickstart/events.jsonl" > "$TMP/out"
expect_contains "explain shows the except entry" "$TMP/out" "except 1: does not hold"
# A field the event lacks is explained with the field it has.
printf 'policies:\n  - id: typo\n    match: {source: [aws.s3], detail: {eventname: [CreateBucket]}}\ntests:\n  - name: bucket created\n    policy: typo\n    event: {source: aws.s3, detail-type: x, detail: {eventName: CreateBucket}}\n    expect: {matches: [typo]}\n' > "$TMP/typo.yaml"
printf '{"source":"aws.s3","detail-type":"x","detail":{"eventName":"CreateBucket"}}\n' > "$TMP/typo.json"
"$PROACT" explain --rules "$TMP/typo.yaml" --input raw "$TMP/typo.json" > "$TMP/out"
expect_contains "explain names the field the event has" "$TMP/out" "NO   detail.eventname = missing; the event has detail.eventName"
"$PROACT" test "$TMP/typo.yaml" > "$TMP/out" 2>&1
expect_eq "a case failing on a misspelt field fails" $? 1
expect_contains "and its failure names the field the event has" "$TMP/out" "detail.eventname = missing; the event has detail.eventName"
"$PROACT" explain --rules "$SRC/docs/examples/local-time/policies.yaml" --policy deploy-outside-berlin-office-hours "$SRC/docs/examples/local-time/events.jsonl" > "$TMP/out"
expect_contains "explain shows the local-time test" "$TMP/out" 'yes  time = "2024-05-07T10:00:00Z"  wants local-time {zone: Europe/Berlin, days: [mon, tue, wed, thu, fri], between: ["08:00", "18:00"]}'
expect_contains "explain shows the local time it computed" "$TMP/out" 'local time: Tue 2024-05-07 12:00:00 +02:00 (CEST) in Europe/Berlin: inside'
expect_contains "explain shows a local time in winter" "$TMP/out" 'local time: Tue 2024-01-09 07:30:00 +01:00 (CET) in Europe/Berlin: outside'
"$PROACT" explain --rules "$SRC/examples/quickstart/policies.yaml" --policy nope "$SRC/examples/quickstart/events.jsonl" > /dev/null 2>"$TMP/err"
expect_eq "explain of an unknown policy fails" $? 1
expect_contains "and says so" "$TMP/err" "no policy with id 'nope'"

# --- bench ------------------------------------------------------------------
"$PROACT" serve --help > "$TMP/out"; expect_eq "serve --help exits 0" $? 0
expect_contains "serve --help names the port variables" "$TMP/out" "FUNCTIONS_CUSTOMHANDLER_PORT"
"$PROACT" serve --rules "$SRC/rules" --bogus > /dev/null 2>&1; expect_eq "serve with a bad option exits 2" $? 2
"$PROACT" serve --rules "$TMP/nonexistent" --port 0 > /dev/null 2>&1; expect_eq "serve with missing rules exits 1" $? 1
"$PROACT" report --help > "$TMP/out"; expect_eq "report --help exits 0" $? 0
"$PROACT" bench --help > "$TMP/out"; expect_eq "bench --help exits 0" $? 0
expect_contains "bench --help explains --expected" "$TMP/out" "--expected FILE"
printf '[{"source":["a"]},{"source":["b"]}]' > "$TMP/patterns.json"
printf '{"source":"a"}\n{"source":"b"}\n{"source":"c"}\n' > "$TMP/bench-events.jsonl"
printf '[0]\n[1]\n[]\n' > "$TMP/bench-expected.jsonl"
"$PROACT" bench --patterns "$TMP/patterns.json" --events "$TMP/bench-events.jsonl" --expected "$TMP/bench-expected.jsonl" --passes 1 --raw-events --json > "$TMP/out"
expect_eq "bench with matching expectations exits 0" $? 0
expect_contains "bench --json reports mismatches" "$TMP/out" '"mismatches":0'
expect_contains "bench --json reports events/s" "$TMP/out" '"events_per_second":'
expect_contains "bench --json reports --raw-events" "$TMP/out" '"raw_events":true'
# Without --raw-events, events that are not EventBridge envelopes are errors, the first one shown.
"$PROACT" bench --patterns "$TMP/patterns.json" --events "$TMP/bench-events.jsonl" --passes 1 --json > "$TMP/out" 2>"$TMP/err"
expect_eq "bench on non-envelope events exits 1" $? 1
expect_contains "bench counts them as errors" "$TMP/out" '"errors":3'
expect_contains "bench says why, once" "$TMP/err" 'bench-events.jsonl:1: event is not an EventBridge envelope: no string "detail-type" at the top level.'
expect_eq "bench prints one reason" "$(wc -l < "$TMP/err")" 1
printf '[0]\n[0]\n[]\n' > "$TMP/bench-expected.jsonl"
"$PROACT" bench --patterns "$TMP/patterns.json" --events "$TMP/bench-events.jsonl" --expected "$TMP/bench-expected.jsonl" --passes 1 --raw-events > "$TMP/out" 2>"$TMP/err"
expect_eq "bench with a wrong expectation exits 1" $? 1
expect_contains "bench names the mismatching event" "$TMP/err" "mismatch on event 2: expected [0], got [1]"
"$PROACT" bench --rules "$SRC/examples/quickstart" --events "$SRC/examples/quickstart/events.jsonl" --passes 1 > "$TMP/out"
expect_eq "bench on policy files exits 0" $? 0
expect_contains "bench reports rendered actions" "$TMP/out" "4 actions rendered"

# --- documentation examples stay true ---------------------------------------
for dir in "$SRC"/docs/examples/*/; do
  [ -f "$dir/events.jsonl" ] && [ -f "$dir/policies.yaml" ] || continue
  name=$(basename "$dir")
  (cd "$dir" && "$PROACT" eval --rules policies.yaml events.jsonl > "$TMP/out" 2>/dev/null)
  if diff -u "$dir/expected.jsonl" "$TMP/out" > "$TMP/diff"; then check "docs example $name" 0; else
    check "docs example $name" 1; cat "$TMP/diff"; fi
done

# --- overrides: docs/policy-language.md's team-overrides example ---------------
D="$SRC/docs/examples/team-overrides"
(cd "$D" && "$PROACT" eval --rules base --rules team events.jsonl > "$TMP/out" 2> "$TMP/err")
expect_eq "eval with a team folder exits 0" $? 0
if diff -u "$D/expected.jsonl" "$TMP/out" > "$TMP/diff"; then check "docs example team-overrides" 0; else
  check "docs example team-overrides" 1; cat "$TMP/diff"; fi
(cd "$D" && "$PROACT" eval --rules team --rules base events.jsonl > "$TMP/out2" 2> /dev/null)
if cmp -s "$TMP/out" "$TMP/out2"; then check "the order of --rules does not change overrides" 0; else
  check "the order of --rules does not change overrides" 1; fi
(cd "$D" && "$PROACT" validate base team > "$TMP/out" 2> "$TMP/err")
expect_eq "validate with overrides exits 0" $? 0
expect_contains "validate counts the policy once" "$TMP/out" "ok: 1 policy in 2 files"
(cd "$D" && "$PROACT" test --require-coverage base team > "$TMP/out" 2> "$TMP/err")
expect_eq "shipped and team cases pass together" $? 0
expect_eq "overrides closing line" "$(tail -1 "$TMP/out")" "5 passed, 0 failed"
(cd "$D" && "$PROACT" explain --rules base --rules team --policy s3-bucket-acl-public events.jsonl > "$TMP/out")
expect_contains "explain names the override" "$TMP/out" \
  "policy s3-bucket-acl-public (base/s3.yaml:10:5, overridden at team/s3-overrides.yaml:9:5): no match"
expect_contains "explain places the appended except field in the team's file" "$TMP/out" \
  'wants prefix "public-website-"  (team/s3-overrides.yaml:13)'
printf 'policies:\n  - override: s3-bucket-acl-publc\n    mode: dry-run\n  - override: s3-bucket-acl-public\n    match: {source: [aws.ec2]}\n' > "$TMP/bad-override.yaml"
"$PROACT" validate "$D/base" "$TMP/bad-override.yaml" > /dev/null 2> "$TMP/err"
expect_eq "a bad override fails validate" $? 1
expect_contains "an unknown id gets a did-you-mean" "$TMP/err" \
  "bad-override.yaml:2:15: error: override of policy 's3-bucket-acl-publc', which no loaded file defines (did you mean 's3-bucket-acl-public'?)"
expect_contains "replacing match is refused, saying what to write" "$TMP/err" \
  "bad-override.yaml:5:5: error: an override cannot replace the 'match' of policy 's3-bucket-acl-public': that is a different policy."

# --- field checks: docs/policy-language.md's example ---------------------------
D="$SRC/docs/examples/field-checks"
(cd "$D" && "$PROACT" validate --catalogues catalogues policies.yaml) > "$TMP/out" 2> "$TMP/err"
expect_eq "validate with field checks exits 1 on a field mistake" $? 1
if diff -u "$D/expected-validate.txt" "$TMP/err" > "$TMP/diff"; then check "docs example field-checks" 0; else
  check "docs example field-checks" 1; cat "$TMP/diff"; fi
(cd "$D" && "$PROACT" eval --rules policies.yaml /dev/null) > /dev/null 2>&1
expect_eq "eval does not run the field checks" $? 0
(cd "$D" && "$PROACT" test --catalogues catalogues policies.yaml) > "$TMP/out" 2> "$TMP/err"
expect_eq "test runs the field checks too" $? 1
expect_contains "test reports the field at its position" "$TMP/err" \
  "policies.yaml:11:20: error: detail.severity is a number in GuardDuty Finding events"
"$PROACT" validate --catalogues "$TMP/no-such-dir" "$D/policies.yaml" > /dev/null 2> "$TMP/err"
expect_eq "validate --catalogues with a missing folder exits 2" $? 2
"$PROACT" validate --catalogues "$SRC/tests/catalogues/testdata" "$SRC/examples/quickstart" "$SRC/rules" > "$TMP/out" 2> "$TMP/err"
expect_eq "the pack and quickstart pass the field checks with the test catalogues" $? 0
"$PROACT" validate "$SRC/rules" > "$TMP/out" 2> "$TMP/err"
expect_eq "the pack passes the field checks with the built-in catalogues" $? 0

# --- --header: a webhook body saved from GitHub, replayed as it arrived ------
GH="$SRC/rules/fixtures/github/branch_protection_rule.deleted.json"
"$PROACT" eval --rules "$SRC/rules" "$GH" > "$TMP/out" 2> "$TMP/err"
expect_eq "a GitHub body without its event header is an error" $? 1
expect_contains "which says to give the header" "$TMP/err" "--header X-GitHub-Event:NAME"
"$PROACT" eval --rules "$SRC/rules" --header "X-GitHub-Event: branch_protection_rule" "$GH" > "$TMP/out"
expect_eq "eval --header replays it" $? 0
expect_contains "and the pack's policy matches" "$TMP/out" '"policy":"github-branch-protection-deleted"'
"$PROACT" normalize --header X-GitHub-Event:branch_protection_rule "$GH" > "$TMP/out"
expect_contains "normalize --header gives the event type" "$TMP/out" '"detail-type":"branch_protection_rule"'
"$PROACT" explain --rules "$SRC/rules" --policy github-branch-protection-deleted --header X-GitHub-Event:branch_protection_rule "$GH" > "$TMP/out"
expect_contains "explain --header too" "$TMP/out" "policy github-branch-protection-deleted"
"$PROACT" normalize --header NoColon "$GH" > /dev/null 2> "$TMP/err"
expect_eq "a header without NAME: is bad usage" $? 2
expect_contains "named in the message" "$TMP/err" "--header takes NAME:VALUE, not 'NoColon'"

# --- proact plan and proact permissions: docs/remediation.md's example -------
D="$SRC/docs/examples/remediation"
(cd "$D" && "$PROACT" plan --rules policies.yaml events.jsonl > "$TMP/plan.jsonl" 2> "$TMP/plan.err")
expect_eq "plan exits 1 when an action cannot be planned" $? 1
if diff -u "$D/expected-plan.jsonl" "$TMP/plan.jsonl" > "$TMP/diff"; then check "docs example remediation plan" 0; else
  check "docs example remediation plan" 1; cat "$TMP/diff"; fi
expect_contains "plan names the line and the parameter on stderr" "$TMP/plan.err" \
  "events.jsonl:3: error: s3-bucket-made-public: action 'example.s3.block_public_access': parameter 'bucket' is"
(cd "$D" && "$PROACT" plan --rules policies.yaml events.jsonl > "$TMP/plan2.jsonl" 2>/dev/null)
if cmp -s "$TMP/plan.jsonl" "$TMP/plan2.jsonl"; then check "plan output is stable" 0; else check "plan output is stable" 1; fi
(cd "$D" && "$PROACT" permissions policies.yaml > "$TMP/perm.json")
expect_eq "permissions exits 0" $? 0
if diff -u "$D/expected-permissions.json" "$TMP/perm.json" > "$TMP/diff"; then check "docs example remediation permissions" 0; else
  check "docs example remediation permissions" 1; cat "$TMP/diff"; fi
printf '%s\n' '{"matches":[{"policy":"p","actions":[{"outcome":"succeeded"},{"outcome":"already_compliant"},{"outcome":"failed_retryable"},{"outcome":"manual"}]}]}' > "$TMP/outcomes.log"
"$PROACT" report --format csv "$TMP/outcomes.log" > "$TMP/out"
for want in "all,p,matches,1," "all,p,executed,1," "all,p,already_compliant,1," "all,p,failed,1," \
            "all,p,manual,1," "all,p,remediations,0,"; do
  expect_contains "report counts the remediation outcomes ($want)" "$TMP/out" "$want"
done

# --- proact serve: the README's snippet, with real curl over loopback -------------
if command -v curl > /dev/null; then
  (cd "$SRC" && exec env PORT=0 PROACT_LOG_LEVEL=INFO "$PROACT" serve --rules rules/ --host 127.0.0.1 > "$TMP/serve.log" 2>&1) &
  serve_pid=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*"message":"listening".*"port":\([0-9]*\).*/\1/p' "$TMP/serve.log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  curl -s "localhost:$port/healthz" > "$TMP/out"
  expect_contains "serve /healthz" "$TMP/out" '{"policies":58,"status":"ok"}'
  (cd "$SRC" && curl -s -XPOST "localhost:$port/" -H 'content-type: application/json' \
    --data-binary @rules/fixtures/aws/cloudtrail-records.stopLogging.stratus.json) > "$TMP/out"
  expect_contains "serve evaluates the README's event" "$TMP/out" '"matches":1'
  kill "$serve_pid"
  wait "$serve_pid"
  expect_eq "serve exits 0 on SIGTERM" $? 0
  expect_contains "serve logs the decision" "$TMP/serve.log" '"policy":"aws-cloudtrail-logging-stopped"'
fi

# --- proact report on a decision log written by `proact serve` -----------------
R="$SRC/docs/examples/report"
"$PROACT" report "$R/decisions.log" > "$TMP/out"
expect_eq "report exits 0" $? 0
if diff -u "$R/expected.txt" "$TMP/out" > "$TMP/diff"; then check "docs example report (text)" 0; else
  check "docs example report (text)" 1; cat "$TMP/diff"; fi
"$PROACT" report --format csv "$R/decisions.log" > "$TMP/out"
if diff -u "$R/expected.csv" "$TMP/out" > "$TMP/diff"; then check "docs example report (csv)" 0; else
  check "docs example report (csv)" 1; cat "$TMP/diff"; fi
# Two buckets created, each remediated (savings 30 min, 12.5 USD): 1 hour, 25 USD.
expect_contains "report counts savings of executed remediations" "$TMP/out" \
  "all,s3-bucket-created,human_cost_usd,25,USD,remediations x savings.usd = 2 x 12.5"
expect_contains "report counts a failed action" "$TMP/out" "all,ec2-state-change,failed,1,"
"$PROACT" report --format json --memory-mb 256 "$R/decisions.log" > "$TMP/out"
expect_contains "report json totals" "$TMP/out" '"usd_saved": 25.0'
expect_contains "report json memory" "$TMP/out" '"memory_mb": 256.0'
# eval output has no outcomes: actions are counted as rendered, savings need --rules.
"$PROACT" eval --rules "$R/policies.yaml" "$SHARED/corpus/aws/eventbridge.cloudtrail-s3-createBucket.custodian.json" > "$TMP/eval.jsonl"
"$PROACT" report --format csv --rules "$R/policies.yaml" "$TMP/eval.jsonl" > "$TMP/out"
expect_contains "report reads eval output" "$TMP/out" "all,s3-bucket-created,rendered,1,"
"$PROACT" report --rules "$R/policies.yaml" "$TMP/eval.jsonl" > "$TMP/out"
expect_contains "report counts every eval decision line as an event" "$TMP/out" "events: 1 (from decision lines)"
expect_contains "report on eval output bills no platform" "$TMP/out" "none (no REPORT or \`proact serve\` lines"
printf '%s\n' '{"matches":[{"policy":"p","actions":[{"outcome":1}],"remediated":"yes"}]}' \
  '{"_aws":{},"EventsEvaluated":1e300}' 'START RequestId: x' > "$TMP/odd.log"
"$PROACT" report --format csv "$TMP/odd.log" > "$TMP/out" 2>&1
expect_eq "report survives lines of other programs" $? 0
expect_contains "report skips what it cannot read" "$TMP/out" "all,TOTAL,matches,0,"
"$PROACT" report --format yaml "$R/decisions.log" > /dev/null 2>&1
expect_eq "report with a bad format exits 2" $? 2
"$PROACT" report /nonexistent.log > /dev/null 2>&1
expect_eq "report on a missing file exits 1" $? 1
# The Lambda example: the real bootstrap's lines and the REPORT lines, as
# `aws logs filter-log-events` prints them (tests/host/lambda_report_test.cc).
"$PROACT" report "$R/lambda-filter-log-events.json" > "$TMP/out"
if diff -u "$R/expected-lambda.txt" "$TMP/out" > "$TMP/diff"; then check "docs example report (Lambda)" 0; else
  check "docs example report (Lambda)" 1; cat "$TMP/diff"; fi
"$PROACT" report --period week --price-per-gb-second 0.0000133334 "$R/lambda-filter-log-events.json" > "$TMP/out"
expect_contains "report --period week" "$TMP/out" "week of 2026-11-23, TOTAL"
expect_contains "a price flag overrides the default and says so" "$TMP/out" \
  "GB-second price  0.0000133334 USD (--price-per-gb-second 0.0000133334)"
"$PROACT" report --platform cloud-run --vcpu 2 --memory-mb 1024 "$R/decisions.log" > "$TMP/out"
expect_contains "report --platform cloud-run --vcpu 2" "$TMP/out" "billed seconds x vCPU = 0.3 x 2"
# `aws logs tail` output: timestamp and stream before each message.
printf '%s\n' '2026-11-29T17:32:36.024000+00:00 2026/11/29/[$LATEST]abc REPORT RequestId: a1	Duration: 2.00 ms	Billed Duration: 3 ms	Memory Size: 256 MB	Max Memory Used: 20 MB	' \
  '2026-11-29T17:32:36.020000+00:00 2026/11/29/[$LATEST]abc {"level":"INFO","location":"proact.decision","function_request_id":"a1","matches":[{"policy":"p","actions":[{"outcome":"succeeded"}],"remediated":true,"savings_usd":10,"savings_minutes":6}]}' \
  > "$TMP/tail.log"
"$PROACT" report --format csv "$TMP/tail.log" > "$TMP/out"
expect_contains "report reads aws logs tail output (cost)" "$TMP/out" \
  "all,TOTAL,platform_cost_usd,0.000000212500025,USD,billed executions x request price + GB-s x GB-s price = 1 x 0.0000002 + 0.00075 x 0.0000166667"
expect_contains "report reads aws logs tail output (net)" "$TMP/out" \
  "2026-11-29,p,net_savings_usd,9.9999997875,USD,human cost avoided - platform cost = 10 - 0.000000212500025"
# Lambda's JSON log format: the REPORT is a platform.report record.
printf '%s\n' '{"time":"2026-11-29T17:32:36.040Z","type":"platform.report","record":{"requestId":"b2","metrics":{"durationMs":2.5,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":20,"initDurationMs":100.5},"status":"success"}}' \
  '{"level":"INFO","location":"proact.decision","timestamp":"2026-11-29T17:32:36.038Z","function_request_id":"b2","matches":[]}' \
  > "$TMP/json-format.log"
"$PROACT" report --format csv "$TMP/json-format.log" > "$TMP/out"
expect_contains "report reads platform.report records" "$TMP/out" \
  "all,TOTAL,gb_seconds,0.000375,GB-s,sum of (Billed Duration ms x Memory Size MB) / 1024000 = 384 / 1024000"
expect_contains "report counts the cold start of a platform.report record" "$TMP/out" "cold starts: 1, Init Duration 100.5 ms"
"$PROACT" report --period month "$R/decisions.log" > /dev/null 2> "$TMP/err"
expect_eq "report with a bad period exits 2" $? 2
expect_contains "report names the periods" "$TMP/err" "--period must be day or week"
"$PROACT" report --price-per-request abc "$R/decisions.log" > /dev/null 2> "$TMP/err"
expect_eq "report with a bad price exits 2" $? 2
expect_contains "report says what to write for a price" "$TMP/err" "write a price in USD, e.g. 0.0000166667"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
