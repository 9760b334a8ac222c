// --invalid drop (fwctl replay; live: fwctl flows config --invalid drop): TCP packets out of state
// dropped before the rules, reason flow_invalid — a stray ACK or SYN-ACK (midstream off), a
// packet of such an untracked flow, a SYN on an established connection, and packets out of the
// connection's windows (data beyond what the receiver allows, an ack of data never sent, a blind
// RST) — while a clean session, retransmissions and window-scaled data pass untouched. Replayed
// through the real object, packet by packet, against the reference.
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
const tcp = (src: string, dst: string, sport: number, dport: number, flags: string, seq = 0, ack = 0, data = '') => {
  const p = ether().ipv4({ src, dst }).tcp({ sport, dport, flags, seq, ack, window: 501 });
  return (data ? p.payload(data) : p).build();
};
const S = 1_000_000_000n;

const session = tcpSession({ client: { ip: '198.18.0.1', port: 40000 }, server: { ip: '198.18.0.2', port: 80 }, startNs: S, end: 'none' });
// A second connection with data both ways (window scale 7 on both SYNs, tcpSession's ISNs 0x1000
// and 0x8000): after it, the client has sent up to 0x1006, the server up to 0x8006.
const talk = tcpSession({
  client: { ip: '198.18.0.3', port: 40100 }, server: { ip: '198.18.0.2', port: 80 }, startNs: 6n * S, end: 'none',
  exchanges: [{ from: 'client', data: 'hello' }, { from: 'server', data: 'world' }],
});
const c2s = (flags: string, seq: number, ack: number, data = '') => tcp('198.18.0.3', '198.18.0.2', 40100, 80, flags, seq, ack, data);
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
  ...talk.map((f): [Buffer, bigint, string, string] => [f.frame, f.tsNs,
    f.from === 'client' ? 'pass:rule_alert:1' : 'pass:pass_default:', f.from === 'client' ? 'pass:rule_alert:1' : 'pass:pass_default:']),
  // windows: a retransmission of the client's data is in window
  [c2s('PA', 0x1001, 0x8006, 'hello'), 7n * S, 'pass:rule_alert:1', 'pass:rule_alert:1'],
  // data 100 MB past what the server's scaled window (501 << 7 at most 64240 << 7) allows
  [c2s('PA', 0x1006 + 100_000_000, 0x8006, 'x'), 7n * S + 1n, 'drop:flow_invalid:', 'pass:rule_alert:1'],
  // an ack of 1000 bytes the server never sent
  [c2s('A', 0x1006, 0x8006 + 1000), 7n * S + 2n, 'drop:flow_invalid:', 'pass:rule_alert:1'],
  // a blind RST, its sequence number far from the window: the connection is not closed by it
  [c2s('R', 0x50000000, 0), 7n * S + 3n, 'drop:flow_invalid:', 'pass:rule_alert:1'],
  // so the connection goes on, in window
  [c2s('PA', 0x1006, 0x8006, 'more'), 7n * S + 4n, 'pass:rule_alert:1', 'pass:rule_alert:1'],
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
