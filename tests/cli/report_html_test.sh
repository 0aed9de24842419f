#!/bin/bash
# `proact report --format html` rendered in a real headless browser
# (Debian's chromium): the page is self-contained, its three charts are
# drawn (SVG with non-zero size, bars present), every figure's formula of
# the JSON report is on the rendered page, and nothing was written to the
# console or failed to load. Leaves a screenshot in WORK.
#   report_html_test.sh PROACT SRC WORK
set -u
PROACT=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
failed=0
check() { if [ "$2" -eq 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; failed=1; fi; }
R="$SRC/docs/examples/report"

for log in lambda-filter-log-events.json decisions.log; do
  name=${log%%.*}
  "$PROACT" report --format html "$R/$log" > "$WORK/$name.html"
  check "$log: report --format html exits 0" $?
  "$PROACT" report --format json "$R/$log" > "$WORK/$name.json"
  # Self-contained: no script, no stylesheet, image, font or frame loaded
  # from anywhere.
  if grep -Eiq '<script|<link|<img|<iframe|@import|url\(|src=|href=' "$WORK/$name.html"; then
    check "$log: the page loads nothing from outside" 1
  else
    check "$log: the page loads nothing from outside" 0
  fi
done

BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ]; then
  if [ -n "${PROACT_CI_ISOLATED:-}" ]; then
    echo "FAIL: chromium is not installed; CI installs it (deps/debian-packages.txt)"
    exit 1
  fi
  echo "SKIP: the browser checks need Debian's chromium (apt-get install chromium); not installed here"
  [ "$failed" -eq 0 ] && exit 77 || exit 1
fi

for name in lambda-filter-log-events decisions; do
  # A copy with a probe: it records console output and load errors from
  # the first moment, and once the page is laid out, the size of every
  # chart and of its bars, into the DOM that --dump-dom prints.
  python3 - "$WORK/$name.html" "$WORK/$name.probe.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
head = """<script>
window.__problems = [];
for (const level of ["error", "warn", "log", "info"]) {
  const original = console[level];
  console[level] = function (...args) { window.__problems.push(level + ": " + args.join(" ")); original.apply(console, args); };
}
window.addEventListener("error", e => window.__problems.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "resource")), true);
window.addEventListener("securitypolicyviolation", e => window.__problems.push("csp: " + e.blockedURI));
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("svg.chart")].map(svg => {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll("rect.bar")].filter(r => { const b = r.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
    return {id: svg.id, width: box.width, height: box.height, bars: bars.length};
  });
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({charts, problems: window.__problems});
  document.body.appendChild(pre);
});
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("<head>", "<head>" + head, 1))
PY
  # --host-resolver-rules: any attempt to reach the network fails (and is
  # then an error the probe sees).
  timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --dump-dom "file://$WORK/$name.probe.html" \
    > "$WORK/$name.dom.html" 2> "$WORK/$name.chromium.log"
  check "$name: chromium renders the page" $?
  python3 - "$WORK/$name.dom.html" "$WORK/$name.json" "$WORK/$name.chromium.log" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
report = json.load(open(sys.argv[2], encoding="utf-8"))
log = open(sys.argv[3], encoding="utf-8", errors="replace").read()
bad = []
m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
if not m:
    print("FAIL: no probe output in the rendered DOM"); sys.exit(1)
probe = json.loads(html.unescape(m.group(1)))
ids = sorted(c["id"] for c in probe["charts"])
if ids != ["chart-cost", "chart-remediations", "chart-time"]:
    bad.append("charts rendered: %s" % ids)
for c in probe["charts"]:
    if not (c["width"] > 100 and c["height"] > 50 and c["bars"] > 0):
        bad.append("chart not drawn: %s" % c)
if probe["problems"]:
    bad.append("console or load problems: %s" % probe["problems"])
for line in log.splitlines():
    if "CONSOLE" in line or "Uncaught" in line or "Failed to load" in line or "ERR_NAME_NOT_RESOLVED" in line:
        bad.append("chromium log: " + line)
text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
seen = 0
for groups in [report["savings"]] + [p["savings"] for p in report["periods"]]:
    for g in groups:
        for f in g["figures"]:
            seen += 1
            if f["formula"] not in text:
                bad.append("formula not on the page: %s %s: %s" % (g["policy"], f["name"], f["formula"]))
for label in ["Savings over time", "Remediations per policy", "Cost per execution against human cost",
              "net savings", "human cost avoided", "cost per execution"]:
    if label not in text:
        bad.append("missing text: " + label)
for b in bad:
    print("FAIL:", b)
print("checked %d figures, charts %s" % (seen, probe["charts"]))
sys.exit(1 if bad else 0)
PY
  check "$name: figures and drawn charts on the rendered page, no console output" $?
  timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --host-resolver-rules="MAP * ~NOTFOUND" --window-size=1000,1900 \
    --screenshot="$WORK/$name.png" "file://$WORK/$name.html" > /dev/null 2>&1
  head -c 8 "$WORK/$name.png" 2>/dev/null | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a"
  check "$name: screenshot is a PNG" $?
done
[ "$failed" -eq 0 ]
