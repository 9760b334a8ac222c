// The classifier through the real object (BPF_PROG_TEST_RUN): verdicts and events, per-rule
// counters, reject answers, dropped TCP flows, neighbour discovery, generations (apply, rollback,
// unload, capacity failure), and a ruleset applied through the pins.
import test from 'ava';

import { encodeMetaIn, FW_META, decodeMeta } from '../src/abi/index.ts';
import {
  activeGeneration, ApplyError, applyRuleset, clearRuleset, Datapath, flipGeneration, idleGeneration, PinnedDatapath,
  readRuleCounters,
} from '../src/datapath/index.ts';
import { xdpMd } from '../src/native/index.ts';
import { ether } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';
import { ClassifierRig } from './classifier-helpers.ts';
import { decodeFrame as decodeAnswer, decodeIcmpError, decodeTcp } from './reject-decode.ts';

const A = '198.18.0.1';
const B = '198.18.0.2';
const udp = (dport: number, src = A, dst = B, sport = 40000) => ether().ipv4({ src, dst }).udp({ sport, dport }).build();
const tcp = (dport: number, flags = 'S', src = A, dst = B, sport = 40000) => ether().ipv4({ src, dst }).tcp({ sport, dport, flags, seq: 1000, ack: flags.includes('A') ? 5000 : 0 }).build();

function rig(t: { teardown(fn: () => void): void }, text: string): ClassifierRig {
  const r = new ClassifierRig();
  t.teardown(() => r.close());
  r.loadText(text);
  return r;
}

test('no ruleset: every packet passes with pass_default, no generation', (t) => {
  const r = new ClassifierRig();
  t.teardown(() => r.close());
  t.is(activeGeneration(r.dp), null);
  t.deepEqual(readRuleCounters(r.dp), []);
  const o = r.run(tcp(80));
  t.like(o, { verdict: 'pass', reason: 'pass_default', sigId: 0, flags: 0, alerts: [] });
});

test('verdicts, reasons, winner sid and events as the decision table says', (t) => {
  const r = rig(t, `drop udp any any -> any 53 (sid:10; msg:"dns";)
alert udp any any -> any 53 (sid:11;)
alert udp any any -> any 53 (sid:12; noalert;)
pass udp 198.18.0.9 any -> any any (sid:13;)
alert udp any any -> any 54 (sid:14;)
alert tcp any any -> any 80 (sid:15; content:"GET";)
alert tcp any any -> any 81 (sid:16;)
alert tcp any any -> any 81 (sid:17; content:"x";)`);
  const d = r.run(udp(53));
  t.like(d, { action: 'drop', verdict: 'drop', reason: 'rule_drop', sigId: 10, flags: 2 });
  t.deepEqual(d.alerts.sort(), [10, 11]);
  const ev = d.events.find((e) => e.sid === 10)!;
  t.like(ev, { ruleIdx: 0, action: 'drop', verdict: 'drop', src: A, dst: B, sport: 40000, dport: 53, proto: 17 });
  t.like(d.events.find((e) => e.sid === 11)!, { ruleIdx: 1, action: 'alert', verdict: 'drop' });
  t.like(r.run(udp(53, '198.18.0.9')), { verdict: 'pass', reason: 'rule_pass', sigId: 13, flags: 0, alerts: [] });
  t.like(r.run(udp(54)), { verdict: 'pass', reason: 'rule_alert', sigId: 14, flags: 2, alerts: [14] });
  t.like(r.run(tcp(80)), { verdict: 'pass', reason: 'rule_flag', sigId: 15, flags: 4, alerts: [] });
  t.like(r.run(tcp(81)), { verdict: 'pass', reason: 'rule_alert', sigId: 16, flags: 2 | 4, alerts: [16] });
  t.like(r.run(udp(55)), { verdict: 'pass', reason: 'pass_default', sigId: 0, flags: 0, alerts: [] });
});

test('per-rule counters: packets and bytes per IR rule; a pass winner counts alone; a <> rule once', (t) => {
  const r = rig(t, `alert udp any any -> any 53 (sid:1;)
alert udp any any -> any [53,54] (sid:2;)
pass udp any any -> any 54 (sid:3;)
alert udp 198.18.0.1 any <> 198.18.0.1 any (sid:4;)
drop udp any any -> any 99 (sid:5;)`);
  const f53 = udp(53);
  const f54 = udp(54);
  const self = udp(7, A, A, 7);
  for (let i = 0; i < 3; i++) r.run(f53);
  for (let i = 0; i < 2; i++) r.run(f54);
  const s = r.run(self);
  t.deepEqual(s.alerts, [4], 'a symmetric packet matches both halves of the <> rule: one alert');
  const c = new Map(readRuleCounters(r.dp).map((x) => [x.ruleId, x]));
  t.deepEqual(c.get(0), { ruleId: 0, packets: 3n, bytes: 3n * BigInt(f53.length) });
  t.deepEqual(c.get(1), { ruleId: 1, packets: 3n, bytes: 3n * BigInt(f53.length) }, 'not counted when the pass rule won');
  t.deepEqual(c.get(2), { ruleId: 2, packets: 2n, bytes: 2n * BigInt(f54.length) });
  t.deepEqual(c.get(3), { ruleId: 3, packets: 1n, bytes: BigInt(self.length) });
  t.deepEqual(c.get(4), { ruleId: 4, packets: 0n, bytes: 0n });
  // A new generation starts from zero.
  r.loadText('alert udp any any -> any 53 (sid:1;)');
  t.deepEqual(readRuleCounters(r.dp), [{ ruleId: 0, packets: 0n, bytes: 0n }]);
});

