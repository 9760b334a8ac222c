// Table tests of the reference evaluator: every header field kind, and the decision (action order,
// pass silencing alerts, several alerts, noalert, reject variants, payload rules as FLAG,
// fragments, malformed and non-IP packets). One line per case: rules, packet, expected decision.
import test, { type ExecutionContext } from 'ava';

import { ether, type Packet } from '../src/packets/index.ts';
import { compileRuleText, type Rule } from '../src/rules/index.ts';
import { decodeFrame, evaluate, type Decision, unmodelled } from '../src/rules/reference/index.ts';

const A4 = { src: '198.18.0.1', dst: '198.18.0.2' } as const;
const A6 = { src: '2001:2::1', dst: '2001:2::2' } as const;

function rulesOf(text: string): Rule[] {
  const r = compileRuleText([{ file: 't.rules', text }]);
  if (r.diagnostics.some((d) => d.severity === 'error') || r.skipped.length) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.rules;
}

/** Rule options (or whole rules, one per line) → the decision for a frame, in short form. */
function decide(rules: string, frame: Packet | Buffer, opts = {}): Omit<Decision, 'winner'> {
  const text = rules.split('\n').map((l, i) => (/^\s*(alert|drop|pass|reject\w*)\s/.test(l) ? l : `alert ip any any -> any any (${l} sid:${i + 1};)`)).join('\n');
  const { winner: _w, ...d } = evaluate(rulesOf(text), decodeFrame(Buffer.isBuffer(frame) ? frame : frame.build()), opts);
  return d;
}

/** Does the single rule match the packet? */
function hits(t: ExecutionContext, rule: string, frame: Packet, want: boolean, what = rule): void {
  const d = decide(rule, frame);
  t.is(d.sigId !== 0, want, `${what}: ${JSON.stringify(d)}`);
}

const tcp4 = (o: { sport?: number; dport?: number; flags?: string | number } = {}, ip: object = {}) =>
  ether().ipv4({ ...A4, ...ip }).tcp({ sport: o.sport ?? 40000, dport: o.dport ?? 80, flags: o.flags ?? 'S' });
const udp4 = (sport = 5000, dport = 53, ip: object = {}) => ether().ipv4({ ...A4, ...ip }).udp({ sport, dport });
const tcp6 = (sport = 40000, dport = 80) => ether().ipv6(A6).tcp({ sport, dport, flags: 'S' });
const icmp4 = (type: number, code = 0, id = 0, seq = 0) => ether().ipv4(A4).icmp({ type, code, id, seq });
const icmp6 = (type: number, code = 0, id = 0, seq = 0) => ether().ipv6(A6).icmpv6({ type, code, id, seq });

test('addresses: CIDR, lists, negation, any, both families', (t) => {
  const cases: Array<[string, Packet, boolean]> = [
    ['alert tcp 198.18.0.0/24 any -> 198.18.0.2 any (sid:1;)', tcp4(), true],
    ['alert tcp 198.18.1.0/24 any -> any any (sid:1;)', tcp4(), false],
    ['alert tcp [198.18.5.0/24,198.18.0.1] any -> any any (sid:1;)', tcp4(), true],
    ['alert tcp [198.18.0.0/16,!198.18.0.0/30] any -> any any (sid:1;)', tcp4(), false],
    ['alert tcp !198.18.0.1 any -> any any (sid:1;)', tcp4(), false],
    ['alert tcp !198.18.0.9 any -> any any (sid:1;)', tcp4(), true],
    ['alert tcp any any -> !198.18.0.2 any (sid:1;)', tcp4(), false],
    ['alert tcp 2001:2::/64 any -> 2001:2::2 any (sid:1;)', tcp6(), true],
    ['alert tcp 2001:2:0:1::/64 any -> any any (sid:1;)', tcp6(), false],
    ['alert tcp 198.18.0.0/15 any -> any any (sid:1;)', tcp6(), false],
    ['alert tcp 2001:2::/48 any -> any any (sid:1;)', tcp4(), false],
    ['alert tcp [198.18.0.1,2001:2::1] any -> any any (sid:1;)', tcp6(), true],
    ['alert tcp 198.18.0.1-198.18.0.5 any -> any any (sid:1;)', tcp4(), true],
  ];
  for (const [rule, pkt, want] of cases) hits(t, rule, pkt, want);
});

