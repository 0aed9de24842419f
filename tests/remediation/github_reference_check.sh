#!/usr/bin/env bash
# ctest wrapper for github_reference_check.mjs: installs the pinned reference
# packages (package.json / package-lock.json beside this script) with
# `npm ci` into WORK_DIR, outside the source tree, when they are missing or
# the lock file changed, then runs the check.
#   github_reference_check.sh PROACT SOURCE_DIR WORK_DIR
set -euo pipefail
proact=$1 src=$2 work=$3
here="$src/tests/remediation"
for tool in node npm; do
  if ! command -v "$tool" > /dev/null; then
    echo "error: $tool is needed for the GitHub reference check (Node.js 18 or later)" >&2
    exit 1
  fi
done
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  npm ci --prefix "$work" --no-audit --no-fund --loglevel=error
fi
exec node "$here/github_reference_check.mjs" "$proact" "$src" "$work"
