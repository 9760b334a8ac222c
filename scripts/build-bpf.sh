#!/usr/bin/env bash
# Compiles every bpf/*.bpf.c (and test/fixtures/bpf/*.bpf.c, bench/live/*.bpf.c, bench/flood/*.bpf.c) into build/bpf/*.o with BTF kept.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bpf
CFLAGS=(-O2 -g -target bpf -Wall -Werror -Wno-unused-function -I/usr/include/x86_64-linux-gnu -Ibpf/include -Ibpf)
for src in bpf/*.bpf.c test/fixtures/bpf/*.bpf.c bench/live/*.bpf.c bench/flood/*.bpf.c; do
  [ -f "$src" ] || continue
  out="build/bpf/$(basename "${src%.c}").o"
  deps=$(ls bpf/include/*.h bpf/lib/*.h 2>/dev/null || true)
  if [ ! -f "$out" ] || [ -n "$(find "$src" $deps -newer "$out" 2>/dev/null)" ]; then
    clang "${CFLAGS[@]}" -c "$src" -o "$out"
  fi
done
