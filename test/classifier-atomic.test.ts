// Ruleset swaps are atomic: packets run between every step of applyRuleset (after each map write,
// the counters, the cfg, the flip, the barrier) see exactly the old ruleset until the flip and exactly
// the new one from it on, never a mix. Rulesets A and B decide every probe differently (A keys on
// source address and destination port, B on destination address and source port, with other
// verdicts and sids), so a packet classified with any of A's maps and any of B's would show.
import test from 'ava';

import { type ApplyStep, applyRuleset, flipGeneration } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';
import { ClassifierRig } from './classifier-helpers.ts';

const N = 40;
const probe = (i: number) => ether().ipv4({ src: `198.18.0.${i}`, dst: `198.18.1.${i}` }).udp({ sport: 2000 + i, dport: 1000 + i }).build();
const plan = (text: string) => planRuleset(compileRuleText([{ file: 'x.rules', text }]).rules);
const A = plan(Array.from({ length: N }, (_, k) => `alert udp 198.18.0.${k + 1} any -> any ${1001 + k} (sid:${1001 + k};)`).join('\n'));
const B = plan([
  ...Array.from({ length: N }, (_, k) => `drop udp any ${2001 + k} -> 198.18.1.${k + 1} any (ttl:>1; sid:${2001 + k};)`),
  ...Array.from({ length: 30 }, (_, k) => `alert tcp any any -> 2001:2::${k} ${k} (sid:${3000 + k};)`),
].join('\n'));

type Want = (i: number) => { verdict: string; reason: string; sigId: number };
const underA: Want = (i) => ({ verdict: 'pass', reason: 'rule_alert', sigId: 1000 + i });
const underB: Want = (i) => ({ verdict: 'drop', reason: 'rule_drop', sigId: 2000 + i });

function check(rig: ClassifierRig, want: Want, where: string): string[] {
  const bad: string[] = [];
  for (let i = 1; i <= N; i++) {
    const o = rig.run(probe(i));
    const w = want(i);
    if (o.verdict !== w.verdict || o.reason !== w.reason || o.sigId !== w.sigId) bad.push(`${where} probe ${i}: ${o.verdict}/${o.reason}/${o.sigId}, want ${w.verdict}/${w.reason}/${w.sigId}`);
  }
  return bad;
}

test('packets between every step of a swap see the old ruleset until the flip, the new one from it', (t) => {
  const rig = new ClassifierRig();
  t.teardown(() => rig.close());
  applyRuleset(rig.dp, A);
  t.deepEqual(check(rig, underA, 'initial'), []);
  const bad: string[] = [];
  const seen: ApplyStep[] = [];
  let runs = 0;
  for (let round = 0; round < 4; round++) {
    const [from, to, next] = round % 2 ? [underB, underA, A] : [underA, underB, B];
    let flipped = false;
    const info = applyRuleset(rig.dp, next, {
      tag: round,
      onStep: (step) => {
        if (round === 0) seen.push(step);
        if (step === 'flip') flipped = true;
        bad.push(...check(rig, flipped ? to : from, `round ${round} after ${step}`));
        runs += N;
      },
    });
    t.true(flipped);
    // The old generation is intact: roll back and forth.
    flipGeneration(rig.dp, (1 - info.index) as 0 | 1);
    bad.push(...check(rig, from, `round ${round} rolled back`));
    flipGeneration(rig.dp, info.index);
    bad.push(...check(rig, to, `round ${round} rolled forward`));
  }
  t.deepEqual(bad, []);
  t.deepEqual(seen, ['check', 'fw_cls_root', 'fw_cls_node', 'fw_cls_skip', 'fw_cls_proj', 'fw_cls_fld', 'fw_cls_sum', 'fw_cls_bm', 'fw_cls_rule',
    'counters', 'cfg', 'flip', 'barrier'].filter((s) => s !== 'fw_cls_node' || B.images.fw_cls_node.count > 0));
  t.true(runs > 2000, `${runs} packets during swaps`);
});

test('the two rulesets really differ on every probe (the atomicity test could see a mix)', (t) => {
  const rig = new ClassifierRig();
  t.teardown(() => rig.close());
  applyRuleset(rig.dp, B);
  t.deepEqual(check(rig, underB, 'B'), []);
  for (let i = 1; i <= N; i++) t.notDeepEqual(underA(i), underB(i));
  t.not(A.stats.classes.addr, B.stats.classes.addr);
});
