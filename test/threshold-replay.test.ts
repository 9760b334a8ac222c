// threshold and detection_filter on header rules, decided in XDP: a timestamped capture through
// `fwctl replay --rules` (a subprocess, the real object), checked packet by packet at the
// boundaries (the Nth and N+1th match, the last nanosecond of a window and its end) and against
// the reference engine (src/rules/reference/threshold.ts) on the same frames.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { writePcapBuffer } from '../src/pcap/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { fwctl } from './helpers/fwctl.ts';
import { referenceOutcomes, type ReplayCase, replayOutcomes, udp, writeCases } from './helpers/replay-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-threshold-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));


const RULES = [
  'alert udp any any -> any 1001 (msg:"df"; detection_filter: track by_src, count 3, seconds 10; sid:1;)',
  'drop udp any any -> any 1002 (msg:"limit"; threshold: type limit, track by_src, count 2, seconds 10; sid:2;)',
  'alert udp any any -> any 1003 (msg:"threshold"; threshold: type threshold, track by_dst, count 3, seconds 10; sid:3;)',
  'drop udp any any -> any 1004 (msg:"both"; threshold: type both, track by_rule, count 2, seconds 10; sid:4;)',
  'alert udp 198.18.5.0/24 any -> 198.18.5.0/24 any (msg:"pair"; detection_filter: track by_both, count 1, seconds 5; sid:5;)',
  'alert udp any any -> any 1006 (msg:"v6"; detection_filter: track by_src, count 1, seconds 5; sid:6;)',
  'alert udp any any -> any 1007 (msg:"flow"; threshold: type limit, track by_flow, count 1, seconds 60; sid:7;)',
  'pass udp 198.18.3.1 any -> any 1008 (msg:"passed"; sid:8;)',
  'alert udp any any -> any 1008 (msg:"df after a pass"; detection_filter: track by_rule, count 1, seconds 10; sid:9;)',
].join('\n');

const A = '198.18.1.1';
const B = '198.18.1.2';
const X = '198.18.2.1';
const S = 1_000_000_000n;

