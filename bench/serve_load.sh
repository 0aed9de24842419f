#!/usr/bin/env bash
# Load benchmark of `proact serve` over loopback, with the engine alone as the
# reference from the same run (docs/performance.md, "proact serve under load").
#
#   bench/serve_load.sh [--proact PATH] [--duration SECONDS] [--clients "4 64 512"]
#                       [--threads N] [--wrk-threads N] [--passes N] [--events N]
#
# Builds nothing: it runs an existing build (default build/release/proact).
# Needs wrk (Debian: apt-get install wrk) and Python 3.
#
# 1. Writes W1-style bodies (bench/workloads/gen_workloads.py, --events W1
#    events, default 2000):
#    non-matching = the W1 event nearest the mean size that no shipped policy
#    matches (a CloudTrail call in an EventBridge envelope), matching = the
#    W1 event nearest the mean size turned into a StopLogging call (policy
#    aws-cloudtrail-logging-stopped, two actions, executed as dry-run).
#    `proact eval` checks both.
# 2. The reference: `proact bench --rules rules/` on the same W1 events, the
#    engine alone and with --input auto (normalize + evaluate), one thread,
#    median of --passes passes.
# 3. Starts `proact serve --rules rules/ --dry-run` on a free loopback port
#    (PROACT_LOG_LEVEL=WARN unless set: no per-request decision log) and, for each body
#    and each client count, runs wrk with that many keep-alive connections
#    for --duration seconds; every answer must be HTTP 200.
# 4. Prints one table row per (body, clients): requests/s, p50 and p99
#    latency, the server's CPU time per request (user + system, /proc), and
#    requests/s over the in-process normalize + evaluate events/s.
#
# Exit 0 when all six rows were measured with no error; 77 when wrk is
# missing (ctest counts that as skipped).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROACT="$ROOT/build/release/proact"
DURATION=10
CLIENTS="4 64 512"
THREADS=8
WRK_THREADS=2
PASSES=5
EVENTS=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --proact) PROACT=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --wrk-threads) WRK_THREADS=$2; shift 2 ;;
    --passes) PASSES=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "serve_load.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null 2>&1; then
  echo "serve_load.sh: wrk is not installed (Debian: apt-get install wrk)" >&2
  exit 77
fi
if [ ! -x "$PROACT" ]; then
  echo "serve_load.sh: no proact executable at $PROACT (build it, or pass --proact PATH)" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/proact-serve-load.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Bodies.
python3 "$ROOT/bench/workloads/gen_workloads.py" --out "$WORK" --events "$EVENTS" --only w1 --jobs 1 >/dev/null
python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
with open(work + "/w1/events.jsonl") as f:
    lines = [line.strip() for line in f if line.strip()]
# Candidates for the non-matching body: the events nearest the mean size
# (`proact eval` below keeps the first that matches nothing).
mean = sum(len(l) for l in lines) / len(lines)
near = sorted(range(len(lines)), key=lambda i: (abs(len(lines[i]) - mean), i))[:50]
with open(work + "/candidates.jsonl", "w") as f:
    f.write("\n".join(lines[i] for i in near) + "\n")
event = json.loads(lines[near[0]])
event["source"] = "aws.cloudtrail"
d = event["detail"]
d["eventSource"] = "cloudtrail.amazonaws.com"
d["eventName"] = "StopLogging"
d["readOnly"] = False
d["requestParameters"] = {"name": "arn:aws:cloudtrail:%s:%s:trail/management" % (event["region"], event["account"])}
with open(work + "/match.json", "w") as f:
    f.write(json.dumps(event, separators=(",", ":")))
EOF
if ! "$PROACT" eval --rules "$ROOT/rules" < "$WORK/match.json" | grep -q '"policy":"aws-cloudtrail-logging-stopped"'; then
  echo "serve_load.sh: the matching body does not match aws-cloudtrail-logging-stopped" >&2
  exit 1
fi
"$PROACT" eval --rules "$ROOT/rules" < "$WORK/candidates.jsonl" > "$WORK/candidates.out"
line=$(awk '/"matches":\[\]/ { print NR; exit }' "$WORK/candidates.out")
if [ -z "$line" ]; then
  echo "serve_load.sh: every candidate non-matching body matches a shipped policy" >&2
  exit 1
fi
sed -n "${line}p" "$WORK/candidates.jsonl" | tr -d '\n' > "$WORK/nomatch.json"

# 2. The engine alone and normalize + evaluate, on the same W1 events.
"$PROACT" bench --rules "$ROOT/rules" --events "$WORK/w1/events.jsonl" --input auto \
  --passes "$PASSES" --json > "$WORK/engine.json"
read -r ENGINE_EPS PIPELINE_EPS < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(int(j["events_per_second"]), int(j["normalize_evaluate_events_per_second"]))' "$WORK/engine.json")