test('ports: single, range, open ranges, list, negation; only on TCP/UDP packets', (t) => {
  const cases: Array<[string, Packet, boolean]> = [
    ['alert tcp any any -> any 80 (sid:1;)', tcp4(), true],
    ['alert tcp any any -> any 81 (sid:1;)', tcp4(), false],
    ['alert tcp any 40000 -> any any (sid:1;)', tcp4(), true],
    ['alert tcp any any -> any 1:1024 (sid:1;)', tcp4(), true],
    ['alert tcp any any -> any 81:1024 (sid:1;)', tcp4(), false],
    ['alert tcp any 1024: -> any :80 (sid:1;)', tcp4(), true],
    ['alert tcp any any -> any [22,443,80] (sid:1;)', tcp4(), true],
    ['alert tcp any any -> any [1:1000,!80] (sid:1;)', tcp4(), false],
    ['alert tcp any any -> any !80 (sid:1;)', tcp4(), false],
    ['alert tcp any any -> any !443 (sid:1;)', tcp4(), true],
    ['alert udp any any -> any 53 (sid:1;)', udp4(), true],
    ['alert ip any any -> any 53 (sid:1;)', udp4(), true],
    ['alert ip any any -> any 80 (sid:1;)', tcp4(), true],
    ['alert ip any any -> any 80 (sid:1;)', icmp4(8), false],
    ['alert ip any any -> any !80 (sid:1;)', icmp4(8), false],
    ['alert ip any any -> any any (sid:1;)', icmp4(8), true],
    ['alert tcp any any -> any 80 (sid:1;)', tcp6(), true],
  ];
  for (const [rule, pkt, want] of cases) hits(t, rule, pkt, want);
  const sctp = ether().ipv4({ ...A4, proto: 132 }).payload(Buffer.alloc(12));
  hits(t, 'alert sctp any any -> any any (sid:1;)', sctp, true, 'sctp, any ports');
  hits(t, 'alert sctp any any -> any 80 (sid:1;)', sctp, false, 'sctp ports are never read');
});

test('protocols: tcp/udp, icmp both families, icmpv4/icmpv6, ipv4/ipv6, ip for anything', (t) => {
  const gre = ether().ipv4({ ...A4, proto: 47 }).payload(Buffer.alloc(8));
  const cases: Array<[string, Packet, boolean]> = [
    ['alert tcp any any -> any any (sid:1;)', udp4(), false],
    ['alert udp any any -> any any (sid:1;)', udp4(), true],
    ['alert icmp any any -> any any (sid:1;)', icmp4(8), true],
    ['alert icmp any any -> any any (sid:1;)', icmp6(128), true],
    ['alert icmpv4 any any -> any any (sid:1;)', icmp6(128), false],
    ['alert icmpv6 any any -> any any (sid:1;)', icmp6(128), true],
    ['alert ipv4 any any -> any any (sid:1;)', tcp6(), false],
    ['alert ipv6 any any -> any any (sid:1;)', tcp6(), true],
    ['alert ip any any -> any any (sid:1;)', gre, true],
    ['alert tcp any any -> any any (sid:1;)', gre, false],
    ['alert tcp-pkt any any -> any any (sid:1;)', tcp4(), true],
  ];
  for (const [rule, pkt, want] of cases) hits(t, rule, pkt, want);
});

