#!/usr/bin/env bash
# bench/serve_load.sh still works: a tiny run (1 s per cell, 4/8/16 clients,
# 200 events) must print the engine reference and all six rows of its table
# with no failed request. Timing is not asserted: the machine running the
# tests is shared. Skipped (77) without wrk. Usage: serve_load_test.sh PROACT SOURCE_DIR
set -u
PROACT=$1
SRC=$2
out=$(bash "$SRC/bench/serve_load.sh" --proact "$PROACT" --duration 1 --clients "4 8 16" \
        --events 200 --passes 1 --threads 2 2>&1)
status=$?
echo "$out"
[ "$status" -eq 77 ] && exit 77
if [ "$status" -ne 0 ]; then
  echo "FAIL: bench/serve_load.sh exited $status"
  exit 1
fi
fail=0
echo "$out" | grep -Eq '^engine alone .*: [0-9,]+ events/s; normalize \+ evaluate .*: [0-9,]+ events/s$' ||
  { echo "FAIL: no engine reference line"; fail=1; }
for body in "non-matching" "matching"; do
  for c in 4 8 16; do
    echo "$out" | grep -Eq "^\| $body \([0-9]+ B[^)]*\) \| $c \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| 0 \| [0-9]+ \| [0-9.]+% \|$" ||
      { echo "FAIL: no row for $body bodies with $c clients"; fail=1; }
  done
done
[ "$fail" -eq 0 ] && echo "serve_load: 6 rows"
exit "$fail"
