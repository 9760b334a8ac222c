// Rate limits and detectors: what the stage after the classifier costs a packet.
// Run as root after scripts/build.sh:
//   npx tsx bench/ratelimit.ts [--packets 20000]
//
// BPF_PROG_TEST_RUN kernel time per packet (the `duration` the kernel reports) over distinct IPv4
// UDP packets (distinct sources: every limit keyed by source meets a new bucket in round 1, an
// existing one in rounds 2 and 3), their timestamps 1 ms apart so buckets refill, and one packet
// repeated (hot: the same bucket, the same timestamp). No ruleset is loaded, so the classifier costs
// its one cfg read; the numbers are the whole program, the stage's part is the difference to "off".
import { encodeMetaIn, encodeXdpMd, FW_META, XDP_MD } from '../src/abi/index.ts';
import { Datapath } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { applyRateLimits, EMPTY_CONFIG, parseConfig } from '../src/ratelimit/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const npackets = Number(args.get('packets') ?? 20000);

const dp = Datapath.open();
try {
  const META = FW_META.size;
  const frames: Buffer[] = [];
  for (let i = 0; i < npackets; i++) {
    const a = `198.18.${(i >> 8) & 0xff}.${i & 0xff}`;
    frames.push(ether().ipv4({ src: a, dst: '198.19.0.1' }).udp({ sport: 1024 + (i % 5000), dport: 53 }).build());
  }
  const input = Buffer.alloc(META + 2048);
  const out = Buffer.alloc(META + 2048);
  const ctx = Buffer.alloc(XDP_MD.size);
  const once = dp.program.runner({ dataOut: out, ctxIn: ctx });
  const hot = dp.program.runner({ dataOut: out, ctxIn: ctx, repeat: 100_000 });
  let clock = 1_000_000_000n;

  function cost(label: string, cfg: unknown): void {
    applyRateLimits(dp, cfg === null ? EMPTY_CONFIG : parseConfig(cfg));
    let total = 0;
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < npackets; i++) {
        const f = frames[i];
        encodeMetaIn(input, (clock += 1_000_000n));
        f.copy(input, META);
        encodeXdpMd(ctx, META, META + f.length);
        once.run(input, META + f.length);
        total += once.duration;
        n++;
      }
    }
    frames[0].copy(input, META);
    encodeXdpMd(ctx, META, META + frames[0].length);
    hot.run(input, META + frames[0].length);
    console.log(`  ${label.padEnd(60)} ${(total / n).toFixed(1).padStart(7)} ns distinct  ${String(hot.duration).padStart(5)} ns hot`);
  }

  const big = { pps: 1e9, burst: 1e9 };
  console.log(`per-packet cost, BPF_PROG_TEST_RUN kernel time (${npackets} distinct IPv4 UDP sources x 3, and one x 100k)`);
  cost('off (one fw_rl_ctl read)', null);
  cost('1 limit per source, pps (1 LRU lookup)', { limits: [{ id: 1, ...big }] });
  cost('1 limit per /24, pps + bps', { limits: [{ id: 1, track: 'prefix', ...big, bps: 1e11, bytes_burst: 1e10 }] });
  cost('4 limits per source (4 lookups)', { limits: [1, 2, 3, 4].map((id) => ({ id, ...big })) });
  cost('16 limits per source (16 lookups)', { limits: Array.from({ length: 16 }, (_, i) => ({ id: i + 1, ...big })) });
  cost('flood detector (1 lookup per source)', { flood: { packets: 1e9, window: '1s' } });
  cost('scan + flood detectors (UDP = probe: + 1 port insert)', { scan: { ports: 65535, window: '1s' }, flood: { packets: 1e9, window: '1s' } });
  cost('scan + flood + 1 limit per source', { limits: [{ id: 1, ...big }], scan: { ports: 65535, window: '1s' }, flood: { packets: 1e9, window: '1s' } });
} finally {
  dp.close();
}
