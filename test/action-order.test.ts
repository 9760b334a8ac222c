// --action-order: Suricata's action-order. The matches of a packet apply in the order (then
// priority, sid) up to the first pass rule: drops and rejects drop, alerting rules alert, the pass
// ends it. Checked on the parser, then through `fwctl replay` (a subprocess, the real object) and
// against the reference engine, and on what such an order refuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { compileRuleText, parseActionOrder } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { fwctl } from './helpers/fwctl.ts';
import { referenceOutcomes, type ReplayCase, replayOutcomes, udp, writeCases } from './helpers/replay-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-order-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('parseActionOrder: the four actions once each, in any order; anything else says what is wrong', (t) => {
  t.deepEqual(parseActionOrder('drop,pass,reject,alert'), ['drop', 'pass', 'reject', 'alert']);
  t.deepEqual(parseActionOrder(' Alert, drop ,PASS,reject'), ['alert', 'drop', 'pass', 'reject']);
  t.regex(String(parseActionOrder('drop,pass,reject')), /each of pass, drop, reject and alert once/);
  t.regex(String(parseActionOrder('drop,pass,reject,drop')), /each of pass, drop, reject and alert once/);
  t.regex(String(parseActionOrder('drop,pass,reject,log')), /"log" is not an action/);
});

const RULES = [
  'alert ip any any -> any any (msg:"every packet"; sid:1;)',
  'pass ip 198.18.1.1 any -> any any (msg:"a trusted host"; sid:2;)',
  'drop ip any any -> any any (msg:"drop everything"; sid:3;)',
].join('\n');

// [frame, outcome (alerts in decision order) under: default order | drop,pass,reject,alert | alert,pass,drop,reject]
const PACKETS: Array<[Buffer, string, string, string]> = [
  // the trusted host: pass first silences all; drop first drops (and alerts) before the pass ends
  // it; alert first alerts, then the pass ends it before the drop
  [udp('198.18.1.1', '198.18.2.1', 53), 'pass:rule_pass:', 'drop:rule_drop:3', 'pass:rule_pass:1'],
  // another host: no pass matches, every order drops and raises both alerts, in its order
  [udp('198.18.1.2', '198.18.2.1', 53), 'drop:rule_drop:3,1', 'drop:rule_drop:3,1', 'drop:rule_drop:1,3'],
];
/** The alert sids sorted (the reference lists them so; replay in decision order). */
const sorted = (o: string) => o.replace(/[\d,]+$/, (l) => l.split(',').map(Number).sort((a, b) => a - b).join(','));
const ORDERS = [null, 'drop,pass,reject,alert', 'alert,pass,drop,reject'] as const;

for (const [k, order] of ORDERS.entries()) {
  test(`replay with ${order ?? 'the default order'}: each packet as Suricata applies it, equal to the reference`, async (t) => {
    const cases: ReplayCase[] = PACKETS.map(([frame], i) => [frame, BigInt(i + 1) * 1_000_000n, '']);
    const pcap = join(dir, `order-${k}.pcap`);
    const rules = join(dir, `order-${k}.rules`);
    writeCases(pcap, cases);
    writeFileSync(rules, RULES);
    const r = await fwctl('replay', pcap, '--rules', rules, ...(order ? ['--action-order', order] : []), '--verdicts', '-o', 'json');
    t.is(r.code, 0, r.stderr);
    const got = replayOutcomes(r.stdout, cases.length);
    t.deepEqual(got, PACKETS.map((p) => p[k + 1]));
    const parsed = order ? parseActionOrder(order) : undefined;
    if (parsed instanceof Error) throw parsed;
    const eng = new ReferenceEngine(compileRuleText([{ file: 'o.rules', text: RULES }]).rules, parsed ? { actionOrder: parsed } : {});
    t.deepEqual(got.map(sorted), referenceOutcomes(eng, cases).map(sorted));
  });
}

test('a bad order is an input error; a threshold or a flowbit write under an order without pass first is refused with its sid', async (t) => {
  const pcap = join(dir, 'one.pcap');
  writeCases(pcap, [[PACKETS[0][0], 1n, '']]);
  const rules = join(dir, 'bad.rules');
  writeFileSync(rules, RULES);
  const bad = await fwctl('replay', pcap, '--rules', rules, '--action-order', 'drop,pass,alert', '-o', 'json');
  t.is(bad.code, 1);
  t.regex(bad.stdout + bad.stderr, /E_CLI_BAD_VALUE[\s\S]*--action-order: the order lists each of pass, drop, reject and alert once/);
  for (const [opt, sid] of [['threshold: type limit, track by_src, count 1, seconds 60;', 7], ['flowbits:set,seen;', 8]] as const) {
    const f = join(dir, `refused-${sid}.rules`);
    writeFileSync(f, `${RULES}\nalert udp any any -> any 53 (${opt} sid:${sid};)`);
    const r = await fwctl('replay', pcap, '--rules', f, '--action-order', 'drop,pass,reject,alert', '-o', 'json');
    t.is(r.code, 1, r.stdout);
    t.regex(r.stdout + r.stderr, new RegExp(`E_PLAN_UNSUPPORTED[\\s\\S]*sid ${sid} `));
    // the default order takes the same rules
    t.is((await fwctl('replay', pcap, '--rules', f, '-o', 'json')).code, 0);
  }
});