function runRaw(dp: Datapath, frame: Buffer) {
  const data = Buffer.alloc(FW_META.size + frame.length);
  encodeMetaIn(data, 1n);
  frame.copy(data, FW_META.size);
  const res = dp.program.testRun({ data, ctxIn: xdpMd({ metaLength: FW_META.size, dataLength: frame.length }) });
  return { retval: res.retval, frame: Buffer.from(res.dataOut!.subarray(FW_META.size)), meta: decodeMeta(res.dataOut!) };
}

test('reject end to end: a TCP SYN gets an RST|ACK back with XDP_TX, UDP an ICMP unreachable; rejectdst goes to the stack', (t) => {
  const r = rig(t, `reject tcp any any -> any 80 (sid:20;)
reject udp any any -> any 53 (sid:21;)
rejectdst tcp any any -> any 81 (sid:22;)`);
  const syn = runRaw(r.dp, tcp(80));
  t.is(syn.retval, 3, 'XDP_TX');
  t.like(syn.meta, { done: true, verdict: 'reject', reason: 'rule_reject', sigId: 20 });
  const a = decodeAnswer(syn.frame);
  t.is(a.src.join('.'), B);
  t.is(a.dst.join('.'), A);
  t.true(a.ipCsumOk && a.l4CsumOk);
  const rst = decodeTcp(a.l4);
  t.like(rst, { sport: 80, dport: 40000, seq: 0, ack: 1001, flags: 0x14 });
  const u = runRaw(r.dp, udp(53));
  t.is(u.retval, 3);
  const ua = decodeAnswer(u.frame);
  t.like(decodeIcmpError(ua.l4), { type: 3, code: 10 });
  t.is(ua.dst.join('.'), A);
  const dst = runRaw(r.dp, tcp(81, 'S', A, B, 40001));
  t.is(dst.retval, 2, 'XDP_PASS toward the destination');
  const da = decodeAnswer(dst.frame);
  t.is(da.dst.join('.'), B);
  t.is(decodeTcp(da.l4).flags & 0x04, 0x04);
  t.deepEqual(r.events.drainAll().map((e) => e.sid).sort(), [20, 21, 22], 'each reject alerts once');
});

test('dropped TCP flows: the rest of the flow, both directions, is flow_drop with the rule sid and no alert; not UDP; a new ruleset forgets', (t) => {
  const r = rig(t, `drop tcp any any -> any 22 (flags:S; sid:30;)
drop udp any any -> any 53 (sid:31;)
alert tcp any any -> any any (sid:32;)`);
  t.like(r.run(tcp(22, 'S')), { verdict: 'drop', reason: 'rule_drop', sigId: 30 });
  t.like(r.run(tcp(22, 'A')), { verdict: 'drop', reason: 'flow_drop', sigId: 30, flags: 0, alerts: [] });
  t.like(r.run(tcp(40000, 'SA', B, A, 22)), { verdict: 'drop', reason: 'flow_drop', sigId: 30, alerts: [] }, 'the reverse direction');
  t.like(r.run(tcp(22, 'A', A, B, 40001)), { verdict: 'pass', reason: 'rule_alert', sigId: 32 }, 'another flow');
  t.like(r.run(udp(53)), { reason: 'rule_drop' });
  t.like(r.run(udp(53, A, B, 40000)), { reason: 'rule_drop' }, 'UDP flows are not remembered');
  r.loadText('alert tcp any any -> any any (sid:40;)');
  t.like(r.run(tcp(22, 'A')), { verdict: 'pass', reason: 'rule_alert', sigId: 40 });
});

