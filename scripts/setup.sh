#!/usr/bin/env bash
# Installs everything fwctl needs on a fresh Debian 12 machine (run as root), then builds it.
# Idempotent: a second run only checks. Used by the README's quick start and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PKGS=(clang llvm libbpf-dev bpftool libpcap-dev libhyperscan-dev pkg-config iproute2 ethtool
          make g++ python3 nftables iptables iputils-ping)

missing=()
for p in "${DEB_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The BPF filesystem: systemd mounts it on a gateway; a bare machine or container may not.
if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
  mkdir -p /sys/fs/bpf
  mount -t bpf bpf /sys/fs/bpf
fi

# npm ci when the lockfile changed since the last install (node_modules/.fwctl-lock is our stamp).
if [ ! -f node_modules/.fwctl-lock ] || ! cmp -s package-lock.json node_modules/.fwctl-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.fwctl-lock
fi

bash scripts/build.sh
