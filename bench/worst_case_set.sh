#!/usr/bin/env bash
# Worst case per event under the default limits (docs/security.md): builds
# the sets and crafted events of bench/worst_case/gen_worst_case.py into
# build/worst-case and runs `proact bench` on each, printing a Markdown
# table: slowest event, median event, how many events were refused at the
# per-event bound (kLimitExceeded), compile time and peak RSS. Usage:
#   bench/worst_case_set.sh [PROACT]
set -eu
cd "$(dirname "$0")/.."
PROACT=${1:-build/release/proact}
DATA=build/worst-case
rm -rf "$DATA"
python3 bench/worst_case/gen_worst_case.py --out "$DATA"
echo "| scenario | policies | events | slowest event ms | median event ms | refused at the bound | compile ms | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for d in "$DATA"/*/; do
  name=$(basename "$d")
  # Exit status 1 means some events were refused: expected here.
  out=$("$PROACT" bench --rules "$d/policies" --events "$d/events.jsonl" --passes 1 --json || true)
  echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print('| $name | %d | %d | %.1f | %.1f | %d | %.0f | %.0f |' % (d['policies'], d['events'],
      d['ns_per_event_max'] / 1e6, d['ns_per_event_p50'] / 1e6, d['errors'], d['compile_ms'],
      d['peak_rss_bytes'] / 1048576))"
done