test('IPv6 neighbour discovery is never dropped by a rule that does not name it; ARP is never a rule matter', (t) => {
  const r = rig(t, `drop ip any any -> any any (sid:50;)
alert icmp any any -> any any (itype:136; sid:51;)`);
  const ns = ether().ipv6({ src: 'fe80::1', dst: 'ff02::1:ff00:2' }).icmpv6({ type: 'ns', target: 'fe80::2' }).build();
  const na = ether().ipv6({ src: 'fe80::2', dst: 'fe80::1' }).icmpv6({ type: 'na', target: 'fe80::2' }).build();
  const echo = ether().ipv6({ src: 'fe80::1', dst: 'fe80::2' }).icmpv6({ type: 'echo-request', id: 1, seq: 1 }).build();
  t.like(r.run(ns), { verdict: 'pass', reason: 'pass_default', alerts: [] });
  t.like(r.run(na), { verdict: 'pass', reason: 'rule_alert', sigId: 51, alerts: [51] });
  t.like(r.run(echo), { verdict: 'drop', reason: 'rule_drop', sigId: 50 });
  t.like(r.run(ether().arp({ spa: A, tpa: B }).build()), { verdict: 'pass', reason: 'non_ip' });
  r.loadText('drop icmpv6 any any -> any any (itype:135; sid:52;)');
  t.like(r.run(ns), { verdict: 'drop', reason: 'rule_drop', sigId: 52 }, 'a rule that names the type drops it');
});

test('generations: apply flips to the idle one, rollback and unload keep the other intact', (t) => {
  const r = new ClassifierRig();
  t.teardown(() => r.close());
  const plan = (text: string) => planRuleset(compileRuleText([{ file: 'g.rules', text }]).rules);
  const g1 = applyRuleset(r.dp, plan('drop udp any any -> any 53 (sid:1;)'), { tag: 7 });
  t.like(g1, { index: 1, ruleCount: 1, tag: 7 });
  t.deepEqual(activeGeneration(r.dp), g1);
  const g2 = applyRuleset(r.dp, plan('alert udp any any -> any 53 (sid:2;)\nalert udp any any -> any 54 (sid:3;)'), { tag: 8 });
  t.like(g2, { index: 0, ruleCount: 2, tag: 8 });
  t.true(g2.loadedAtNs > g1.loadedAtNs);
  t.like(r.run(udp(53)), { reason: 'rule_alert', sigId: 2 });
  t.deepEqual(idleGeneration(r.dp), g1);
  flipGeneration(r.dp, 1);
  t.like(r.run(udp(53)), { reason: 'rule_drop', sigId: 1 }, 'rolled back');
  t.deepEqual(activeGeneration(r.dp), g1);
  clearRuleset(r.dp);
  t.is(activeGeneration(r.dp), null);
  t.like(r.run(udp(53)), { reason: 'pass_default' });
  t.deepEqual(idleGeneration(r.dp), g1, 'the unloaded ruleset stays for a rollback');
  flipGeneration(r.dp, 1);
  t.like(r.run(udp(53)), { reason: 'rule_drop', sigId: 1 });
});

test('a plan too large for the maps fails before the flip; the running ruleset is untouched', (t) => {
  const r = new ClassifierRig({ classifier: { slots: 64 } });
  t.teardown(() => r.close());
  r.loadText('drop udp any any -> any 53 (sid:1;)');
  const before = activeGeneration(r.dp);
  const big = planRuleset(compileRuleText([{ file: 'b.rules', text: Array.from({ length: 100 }, (_, i) => `alert udp any any -> any ${1000 + i} (sid:${100 + i};)`).join('\n') }]).rules);
  const e = t.throws(() => applyRuleset(r.dp, big), { instanceOf: ApplyError });
  t.is(e!.code, 'E_APPLY_CAPACITY');
  t.is(e!.step, 'check');
  t.regex(e!.message, /fw_cls_rule needs 128 entries, one generation holds 64/);
  t.deepEqual(activeGeneration(r.dp), before);
  t.like(r.run(udp(53)), { reason: 'rule_drop', sigId: 1 });
});

test('a ruleset applied through the pins (another process, as fwctl) decides the loader\'s packets', (t) => {
  const r = new ClassifierRig();
  const instance = `clstest${process.pid}`;
  r.dp.pin(instance);
  t.teardown(() => {
    Datapath.unpin(instance);
    r.close();
  });
  const p = PinnedDatapath.open(instance);
  try {
    const g = applyRuleset(p, planRuleset(compileRuleText([{ file: 'p.rules', text: 'drop tcp any any -> any 443 (sid:9;)' }]).rules), { tag: 3 });
    t.deepEqual(activeGeneration(r.dp), g);
  } finally {
    p.close();
  }
  t.like(r.run(tcp(443)), { verdict: 'drop', reason: 'rule_drop', sigId: 9 });
  const q = PinnedDatapath.open(instance);
  t.deepEqual(readRuleCounters(q), [{ ruleId: 0, packets: 1n, bytes: BigInt(tcp(443).length) }]);
  q.close();
});
