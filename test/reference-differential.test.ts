// The differential harness itself (test/gen/differential.ts), before a datapath classifier plugs
// into it: a system that agrees with the reference passes, one that gets the semantics wrong is
// caught with a report naming the packet, the field and the ruleset.
import test from 'ava';

import type { Rule } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { checkDifferential, differences, type SystemUnderTest } from './gen/differential.ts';

/** A system built from the reference engine over (possibly altered) rules, with an optional twist on its output. */
function system(alter: (rules: Rule[]) => Rule[] = (r) => r, twist: (o: ReturnType<ReferenceEngine['run']>) => object = (o) => o): SystemUnderTest {
  let eng: ReferenceEngine | undefined;
  return {
    load(rules) {
      eng = new ReferenceEngine(alter(rules));
    },
    run(frame, ts) {
      const d = eng!.run(frame, ts);
      return { verdict: d.verdict, reason: d.reason, sigId: d.sigId, flags: d.flags, alerts: d.alerts, ...twist(d) };
    },
  };
}

test('a system that agrees passes, over many rulesets and packet sequences', async (t) => {
  const stats = await checkDifferential(system(), { maxRules: 60, numRuns: 40, seed: 11 });
  t.is(stats.rulesets, 40);
  t.true(stats.packets > 200, `${stats.packets} packets`);
  for (const r of ['rule_drop', 'rule_alert', 'pass_default', 'flow_drop']) t.true((stats.reasons[r] ?? 0) > 0, `${r}: ${JSON.stringify(stats.reasons)}`);
});

test('a system that ignores pass rules is caught, with a readable report', async (t) => {
  const e = await t.throwsAsync(checkDifferential(system((rules) => rules.filter((r) => r.action !== 'pass')), { maxRules: 60, numRuns: 100, seed: 12 }));
  t.regex(e!.message, /(reason|verdict): reference \w+, system \w+/);
  t.regex(e!.message, /ruleset \(\d+ rules\):\n/);
  t.regex(e!.message, /frame [0-9a-f]+/);
});

test('a system that forgets dropped flows is caught', async (t) => {
  const forgetful: SystemUnderTest = (() => {
    let rules: Rule[] = [];
    return {
      load(r) { rules = r; },
      run(frame, ts) {
        const d = new ReferenceEngine(rules).run(frame, ts);
        return { verdict: d.verdict, reason: d.reason, sigId: d.sigId, flags: d.flags };
      },
    };
  })();
  const e = await t.throwsAsync(checkDifferential(forgetful, { maxRules: 40, numRuns: 200, seed: 13 }));
  t.regex(e!.message, /reference flow_drop/);
});

test('a system that loses one alert of several is caught; alerts are compared as sets', async (t) => {
  const e = await t.throwsAsync(checkDifferential(system(undefined, (d) => ({ alerts: d.alerts.slice(1) })), { maxRules: 60, numRuns: 100, seed: 14 }));
  t.regex(e!.message, /alerts: reference \[[\d,]+\], system/);
  t.deepEqual(differences({ verdict: 'drop', reason: 'rule_drop', sigId: 1, flags: 2, alerts: [1, 2] }, { verdict: 'drop', reason: 'rule_drop', sigId: 1, flags: 2, alerts: [2, 1, 2] }), []);
  t.deepEqual(differences({ verdict: 'drop', reason: 'rule_drop', sigId: 1, flags: 2, alerts: [1] }, { verdict: 'drop', reason: 'rule_drop', sigId: 1, flags: 2 }), [], 'no alerts reported: not compared');
});
