// The flow table's cost per packet (bpf/lib/flow.h). Run as root after scripts/build.sh:
//   npx tsx bench/flow.ts [--flows 20000] [--repeat 1000]
//
// Kernel ns per packet (BPF_PROG_TEST_RUN's `duration`), one small ruleset loaded
// (`alert tcp any any -> any 80 (flow:established,to_server; sid:1;)`, plus a pass rule for port 22):
//   syn-new     distinct SYNs, each run once: a new flow (two missed lookups, an LRU insert)
//   syn-full    the same after the half-open table is full: every insert evicts
//   ack-est     an ACK of an established flow, repeated: the est lookup, the flow keyword
//   pass-flow   a packet of a flow a pass rule passed, repeated: decided by the stored verdict
//   fragment    a non-first fragment, repeated: no flow (no lookup), the classifier only
// Cold runs (repeat 1) include ~100 ns of per-run timer and cache misses; compare like with like.
import { encodeMetaIn, encodeXdpMd, FW_META, XDP_MD } from '../src/abi/index.ts';
import { applyRuleset, Datapath, readFlowStats } from '../src/datapath/index.ts';
import { EventConsumer } from '../src/events/index.ts';
import { ether } from '../src/packets/index.ts';
import { tcpSession } from '../src/packets/tcp-session.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const nflows = Number(args.get('flows') ?? 20000);
const repeat = Number(args.get('repeat') ?? 1000);

const dp = Datapath.open({ eventCpu: 0, eventRateLimit: false, flows: { half: 4096, est: 65536 } });
const events = new EventConsumer(dp.events);
const rules = compileRuleText([{ file: 'bench.rules', text: 'alert tcp any any -> any 80 (flow:established,to_server; sid:1;)\npass tcp any any -> any 22 (flags:S; sid:2;)' }]).rules;
applyRuleset(dp, planRuleset(rules));

const inb = Buffer.alloc(FW_META.size + 4096);
const out = Buffer.alloc(FW_META.size + 4096);
const ctx = Buffer.alloc(XDP_MD.size);

/** Mean kernel ns per packet: each frame run `rep` times in one test run. The time is
 *  CLOCK_MONOTONIC now: the program marks the metadata area done on the first run of a repeat, so
 *  the later runs take bpf_ktime_get_ns(), and a clock of another origin would expire every flow. */
function run(frames: Buffer[], rep: number): number {
  const runner = dp.program.runner({ dataOut: out, ctxIn: ctx, repeat: rep });
  let total = 0;
  frames.forEach((f, i) => {
    encodeMetaIn(inb, process.hrtime.bigint());
    f.copy(inb, FW_META.size);
    encodeXdpMd(ctx, FW_META.size, FW_META.size + f.length);
    runner.run(inb, FW_META.size + f.length);
    total += runner.duration;
    if (i % 256 === 255) events.drain(() => {});
  });
  events.drain(() => {});
  return total / frames.length;
}

const syn = (i: number) => ether().ipv4({ src: `198.18.${(i >> 8) & 255}.${i & 255}`, dst: '198.19.0.1' }).tcp({ sport: 1024 + (i % 60000), dport: 80, flags: 'S' }).build();
const session = (port: number, dport: number) => tcpSession({ client: { ip: '198.18.200.1', port }, server: { ip: '198.19.0.2', port: dport }, end: 'none' });

const rows: Array<[string, number]> = [];
const half = dp.object.map('fw_flow_half').info.maxEntries;
rows.push(['syn-new', run(Array.from({ length: Math.min(nflows, half - 16) }, (_, i) => syn(i)), 1)]);
rows.push(['syn-full', run(Array.from({ length: nflows }, (_, i) => syn(100000 + i)), 1)]);
const est = session(50000, 80);
run(est.map((f) => f.frame), 1);
rows.push(['ack-est', run([est[est.length - 1].frame], repeat)]);
const passed = session(50001, 22);
run(passed.map((f) => f.frame), 1);
rows.push(['pass-flow', run([passed[passed.length - 1].frame], repeat)]);
const frag = ether().ipv4({ src: '198.18.200.1', dst: '198.19.0.2', fragOffset: 100, proto: 6 }).payload('x'.repeat(64)).build();
rows.push(['fragment', run([frag], repeat)]);

const st = readFlowStats(dp);
console.log(`# bench/flow: kernel ns per packet; half-open table ${half} entries, ${nflows} SYNs after it filled; repeat ${repeat} for the hot rows`);
for (const [k, ns] of rows) console.log(`${k.padEnd(10)} ${ns.toFixed(0).padStart(6)} ns`);
console.log(`# tables: half ${st.half.live}/${st.half.capacity} (${st.half.evicted} evicted), est ${st.est.live}/${st.est.capacity}; created ${st.counters.created}, expired ${st.counters.expired}, stored-pass packets ${st.counters.verdict_pass}`);
events.close();
dp.close();
