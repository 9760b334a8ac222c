// fwctl trace: a described packet (or one from a capture) through an instance's loaded program,
// the verdict and reason the program wrote, the winning rule, every matching rule in decision
// order, and the nearest non-matching rules with the fields that failed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { main } from '../src/cli/main.ts';
import { loadRuleset, trace, unload } from '../src/control/index.ts';
import { Datapath, ensureBpffs } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { writePcapBuffer } from '../src/pcap/index.ts';
import { blockAdd, openInstance } from '../src/addrset/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-trace-'));
const NAME = `tr-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
const RULES = join(dir, 'lab.rules');
writeFileSync(RULES, [
  'pass tcp 198.18.1.0/24 any -> 198.18.2.0/24 [80,443] (msg:"web"; sid:1;)',
  'drop tcp any any -> any 23 (msg:"telnet"; sid:10;)',
  'alert tcp any any -> any 23 (msg:"telnet seen"; sid:11;)',
  'alert tcp any any -> any 23 (msg:"telnet syn"; flags:S; sid:12;)',
  'reject tcp any any -> any 3389 (msg:"rdp"; sid:30;)',
  'alert icmp any any -> any any (msg:"ping"; itype:8; sid:40;)',
].join('\n'));

test.before(async () => {
  ensureBpffs();
  await loadRuleset({ instance: NAME, files: [RULES] }); // state under /run/fwctl, as the CLI reads it
});
test.after.always(() => {
  try {
    unload({ instance: NAME });
  } catch {
    Datapath.unpin(NAME);
  }
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test.serial('a dropped packet: the winner, every matching rule in decision order, the nearest misses and why', (t) => {
  const r = trace({ instance: NAME, packet: ['tcp 198.18.1.2:1234 -> 198.18.2.2:23 flags A'] });
  t.like(r.result, { verdict: 'drop', reason: 'rule_drop', sigId: 10, action: 'drop' });
  t.like(r.winner, { sid: 10, action: 'drop', msg: 'telnet', line: 2 });
  t.deepEqual(r.matching.map((m) => [m.sid, m.winner === true]), [[10, true], [11, false]]);
  // Three rules miss by one field each, in decision order (pass, reject, alert).
  t.deepEqual(r.nearest.map((n) => [n.sid, n.failed?.map((f) => `${f.field}: ${f.detail}`)]), [
    [1, ['dst_port: 23 not in [80,443]']],
    [30, ['dst_port: 23 not in 3389']],
    [12, ['flags: flags:S vs A']],
  ]);
  t.like(r.reference, { verdict: 'drop', sigId: 10, alerts: [10, 11] });
  t.deepEqual(r.notes, []);
  t.is(r.packet.description, 'tcp 198.18.1.2:1234 -> 198.18.2.2:23 flags A');
  // The run was real: the flow is now dropped, and the next packet of it says so.
  const again = trace({ instance: NAME, packet: ['tcp 198.18.2.2:23 -> 198.18.1.2:1234 flags SA'] });
  t.like(again.result, { verdict: 'drop', reason: 'flow_drop' });
  t.deepEqual(again.notes, ['its flow was dropped earlier by a rule (the flow table); no rule was asked']);
});

test.serial('pass, reject, alert and no match; a packet stopped before the rules says so', (t) => {
  t.like(trace({ instance: NAME, packet: ['tcp', '198.18.1.2:5', 'to', '198.18.2.2:80'] }), { result: { verdict: 'pass', reason: 'rule_pass', sigId: 1 } });
  t.like(trace({ instance: NAME, packet: ['tcp 198.18.1.2:5 -> 198.18.9.9:3389'] }), { result: { verdict: 'reject', reason: 'rule_reject', sigId: 30, action: 'tx' } });
  t.like(trace({ instance: NAME, packet: ['icmp 198.18.1.2 -> 198.18.2.2 type 8'] }), { result: { verdict: 'pass', reason: 'rule_alert', sigId: 40 } });
  const none = trace({ instance: NAME, packet: ['udp [2001:2::1]:5 -> [2001:2::2]:53'] });
  t.like(none, { result: { verdict: 'pass', reason: 'pass_default', sigId: 0 }, winner: null, matching: [] });
  t.true(none.nearest.length === 3);
  const dp = openInstance(NAME);
  try {
    blockAdd(dp, '198.18.77.0/24', {});
  } finally {
    dp.close();
  }
  const blocked = trace({ instance: NAME, packet: ['tcp 198.18.77.1:5 -> 198.18.2.2:23'] });
  t.like(blocked.result, { verdict: 'drop', reason: 'dyn_block', sigId: 0 });
  t.deepEqual(blocked.notes, ['the dynamic block list dropped it before any rule was asked']);
  t.deepEqual(blocked.matching.map((m) => m.sid), [10, 11, 12], 'the rules it would have met');
});

test.serial('--pcap FILE --index N, -o json and the text report through the CLI; bad input exits 1', async (t) => {
  const pcap = join(dir, 't.pcap');
  writeFileSync(pcap, writePcapBuffer([
    { frame: ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).udp({ sport: 1, dport: 53 }).build(), ts: 1n },
    { frame: ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).tcp({ sport: 7, dport: 3389, flags: 'S' }).build(), ts: 2n },
  ]));
  const j = await cli('trace', '--instance', NAME, '--pcap', pcap, '--index', '2', '-o', 'json');
  t.is(j.code, 0, j.out.join('\n'));
  const doc = JSON.parse(j.out[0]);
  t.like(doc, { event_type: 'trace', packet: { pcapCnt: 2, description: 'tcp 198.18.1.2:7 -> 198.18.2.2:3389 flags S ttl 64 len 0' }, result: { verdict: 'reject', sigId: 30 } });
  const text = await cli('trace', '--instance', NAME, 'tcp 198.18.1.2:1240 -> 198.18.2.2:23 flags S');
  t.is(text.code, 0);
  t.regex(text.out.join('\n'), /^packet: tcp 198\.18\.1\.2:1240 -> 198\.18\.2\.2:23 flags S\nverdict: drop \(rule_drop, XDP drop\) under load #1\ndecided by sid 10 \(drop\) .*lab\.rules:2 "telnet"\nmatching rules \(3, in decision order\):\n  \* sid 10 drop/);
  t.is((await cli('trace', '--instance', NAME, 'tcp 198.18.1.2 -> 198.18.2.2', '-o', 'json')).code, 1);
  t.is((await cli('trace', '--instance', NAME, '--pcap', pcap, '--index', '9', '-o', 'json')).code, 1);
  t.is((await cli('trace', '--instance', NAME, '--index', '1', 'x')).code, 1);
  const missing = await cli('trace', '--instance', `${NAME}-nope`, 'tcp 198.18.1.2:1 -> 198.18.2.2:2', '-o', 'json');
  t.is(missing.code, 2);
  t.like(JSON.parse(missing.out[0]).error, { code: 'E_INSTANCE_NOT_LOADED', step: 'trace' });
});
