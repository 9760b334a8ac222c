#!/usr/bin/env bash
# The main job on the built-in demo: installs and builds what it needs, then replays the shipped
# capture through the real compiled XDP program and prints what it decided.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== fwctl replay pcaps/demo.pcap (every packet through the XDP object with BPF_PROG_TEST_RUN)"
node bin/fwctl.mjs replay pcaps/demo.pcap "$@"
