// --action-scope: what a deciding drop/pass of a TCP packet applies to. `flow` (default): the rest
// of the flow; `suricata`: only IP-only rules decide the flow (Suricata's action scope), a packet
// rule decides its packet. Checked on Suricata's rule types, then through `fwctl replay` (a
// subprocess, the real object) on TCP sessions, packet by packet, against the reference engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { tcpSession } from '../src/packets/index.ts';
import { compileRuleText, suricataRuleType } from '../src/rules/index.ts';
import { ReferenceEngine } from '../src/rules/reference/index.ts';
import { fwctl } from './helpers/fwctl.ts';
import { referenceOutcomes, type ReplayCase, replayOutcomes, writeCases } from './helpers/replay-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-scope-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const typeOf = (text: string) => {
  const r = compileRuleText([{ file: 't.rules', text }]);
  if (r.rules.length !== 1) throw new Error(JSON.stringify(r.diagnostics));
  return suricataRuleType(r.rules[0]);
};

test("Suricata's rule types: addresses and protocol only are IP-only; ports, header keywords, flow, payload make a packet rule", (t) => {
  t.is(typeOf('drop ip 198.18.0.1 any -> any any (sid:1;)'), 'ip_only');
  t.is(typeOf('drop tcp 198.18.0.0/16 any -> ![198.18.1.0/24] any (sid:1;)'), 'ip_only'); // like-IP-only
  t.is(typeOf('pass tcp any any -> any any (flowbits:set,x; noalert; sid:1;)'), 'ip_only');
  t.is(typeOf('alert ip any any -> any any (threshold: type limit, track by_src, count 1, seconds 60; sid:1;)'), 'ip_only');
  t.is(typeOf('drop tcp any any -> any 80 (sid:1;)'), 'pkt');
  t.is(typeOf('drop tcp any 1024: -> any any (sid:1;)'), 'pkt');
  t.is(typeOf('drop tcp any any -> any any (flags:S; sid:1;)'), 'pkt');
  t.is(typeOf('drop ip any any -> any any (ttl:<5; sid:1;)'), 'pkt');
  t.is(typeOf('drop ip any any -> any any (ip_proto:47; sid:1;)'), 'pkt');
  t.is(typeOf('pass tcp any any -> any any (flow:established; sid:1;)'), 'pkt');
  t.is(typeOf('pass tcp any any -> any any (flowbits:isset,x; sid:1;)'), 'pkt');
  t.is(typeOf('drop tcp any any -> any any (content:"x"; sid:1;)'), 'pkt');
});

const RULES = [
  'drop tcp any any -> any 80 (msg:"packet rule: SYN to 80"; flags:S; sid:1;)',
  'drop tcp 198.18.9.9 any -> any any (msg:"IP-only: a bad host"; sid:2;)',
  'pass tcp any any -> any 22 (msg:"packet rule: SYN to 22"; flags:S; sid:3;)',
  'alert tcp any any -> any 22 (msg:"every packet to 22"; sid:4;)',
].join('\n');

function session(client: string, port: number, cport: number, start: bigint) {
  return tcpSession({
    client: { ip: client, port: cport }, server: { ip: '198.18.100.1', port }, startNs: start,
    exchanges: [{ from: 'client', data: 'hello' }, { from: 'server', data: 'world' }],
  });
}

const SESSIONS = [
  session('198.18.1.1', 80, 40001, 1_000_000_000n),
  session('198.18.9.9', 443, 40002, 2_000_000_000n),
  session('198.18.1.2', 22, 40003, 3_000_000_000n),
];
const CASES: ReplayCase[] = SESSIONS.flat().map((f) => [f.frame, f.tsNs, '']);
/** Packets from the client to port 22 after its SYN. */
const toSsh = SESSIONS[2].filter((f) => f.from === 'client').length - 1;

async function outcomes(scope: string[]): Promise<string[]> {
  const pcap = join(dir, 'sessions.pcap');
  const rules = join(dir, 'scope.rules');
  writeCases(pcap, CASES);
  writeFileSync(rules, RULES);
  const r = await fwctl('replay', pcap, '--rules', rules, ...scope, '--verdicts', '-o', 'json');
  if (r.code !== 0) throw new Error(`replay exit ${r.code}: ${r.stderr}`);
  return replayOutcomes(r.stdout, CASES.length);
}

const count = (xs: string[], prefix: string) => xs.filter((x) => x.startsWith(prefix)).length;
const rules = compileRuleText([{ file: 'scope.rules', text: RULES }]).rules;
const perSession = CASES.length / 3;

test('flow (default): a packet rule\'s drop drops the rest of its flow, its pass passes the rest unclassified', async (t) => {
  const got = await outcomes([]);
  t.deepEqual(got, referenceOutcomes(new ReferenceEngine(rules), CASES));
  t.deepEqual(await outcomes(['--action-scope', 'flow']), got);
  const [s80, s443, s22] = [0, 1, 2].map((i) => got.slice(i * perSession, (i + 1) * perSession));
  t.is(s80[0], 'drop:rule_drop:1');
  t.is(count(s80, 'drop:flow_drop:'), perSession - 1);
  t.is(s443[0], 'drop:rule_drop:2');
  t.is(count(s443, 'drop:flow_drop:'), perSession - 1);
  t.is(s22[0], 'pass:rule_pass:');
  t.is(count(s22, 'pass:rule_pass:'), perSession, 'no packet of the passed flow alerts');
});

test('suricata: a packet rule decides its packet alone; an IP-only rule decides the flow', async (t) => {
  const got = await outcomes(['--action-scope', 'suricata']);
  t.deepEqual(got, referenceOutcomes(new ReferenceEngine(rules, { actionScope: 'suricata' }), CASES));
  const [s80, s443, s22] = [0, 1, 2].map((i) => got.slice(i * perSession, (i + 1) * perSession));
  t.is(s80[0], 'drop:rule_drop:1');
  t.is(count(s80, 'pass:pass_default:'), perSession - 1, 'the rest of the flow is classified: no rule matches it');
  t.is(s443[0], 'drop:rule_drop:2');
  t.is(count(s443, 'drop:flow_drop:'), perSession - 1);
  t.is(s22[0], 'pass:rule_pass:');
  t.is(count(s22, 'pass:rule_alert:4'), toSsh, 'after the passed SYN, every packet to 22 alerts again');
  t.is(count(s22, 'pass:pass_default:'), perSession - 1 - toSsh, 'the server\'s packets match nothing');
});

test('a bad --action-scope is an input error naming the choices; without --rules it is a usage error too', async (t) => {
  const pcap = join(dir, 'one.pcap');
  writeCases(pcap, CASES.slice(0, 1));
  const rules = join(dir, 'one.rules');
  writeFileSync(rules, RULES);
  const bad = await fwctl('replay', pcap, '--rules', rules, '--action-scope', 'packet', '-o', 'json');
  t.is(bad.code, 1);
  t.regex(bad.stdout + bad.stderr, /E_CLI_BAD_VALUE/);
  t.regex(bad.stdout + bad.stderr, /flow or suricata/);
  const lone = await fwctl('replay', pcap, '--action-scope', 'suricata');
  t.is(lone.code, 1);
  t.regex(lone.stdout + lone.stderr, /--action-scope and --action-order apply to --rules/);
});
