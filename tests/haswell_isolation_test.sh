#!/usr/bin/env bash
# The event reader's AVX2 copy (src/match/event_reader_haswell.cc, compiled
# with -mavx2 -mbmi -mpclmul -mlzcnt) must not lend AVX2 code to the rest of
# the program: an inline function it shares with another object file is
# emitted once per file and the linker keeps any one copy, so a shared
# function holding AVX, BMI or LZCNT instructions could run on a CPU
# without them. This lists the functions event_reader_haswell.cc.o defines
# as weak (shared) symbols that another object of the library also defines,
# and fails when one of them holds such an instruction.
# Usage: haswell_isolation_test.sh OBJECT...   (all objects of the library)
set -euo pipefail
hw=""
others=()
for o in "$@"; do
  case "$o" in
    *event_reader_haswell.cc.o) hw="$o" ;;
    *) others+=("$o") ;;
  esac
done
if [[ -z "$hw" ]]; then
  echo "event_reader_haswell.cc.o is not among the objects given" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm --defined-only "$hw" | awk '$2 ~ /^[WV]$/ {print $3}' | sort -u > "$tmp/weak"
nm --defined-only "${others[@]}" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u > "$tmp/other"
comm -12 "$tmp/weak" "$tmp/other" > "$tmp/shared"
echo "$(wc -l < "$tmp/weak") weak symbols in $(basename "$hw"), $(wc -l < "$tmp/shared") also defined elsewhere"
bad=0
while read -r sym; do
  [[ -z "$sym" ]] && continue
  # Data (typeinfo, tables) has no instructions; disassemble functions only.
  code=$(objdump -d --no-show-raw-insn --disassemble="$sym" "$hw" 2>/dev/null |
         awk -F'\t' 'NF >= 2 {print $2}' || true)
  hits=$(grep -E '^(v[a-z0-9]+|andn|bextr|blsi|blsmsk|blsr|tzcnt|lzcnt|shlx|shrx|sarx|pdep|pext|mulx|rorx|pclmul[a-z]*)( |$)' <<< "$code" || true)
  if [[ -n "$hits" ]]; then
    echo "shared function carries AVX2-era code: $(c++filt "$sym")"
    head -3 <<< "$hits"
    bad=1
  fi
done < "$tmp/shared"
if [[ "$bad" != 0 ]]; then
  echo "keep the code of event_reader_haswell.cc in its anonymous namespace, or move what it shares out of that file" >&2
  exit 1
fi
echo "ok: no shared function of $(basename "$hw") holds AVX, BMI or LZCNT instructions"
