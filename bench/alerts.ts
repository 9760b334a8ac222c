// What an alert costs the XDP program: one packet repeated (BPF_PROG_TEST_RUN, hot), matched by
// 0, 1, 2, 4, 8, 15 and 30 alert rules. A packet's alerts leave in one ring record per 15
// (bpf/lib/events.h), so the cost per extra alert is the match and its entry, not a ring write.
// Run as root after scripts/build.sh:
//   npx tsx bench/alerts.ts [--rounds 20] [--repeat 2000]
// (2000 repeats of 30 alerts fill ~1 MB of the 4 MiB ring: a full ring would time the cheaper
// failure path instead, so lost alerts are printed.)
// Prints kernel ns per packet (the minimum over rounds: this VM's noise is one-sided) and the
// increment per alert over the 0-alert packet.
import { encodeMetaIn, encodeXdpMd, FW_META, XDP_MD } from '../src/abi/index.ts';
import { applyRuleset, Datapath } from '../src/datapath/index.ts';
import { EventConsumer, readEventStats } from '../src/events/index.ts';
import { ether } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const rounds = Number(args.get('rounds') ?? 20);
const repeat = Number(args.get('repeat') ?? 2000);
const COUNTS = [0, 1, 2, 4, 8, 15, 30];

// Rule k matches UDP packets to port 1000 + n for every n > k: port 1000 + n meets n rules.
const text = Array.from({ length: 30 }, (_, k) => `alert udp any any -> any [${1001 + k}:1030] (msg:"a${k}"; sid:${k + 1};)`).join('\n');
const dp = Datapath.open({ eventCpu: 0, eventRateLimit: false });
const events = new EventConsumer(dp.events);
applyRuleset(dp, planRuleset(compileRuleText([{ file: 'alerts.rules', text }]).rules));

const inb = Buffer.alloc(FW_META.size + 4096);
const out = Buffer.alloc(FW_META.size + 4096);
const ctx = Buffer.alloc(XDP_MD.size);
const frames = COUNTS.map((n) => ether().ipv4({ src: '198.18.1.1', dst: '198.18.2.2' }).udp({ sport: 1234, dport: 1000 + n }).payload('x'.repeat(32)).build());
const best = COUNTS.map(() => Infinity);
let seen = 0;
for (let r = 0; r < rounds; r++) {
  frames.forEach((f, i) => {
    const runner = dp.program.runner({ dataOut: out, ctxIn: ctx, repeat });
    encodeMetaIn(inb, process.hrtime.bigint());
    f.copy(inb, FW_META.size);
    encodeXdpMd(ctx, FW_META.size, FW_META.size + f.length);
    runner.run(inb, FW_META.size + f.length);
    seen += events.drain(() => {});
    best[i] = Math.min(best[i], runner.duration);
  });
}
const st = readEventStats(dp.eventStats);
console.log(`# bench/alerts: ns per packet, one UDP packet repeated ${repeat} times, minimum of ${rounds} rounds (${seen} alerts drained, ${st.lost} lost)`);
console.log('alerts     ns   +ns/alert');
COUNTS.forEach((n, i) => console.log(`${String(n).padStart(6)} ${best[i].toFixed(0).padStart(6)} ${n ? ((best[i] - best[0]) / n).toFixed(1).padStart(10) : ''}`));
events.close();
dp.close();
