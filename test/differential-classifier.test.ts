// The XDP classifier against the reference evaluator (src/rules/reference): random rulesets over
// every header field kind and both families, random packet sequences (recurring TCP flows); every
// packet's verdict, reason, deciding sid, flags and alert set (drained from fw_events) must agree.
import test from 'ava';
import fc from 'fast-check';

import { capacityFor, clearFlows, setFlowConfig } from '../src/datapath/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';
import { checkDifferential, differences, expected, type SystemUnderTest } from './gen/differential.ts';
import { arbPacketSequence, describe } from './gen/packets.ts';
import { compileRuleset, sampleRuleset } from './gen/rules.ts';
import { ClassifierRig } from './classifier-helpers.ts';

function system(rig: ClassifierRig): SystemUnderTest {
  return {
    load: (rules) => {
      rig.load(rules);
      clearFlows(rig.dp); // the reference starts each ruleset with no flow
    },
    run: (frame, ts) => {
      const o = rig.run(frame, ts);
      return { verdict: o.verdict, reason: o.reason, sigId: o.sigId, flags: o.flags, alerts: o.alerts };
    },
  };
}

test('small rulesets, many of them: BPF and the reference agree on every packet (shrinks on failure)', async (t) => {
  const rig = new ClassifierRig();
  t.teardown(() => rig.close());
  const stats = await checkDifferential(system(rig), { maxRules: 60, maxPackets: 60, numRuns: 200, seed: 4101 });
  t.is(stats.rulesets, 200);
  for (const r of ['rule_drop', 'rule_alert', 'rule_pass', 'rule_reject', 'rule_flag', 'pass_default', 'flow_drop', 'fragment']) {
    t.true((stats.reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(stats.reasons)}`);
  }
});

test('flow keywords and flowbits over sessions (TCP conversations, UDP and ICMP answers): BPF and the reference agree on every packet', async (t) => {
  const rig = new ClassifierRig();
  t.teardown(() => rig.close());
  const stats = await checkDifferential(system(rig), { maxRules: 40, maxPackets: 80, numRuns: 150, seed: 4301, flowFraction: 0.5, sessions: true });
  t.is(stats.rulesets, 150);
  for (const r of ['rule_drop', 'rule_alert', 'rule_pass', 'pass_default', 'flow_drop']) t.true((stats.reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(stats.reasons)}`);
});

test('action scope suricata: only IP-only rules decide a TCP flow; BPF and the reference agree on every packet', async (t) => {
  const rig = new ClassifierRig();
  rig.planOptions = { actionScope: 'suricata' };
  t.teardown(() => rig.close());
  const stats = await checkDifferential(system(rig), {
    maxRules: 40, maxPackets: 80, numRuns: 150, seed: 4401, flowFraction: 0.3, sessions: true, engine: { actionScope: 'suricata' },
  });
  t.is(stats.rulesets, 150);
  for (const r of ['rule_drop', 'rule_pass', 'pass_default', 'flow_drop']) t.true((stats.reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(stats.reasons)}`);
});

test('invalid drop: TCP packets out of state are dropped before the rules; BPF and the reference agree on every packet', async (t) => {
  const rig = new ClassifierRig();
  t.teardown(() => rig.close());
  setFlowConfig(rig.dp, { invalid: 'drop' });
  const stats = await checkDifferential(system(rig), { maxRules: 30, maxPackets: 80, numRuns: 100, seed: 4601, flowFraction: 0.3, sessions: true, engine: { invalid: 'drop' } });
  t.is(stats.rulesets, 100);
  for (const r of ['flow_invalid', 'rule_drop', 'flow_drop', 'pass_default']) t.true((stats.reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(stats.reasons)}`);
});

// Suricata's action-order: the matches apply in the order up to the first pass rule. Orders with
// pass later than first make the walk see every match (FW_CLS_FEAT_PASS_LATE) and decide by the
// best drop/reject before the pass, else the pass, else the best match. No flowbits here: their
// writes are refused under such orders (src/rules/action-order.ts orderConflict).
for (const [order, scope, seed] of [
  [['drop', 'pass', 'reject', 'alert'], 'flow', 4501],
  [['alert', 'drop', 'pass', 'reject'], 'suricata', 4502],
  [['reject', 'alert', 'pass', 'drop'], 'flow', 4503],
] as const) {
  test(`action order ${order.join(',')} (scope ${scope}): BPF and the reference agree on every packet`, async (t) => {
    const rig = new ClassifierRig();
    rig.planOptions = { actionOrder: order, actionScope: scope };
    t.teardown(() => rig.close());
    const stats = await checkDifferential(system(rig), {
      maxRules: 40, maxPackets: 60, numRuns: 100, seed, sessions: true, engine: { actionOrder: order, actionScope: scope },
    });
    t.is(stats.rulesets, 100);
    for (const r of ['rule_drop', 'rule_reject', 'rule_alert', 'rule_pass', 'pass_default']) t.true((stats.reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(stats.reasons)}`);
  });
}

// Thousands of rules: sampled (no shrinking, which would take hours at this size), the datapath sized
// for the plan, one long packet sequence per ruleset.
for (const [n, seed] of [[1500, 4201], [3000, 4202]] as const) {
  test(`${n} rules: BPF and the reference agree on every packet`, (t) => {
    const rules = compileRuleset(sampleRuleset(n, seed));
    const plan = planRuleset(rules);
    t.true(plan.stats.slots > n, `${plan.stats.slots} slots`);
    const rig = new ClassifierRig({ classifier: capacityFor(plan, 1.1) });
    t.teardown(() => rig.close());
    rig.load(rules);
    const ref = new ReferenceEngine(rules);
    const seq = fc.sample(arbPacketSequence(rules, { minLength: 600, maxLength: 600 }), { numRuns: 1, seed })[0];
    const reasons: Record<string, number> = {};
    let alerts = 0;
    for (let i = 0; i < seq.length; i++) {
      const ts = BigInt(i + 1) * 1000n;
      const want = expected(ref.run(seq[i].frame, ts));
      const o = rig.run(seq[i].frame, ts);
      reasons[want.reason] = (reasons[want.reason] ?? 0) + 1;
      alerts += want.alerts.length;
      const d = differences(want, { verdict: o.verdict, reason: o.reason, sigId: o.sigId, flags: o.flags, alerts: o.alerts });
      if (d.length) return t.fail(`packet ${i}: ${describe(seq[i].spec)}\n  frame ${seq[i].frame.toString('hex')}\n  ${d.join('\n  ')}`);
    }
    t.is(seq.length, 600);
    for (const r of ['rule_drop', 'rule_pass', 'flow_drop']) t.true((reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(reasons)}`);
    t.true(alerts > 100, `${alerts} alerts`);
  });
}
