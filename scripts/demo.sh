#!/usr/bin/env bash
# The main job on the built-in demo: installs and builds what it needs, then
#   1. runs the live lab: three network namespaces (client, gateway, server), the XDP datapath
#      attached in native mode to the gateway's two interfaces, real TCP/UDP/ICMP traffic over IPv4
#      and IPv6, a report of what passed, what was dropped and why; everything it made is removed
#      (arguments go to `fwctl lab`, e.g. --keep or --mode generic);
#   2. replays the shipped capture with rules/demo.rules through the same compiled XDP program
#      (BPF_PROG_TEST_RUN), printing verdicts by reason and the alerts per signature.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== fwctl lab (namespaces client/gateway/server; XDP on the gateway; real traffic)"
node bin/fwctl.mjs lab "$@"
echo
echo "== fwctl replay pcaps/demo.pcap --rules rules/demo.rules (every packet through the XDP object with BPF_PROG_TEST_RUN)"
node bin/fwctl.mjs replay pcaps/demo.pcap --rules rules/demo.rules
