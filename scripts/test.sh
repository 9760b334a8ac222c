#!/usr/bin/env bash
# The whole test suite: installs and builds what it needs, typechecks, runs every ava test with TAP
# output, and ends with the line "N passed, N failed" (TAP results summed).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
status=0
if ! npx tsc --noEmit -p .; then echo "typecheck failed"; status=1; fi
log=$(mktemp)
npx ava --tap "$@" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
node scripts/tap-summary.mjs "$log" $([ $status -ne 0 ] && echo --extra-fail) || status=1
rm -f "$log"
exit $status
