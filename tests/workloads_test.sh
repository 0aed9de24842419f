#!/usr/bin/env bash
# The fast path gives the reference answers: generates the benchmark
# workloads W1-W3 (small, deterministic) with the project's generator
# (bench/workloads/gen_workloads.py, whose expected sets come from the naive
# reference matcher bench/workloads/reference_match.py, not from the engine)
# and checks `proact bench --expected` finds no mismatch. Correctness only:
# no timing is asserted. Usage: workloads_test.sh PROACT SOURCE_DIR WORK_DIR
set -eu
PROACT=$1
SRC=$2
WORK=$3
python3 "$SRC/bench/workloads/reference_match.py" --self-test
rm -rf "$WORK"
mkdir -p "$WORK"
python3 "$SRC/bench/workloads/gen_workloads.py" --out "$WORK" --events 3000 > /dev/null
python3 "$SRC/bench/workloads/gen_workloads.py" --out "$WORK/seed2" --events 2000 --seed 7 > /dev/null
passed=0
failed=0
for dir in "$WORK"/w1 "$WORK"/w2 "$WORK"/w3 "$WORK"/seed2/w1 "$WORK"/seed2/w2 "$WORK"/seed2/w3; do
  if out=$("$PROACT" bench --patterns "$dir/patterns.json" --events "$dir/events.jsonl" \
             --expected "$dir/expected.jsonl" --passes 1 --json) &&
     echo "$out" | grep -Eq '"mismatches":0[,}]'; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $dir: $out"
  fi
done
# The same W1 events as raw payloads (bench/workloads/wrap_events.py): bare
# CloudTrail records, SQS and SNS-in-SQS deliveries, normalized first
# (`--input auto`), must give the same match sets.
for dir in "$WORK"/w1 "$WORK"/seed2/w1; do
  python3 "$SRC/bench/workloads/wrap_events.py" "$dir"
  for shape in events cloudtrail sqs sqs-sns; do
    if out=$("$PROACT" bench --patterns "$dir/patterns.json" --events "$dir/$shape.jsonl" \
               --expected "$dir/expected.jsonl" --input auto --passes 1 --json) &&
       echo "$out" | grep -Eq '"mismatches":0[,}]' && echo "$out" | grep -Eq '"normalize_errors":0[,}]'; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $dir $shape (--input auto): $out"
    fi
  done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
