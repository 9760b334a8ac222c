// `fwctl replay --rules` (a subprocess, as a user runs it) over captures made for the flow table:
// every packet's alerts and verdict show its flow's state through flow-keyword rules, and must be
// what the reference engine decides for the same frames. Captures: a TCP handshake, data and FIN
// teardown; out-of-state packets; midstream (no SYN seen); IPv6; VLAN (the same 5-tuple on two
// VLANs); a dropped flow; a pass-rule flow; UDP and ICMP answers; flowbits across packets.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

import { ether } from '../src/packets/index.ts';
import { tcpSession, type TimedFrame } from '../src/packets/tcp-session.ts';
import { writePcapBuffer } from '../src/pcap/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'fwctl-flow-replay-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

const RULES = `alert tcp any any -> any any (msg:"est to server"; flow:established,to_server; sid:1;)
alert tcp any any -> any any (msg:"est to client"; flow:established,from_server; sid:2;)
alert ip any any -> any any (msg:"not established"; flow:not_established; sid:3;)
alert udp any any -> any any (msg:"udp answer"; flow:established,to_client; sid:4;)
alert icmp any any -> any any (msg:"icmp answer"; flow:to_client,established; sid:5;)
alert tcp any any -> any 8080 (msg:"syn seen"; flags:S; flowbits:set,syn8080; flowbits:noalert; sid:6;)
alert tcp any any -> any any (msg:"fin after syn"; flags:F+; flowbits:isset,syn8080; sid:7;)
drop tcp any any -> any 23 (msg:"telnet"; flags:S; sid:8;)
pass tcp any any -> any 22 (msg:"ssh"; flags:S; sid:9;)
alert tcp any any <> any any (msg:"any tcp"; flow:stateless; priority:4; sid:10;)`;

const C = '198.18.5.1', S = '198.18.6.1', C6 = '2001:2::5:1', S6 = '2001:2::6:1';
const MS = 1_000_000n;

/** The capture: named parts, each a list of frames, on one clock. */
function capture(): Array<{ part: string; frame: Buffer; from: string }> {
  let t = 1_700_000_000_000n * MS;
  const out: Array<{ part: string; frame: Buffer; from: string }> = [];
  const add = (part: string, frames: TimedFrame[]) => {
    for (const f of frames) out.push({ part, frame: f.frame, from: f.from });
  };
  const session = (part: string, o: Parameters<typeof tcpSession>[0]) => {
    const fr = tcpSession({ ...o, startNs: (t += 10n * MS) });
    add(part, fr);
  };
  const one = (part: string, frame: Buffer, from = 'client') => out.push({ part, frame, from });
  session('handshake', { client: { ip: C, port: 40000 }, server: { ip: S, port: 80 }, exchanges: [{ from: 'client', data: 'GET / HTTP/1.0\r\n\r\n' }, { from: 'server', data: 'HTTP/1.0 200 OK\r\n\r\n' }] });
  one('out-of-state', ether().ipv4({ src: C, dst: S }).tcp({ sport: 40001, dport: 80, flags: 'A' }).build());
  one('out-of-state', ether().ipv4({ src: S, dst: C }).tcp({ sport: 80, dport: 40001, flags: 'SA' }).build(), 'server');
  one('out-of-state', ether().ipv4({ src: C, dst: S }).tcp({ sport: 40001, dport: 80, flags: 'PA' }).payload('x').build());
  session('ipv6', { client: { ip: C6, port: 40002 }, server: { ip: S6, port: 443 }, exchanges: [{ from: 'server', data: 'hello' }], end: 'rst', closer: 'server' });
  session('vlan100', { client: { ip: C, port: 40003 }, server: { ip: S, port: 80 }, vlan: 100, end: 'none' });
  one('vlan200', ether().vlan(200).ipv4({ src: C, dst: S }).tcp({ sport: 40003, dport: 80, flags: 'A' }).payload('y').build());
  session('flowbits', { client: { ip: C, port: 40004 }, server: { ip: S, port: 8080 } });
  session('dropped', { client: { ip: C, port: 40005 }, server: { ip: S, port: 23 }, exchanges: [{ from: 'client', data: 'root' }] });
  session('passed', { client: { ip: C, port: 40006 }, server: { ip: S, port: 22 }, exchanges: [{ from: 'server', data: 'SSH-2.0-x' }] });
  one('udp', ether().ipv4({ src: C, dst: S }).udp({ sport: 5000, dport: 53 }).payload('q').build());
  one('udp', ether().ipv4({ src: S, dst: C }).udp({ sport: 53, dport: 5000 }).payload('a').build(), 'server');
  one('icmp', ether().ipv6({ src: C6, dst: S6 }).icmpv6({ type: 128, id: 42, seq: 1 }).build());
  one('icmp', ether().ipv6({ src: S6, dst: C6 }).icmpv6({ type: 129, id: 42, seq: 1 }).build(), 'server');
  return out;
}

