// --invalid drop (fwctl replay; live: fwctl flows config --invalid drop): TCP packets out of state
// dropped before the rules, reason flow_invalid — a stray ACK or SYN-ACK (midstream off), a
// packet of such an untracked flow, a SYN on an established connection — while a clean session
// passes untouched. Replayed through the real object, packet by packet, against the reference.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { ether } from '../src/packets/index.ts';
import { tcpSession } from '../src/packets/tcp-session.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { fwctl } from './helpers/fwctl.ts';
import { referenceOutcomes, type ReplayCase, replayOutcomes, writeCases } from './helpers/replay-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-invalid-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const RULES = 'alert tcp any any -> any 80 (msg:"web"; sid:1;)';
const tcp = (src: string, dst: string, sport: number, dport: number, flags: string) =>
  ether().ipv4({ src, dst }).tcp({ sport, dport, flags }).build();
const S = 1_000_000_000n;

const session = tcpSession({ client: { ip: '198.18.0.1', port: 40000 }, server: { ip: '198.18.0.2', port: 80 }, startNs: S, end: 'none' });
// [frame, ts, outcome with --invalid drop, outcome without]
const CASES: Array<[Buffer, bigint, string, string]> = [
  ...session.map((f): [Buffer, bigint, string, string] => [f.frame, f.tsNs,
    f.from === 'client' ? 'pass:rule_alert:1' : 'pass:pass_default:', f.from === 'client' ? 'pass:rule_alert:1' : 'pass:pass_default:']),
  // a SYN on the established connection: out of state
  [tcp('198.18.0.1', '198.18.0.2', 40000, 80, 'S'), 2n * S, 'drop:flow_invalid:', 'pass:rule_alert:1'],
  // the connection goes on
  [tcp('198.18.0.1', '198.18.0.2', 40000, 80, 'A'), 2n * S + 1n, 'pass:rule_alert:1', 'pass:rule_alert:1'],
  // a stray ACK, then a SYN-ACK, of connections never seen (midstream off): untracked
  [tcp('198.18.0.9', '198.18.0.2', 41000, 80, 'A'), 3n * S, 'drop:flow_invalid:', 'pass:rule_alert:1'],
  [tcp('198.18.0.9', '198.18.0.2', 41000, 80, 'PA'), 3n * S + 1n, 'drop:flow_invalid:', 'pass:rule_alert:1'],
  [tcp('198.18.0.2', '198.18.0.9', 80, 41001, 'SA'), 3n * S + 2n, 'drop:flow_invalid:', 'pass:pass_default:'],
  // a SYN on that untracked tuple starts a tracked connection again
  [tcp('198.18.0.9', '198.18.0.2', 41000, 80, 'S'), 4n * S, 'pass:rule_alert:1', 'pass:rule_alert:1'],
  // UDP has no TCP state: never invalid
  [ether().ipv4({ src: '198.18.0.9', dst: '198.18.0.2' }).udp({ sport: 1, dport: 80 }).build(), 5n * S, 'pass:pass_default:', 'pass:pass_default:'],
];

async function replay(extra: string[]): Promise<string[]> {
  const pcap = join(dir, 'invalid.pcap');
  const rules = join(dir, 'invalid.rules');
  writeCases(pcap, CASES.map(([f, ts]) => [f, ts, '']));
  writeFileSync(rules, RULES);
  const r = await fwctl('replay', pcap, '--rules', rules, ...extra, '--verdicts', '-o', 'json');
  if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  return replayOutcomes(r.stdout, CASES.length);
}

const cases = (): ReplayCase[] => CASES.map(([f, ts]) => [f, ts, '']);
const rules = compileRuleText([{ file: 'i.rules', text: RULES }]).rules;

test('--invalid drop: out-of-state TCP packets dropped as flow_invalid, the clean session untouched; equal to the reference', async (t) => {
  const got = await replay(['--invalid', 'drop']);
  t.deepEqual(got, CASES.map((c) => c[2]));
  t.deepEqual(got, referenceOutcomes(new ReferenceEngine(rules, { invalid: 'drop' }), cases()));
});

test('without it (the default, or --invalid pass) the same packets are classified as any other', async (t) => {
  const got = await replay([]);
  t.deepEqual(got, CASES.map((c) => c[3]));
  t.deepEqual(await replay(['--invalid', 'pass']), got);
  t.deepEqual(got, referenceOutcomes(new ReferenceEngine(rules), cases()));
  const bad = await fwctl('replay', join(dir, 'invalid.pcap'), '--invalid', 'reject');
  t.is(bad.code, 1);
  t.regex(bad.stdout + bad.stderr, /--invalid takes "pass" or "drop"/);
});
