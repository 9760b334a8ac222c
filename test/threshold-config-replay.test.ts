// threshold.config through `fwctl replay --rules R --threshold-config T` (a subprocess, the real
// XDP object): a capture written here, the exact verdicts and alerts per packet, and the reference
// engine on the same compiled rules agreeing. UDP only, so no flow verdict carries a drop onward.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { writePcapBuffer } from '../src/pcap/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { fwctl } from './helpers/fwctl.ts';
import { referenceOutcomes, type ReplayCase, replayOutcomes, udp, writeCases } from './helpers/replay-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-tcfg-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));


const RULES = [
  'drop udp any any -> any 2001 (msg:"suppressed by_src"; sid:11;)',
  'alert udp any any -> any 2002 (msg:"threshold overridden"; threshold: type limit, track by_src, count 5, seconds 60; sid:12;)',
  'drop udp any any -> any 2003 (msg:"suppressed entirely"; sid:13;)',
  'drop udp any any -> any 2004 (msg:"rate_filter, same action"; sid:14;)',
  'alert udp any any -> any 2005 (msg:"suppressed by_dst, $VAR, v6"; sid:15;)',
  'alert udp any any <> any 2006 (msg:"suppressed by_either"; sid:16;)',
].join('\n');

const CONFIG = [
  '# fwctl test: one entry per kind',
  'suppress gen_id 1, sig_id 11, track by_src, ip 198.18.7.0/24',
  'threshold gen_id 1, sig_id 12, type limit, track by_src, \\',
  '  count 1, seconds 60',
  '',
  'suppress gen_id 1, sig_id 13',
  'rate_filter gen_id 1, sig_id 14, track by_rule, count 1, seconds 60, new_action drop, timeout 30',
  'suppress gen_id 1, sig_id 15, track by_dst, ip $QUIET',
  'suppress gen_id 0, sig_id 16, track by_either, ip [198.18.7.0/24,2001:2::7]',
].join('\n');

const VARS = ['--var', 'QUIET=[2001:2:0:1::/64,198.18.9.9]'];

const A = '198.18.1.1';
const Q = '198.18.7.5'; // inside the suppressed /24
const X = '198.18.2.1';
const S = 1_000_000_000n;

/** [frame, ts, expected verdict:reason:alerts] */
const CASES: ReplayCase[] = [
  // suppress by_src: from inside the set no alert and no drop (Suricata applies no action to a
  // suppressed match); from outside, as before
  [udp(Q, X, 2001), 1n * S, 'pass:rule_alert:'],
  [udp(A, X, 2001), 2n * S, 'drop:rule_drop:11'],
  [udp('198.18.8.5', X, 2001), 3n * S, 'drop:rule_drop:11'], // the /24's neighbour
  [udp(X, Q, 2001), 4n * S, 'drop:rule_drop:11'], // the set as destination: not by_src
  // threshold override: limit 1 per source (the rule said 5)
  [udp(A, X, 2002), 10n * S, 'pass:rule_alert:12'],
  [udp(A, X, 2002), 11n * S, 'pass:rule_alert:'],
  [udp(X, A, 2002), 12n * S, 'pass:rule_alert:12'],
  // suppress without ip: noalert, the drop stays
  [udp(A, X, 2003), 20n * S, 'drop:rule_drop:'],
  // rate_filter with the rule's own action: nothing changes
  [udp(A, X, 2004), 30n * S, 'drop:rule_drop:14'],
  [udp(A, X, 2004), 31n * S, 'drop:rule_drop:14'],
  // suppress by_dst with a $VAR holding a v6 prefix and a v4 host
  [udp('2001:2::1', '2001:2:0:1::99', 2005), 40n * S, 'pass:rule_alert:'],
  [udp('2001:2::1', '2001:2:0:2::99', 2005), 41n * S, 'pass:rule_alert:15'],
  [udp(A, '198.18.9.9', 2005), 42n * S, 'pass:rule_alert:'],
  [udp('198.18.9.9', A, 2005), 43n * S, 'pass:rule_alert:15'],
  // suppress by_either on a <> rule (gen_id 0: any gid): either address in the set
  [udp(Q, X, 2006), 50n * S, 'pass:rule_alert:'],
  [udp(X, Q, 2006), 51n * S, 'pass:rule_alert:'],
  [udp(A, X, 2006), 52n * S, 'pass:rule_alert:16'],
  [udp(X, A, 7000, 2006), 53n * S, 'pass:rule_alert:16'], // the <> rule's other direction
  [udp('2001:2::7', '2001:2::8', 2006), 54n * S, 'pass:rule_alert:'],
  [udp('2001:2::9', '2001:2::8', 2006), 55n * S, 'pass:rule_alert:16'],
];

