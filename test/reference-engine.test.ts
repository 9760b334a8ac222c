// The reference engine's one piece of state: a drop (or reject) on a TCP packet drops the rest of
// that flow, both directions, as flow_drop without alerts; other protocols are decided per packet.
import test from 'ava';

import { ether } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ReferenceEngine, decodeFrame, tcpFlowKey } from '../src/rules/reference/index.ts';

const C = '198.18.0.1';
const S = '198.18.0.2';

function engine(text: string, opts = {}): ReferenceEngine {
  return new ReferenceEngine(compileRuleText([{ file: 't.rules', text }]).rules, opts);
}

const syn = (sport = 40000) => ether().ipv4({ src: C, dst: S }).tcp({ sport, dport: 80, flags: 'S' }).build();
const ack = (sport = 40000) => ether().ipv4({ src: C, dst: S }).tcp({ sport, dport: 80, flags: 'A' }).payload('GET /').build();
const synAck = (dport = 40000) => ether().ipv4({ src: S, dst: C }).tcp({ sport: 80, dport, flags: 'SA' }).build();

const RULES = [
  'drop tcp any any -> any 80 (flags:S; sid:10;)',
  'alert tcp any any <> any any (sid:20;)',
  'drop udp any any -> any 53 (sid:30;)',
  'reject tcp any any -> any 443 (sid:40;)',
].join('\n');

test('a dropped TCP packet drops the rest of its flow, both directions, without alerts', (t) => {
  const e = engine(RULES);
  t.like(e.run(syn(), 1n), { verdict: 'drop', reason: 'rule_drop', sigId: 10, alerts: [10, 20] });
  t.is(e.droppedFlows, 1);
  t.like(e.run(ack(), 2n), { verdict: 'drop', reason: 'flow_drop', sigId: 10, alerts: [], flags: 0 }, 'later packet: no rule evaluated');
  t.like(e.run(synAck(), 3n), { verdict: 'drop', reason: 'flow_drop', sigId: 10, alerts: [] }, 'the reverse direction too');
  t.like(e.run(ack(40001), 4n), { verdict: 'pass', reason: 'rule_alert', sigId: 20, alerts: [20] }, 'another source port is another flow');
  t.like(e.run(synAck(40001), 5n), { verdict: 'pass', reason: 'rule_alert' });
});

test('without the engine, the same packets are decided one by one', (t) => {
  const e = engine(RULES);
  e.run(syn(), 1n);
  e.clearFlows();
  t.is(e.droppedFlows, 0);
  t.like(e.run(ack(), 2n), { verdict: 'pass', reason: 'rule_alert', alerts: [20] });
});

test('a reject drops the flow too; UDP is never flow-dropped', (t) => {
  const e = engine(RULES);
  const tls = (flags: string) => ether().ipv4({ src: C, dst: S }).tcp({ sport: 5555, dport: 443, flags }).build();
  t.like(e.run(tls('S'), 1n), { verdict: 'reject', sigId: 40 });
  t.like(e.run(tls('A'), 2n), { verdict: 'drop', reason: 'flow_drop', sigId: 40 });
  const dns = ether().ipv4({ src: C, dst: S }).udp({ sport: 5555, dport: 53 }).build();
  const dnsReply = ether().ipv4({ src: S, dst: C }).udp({ sport: 53, dport: 5555 }).build();
  t.like(e.run(dns, 3n), { verdict: 'drop', reason: 'rule_drop', sigId: 30 });
  t.like(e.run(dnsReply, 4n), { verdict: 'pass', reason: 'pass_default' });
  t.is(e.droppedFlows, 1);
});

test('idle dropped flows are forgotten after flowIdleNs; each packet refreshes the entry', (t) => {
  const e = engine(RULES, { flowIdleNs: 100n });
  e.run(syn(), 1000n);
  t.is(e.run(ack(), 1090n).reason, 'flow_drop');
  t.is(e.run(ack(), 1180n).reason, 'flow_drop', 'refreshed at 1090');
  t.like(e.run(ack(), 1300n), { reason: 'rule_alert', verdict: 'pass' }, 'idle for 120 ns: forgotten');
});

test('malformed and non-first-fragment packets of a dropped flow are not flow lookups', (t) => {
  const e = engine(RULES);
  e.run(syn(), 1n);
  const cut = ack().subarray(0, 40);
  t.like(e.run(cut, 2n), { verdict: 'drop', reason: 'malformed_ipv4', flags: 1 });
  const later = ether().ipv4({ src: C, dst: S, fragOffset: 20, proto: 6 }).payload(Buffer.alloc(20)).build();
  t.like(e.run(later, 3n), { reason: 'rule_alert', verdict: 'pass', sigId: 20 }, 'no ports: matched by rules, not by the flow');
  const e2 = engine(RULES, { malformedPolicy: 'pass' });
  t.like(e2.run(cut, 1n), { verdict: 'pass', reason: 'malformed_ipv4' });
});

test('flow key: both directions equal, VLAN ignored, IPv6 too', (t) => {
  const k = (f: Buffer) => tcpFlowKey(decodeFrame(f));
  t.is(k(syn()), k(synAck()));
  t.is(k(ether().vlan(7).ipv4({ src: C, dst: S }).tcp({ sport: 40000, dport: 80 }).build()), k(syn()));
  t.not(k(syn(1)), k(syn(2)));
  const a = ether().ipv6({ src: '2001:2::1', dst: '2001:2::2' }).tcp({ sport: 1, dport: 2 }).build();
  const b = ether().ipv6({ src: '2001:2::2', dst: '2001:2::1' }).tcp({ sport: 2, dport: 1 }).build();
  t.is(k(a), k(b));
  t.is(k(ether().ipv4({ src: C, dst: S }).udp({ sport: 1, dport: 2 }).build()), null);
});

test('the engine refuses rules it does not model', (t) => {
  t.throws(() => engine('alert tcp any any -> any 80 (flow:only_frag; sid:1;)'), { message: /sid 1 uses flow:only_frag/ });
});
