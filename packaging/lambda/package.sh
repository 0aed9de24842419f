#!/bin/sh
# Builds the AWS Lambda deployment package (provided.al2023, x86_64) of the
# proact custom runtime.
#
#   package.sh BOOTSTRAP RULES_DIR OUT_ZIP [BUILTIN_SOURCES_DIR]
#
# BUILTIN_SOURCES_DIR is the folder the library embedded its source
# definitions from (the build passes rules/sources of the same checkout).
# A pack file named like one of them and byte-identical to it is left out:
# the runtime has those definitions built in and compiles them on first
# use, so the package does not compile them a second time at every cold
# start. A file that differs (a user's edit) is packaged and takes the
# built-in definitions' place, as it does when loaded from a folder.
#
# Layout of the zip (Lambda unpacks it into $LAMBDA_TASK_ROOT, /var/task):
#   bootstrap          the launcher Lambda runs (a POSIX shell script)
#   bin/bootstrap      the runtime executable
#   lib/               every shared library it needs, and the dynamic
#                      loader of the build machine's glibc
#   rules/             the policy pack (tests, fixtures and unmodified
#                      copies of the built-in source definitions left out)
#   zoneinfo/          the IANA zone files of the zones the pack's
#                      `local-time` tests name (provided.al2023 has no
#                      tzdata); the launcher points TZDIR at it
#
# The launcher runs bin/bootstrap through the bundled loader with
# --library-path lib: the executable and its libraries use the glibc they
# were built against, whatever the glibc of the machine that runs them
# (Amazon Linux 2023 has 2.34; this package's is the build machine's).
# Only the kernel and /etc files (resolv.conf, CA certificates) come from
# the host.
set -eu

bootstrap=$1
rules=$2
case $3 in /*) out=$3 ;; *) out="$PWD/$3" ;; esac
builtin_sources=${4:-}

stage="${out%.zip}.stage"
rm -rf "$stage" "$out"
mkdir -p "$stage/bin" "$stage/lib" "$stage/rules"

cp "$bootstrap" "$stage/bin/bootstrap"
strip --strip-all "$stage/bin/bootstrap"

# Shared libraries, by the names the executable and its libraries ask for.
ldd "$bootstrap" > "$stage/ldd.txt"
if grep -q "not found" "$stage/ldd.txt"; then
  echo "package.sh: libraries not found:" >&2
  grep "not found" "$stage/ldd.txt" >&2
  exit 1
fi
awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' "$stage/ldd.txt" | while read -r name path; do
  cp -L "$path" "$stage/lib/$name"
done
rm "$stage/ldd.txt"
interp=$(patchelf --print-interpreter "$bootstrap")
cp -L "$interp" "$stage/lib/ld-linux.so"
chmod 0755 "$stage/lib/ld-linux.so"

cat > "$stage/bootstrap" <<'LAUNCHER'
#!/bin/sh
# proact custom runtime launcher: bin/bootstrap with the bundled loader and
# libraries (see packaging/lambda/package.sh in the proact sources).
here=${LAMBDA_TASK_ROOT:-${0%/*}}
export LAMBDA_TASK_ROOT="$here"
export TZDIR="${TZDIR:-$here/zoneinfo}"
exec "$here/lib/ld-linux.so" --library-path "$here/lib" "$here/bin/bootstrap" "$@"
LAUNCHER
chmod 0755 "$stage/bootstrap" "$stage/bin/bootstrap"

# The policy pack without its tests and fixtures, and without unmodified
# copies of the built-in source definitions.
: > "$stage/builtin.txt"
(cd "$rules" && find . \( -name '*.yaml' -o -name '*.yml' \) ! -name '*_test.yaml' \
   ! -name '*_test.yml' ! -path './fixtures/*') |
  while read -r f; do
    base=${f##*/}
    if [ -n "$builtin_sources" ] && [ -f "$builtin_sources/$base" ] &&
       cmp -s "$rules/$f" "$builtin_sources/$base"; then
      echo "$f" >> "$stage/builtin.txt"
      continue
    fi
    mkdir -p "$stage/rules/$(dirname "$f")"
    cp "$rules/$f" "$stage/rules/$f"
  done
builtin_left_out=$(wc -l < "$stage/builtin.txt")
rm "$stage/builtin.txt"

# Zone files of the zones `local-time` tests name (`zone: Europe/Berlin`,
# flow or block style, quoted or not), from the build machine's tzdata.
# Over-matching is harmless: a name with no zone file is skipped (and a
# policy naming it would not compile anyway). UTC needs no file.
tzsrc=${TZDIR:-/usr/share/zoneinfo}
zones=$(cd "$stage/rules" && { grep -rhoE "zone[\"']?[[:space:]]*:[[:space:]]*[\"']?[A-Za-z0-9_+/-]+" . || true; } |
  sed -E "s/^zone[\"']?[[:space:]]*:[[:space:]]*[\"']?//" | LC_ALL=C sort -u)
for zone in $zones; do
  case $zone in /*|*..*) continue ;; esac
  [ -f "$tzsrc/$zone" ] || continue
  mkdir -p "$stage/zoneinfo/$(dirname "$zone")"
  cp -L "$tzsrc/$zone" "$stage/zoneinfo/$zone"
done

# Deterministic order and times; -X drops extra attributes.
find "$stage" -exec touch -h -d '2000-01-01 00:00:00' {} +
mkdir -p "$stage/zoneinfo"
(cd "$stage" && find bootstrap bin lib rules zoneinfo -type f | LC_ALL=C sort | zip -q -9 -X "$out" -@)
if command -v advzip > /dev/null 2>&1; then
  # Zopfli deflate: about 5% smaller, still plain deflate for Lambda.
  advzip -q -z -3 "$out"
fi
size=$(stat -c %s "$out")
echo "lambda package: $out ($size bytes, $(ls "$stage/lib" | wc -l) files in lib/, $(find "$stage/zoneinfo" -type f | wc -l) zone files, $builtin_left_out built-in source files left out)"