test('direction: -> one way; <> both, addresses and ports swapped together', (t) => {
  const back = ether().ipv4({ src: A4.dst, dst: A4.src }).tcp({ sport: 80, dport: 40000, flags: 'SA' });
  hits(t, 'alert tcp 198.18.0.1 any -> 198.18.0.2 80 (sid:1;)', tcp4(), true);
  hits(t, 'alert tcp 198.18.0.1 any -> 198.18.0.2 80 (sid:1;)', back, false);
  hits(t, 'alert tcp 198.18.0.1 any <> 198.18.0.2 80 (sid:1;)', back, true);
  hits(t, 'alert tcp 198.18.0.1 any <> 198.18.0.2 80 (sid:1;)', tcp4(), true);
  // Addresses match one way, ports only the other: no direction matches as a whole.
  hits(t, 'alert tcp 198.18.0.1 80 <> 198.18.0.2 any (sid:1;)', tcp4(), false);
});

test('flags: exact, +, *, ! (not all), mask, 0; TCP only', (t) => {
  const cases: Array<[string, string | number, boolean]> = [
    ['flags:S;', 'S', true], ['flags:S;', 'SA', false], ['flags:SA;', 'SA', true],
    ['flags:S+;', 'SA', true], ['flags:+S;', 'A', false], ['flags:+SA;', 'SAP', true],
    ['flags:*SA;', 'A', true], ['flags:*SF;', 'PA', false],
    ['flags:!S;', 'A', true], ['flags:!S;', 'SA', false], ['flags:!SA;', 'S', true], ['flags:!SA;', 'SA', false],
    ['flags:S,CE;', 0x42, true], ['flags:S,E;', 0x82, false], ['flags:S,12;', 0xc2, true],
    ['flags:0;', 0, true], ['flags:0;', 'S', false], ['flags:!0;', 'S', true], ['flags:+0;', 0, true], ['flags:*0;', 0, false],
  ];
  for (const [opt, flags, want] of cases) hits(t, opt, tcp4({ flags }), want, `${opt} on ${flags}`);
  hits(t, 'flags:!S;', udp4(), false, 'flags never match a UDP packet');
  hits(t, 'flags:!S;', ether().ipv4({ ...A4, fragOffset: 10, proto: 6 }).payload(Buffer.alloc(20)), false, 'nor a non-first fragment');
});

test('fragbits: exact, + (needs another bit), *, !; IPv4 only', (t) => {
  const p = (o: object) => udp4(1, 2, o);
  const cases: Array<[string, object, boolean]> = [
    ['fragbits:D;', { df: true }, true], ['fragbits:D;', { df: true, mf: true }, false], ['fragbits:D;', {}, false],
    ['fragbits:+D;', { df: true }, false], ['fragbits:+D;', { df: true, reservedFlag: true }, true],
    ['fragbits:*MR;', { reservedFlag: true }, true], ['fragbits:*MR;', { df: true }, false],
    ['fragbits:!D;', {}, true], ['fragbits:!D;', { df: true }, false], ['fragbits:!DM;', { df: true }, true],
    ['fragbits:M;', { mf: true }, true],
  ];
  for (const [opt, ip, want] of cases) hits(t, opt, p(ip), want, `${opt} on ${JSON.stringify(ip)}`);
  hits(t, 'fragbits:!D;', ether().ipv6(A6).udp({ sport: 1, dport: 2 }), false, 'never on IPv6');
});

test('itype / icode: Suricata comparisons; ICMP and ICMPv6 headers only', (t) => {
  const cases: Array<[string, Packet, boolean]> = [
    ['itype:8;', icmp4(8), true], ['itype:8;', icmp4(0), false], ['itype:!8;', icmp4(0), true],
    ['itype:<5;', icmp4(3), true], ['itype:>=128;', icmp6(128), true], ['itype:3<>11;', icmp4(3), false],
    ['itype:3<>11;', icmp4(5), true], ['itype:3-11;', icmp4(11), false], ['itype:!3<>11;', icmp4(11), true],
    ['itype:&0xf0=0x80;', icmp6(129), true], ['itype:&0xf0!=0x80;', icmp6(129), false],
    ['icode:3;', icmp4(3, 3), true], ['icode:>3;', icmp4(3, 3), false], ['icode:<=3;', icmp6(1, 3), true],
    ['itype:8;', tcp4(), false], ['icode:0;', udp4(), false],
    ['itype:8;', ether().ipv6({ ...A6, nextHeader: 1 }).payload(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0])), false],
  ];
  for (const [opt, pkt, want] of cases) hits(t, opt, pkt, want, opt);
});