# 3. The server.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PROACT_LOG_LEVEL=${PROACT_LOG_LEVEL:-WARN} "$PROACT" serve --rules "$ROOT/rules" --host 127.0.0.1 --port "$PORT" \
  --threads "$THREADS" --dry-run > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 250); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT),timeout=1).close()" 2>/dev/null; then
    break
  fi
  sleep 0.02
done
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "serve_load.sh: proact serve exited:" >&2
  cat "$WORK/serve.log" >&2
  exit 1
fi
ANSWER=$(python3 - "$PORT" "$WORK/match.json" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("POST", "/", open(sys.argv[2], "rb").read(), {"Content-Type": "application/json"})
r = c.getresponse()
print(r.status, r.read().decode()[:2000])
EOF
)
case "$ANSWER" in
  "200 "*dry_run*) ;;
  *) echo "serve_load.sh: the matching body was answered: $ANSWER" >&2; exit 1 ;;
esac

# One wrk script per body: POST the body on every keep-alive connection and
# print one machine-readable line at the end.
for body in match nomatch; do
  python3 - "$WORK/$body.json" "$WORK/$body.lua" <<'EOF'
import json, sys
body = open(sys.argv[1]).read()
with open(sys.argv[2], "w") as f:
    f.write('wrk.method = "POST"\n')
    f.write('wrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = %s\n" % json.dumps(body))
    f.write("""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.status + e.timeout))
end
""")
EOF
done

# 4. The grid. The server's CPU time (user + system, from /proc) is read
# around each cell: CPU per request is less sensitive to other load on the
# machine than requests/s.
CLK_TCK=$(getconf CLK_TCK)
server_cpu_ticks() {
  # Fields 14 and 15 of /proc/PID/stat, counted after the ')' ending the name.
  sed 's/.*) //' "/proc/$SERVER_PID/stat" | awk '{print $12 + $13}'
}
FAILED=0
ROWS=""
for body in nomatch match; do
  for c in $CLIENTS; do
    t=$WRK_THREADS
    [ "$t" -gt "$c" ] && t=$c
    cpu0=$(server_cpu_ticks)
    out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout 10s -s "$WORK/$body.lua" "http://127.0.0.1:$PORT/" 2>&1) || true
    cpu1=$(server_cpu_ticks)
    line=$(printf '%s\n' "$out" | grep '^RESULT ' || true)
    if [ -z "$line" ]; then
      echo "serve_load.sh: wrk gave no result for $body with $c clients:" >&2
      printf '%s\n' "$out" >&2
      FAILED=1
      continue
    fi
    ROWS+="$body $c ${line#RESULT } $((cpu1 - cpu0))"$'\n'
  done
done
kill -0 "$SERVER_PID" 2>/dev/null || { echo "serve_load.sh: proact serve died during the run" >&2; FAILED=1; }

python3 - "$ENGINE_EPS" "$PIPELINE_EPS" "$DURATION" "$THREADS" "$WRK_THREADS" "$(wc -c < "$WORK/match.json")" \
  "$(wc -c < "$WORK/nomatch.json")" "$CLK_TCK" <<EOF
import sys
engine, pipeline, duration, threads, wrk_threads, match_bytes, nomatch_bytes, clk_tck = sys.argv[1:9]
engine, pipeline = int(engine), int(pipeline)
rows = """$ROWS""".strip().splitlines()
print("proact serve --dry-run, shipped rules/, loopback, %s worker threads; wrk %s threads, %s s per cell"
      % (threads, wrk_threads, duration))
print("engine alone (proact bench --rules rules/, W1 events): %s events/s; "
      "normalize + evaluate (--input auto): %s events/s" % (format(engine, ","), format(pipeline, ",")))
print()
print("| body | clients | requests/s | p50 ms | p99 ms | errors | server CPU µs/request | requests/s / (normalize + evaluate events/s) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
bad = 0
for r in rows:
    body, clients, requests, duration_us, p50, p99, mx, errors, ticks = r.split()
    cpu_us = int(ticks) * 1e6 / int(clk_tck) / max(1, int(requests))
    rps = int(requests) / (int(duration_us) / 1e6)
    name = ("matching (%s B, 2 dry-run actions)" % match_bytes) if body == "match" else ("non-matching (%s B)" % nomatch_bytes)
    ratio = "%.1f%%" % (100.0 * rps / pipeline) if pipeline else "-"
    print("| %s | %s | %s | %.2f | %.2f | %s | %.0f | %s |" % (name, clients, format(int(rps), ","),
          float(p50) / 1000, float(p99) / 1000, errors, cpu_us, ratio))
    bad += int(errors) > 0
sys.exit(1 if bad else 0)
EOF
status=$?
[ "$FAILED" -eq 0 ] && exit "$status"
exit 1
