#!/usr/bin/env bash
# Builds the BPF objects and the native addon (TypeScript runs through tsx; `npm run typecheck` checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-bpf.sh
if [ -f native/binding.gyp ]; then
  # Rebuild only when a native source is newer than the addon.
  addon=native/build/Release/fwctl_native.node
  if [ ! -f "$addon" ] || [ -n "$(find native -maxdepth 1 -newer "$addon" -type f)" ]; then
    npx node-gyp rebuild --directory native --nodedir=/usr --loglevel=error >/dev/null
  fi
fi