test('icmp_id / icmp_seq: types that carry them (echo, timestamp, info, mask; ICMPv6 echo)', (t) => {
  hits(t, 'icmp_id:5;', icmp4(8, 0, 5, 6), true);
  hits(t, 'icmp_seq:6;', icmp4(0, 0, 5, 6), true);
  hits(t, 'icmp_id:5;', icmp4(8, 0, 4, 6), false);
  hits(t, 'icmp_id:5;', icmp4(13, 0, 5, 6), true, 'timestamp request');
  hits(t, 'icmp_seq:6;', icmp4(17, 0, 5, 6), true, 'address mask request');
  hits(t, 'icmp_id:0;', ether().ipv4(A4).icmp({ type: 3, code: 1, rest: 0 }), false, 'unreachable has no id');
  hits(t, 'icmp_id:5;', icmp6(128, 0, 5, 6), true);
  hits(t, 'icmp_id:0;', icmp6(1, 0, 0, 0), false, 'ICMPv6 unreachable has no id');
});

test('ttl, dsize, ip_proto, sameip, ipopts', (t) => {
  const cases: Array<[string, Packet, boolean]> = [
    ['ttl:64;', tcp4({}, { ttl: 64 }), true], ['ttl:<64;', tcp4({}, { ttl: 64 }), false], ['ttl:>200;', ether().ipv6({ ...A6, hopLimit: 255 }).udp({ sport: 1, dport: 2 }), true],
    ['ttl:1;', ether().ipv4({ ...A4, ttl: 1, fragOffset: 3, proto: 17 }).payload(Buffer.alloc(8)), true],
    ['dsize:5;', tcp4().payload('hello'), true], ['dsize:>4;', udp4().payload('abcd'), false], ['dsize:0;', icmp4(8), true],
    ['dsize:4;', ether().ipv4(A4).udp({ sport: 1, dport: 2, length: 12 }).payload(Buffer.alloc(10)), true],
    ['dsize:0;', ether().ipv4({ ...A4, proto: 47 }), false], ['dsize:<100;', ether().ipv4({ ...A4, fragOffset: 3, proto: 6 }).payload(Buffer.alloc(8)), false],
    ['ip_proto:6;', tcp4(), true], ['ip_proto:tcp;', udp4(), false], ['ip_proto:!6;', udp4(), true], ['ip_proto:<17;', tcp4(), true],
    ['ip_proto:>6; ip_proto:<47;', udp4(), true], ['ip_proto:>6; ip_proto:<17;', udp4(), false],
    ['ip_proto:17;', ether().ipv6(A6).hopByHop().udp({ sport: 1, dport: 2 }), true],
    ['sameip;', tcp4(), false], ['sameip;', ether().ipv4({ src: A4.src, dst: A4.src }).tcp({ sport: 1, dport: 2 }), true],
    ['sameip;', ether().ipv6({ src: A6.src, dst: A6.src }).udp({ sport: 1, dport: 2 }), true],
    ['ipopts:any;', tcp4(), false], ['ipopts:any;', tcp4({}, { options: Buffer.from([1, 1, 1, 1]) }), true],
    ['ipopts:rr;', tcp4({}, { options: Buffer.from([7, 7, 4, 0, 0, 0, 0, 0]) }), true], ['ipopts:ts;', tcp4({}, { options: Buffer.from([7, 7, 4, 0, 0, 0, 0, 0]) }), false],
    ['ipopts:lsrre;', tcp4({}, { options: Buffer.from([131, 3, 0, 0]) }), true], ['ipopts:nop;', tcp4({}, { options: Buffer.from([1, 0, 0, 0]) }), true],
    ['ipopts:any;', tcp6(), false],
  ];
  for (const [opt, pkt, want] of cases) hits(t, opt, pkt, want, opt);
});

