// fwctl replay --rules: the rules compiled, planned and applied to an unpinned datapath; per
// packet, EVE alert records (with pcap_cnt) before that packet's verdict record; verdicts carry the
// winner's sid; the stats record ends the output with alert totals per sid. Bad rules: diagnostics
// and exit 1 before anything runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { ether } from '../src/packets/index.ts';
import { writePcapBuffer } from '../src/pcap/index.ts';
import { fwctl } from './helpers/fwctl.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-replay-rules-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number; stdout: string; stderr: string }
const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

const RULES = join(dir, 'r.rules');
writeFileSync(RULES, [
  'drop tcp any any -> $SERVERS 23 (msg:"telnet"; classtype:attempted-admin; sid:10; rev:2;)',
  'alert tcp any any -> any 23 (msg:"telnet seen"; sid:11;)',
  'alert icmp any any -> any any (msg:"ping"; itype:8; sid:20;)',
  'pass udp any any -> any 53 (msg:"dns"; sid:30;)',
  'alert udp any any -> any 53 (msg:"never: dns is passed"; sid:31;)',
].join('\n'));
const v4 = (p: ReturnType<typeof ether>) => p.ipv4({ src: '198.18.1.2', dst: '198.18.2.2' });
const PCAP = join(dir, 'c.pcap');
writeFileSync(PCAP, writePcapBuffer([
  { frame: v4(ether()).udp({ sport: 5000, dport: 53 }).build(), ts: 1_000_000_000n },
  { frame: v4(ether()).tcp({ sport: 40000, dport: 23, flags: 'S' }).build(), ts: 2_000_000_000n },
  { frame: v4(ether()).icmp({ type: 'echo-request' }).build(), ts: 3_000_000_000n },
  { frame: ether().ipv4({ src: '198.18.2.2', dst: '198.18.1.2' }).tcp({ sport: 23, dport: 40000, flags: 'SA' }).build(), ts: 4_000_000_000n },
  { frame: v4(ether()).icmp({ type: 'echo-request' }).build(), ts: 5_000_000_000n },
]));

test('alerts before their packet\'s verdict, verdicts with the winner\'s sid, stats last with alert totals', async (t) => {
  const r = await fwctl('replay', PCAP, '--rules', RULES, '--var', 'SERVERS=198.18.2.0/24', '-o', 'json', '--verdicts');
  t.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  t.deepEqual(recs.map((x) => `${x.event_type}:${x.pcap_cnt ?? ''}:${x.alert?.signature_id ?? x.signature_id ?? ''}`), [
    'verdict:1:30',
    'alert:2:10', 'alert:2:11', 'verdict:2:10',
    'alert:3:20', 'verdict:3:20',
    'verdict:4:10', // the answer of the dropped flow: flow_drop, no alert, sid of the rule that dropped it
    'alert:5:20', 'verdict:5:20',
    'stats::',
  ]);
  t.like(recs[1], {
    event_type: 'alert', pcap_cnt: 2, src_ip: '198.18.1.2', src_port: 40000, dest_ip: '198.18.2.2', dest_port: 23, proto: 'TCP',
    alert: { action: 'blocked', gid: 1, signature_id: 10, rev: 2, signature: 'telnet', category: 'Attempted Administrator Privilege Gain', severity: 1 },
  });
  t.is(recs[1].timestamp, '1970-01-01T00:00:02.000000+0000');
  t.like(recs[2], { alert: { action: 'allowed', signature_id: 11 } });
  t.like(recs[3], { verdict: 'drop', reason: 'rule_drop' });
  t.like(recs[6], { verdict: 'drop', reason: 'flow_drop' });
  t.like(recs[0], { verdict: 'pass', reason: 'rule_pass' });
  const stats = recs[recs.length - 1];
  t.deepEqual(stats.alerts, { total: 4, by_sid: { 10: 1, 11: 1, 20: 2 }, events: { emitted: 4, suppressed: 0, lost: 0 } });
  t.deepEqual(stats.verdicts, { pass: 3, drop: 2 });
  // Without --verdicts: the alerts and the stats.
  const quiet = lines((await fwctl('replay', PCAP, '--rules', RULES, '--var', 'SERVERS=198.18.2.0/24', '-o', 'json')).stdout);
  t.deepEqual(quiet.map((x) => x.event_type), ['alert', 'alert', 'alert', 'alert', 'stats']);
});

