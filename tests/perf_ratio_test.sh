#!/usr/bin/env bash
# Regression guard for the whole pipeline's speed, as a ratio: in one
# `proact bench --input auto` run, normalize + evaluate throughput over the
# matcher-alone throughput on the same events (docs/performance.md). Ratios
# of two figures measured in the same process are far steadier than
# absolute times on a shared CI machine; the floors are about half of what
# the pipeline reaches today, so only a structural regression (a DOM parse
# back on the envelope path, say) fails it. Median of three runs per shape.
# Usage: perf_ratio_test.sh PROACT SOURCE_DIR WORK_DIR
set -eu
PROACT=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
python3 "$SRC/bench/workloads/gen_workloads.py" --out "$WORK" --events 8000 > /dev/null
python3 "$SRC/bench/workloads/wrap_events.py" "$WORK/w1"
failed=0
# shape floor: EventBridge envelopes and bare CloudTrail records take the
# DOM-free fast path (ratio ~0.23-0.5 here); SQS and SNS-in-SQS deliveries
# unwrap first (~0.08-0.11).
for spec in "events 0.08" "cloudtrail 0.08" "sqs 0.03" "sqs-sns 0.02"; do
  set -- $spec
  shape=$1
  floor=$2
  ratios=""
  for run in 1 2 3; do
    out=$("$PROACT" bench --patterns "$WORK/w1/patterns.json" --events "$WORK/w1/$shape.jsonl" \
            --input auto --passes 2 --json)
    ratio=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["normalize_evaluate_events_per_second"] / d["events_per_second"])')
    ratios="$ratios $ratio"
  done
  median=$(python3 -c 'import sys; v=sorted(map(float, sys.argv[1:])); print(v[len(v)//2])' $ratios)
  if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$median" "$floor"; then
    echo "ok: $shape pipeline/matcher $median (floor $floor; runs:$ratios)"
  else
    echo "FAIL: $shape pipeline/matcher $median below floor $floor (runs:$ratios)"
    failed=$((failed + 1))
  fi
done
[ "$failed" -eq 0 ]