test('fwctl replay --rules: flow keywords and flowbits per packet, as the reference decides, through every part of the capture', async (t) => {
  const pkts = capture();
  const pcap = join(dir, 'flow.pcap');
  const rulesFile = join(dir, 'flow.rules');
  let ts = 1_700_000_000_000_000n;
  const stamped = pkts.map((p) => ({ ...p, ts: (ts += 1_000_000n) }));
  writeFileSync(pcap, writePcapBuffer(stamped.map((p) => ({ frame: p.frame, ts: p.ts }))));
  writeFileSync(rulesFile, RULES);
  const r = await exec(process.execPath, ['bin/fwctl.mjs', 'replay', pcap, '--rules', rulesFile, '-o', 'json', '--verdicts'], { maxBuffer: 64 << 20 });
  const recs = lines(r.stdout);
  const got = new Map<number, { alerts: number[]; verdict: string; reason: string; sid: number | null }>();
  for (const x of recs) {
    if (x.pcap_cnt === undefined) continue;
    const e = got.get(x.pcap_cnt) ?? { alerts: [], verdict: '', reason: '', sid: null };
    if (x.event_type === 'alert') e.alerts.push(x.alert.signature_id);
    if (x.event_type === 'verdict') Object.assign(e, { verdict: x.verdict, reason: x.reason, sid: x.signature_id });
    got.set(x.pcap_cnt, e);
  }
  const ref = new ReferenceEngine(compileRuleText([{ file: 'flow.rules', text: RULES }]).rules);
  const rows: string[] = [];
  stamped.forEach((p, i) => {
    const want = ref.run(p.frame, p.ts);
    const g = got.get(i + 1)!;
    const row = `${p.part} ${p.from}: ${g.verdict}/${g.reason}/${g.sid ?? 0} [${g.alerts.sort((a, b) => a - b)}]`;
    t.is(row, `${p.part} ${p.from}: ${want.verdict}/${want.reason}/${want.sigId} [${want.alerts}]`, `packet ${i + 1}`);
    rows.push(row);
    if (process.env.FLOW_REPLAY_PRINT) console.log(row);
  });
  const part = (name: string) => rows.filter((x) => x.startsWith(`${name} `));
  // the handshake and teardown: SYN and SYN-ACK not established, then established both ways
  t.deepEqual(part('handshake').slice(0, 4), [
    'handshake client: pass/rule_alert/3 [3,10]', 'handshake server: pass/rule_alert/3 [3,10]',
    'handshake client: pass/rule_alert/1 [1,10]', 'handshake client: pass/rule_alert/1 [1,10]',
  ]);
  t.true(part('handshake').slice(2).every((x) => /\[1,10\]|\[2,10\]/.test(x)), part('handshake').join('\n'));
  // midstream off: a flow that began without a SYN is never established
  t.true(part('out-of-state').every((x) => x.endsWith('[3,10]')), part('out-of-state').join('\n'));
  t.true(part('ipv6').slice(2).every((x) => /\[(1|2),10\]/.test(x)), part('ipv6').join('\n'));
  t.is(part('vlan200')[0], 'vlan200 client: pass/rule_alert/3 [3,10]', 'VLAN 200 is not VLAN 100\'s established flow');
  const alertsOf = (x: string) => x.slice(x.indexOf('[') + 1, -1).split(',').filter(Boolean).map(Number);
  t.is(part('flowbits').filter((x) => alertsOf(x).includes(7)).length, 2, 'both FINs of the flow whose SYN set the bit');
  t.false(part('handshake').some((x) => alertsOf(x).includes(7)), 'another flow\'s FINs: the bit is per flow');
  t.deepEqual(part('dropped').map((x) => x.split(' ')[2]), ['drop/rule_drop/8', ...part('dropped').slice(1).map(() => 'drop/flow_drop/8')]);
  t.deepEqual(part('passed').map((x) => x.split(' ')[2]), part('passed').map(() => 'pass/rule_pass/9'));
  t.true(part('passed').every((x) => x.endsWith('[]')), 'no alert on a passed flow');
  t.deepEqual(part('udp'), ['udp client: pass/rule_alert/3 [3]', 'udp server: pass/rule_alert/4 [4]']);
  t.deepEqual(part('icmp'), ['icmp client: pass/rule_alert/3 [3]', 'icmp server: pass/rule_alert/5 [5]']);
});

test('fwctl replay --midstream: a capture that starts mid-connection is established from its first packet; without it, never', async (t) => {
  const pcap = join(dir, 'mid.pcap');
  const rulesFile = join(dir, 'mid.rules');
  const frames = tcpSession({ client: { ip: C, port: 41000 }, server: { ip: S, port: 80 }, exchanges: [{ from: 'client', data: 'GET /' }], end: 'none' }).slice(3);
  writeFileSync(pcap, writePcapBuffer(frames.map((f, i) => ({ frame: f.frame, ts: 1_700_000_000_000_000n + BigInt(i) * 1000n }))));
  writeFileSync(rulesFile, 'alert tcp any any -> any any (flow:established,to_server; sid:1;)\nalert tcp any any -> any any (flow:not_established; sid:2;)');
  const run = async (...extra: string[]) => {
    const r = await exec(process.execPath, ['bin/fwctl.mjs', 'replay', pcap, '--rules', rulesFile, '-o', 'json', ...extra]);
    return lines(r.stdout).filter((x) => x.event_type === 'alert').map((x) => x.alert.signature_id as number);
  };
  t.deepEqual(await run(), frames.map(() => 2), 'midstream off (default): untracked, not established');
  const on = await run('--midstream');
  t.deepEqual(on, frames.filter((f) => f.from === 'client').map(() => 1), 'on: established, the first sender is the client');
});
