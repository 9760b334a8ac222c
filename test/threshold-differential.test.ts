// threshold and detection_filter, BPF against the reference (src/rules/reference/threshold.ts):
// random small rulesets where most rules carry one of them (every type and track), random
// timestamped packet sequences over a few addresses and ports with gaps around the windows' edges
// (0, 1 ns, just under and at a second); every packet's verdict, reason, deciding sid, flags and
// alert set must agree. fast-check shrinks a failure to a minimal ruleset and sequence.
import test from 'ava';
import fc from 'fast-check';

import { clearFlows } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { ClassifierRig } from './classifier-helpers.ts';

const SRC = ['198.18.0.1', '198.18.0.2', '198.18.0.3', '2001:2::1', '2001:2::2'];
const DST = ['198.18.1.1', '198.18.1.2', '2001:2::a'];

const arbThreshold = fc.oneof(
  fc.constant(''),
  fc.record({
    kind: fc.constantFrom('limit', 'threshold', 'both', 'detection_filter'),
    track: fc.constantFrom('by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow'),
    count: fc.integer({ min: 1, max: 4 }),
    seconds: fc.integer({ min: 1, max: 2 }),
  }).map(({ kind, track, count, seconds }) => kind === 'detection_filter'
    ? ` detection_filter: track ${track}, count ${count}, seconds ${seconds};`
    : ` threshold: type ${kind}, track ${track}, count ${count}, seconds ${seconds};`),
);

const arbRule = fc.record({
  action: fc.constantFrom('alert', 'alert', 'drop', 'pass', 'reject'),
  proto: fc.constantFrom('udp', 'tcp', 'ip'),
  src: fc.constantFrom('any', '198.18.0.1', '198.18.0.0/30', '2001:2::/64'),
  dport: fc.constantFrom('any', '1', '2', '[1,2]'),
  thr: arbThreshold,
  noalert: fc.boolean().map((b) => (b ? ' noalert;' : '')),
});

const arbRules = fc.array(arbRule, { minLength: 1, maxLength: 6 }).map((rs) => rs.map((r, i) => {
  const dport = r.proto === 'ip' ? 'any' : r.dport;
  return `${r.action} ${r.proto} ${r.src} any -> any ${dport} (msg:"r${i}";${r.thr}${r.action === 'alert' ? r.noalert : ''} sid:${i + 1};)`;
}).join('\n'));

const GAPS = [0n, 1n, 250_000_000n, 999_999_999n, 1_000_000_000n, 1_000_000_001n, 2_000_000_000n];
const arbPacket = fc.record({
  src: fc.integer({ min: 0, max: SRC.length - 1 }),
  dst: fc.integer({ min: 0, max: DST.length - 1 }),
  tcp: fc.boolean(),
  dport: fc.integer({ min: 1, max: 3 }),
  sport: fc.constantFrom(1000, 1001),
  gap: fc.integer({ min: 0, max: GAPS.length - 1 }),
});

function frame(p: { src: number; dst: number; tcp: boolean; dport: number; sport: number }): Buffer {
  let src = SRC[p.src];
  let dst = DST[p.dst];
  if (src.includes(':') !== dst.includes(':')) dst = src.includes(':') ? '2001:2::a' : '198.18.1.1';
  const ip = src.includes(':') ? ether().ipv6({ src, dst }) : ether().ipv4({ src, dst });
  return Buffer.from(p.tcp ? ip.tcp({ sport: p.sport, dport: p.dport, flags: 'S' }).build() : ip.udp({ sport: p.sport, dport: p.dport }).build());
}

test('random thresholded rulesets and timed packets: BPF and the reference agree on every packet', (t) => {
  const rig = new ClassifierRig();
  t.teardown(() => rig.close());
  let base = 1_000_000_000_000n;
  const reasons: Record<string, number> = {};
  let alerts = 0;
  fc.assert(fc.property(arbRules, fc.array(arbPacket, { minLength: 1, maxLength: 40 }), (text, pkts) => {
    const rules = compileRuleText([{ file: 't.rules', text }]).rules;
    rig.load(rules); // a new generation: a new epoch, fresh counters
    clearFlows(rig.dp);
    const ref = new ReferenceEngine(rules);
    base += 1_000_000_000_000n; // each run later than the last: no flow outlives its run
    let ts = base;
    for (const [i, p] of pkts.entries()) {
      ts += GAPS[p.gap];
      const f = frame(p);
      const want = ref.run(f, ts);
      const got = rig.run(f, ts);
      const g = [...new Set(got.alerts)].sort((a, b) => a - b);
      const same = got.verdict === want.verdict && got.reason === want.reason && got.sigId === want.sigId &&
        got.flags === want.flags && g.join(',') === want.alerts.join(',');
      if (!same) {
        throw new Error(`packet ${i} (ts +${ts - base}): reference ${want.verdict}/${want.reason}/${want.sigId}/${want.flags}/[${want.alerts}], ` +
          `BPF ${got.verdict}/${got.reason}/${got.sigId}/${got.flags}/[${g}]`);
      }
      reasons[want.reason] = (reasons[want.reason] ?? 0) + 1;
      alerts += want.alerts.length;
    }
  }), { numRuns: 300, seed: 5101 });
  t.log(reasons, `${alerts} alerts`);
  for (const r of ['rule_alert', 'rule_drop', 'pass_default', 'rule_pass']) t.true((reasons[r] ?? 0) > 0, r);
});