test('action order: pass > drop > reject > alert; pass silences alerts; every other match alerts', (t) => {
  const pkt = tcp4();
  const r = (action: string, sid: number, opts = '') => `${action} tcp any any -> any 80 (${opts}sid:${sid};)`;
  t.like(decide([r('alert', 1), r('drop', 2), r('pass', 3), r('reject', 4)].join('\n'), pkt), { verdict: 'pass', reason: 'rule_pass', sigId: 3, alerts: [], dpi: false, flags: 0 });
  t.like(decide([r('alert', 1), r('drop', 2), r('reject', 4)].join('\n'), pkt), { verdict: 'drop', reason: 'rule_drop', sigId: 2, alerts: [1, 2, 4], flags: 2 });
  t.like(decide([r('alert', 9), r('rejectboth', 4), r('alert', 1)].join('\n'), pkt), { verdict: 'reject', reason: 'rule_reject', sigId: 4, alerts: [1, 4, 9] });
  t.like(decide([r('alert', 7), r('alert', 3)].join('\n'), pkt), { verdict: 'pass', reason: 'rule_alert', sigId: 3, alerts: [3, 7], flags: 2 });
  for (const v of ['reject', 'rejectsrc', 'rejectdst', 'rejectboth']) t.like(decide(r(v, 5), pkt), { verdict: 'reject', reason: 'rule_reject', sigId: 5, alerts: [5] }, v);
  t.like(decide(r('drop', 1, 'noalert; '), pkt), { verdict: 'drop', sigId: 1, alerts: [], flags: 0 }, 'noalert drops without alerting');
  t.like(decide([r('drop', 1, 'noalert; '), r('alert', 2)].join('\n'), pkt), { verdict: 'drop', sigId: 1, alerts: [2] });
  t.like(decide(r('alert', 8), udp4()), { verdict: 'pass', reason: 'pass_default', sigId: 0, alerts: [] }, 'no match');
});

test('winner within an action: lower priority number first, then lower sid', (t) => {
  const pkt = tcp4();
  t.is(decide('drop tcp any any -> any any (sid:5;)\ndrop tcp any any -> any any (priority:1; sid:9;)', pkt).sigId, 9);
  t.is(decide('drop tcp any any -> any any (sid:9;)\ndrop tcp any any -> any any (sid:5;)', pkt).sigId, 5);
  t.is(decide('drop tcp any any -> any any (classtype:trojan-activity; sid:9;)\ndrop tcp any any -> any any (sid:5;)', pkt).sigId, 9, 'classtype priority 1');
  t.is(decide('alert tcp any any -> any any (priority:1; sid:1;)\ndrop tcp any any -> any any (priority:4; sid:2;)', pkt).sigId, 2, 'the action decides first');
});

test('payload rules: FLAG only (no alert, no drop); DPI when the packet passes; tcp-stream rules too', (t) => {
  const pkt = tcp4().payload('GET /');
  t.like(decide('drop tcp any any -> any 80 (content:"GET"; sid:1;)', pkt), { verdict: 'pass', reason: 'rule_flag', sigId: 1, alerts: [], dpi: true, flags: 4 });
  t.like(decide('drop tcp any any -> any 81 (content:"GET"; sid:1;)', pkt), { reason: 'pass_default', dpi: false }, 'the header half must match');
  t.like(decide('alert tcp any any -> any 80 (content:"GET"; sid:1;)\nalert tcp any any -> any 80 (sid:2;)', pkt), { reason: 'rule_alert', sigId: 2, alerts: [2], dpi: true, flags: 6 });
  t.like(decide('alert tcp any any -> any 80 (content:"GET"; sid:1;)\ndrop tcp any any -> any 80 (sid:2;)', pkt), { verdict: 'drop', sigId: 2, alerts: [2], dpi: false });
  t.like(decide('pass tcp any any -> any 80 (content:"GET"; sid:1;)\ndrop tcp any any -> any 80 (sid:2;)', pkt), { verdict: 'drop', sigId: 2 }, 'a payload pass rule cannot rescue the packet here');
  t.like(decide('alert http any any -> any any (sid:1;)', pkt), { reason: 'rule_flag', dpi: true }, 'an app-layer rule needs DPI');
  t.like(decide('drop tcp-stream any any -> any any (sid:1;)', pkt), { verdict: 'pass', reason: 'rule_flag', dpi: true });
  t.like(decide('pass tcp any any -> any any (sid:3;)\nalert tcp any any -> any 80 (content:"GET"; sid:1;)', pkt), { reason: 'rule_pass', dpi: false });
});