test('threshold.config entries change exactly the alerts and verdicts they name, in XDP and in the reference', async (t) => {
  const rules = join(dir, 't.rules');
  const cfg = join(dir, 'threshold.config');
  const pcap = join(dir, 't.pcap');
  writeFileSync(rules, RULES);
  writeFileSync(cfg, CONFIG);
  writeCases(pcap, CASES);
  const r = await fwctl('replay', pcap, '--rules', rules, '--threshold-config', cfg, ...VARS, '-o', 'json', '--verdicts');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(replayOutcomes(r.stdout, CASES.length), CASES.map((c) => c[2]));

  const compiled = compileRuleText([{ file: 't.rules', text: RULES }], {
    vars: { addressGroups: { QUIET: '[2001:2:0:1::/64,198.18.9.9]' }, portGroups: {} },
    thresholdConfig: { file: 'threshold.config', text: CONFIG },
  });
  t.deepEqual(compiled.diagnostics, []);
  const eng = new ReferenceEngine(compiled.rules);
  const ref = referenceOutcomes(eng, CASES);
  t.deepEqual(ref, CASES.map((c) => c[2]), 'the reference engine states the same');
});

test('without --threshold-config the same capture alerts on every match', async (t) => {
  const rules = join(dir, 'plain.rules');
  const pcap = join(dir, 'plain.pcap');
  writeFileSync(rules, RULES);
  writeFileSync(pcap, writePcapBuffer([{ frame: udp(Q, X, 2001), ts: S }, { frame: udp(A, X, 2003), ts: 2n * S }], { precision: 'ns' }));
  const r = await fwctl('replay', pcap, '--rules', rules, '-o', 'json');
  t.is(r.code, 0, r.stderr);
  const sids = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((x) => x.event_type === 'alert').map((x) => x.alert.signature_id);
  t.deepEqual(sids, [11, 13]);
});

test('a rate_filter that would change the action: the rule is skipped with a warning; --strict refuses it', async (t) => {
  const rules = join(dir, 'rf.rules');
  const cfg = join(dir, 'rf.config');
  const pcap = join(dir, 'rf.pcap');
  writeFileSync(rules, 'drop udp any any -> any 3001 (sid:31;)\nalert udp any any -> any 3002 (sid:32;)\n');
  writeFileSync(cfg, 'rate_filter gen_id 1, sig_id 31, track by_src, count 3, seconds 60, new_action alert, timeout 30\n');
  writeFileSync(pcap, writePcapBuffer([{ frame: udp(A, X, 3001), ts: S }, { frame: udp(A, X, 3002), ts: 2n * S }], { precision: 'ns' }));
  const r = await fwctl('replay', pcap, '--rules', rules, '--threshold-config', cfg);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /rf\.config:1:1: warning W_UNSUPPORTED_THRESHOLD_CONFIG: rate_filter gen_id 1, sig_id 31: new_action alert/);
  t.regex(r.stdout, /alerts: 1\b/);
  t.regex(r.stdout, /sid 32 /);
  const strict = await fwctl('check', rules, '--threshold-config', cfg, '--strict', '-o', 'json');
  t.is(strict.code, 1);
  t.deepEqual((JSON.parse(strict.stdout) as { diagnostics: Array<{ code: string }> }).diagnostics.map((d) => d.code), ['E_UNSUPPORTED_THRESHOLD_CONFIG']);
});

test('a bad threshold.config line stops check and replay with its position; a missing file is exit 1', async (t) => {
  const rules = join(dir, 'bad.rules');
  const cfg = join(dir, 'bad.config');
  writeFileSync(rules, 'alert udp any any -> any 1 (sid:1;)\n');
  writeFileSync(cfg, '\n# x\nsuppress gen_id 1, sig_id 1, track by_src, ip 198.18.0.300\n');
  const c = await fwctl('check', rules, '--threshold-config', cfg);
  t.is(c.code, 1);
  t.regex(c.stdout, /bad\.config:3:47: error E_BAD_ADDRESS/);
  const pcap = join(dir, 'bad.pcap');
  writeFileSync(pcap, writePcapBuffer([{ frame: udp(A, X, 1), ts: S }], { precision: 'ns' }));
  const r = await fwctl('replay', pcap, '--rules', rules, '--threshold-config', cfg);
  t.is(r.code, 1);
  const m = await fwctl('check', rules, '--threshold-config', join(dir, 'nope.config'));
  t.is(m.code, 1);
  t.regex(m.stdout + m.stderr, /cannot read .*nope\.config: no such file/);
  const u = await fwctl('replay', pcap, '--threshold-config', cfg);
  t.is(u.code, 1);
  t.regex(u.stdout + u.stderr, /apply to --rules/);
});
