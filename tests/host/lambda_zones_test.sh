#!/bin/bash
# The Lambda package carries the zone files its rules' `local-time` tests
# name, and its launcher points TZDIR at them (provided.al2023 has no
# tzdata): packaging/lambda/package.sh on a small rules folder. Unmodified
# copies of the built-in source definitions are left out of it, edited ones
# are kept.
#   lambda_zones_test.sh PACKAGE_SH BOOTSTRAP PROACT WORKDIR BUILTIN_SOURCES_DIR
set -u
PACKAGE=$1 BOOTSTRAP=$2 PROACT=$3 WORK=$4 BUILTIN=$5
rm -rf "$WORK" && mkdir -p "$WORK/rules/team" "$WORK/rules/sources"
cp "$BUILTIN/github.yaml" "$WORK/rules/sources/github.yaml"
{ cat "$BUILTIN/slack.yaml"; echo "# edited by the team"; } > "$WORK/rules/sources/slack.yaml"
failed=0
check() { if [ "$2" -eq 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; failed=1; fi; }

cat > "$WORK/rules/team/hours.yaml" <<'YAML'
policies:
  - id: block-style
    match:
      time:
        - local-time:
            zone: Europe/Berlin
            between: ["18:00", "08:00"]
  - id: flow-style-quoted
    match:
      time: [{local-time: {zone: "America/New_York", days: [sat, sun]}}]
  - id: utc
    match:
      time: [{local-time: {zone: UTC, days: [mon]}}]
YAML
cat > "$WORK/rules/team/hours_test.yaml" <<'YAML'
# Test files are left out of the package, and so are the zones only they name.
policies:
  - id: only-in-a-test-file
    match:
      time: [{local-time: {zone: Asia/Tokyo, days: [mon]}}]
YAML

sh "$PACKAGE" "$BOOTSTRAP" "$WORK/rules" "$WORK/out.zip" "$BUILTIN" > "$WORK/package.log" 2>&1
check "package.sh succeeds" $?
grep -q "3 zone files" "$WORK/package.log"; check "it reports the zone files it packed" $?
grep -q "1 built-in source files left out" "$WORK/package.log"
check "it reports the built-in source files it left out" $?
unzip -q "$WORK/out.zip" -d "$WORK/root"
[ ! -e "$WORK/root/rules/sources/github.yaml" ]
check "an unmodified copy of a built-in source file is left out" $?
cmp -s "$WORK/root/rules/sources/slack.yaml" "$WORK/rules/sources/slack.yaml"
check "an edited source file is packaged" $?
for zone in Europe/Berlin America/New_York UTC; do
  cmp -s "$WORK/root/zoneinfo/$zone" "${TZDIR:-/usr/share/zoneinfo}/$zone"
  check "zoneinfo/$zone is the build machine's zone file" $?
done
[ ! -e "$WORK/root/zoneinfo/Asia/Tokyo" ]; check "zones no packaged policy names are left out" $?
grep -q 'export TZDIR="${TZDIR:-$here/zoneinfo}"' "$WORK/root/bootstrap"
check "the launcher points TZDIR at the packaged zones" $?

# The packaged rules compile against the packaged zones alone...
TZDIR="$WORK/root/zoneinfo" "$PROACT" validate "$WORK/root/rules" > "$WORK/out" 2> "$WORK/err"
check "the packaged rules compile with TZDIR=zoneinfo" $?
# ...and a policy naming another zone fails at init with a clear error.
cat > "$WORK/tokyo.yaml" <<'YAML'
policies:
  - id: tokyo
    match:
      time: [{local-time: {zone: Asia/Tokyo, days: [mon]}}]
YAML
TZDIR="$WORK/root/zoneinfo" "$PROACT" validate "$WORK/tokyo.yaml" > "$WORK/out" 2> "$WORK/err"
[ $? -eq 1 ]; check "another zone does not compile" $?
grep -qF "tokyo.yaml:4:34: error: unknown time zone 'Asia/Tokyo': no such zone in $WORK/root/zoneinfo" "$WORK/err"
check "the error names the zone and where it looked" $?
[ $failed -eq 0 ] || { cat "$WORK/package.log" "$WORK/err"; exit 1; }