test('fragments: non-first matches only rules that need no L4 field; nothing matched is reason fragment', (t) => {
  const later = ether().ipv4({ ...A4, fragOffset: 100, proto: 6 }).payload(Buffer.alloc(40));
  t.like(decide('alert tcp any any -> any 80 (sid:1;)', later), { reason: 'fragment', verdict: 'pass', sigId: 0 });
  t.like(decide('drop ip 198.18.0.1 any -> any any (sid:1;)', later), { reason: 'rule_drop', verdict: 'drop', sigId: 1 });
  t.like(decide('alert tcp any any -> any any (ttl:64; sid:1;)', later), { reason: 'rule_alert', sigId: 1 }, 'protocol from the IP header, ttl from IP');
  t.like(decide('alert tcp any any -> any any (dsize:>0; sid:1;)', later), { reason: 'fragment' });
  const first = ether().ipv4({ ...A4, mf: true }).tcp({ sport: 1, dport: 80, flags: 'S' }).payload(Buffer.alloc(16));
  t.like(decide('drop tcp any any -> any 80 (flags:S; dsize:16; sid:1;)', first), { reason: 'rule_drop' }, 'a first fragment is matched with its own L4 header');
  const later6 = ether().ipv6(A6).fragment({ offset: 10, m: true, nextHeader: 17 }).payload(Buffer.alloc(16));
  t.like(decide('alert udp any any -> any any (sid:1;)\nalert udp any any -> any 53 (sid:2;)', later6), { reason: 'rule_alert', alerts: [1] });
});

test('malformed: the policy, its reason, no rules; non-IP passes', (t) => {
  const bad = ether().ipv4({ ...A4, totalLength: 100 }).udp({ sport: 1, dport: 2 });
  t.like(decide('pass ip any any -> any any (sid:1;)', bad), { verdict: 'drop', reason: 'malformed_ipv4', sigId: 0, alerts: [], flags: 1 });
  t.like(decide('drop ip any any -> any any (sid:1;)', bad, { malformedPolicy: 'pass' }), { verdict: 'pass', reason: 'malformed_ipv4', flags: 1 });
  const arp = ether({ dst: 'ff:ff:ff:ff:ff:ff' }).arp({ spa: A4.src, tpa: A4.dst });
  t.like(decide('drop ip any any -> any any (sid:1;)', arp), { verdict: 'pass', reason: 'non_ip', sigId: 0, flags: 0 });
});

test('rules the reference does not model are refused, not guessed', (t) => {
  const [flow, frag, dpi] = rulesOf([
    'alert tcp any any -> any 80 (flow:only_stream; sid:1;)',
    'drop tcp any any -> any 80 (flow:only_frag; sid:2;)',
    'alert tcp any any -> any 80 (flow:established,to_server; content:"x"; sid:3;)',
  ].join('\n'));
  t.is(unmodelled(flow), 'flow:only_stream', 'XDP does not reassemble');
  t.is(unmodelled(frag), 'flow:only_frag');
  t.is(unmodelled(dpi), null, 'a payload rule: flow is the DPI worker\'s business');
  t.throws(() => evaluate([flow], decodeFrame(tcp4().build())), { message: /sid 1 uses flow:only_stream/ });
});