test('the human summary adds alerts per sid; --vars files work', async (t) => {
  const vars = join(dir, 'v.json');
  writeFileSync(vars, JSON.stringify({ 'address-groups': { SERVERS: '198.18.2.2' } }));
  const r = await fwctl('replay', PCAP, '--rules', RULES, '--vars', vars);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /alerts: 4\n  sid 20\s+2  ping\n  sid 10\s+1  telnet\n  sid 11\s+1  telnet seen\n/);
});

test('bad rules: diagnostics and exit 1 before anything runs; bad variables too', async (t) => {
  const bad = join(dir, 'bad.rules');
  writeFileSync(bad, 'alert tcp any any -> any any (contnet:"x"; sid:1;)\n');
  const j = await fwctl('replay', PCAP, '--rules', bad, '-o', 'json', '--verdicts');
  t.is(j.code, 1);
  const out = lines(j.stdout);
  t.is(out.length, 1, 'no verdict and no stats record');
  t.like(out[0].error, { code: 'E_RULES', step: 'check' });
  t.is(out[0].error.diagnostics[0].code, 'E_UNKNOWN_KEYWORD');
  const text = await fwctl('replay', PCAP, '--rules', bad);
  t.is(text.code, 1);
  t.is(text.stdout, '');
  t.regex(text.stderr, /bad\.rules:1:\d+: error E_UNKNOWN_KEYWORD: unknown keyword "contnet"; did you mean "content"\?/);
  const undef = await fwctl('replay', PCAP, '--rules', RULES, '-o', 'json');
  t.is(undef.code, 1, '$SERVERS is not defined');
  t.like(lines(undef.stdout)[0].error, { code: 'E_RULES' });
  const noRules = await fwctl('replay', PCAP, '--var', 'X=1', '-o', 'json');
  t.is(noRules.code, 1);
  t.like(lines(noRules.stdout)[0].error, { code: 'E_CLI_USAGE' });
});

test('every alert of a capture is written by default (no flood guard offline); --alert-rate applies it on pcap time', async (t) => {
  const burst = join(dir, 'burst.pcap');
  // 3000 pings within one millisecond of capture time: far past the live guard's 1000-alert burst
  writeFileSync(burst, writePcapBuffer(Array.from({ length: 3000 }, (_, i) => ({
    frame: v4(ether()).icmp({ type: 'echo-request', id: 1, seq: i }).build(), ts: 10_000_000_000n + BigInt(i) * 300n,
  }))));
  const all = await fwctl('replay', burst, '--rules', RULES, '--var', 'SERVERS=198.18.2.0/24', '-o', 'json');
  t.is(all.code, 0, all.stderr);
  const s = lines(all.stdout).pop()!;
  t.is(s.alerts.total, 3000);
  t.deepEqual(s.alerts.events, { emitted: 3000, suppressed: 0, lost: 0 });

  const guarded = await fwctl('replay', burst, '--rules', RULES, '--var', 'SERVERS=198.18.2.0/24', '-o', 'json', '--alert-rate', '100/50');
  t.is(guarded.code, 0, guarded.stderr);
  const g = lines(guarded.stdout).pop()!;
  t.is(g.alerts.total, 50, 'the burst, and no refill within a millisecond at 100/s');
  t.deepEqual(g.alerts.events, { emitted: 50, suppressed: 2950, lost: 0 });

  for (const bad of ['0', 'x', '10/0', '99999999999']) {
    const r = await fwctl('replay', burst, '--rules', RULES, '--alert-rate', bad);
    t.is(r.code, 1, `--alert-rate ${bad}`);
    t.regex(r.stderr, /--alert-rate takes RATE or RATE\/BURST/);
  }
});
