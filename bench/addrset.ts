// Address sets: how long a 100k / 1M-prefix list takes to load, and what the sets cost a packet.
// Run as root after scripts/build.sh:
//   npx tsx bench/addrset.ts [--sizes 100000,1000000] [--packets 20000] [--seed 1]
//
// Load: a seeded file of mixed prefixes (80% IPv4 /16-/32, 20% IPv6 /32-/128) is parsed and loaded
// with `setReplace` (batch updates into the idle generation, one flip per family), then replaced by
// a second list (the old generation is cleared after the flip), then flushed.
// Cost: BPF_PROG_TEST_RUN kernel time per packet (the `duration` the kernel reports), over many
// distinct packets run once each (cold-ish: every packet walks other trie nodes), and one packet
// repeated (hot), for: every set empty; allow populated; allow, deny and block populated; and a
// packet that hits the allow list on its first lookup.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { encodeMetaIn, encodeXdpMd, FW_META, XDP_MD } from '../src/abi/index.ts';
import { blockAdd, parsePrefixFiles, prefixListOf, setFlush, setReplace } from '../src/addrset/index.ts';
import { Datapath } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const sizes = (args.get('sizes') ?? '100000,1000000').split(',').map(Number);
const npackets = Number(args.get('packets') ?? 20000);
let seed = Number(args.get('seed') ?? 1);

/** mulberry32: a small seeded generator, so runs compare. */
function rand(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (n: number) => Math.floor(rand() * n);

function v4Prefix(): string {
  const len = 16 + randInt(17);
  let addr = randInt(2 ** 32);
  while (Math.floor(addr / 16777216) === 198) addr = randInt(2 ** 32); // keep 198.18.0.0/15 (the probes) out
  const net = addr - (addr % 2 ** (32 - len));
  return `${Math.floor(net / 16777216)}.${Math.floor(net / 65536) % 256}.${Math.floor(net / 256) % 256}.${net % 256}/${len}`;
}

function v6Prefix(): string {
  const len = 32 + randInt(97);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) {
    const bits = Math.min(Math.max(len - 16 * i, 0), 16);
    g.push(bits === 0 ? 0 : randInt(65536) & ((0xffff << (16 - bits)) & 0xffff));
  }
  return `${g.map((x) => x.toString(16)).join(':')}/${len}`;
}

function listText(n: number): string {
  const lines: string[] = ['# bench/addrset.ts generated list'];
  for (let i = 0; i < n; i++) lines.push(rand() < 0.8 ? v4Prefix() : v6Prefix());
  return lines.join('\n') + '\n';
}

const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
const dir = mkdtempSync(join(tmpdir(), 'fwctl-bench-addrset-'));
const dp = Datapath.open();
try {
  console.log('load (parse = file -> keys; fill = batch updates; flip = index switch, waits for running programs)');
  for (const n of sizes) {
    const files = [join(dir, `a${n}.txt`), join(dir, `b${n}.txt`)];
    writeFileSync(files[0], listText(n));
    writeFileSync(files[1], listText(n));
    for (const [i, f] of files.entries()) {
      const t0 = performance.now();
      const parsed = parsePrefixFiles([f]);
      const t1 = performance.now();
      if (parsed.diagnostics.length) throw new Error(`generated list has errors: ${parsed.diagnostics[0].message}`);
      const r = setReplace(dp, 'deny', parsed.list);
      const t2 = performance.now();
      const what = i === 0 ? 'load   ' : 'replace';
      console.log(
        `  ${what} ${String(n).padStart(8)} prefixes (${r.v4.entries} v4 + ${r.v6.entries} v6, ${parsed.list.duplicates} dup): ` +
          `parse ${ms(t1 - t0)}  fill ${ms(r.fillMs)}  flip ${ms(r.flipMs)}  = ${ms(t1 - t0 + r.fillMs + r.flipMs)} until live;` +
          `  then clear old ${ms(r.clearMs)} (${r.v4.cleared + r.v6.cleared}); call total ${ms(t2 - t0)}`,
      );
    }
    const t0 = performance.now();
    const f = setFlush(dp, 'deny');
    console.log(`  flush   ${String(n).padStart(8)} prefixes: ${ms(performance.now() - t0)} (${f.v4.cleared + f.v6.cleared} cleared)`);
  }

  // ---- per-packet cost -------------------------------------------------------------------------
  const META = FW_META.size;
  const frames: Buffer[] = [];
  for (let i = 0; i < npackets; i++) {
    // Addresses outside every list below (198.18.0.0/15 is never generated into them), distinct.
    const a = `198.18.${(i >> 8) & 0xff}.${i & 0xff}`;
    const b = `198.19.${(i >> 8) & 0xff}.${i & 0xff}`;
    frames.push(ether().ipv4({ src: a, dst: b }).udp({ sport: 1024 + (i % 5000), dport: 53 }).build());
  }
  const input = Buffer.alloc(META + 2048);
  const out = Buffer.alloc(META + 2048);
  const ctx = Buffer.alloc(XDP_MD.size);
  encodeMetaIn(input, 1n);
  const once = dp.program.runner({ dataOut: out, ctxIn: ctx });
  const hot = dp.program.runner({ dataOut: out, ctxIn: ctx, repeat: 100_000 });

  function cost(label: string, pick: (i: number) => Buffer = (i) => frames[i]): void {
    let total = 0;
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < npackets; i++) {
        const f = pick(i);
        f.copy(input, META);
        encodeXdpMd(ctx, META, META + f.length);
        once.run(input, META + f.length);
        total += once.duration;
        n++;
      }
    }
    const f = pick(0);
    f.copy(input, META);
    encodeXdpMd(ctx, META, META + f.length);
    hot.run(input, META + f.length);
    console.log(`  ${label.padEnd(58)} ${(total / n).toFixed(1).padStart(7)} ns distinct  ${String(hot.duration).padStart(5)} ns hot`);
  }

  console.log(`per-packet cost, BPF_PROG_TEST_RUN kernel time (${npackets} distinct IPv4 UDP packets x 3, and one x 100k)`);
  cost('every set empty (3 count reads, no trie lookup)');
  const big = prefixListOf(Array.from({ length: 100_000 }, () => v4Prefix()));
  setReplace(dp, 'allow', big);
  cost(`allow ${big.v4Count} v4 prefixes; packet in none (2 lookups)`);
  setReplace(dp, 'deny', prefixListOf(Array.from({ length: 100_000 }, () => v4Prefix())));
  for (let i = 0; i < 1000; i++) blockAdd(dp, v4Prefix(), { ttlMs: 3_600_000, nowNs: 0n, reason: 'bench' });
  cost('allow + deny 100k each, block 1k; packet in none (6 lookups)');
  const hit = ether().ipv4({ src: '198.18.200.1', dst: '198.19.0.1' }).udp({ sport: 1, dport: 53 }).build();
  setReplace(dp, 'allow', prefixListOf(['198.18.200.0/24']));
  cost('allow hit on the source (1 lookup)', () => hit);
  setFlush(dp, 'allow');
  cost('deny 100k + block 1k only; packet in none (4 lookups)');
} finally {
  dp.close();
  rmSync(dir, { recursive: true, force: true });
}