/** [frame, ts, expected verdict:reason:alerts] */
const CASES: ReplayCase[] = [
  // detection_filter count 3 / 10 s by_src: the 4th match within the window is the first to count
  [udp(A, X, 1001), 100n * S, 'pass:pass_default:'],
  [udp(A, X, 1001), 101n * S, 'pass:pass_default:'],
  [udp(A, X, 1001), 102n * S, 'pass:pass_default:'], // the Nth: not yet
  [udp(B, X, 1001), 102n * S + 1n, 'pass:pass_default:'], // another source: its own count
  [udp(A, X, 1001), 103n * S, 'pass:rule_alert:1'], // the N+1th
  [udp(A, X, 1001), 110n * S - 1n, 'pass:rule_alert:1'], // the window's last nanosecond
  [udp(A, X, 1001), 110n * S, 'pass:pass_default:'], // its end: a new window, count 1
  [udp(A, X, 1001), 111n * S, 'pass:pass_default:'],
  // limit count 2 / 10 s: two alerts, then the drop goes on silently; the window's end re-arms it
  [udp(A, X, 1002), 200n * S, 'drop:rule_drop:2'],
  [udp(A, X, 1002), 201n * S, 'drop:rule_drop:2'],
  [udp(A, X, 1002), 202n * S, 'drop:rule_drop:'],
  [udp(A, X, 1002), 210n * S - 1n, 'drop:rule_drop:'],
  [udp(A, X, 1002), 210n * S, 'drop:rule_drop:2'],
  // threshold count 3 / 10 s by_dst: every 3rd match to X (any source) acts and alerts
  [udp(A, X, 1003), 300n * S, 'pass:pass_default:'],
  [udp(B, X, 1003), 301n * S, 'pass:pass_default:'],
  [udp(A, X, 1003), 302n * S, 'pass:rule_alert:3'],
  [udp(A, B, 1003), 302n * S + 5n, 'pass:pass_default:'], // another destination
  [udp(A, X, 1003), 303n * S, 'pass:pass_default:'],
  [udp(A, X, 1003), 304n * S, 'pass:pass_default:'],
  [udp(A, X, 1003), 305n * S, 'pass:rule_alert:3'],
  // both count 2 / 10 s by_rule: no match before the 2nd, alert on it, silent drops after
  [udp(A, X, 1004), 400n * S, 'pass:pass_default:'],
  [udp(B, X, 1004), 401n * S, 'drop:rule_drop:4'],
  [udp(A, X, 1004), 402n * S, 'drop:rule_drop:'],
  [udp(A, X, 1004), 410n * S, 'pass:pass_default:'],
  // by_both: the pair counts in both directions
  [udp('198.18.5.1', '198.18.5.2', 7000), 500n * S, 'pass:pass_default:'],
  [udp('198.18.5.2', '198.18.5.1', 7001), 501n * S, 'pass:rule_alert:5'],
  [udp('198.18.5.3', '198.18.5.1', 7001), 501n * S + 1n, 'pass:pass_default:'],
  // IPv6 by_src
  [udp('2001:2::1', '2001:2::99', 1006), 600n * S, 'pass:pass_default:'],
  [udp(A, X, 1006), 600n * S + 1n, 'pass:pass_default:'],
  [udp('2001:2::1', '2001:2::98', 1006), 601n * S, 'pass:rule_alert:6'],
  // by_flow limit 1 / 60 s: each 5-tuple alerts once; later matches still decide (rule_alert), silently
  [udp(A, X, 1007, 40000), 700n * S, 'pass:rule_alert:7'],
  [udp(X, A, 40000, 1007), 701n * S, 'pass:pass_default:'], // the reply: not the rule's direction
  [udp(A, X, 1007, 40001), 702n * S, 'pass:rule_alert:7'],
  [udp(A, X, 1007, 40000), 703n * S, 'pass:rule_alert:'],
  // a pass ends the packet's inspection: sid 9's filter does not count the passed packets
  [udp('198.18.3.1', X, 1008), 800n * S, 'pass:rule_pass:'],
  [udp('198.18.3.1', X, 1008), 800n * S + 1n, 'pass:rule_pass:'],
  [udp(A, X, 1008), 801n * S, 'pass:pass_default:'], // its first count
  [udp(A, X, 1008), 802n * S, 'pass:rule_alert:9'],
];

test('threshold and detection_filter at their boundaries, replayed through XDP, equal to the reference', async (t) => {
  const rules = join(dir, 't.rules');
  const pcap = join(dir, 't.pcap');
  writeFileSync(rules, RULES);
  writeCases(pcap, CASES);
  const r = await fwctl('replay', pcap, '--rules', rules, '-o', 'json', '--verdicts');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(replayOutcomes(r.stdout, CASES.length), CASES.map((c) => c[2]));

  const eng = new ReferenceEngine(compileRuleText([{ file: 't.rules', text: RULES }]).rules);
  const ref = referenceOutcomes(eng, CASES);
  t.deepEqual(ref, CASES.map((c) => c[2]), 'the reference engine states the same');
});

test('backoff on a header rule is refused with a plan error naming it', async (t) => {
  const rules = join(dir, 'b.rules');
  writeFileSync(rules, 'alert udp any any -> any 9 (threshold: type backoff, track by_src, count 1, multiplier 10; sid:9;)\n');
  const pcap = join(dir, 'b.pcap');
  writeFileSync(pcap, writePcapBuffer([{ frame: udp(A, X, 9), ts: S }], { precision: 'ns' }));
  const r = await fwctl('replay', pcap, '--rules', rules, '-o', 'json');
  t.not(r.code, 0);
  t.regex(r.stdout + r.stderr, /E_PLAN_UNSUPPORTED/);
  t.regex(r.stdout + r.stderr, /backoff/);
});
