#!/usr/bin/env bash
# Generates the W1-W3 workloads (50,000 events each, as the peers were
# measured) into build/bench-data and runs `proact bench` on each: one
# thread, two threads, and the copying and fully validating variants.
# Prints a Markdown table of medians. Usage:
#   bench/run_workloads.sh [PROACT] [EVENTS]
set -eu
cd "$(dirname "$0")/.."
PROACT=${1:-build/release/proact}
EVENTS=${2:-50000}
DATA=build/bench-data
if [ ! -f "$DATA/w3/expected.jsonl" ] || [ "$(wc -l < "$DATA/w1/events.jsonl")" -ne "$EVENTS" ]; then
  python3 bench/workloads/gen_workloads.py --out "$DATA" --events "$EVENTS" > /dev/null
fi
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "| workload | events/s (1 thread) | ns/event p50 / p99 | compile ms | 2 threads events/s | copied input events/s | validate_json events/s | RSS after compile MiB | mismatches |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for w in w1 w2 w3; do
  args=(--patterns "$DATA/$w/patterns.json" --events "$DATA/$w/events.jsonl" --passes 9 --json)
  one=$("$PROACT" bench "${args[@]}" --expected "$DATA/$w/expected.jsonl")
  two=$("$PROACT" bench "${args[@]}" --threads 2)
  copied=$("$PROACT" bench "${args[@]}" --copy)
  echo "| $w | $(echo "$one" | field events_per_second | cut -d. -f1) |" \
       "$(echo "$one" | field ns_per_event_p50 | cut -d. -f1) / $(echo "$one" | field ns_per_event_p99 | cut -d. -f1) |" \
       "$(echo "$one" | field compile_ms | cut -c1-5) |" \
       "$(echo "$two" | field events_per_second | cut -d. -f1) |" \
       "$(echo "$copied" | field events_per_second | cut -d. -f1) |" \
       "$("$PROACT" bench "${args[@]}" --validate-json | field events_per_second | cut -d. -f1) |" \
       "$(echo "$one" | python3 -c "import json,sys; print(round(json.load(sys.stdin)['peak_rss_after_compile_bytes']/1048576,1))") |" \
       "$(echo "$one" | field mismatches) |"
done
