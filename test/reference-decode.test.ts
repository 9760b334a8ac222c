// The reference decoder against frames built with src/packets: every layer, every malformed reason
// bpf/README.md names, every packet cut at every byte (as test/parser-truncation.test.ts expects of
// the BPF parser), and random bytes never make it throw.
import test from 'ava';
import fc from 'fast-check';

import { Reason } from '../src/abi/index.ts';
import { ether, type Packet } from '../src/packets/index.ts';
import { decodeFrame, REFERENCE_REASONS, type DecodeReason, type DecodedPacket } from '../src/rules/reference/index.ts';

const A4 = { src: '198.18.0.1', dst: '198.18.0.2' } as const;
const A6 = { src: '2001:2::1', dst: '2001:2::2' } as const;

test('every reason the reference uses is a datapath reason', (t) => {
  for (const r of REFERENCE_REASONS) t.true(r in Reason, r);
});

test('IPv4/UDP: addresses, ttl, tos, offsets, dsize', (t) => {
  const p = decodeFrame(ether().ipv4({ ...A4, ttl: 33, tos: 0x28 }).udp({ sport: 1234, dport: 53 }).payload('hello').build());
  t.like(p, {
    reason: 'pass_default', family: 4, srcText: A4.src, dstText: A4.dst, src: 0xc6120001n, l3Proto: 0x0800, l4Proto: 17, ttl: 33,
    tos: 0x28, l3Off: 14, l4Off: 34, payloadOff: 42, ipLen: 33, dsize: 5, hasL4: true, sport: 1234, dport: 53, frag: 'none', ipOpts: false,
  });
  t.deepEqual(p.vlanIds, []);
});

test('Ethernet padding is not payload: dsize comes from the IP length', (t) => {
  const f = ether().ipv4(A4).udp({ sport: 1, dport: 2 }).payload('ab').build();
  t.like(decodeFrame(Buffer.concat([f, Buffer.alloc(60 - f.length, 0xee)])), { ipLen: 30, dsize: 2, payloadOff: 42 });
  const tcp = ether().ipv4(A4).tcp({ sport: 1, dport: 2, flags: 'A' }).build();
  t.like(decodeFrame(Buffer.concat([tcp, Buffer.alloc(6, 0xee)])), { dsize: 0, hasL4: true });
});

test('VLAN: one and two tags of either TPID; a third is vlan_depth; a cut tag is malformed_vlan', (t) => {
  for (const tpid of [0x8100, 0x88a8]) {
    const p = decodeFrame(ether().vlan({ id: 100, tpid }).ipv4(A4).tcp({ sport: 5, dport: 80, flags: 'S' }).build());
    t.deepEqual(p.vlanIds, [100]);
    t.like(p, { l3Off: 18, l4Off: 38, dport: 80 });
  }
  const two = decodeFrame(ether().vlan({ id: 4094, tpid: 0x88a8, pcp: 7 }).vlan(1).ipv6(A6).udp({ sport: 9, dport: 10 }).build());
  t.deepEqual(two.vlanIds, [4094, 1]);
  t.like(two, { l3Off: 22, family: 6, sport: 9 });
  const three = decodeFrame(ether().vlan(1).vlan(2).vlan(3).ipv4(A4).udp({ sport: 1, dport: 2 }).build());
  t.like(three, { reason: 'vlan_depth', family: 0, hasL4: false });
  t.is(decodeFrame(ether().vlan(5).ipv4({ ...A4, proto: 253 }).build().subarray(0, 17)).reason, 'malformed_vlan');
});

test('non-IP: ARP, 802.3 length frames, ARP in a VLAN', (t) => {
  t.like(decodeFrame(ether({ dst: 'ff:ff:ff:ff:ff:ff' }).arp({ spa: A4.src, tpa: A4.dst }).build()), { reason: 'non_ip', l3Proto: 0x0806 });
  t.is(decodeFrame(Buffer.alloc(14)).reason, 'non_ip');
  t.is(decodeFrame(ether().vlan(7).arp({ spa: A4.src, tpa: A4.dst }).build()).reason, 'non_ip');
  t.is(decodeFrame(Buffer.alloc(13)).reason, 'malformed_eth');
  t.is(decodeFrame(Buffer.alloc(0)).reason, 'malformed_eth');
});

test('IPv4 options: parsed past, their types walked', (t) => {
  for (let words = 1; words <= 10; words++) {
    const p = decodeFrame(ether().ipv4({ ...A4, options: Buffer.alloc(words * 4, 1) }).tcp({ sport: 4000, dport: 443, flags: 'PA' }).payload('x').build());
    t.like(p, { reason: 'pass_default', ipOpts: true, l4Off: 34 + words * 4, dport: 443, dsize: 1, tcpFlags: 0x18 });
    t.deepEqual(p.ipOptTypes, new Array(words * 4).fill(1));
  }
  const opts = (b: number[]) => decodeFrame(ether().ipv4({ ...A4, options: Buffer.from(b) }).udp({ sport: 1, dport: 2 }).build()).ipOptTypes;
  t.deepEqual(opts([7, 7, 4, 0, 0, 0, 0, 1, 68, 4, 0, 0]), [7, 1, 68], 'RR (len 7), NOP, TS');
  t.deepEqual(opts([1, 131, 3, 0]), [1, 131], 'LSRR');
  t.deepEqual(opts([0, 7, 4, 0]), [0], 'EOL ends the list');
  t.deepEqual(opts([1, 130, 1, 0]), [1], 'a length below 2 ends the walk');
  t.deepEqual(opts([137, 9, 0, 0]), [], 'a length past the options ends the walk');
});

test('IPv4 malformed: version, ihl, total length', (t) => {
  const bad = (o: object) => decodeFrame(ether().ipv4({ ...A4, ...o }).udp({ sport: 1, dport: 2 }).payload('abcdefgh').build()).reason;
  for (const version of [0, 5, 6, 15]) t.is(bad({ version }), 'malformed_ipv4');
  for (const ihl of [0, 1, 4, 15]) t.is(bad({ ihl }), 'malformed_ipv4');
  for (const totalLength of [19, 37, 100]) t.is(bad({ totalLength }), 'malformed_ipv4');
});

test('IPv4 fragments: first parsed, non-first has no L4, flags as bits', (t) => {
  const first = decodeFrame(ether().ipv4({ ...A4, id: 0xbeef, mf: true }).tcp({ sport: 1, dport: 22, flags: 'S' }).payload(Buffer.alloc(16)).build());
  t.like(first, { reason: 'pass_default', frag: 'first', fragOff: 0, fragId: 0xbeef, fragBits: 0x2000, hasL4: true, dport: 22 });
  const later = decodeFrame(ether().ipv4({ ...A4, id: 0xbeef, fragOffset: 185, proto: 6 }).payload(Buffer.alloc(40, 0x11)).build());
  t.like(later, { reason: 'pass_default', frag: 'non_first', fragOff: 1480, l4Proto: 6, hasL4: false, sport: 0, dsize: 0 });
  const df = decodeFrame(ether().ipv4({ ...A4, df: true, reservedFlag: true }).udp({ sport: 1, dport: 2 }).build());
  t.like(df, { frag: 'none', fragBits: 0xc000, fragId: 0 });
});

test('IPv6/TCP: addresses, hop limit, traffic class, TCP fields', (t) => {
  const p = decodeFrame(ether().ipv6({ ...A6, hopLimit: 7, trafficClass: 0xb8 })
    .tcp({ sport: 40000, dport: 8080, seq: 0xdeadbeef, ack: 17, window: 1234, flags: 'SE', options: [{ kind: 'mss', value: 1460 }] })
    .payload('data').build());
  t.like(p, {
    reason: 'pass_default', family: 6, srcText: A6.src, dstText: A6.dst, ttl: 7, tos: 0xb8, l4Proto: 6, l4Off: 54, sport: 40000,
    dport: 8080, tcpSeq: 0xdeadbeef, tcpAck: 17, tcpWin: 1234, tcpFlags: 0x42, payloadOff: 78, dsize: 4, ipLen: 68,
  });
});

test('IPv6 malformed: version, payload length past the frame, header cut', (t) => {
  t.is(decodeFrame(ether().ipv6({ ...A6, version: 4 }).udp({ sport: 1, dport: 2 }).build()).reason, 'malformed_ipv6');
  t.is(decodeFrame(ether().ipv6({ ...A6, payloadLength: 9 }).udp({ sport: 1, dport: 2 }).build()).reason, 'malformed_ipv6');
  t.is(decodeFrame(ether({ type: 0x86dd }).payload(Buffer.alloc(39, 0x60)).build()).reason, 'malformed_ipv6');
});

test('IPv6 extension headers, each kind; AH in 4-octet units; chain of 8 walked, 9 is ipv6_ext_depth', (t) => {
  const kinds: Array<[number, (p: Packet) => Packet, number]> = [
    [0, (p) => p.hopByHop({ options: [{ type: 5, data: Buffer.from([0, 0]) }] }), 8],
    [43, (p) => p.routing({ addresses: ['2001:2::9'], segmentsLeft: 0 }), 24],
    [44, (p) => p.fragment({ offset: 0, m: false, id: 5 }), 8],
    [60, (p) => p.destOpts({ options: [{ type: 1, data: Buffer.alloc(12) }] }), 16],
    [51, (p) => p.ah({ spi: 1, seq: 1, icv: Buffer.alloc(12) }), 24],
  ];
  for (const [proto, add, len] of kinds) {
    const p = decodeFrame(add(ether().ipv6(A6)).udp({ sport: 111, dport: 222 }).payload('z').build());
    t.like(p, { reason: 'pass_default', extDepth: 1, l4Off: 54 + len, l4Proto: 17, dport: 222, dsize: 1, frag: 'none' }, String(proto));
    t.deepEqual(p.extSeen, [proto]);
  }
  const chain = (n: number) => {
    let p = ether().ipv6(A6);
    for (let i = 0; i < n; i++) p = i % 2 ? p.destOpts() : p.hopByHop();
    return p.tcp({ sport: 7, dport: 9, flags: 'S' }).build();
  };
  t.like(decodeFrame(chain(8)), { reason: 'pass_default', extDepth: 8, l4Off: 54 + 64, dport: 9 });
  t.like(decodeFrame(chain(9)), { reason: 'ipv6_ext_depth', hasL4: false });
  t.is(decodeFrame(ether().ipv6(A6).hopByHop({ length: 10 }).udp({ sport: 1, dport: 2 }).build()).reason, 'malformed_ipv6_ext');
  t.is(decodeFrame(ether().ipv6(A6).ah({ length: 200 }).tcp({ sport: 1, dport: 2 }).build()).reason, 'malformed_ipv6_ext');
});

test('IPv6 fragments; ESP and no-next-header end the walk', (t) => {
  const first = decodeFrame(ether().ipv6(A6).fragment({ offset: 0, m: true, id: 0x12345678 }).icmpv6({ type: 'echo-request', id: 3, seq: 4 }).build());
  t.like(first, { frag: 'first', fragId: 0x12345678, fragBits: 0x2000, hasL4: true, icmpType: 128, icmpId: 3, icmpSeq: 4 });
  const later = decodeFrame(ether().ipv6(A6).fragment({ offset: 181, m: false, id: 9, nextHeader: 6 }).payload(Buffer.alloc(20, 0x55)).build());
  t.like(later, { reason: 'pass_default', frag: 'non_first', fragOff: 1448, fragId: 9, l4Proto: 6, hasL4: false, l4Off: 62 });
  const esp = decodeFrame(ether().ipv6(A6).esp({ spi: 0x100, seq: 1 }).udp({ sport: 1, dport: 2 }).build());
  t.like(esp, { reason: 'pass_default', l4Proto: 50, hasL4: false, extDepth: 0 });
  t.deepEqual(esp.extSeen, [50]);
  const none = decodeFrame(ether().ipv6(A6).hopByHop().noNext().build());
  t.like(none, { l4Proto: 59, hasL4: false, extDepth: 1 });
  t.deepEqual(none.extSeen, [0, 59]);
});

test('TCP data offset and UDP length checks', (t) => {
  for (const dataOffset of [0, 4]) {
    t.is(decodeFrame(ether().ipv4(A4).tcp({ sport: 1, dport: 2, dataOffset }).payload(Buffer.alloc(40)).build()).reason, 'malformed_tcp');
  }
  t.is(decodeFrame(ether().ipv6(A6).tcp({ sport: 1, dport: 2, dataOffset: 15 }).payload(Buffer.alloc(30)).build()).reason, 'malformed_tcp');
  t.like(decodeFrame(ether().ipv6(A6).tcp({ sport: 1, dport: 2, dataOffset: 15 }).payload(Buffer.alloc(40)).build()), { dsize: 0, payloadOff: 54 + 60 });
  const u = (length: number) => decodeFrame(ether().ipv4(A4).udp({ sport: 1, dport: 2, length }).payload(Buffer.alloc(10)).build());
  for (const length of [0, 7, 19, 1000]) t.is(u(length).reason, 'malformed_udp', `length ${length}`);
  t.like(u(18), { dsize: 10 });
  t.like(u(12), { dsize: 4 }, 'a shorter length is what the socket gets');
  const firstFrag = ether().ipv4({ ...A4, mf: true }).udp({ sport: 1, dport: 2, length: 3000 }).payload(Buffer.alloc(100)).build();
  t.like(decodeFrame(firstFrag), { reason: 'pass_default', frag: 'first', dsize: 100 });
  t.is(decodeFrame(ether().ipv4({ ...A4, mf: true }).udp({ sport: 1, dport: 2, length: 50 }).payload(Buffer.alloc(100)).build()).reason, 'malformed_udp');
});

test('ICMP/ICMPv6: type, code; id/seq for the types that carry them; short headers malformed', (t) => {
  t.like(decodeFrame(ether().ipv4(A4).icmp({ type: 'echo-request', id: 0x1234, seq: 9 }).payload('ping').build()),
    { l4Proto: 1, icmpType: 8, icmpCode: 0, icmpId: 0x1234, icmpSeq: 9, dsize: 4 });
  t.like(decodeFrame(ether().ipv4(A4).icmp({ type: 13, id: 7, seq: 8 }).payload(Buffer.alloc(12)).build()), { icmpType: 13, icmpId: 7, icmpSeq: 8 });
  const unreach = decodeFrame(ether().ipv4(A4).icmp({ type: 'unreach', code: 3, rest: 0x00010002 }).payload(Buffer.alloc(28)).build());
  t.like(unreach, { icmpType: 3, icmpCode: 3, icmpId: undefined, icmpSeq: undefined, dsize: 28 });
  t.like(decodeFrame(ether().ipv6(A6).icmpv6({ type: 'echo-reply', id: 77, seq: 78 }).build()), { l4Proto: 58, icmpType: 129, icmpId: 77, icmpSeq: 78 });
  t.like(decodeFrame(ether().ipv6(A6).icmpv6({ type: 135, target: '2001:2::2' }).build()), { icmpType: 135, icmpId: undefined, dsize: 16 });
  t.is(decodeFrame(ether().ipv4({ ...A4, proto: 1 }).payload(Buffer.from([8, 0, 0, 0, 0, 1, 0])).build()).reason, 'malformed_icmp');
  t.is(decodeFrame(ether().ipv6({ ...A6, nextHeader: 58 }).payload(Buffer.from([128, 0, 0, 0])).build()).reason, 'malformed_icmpv6');
  t.like(decodeFrame(ether().ipv6({ ...A6, nextHeader: 1 }).payload(Buffer.alloc(8, 8)).build()), { l4Proto: 1, hasL4: false }, 'ICMP in IPv6 is another protocol');
  t.like(decodeFrame(ether().ipv4({ ...A4, proto: 47 }).payload(Buffer.alloc(8)).build()), { reason: 'pass_default', l4Proto: 47, hasL4: false });
});

// ---- every cut, as test/parser-truncation.test.ts expects of the BPF parser ----

type L4 = 'tcp' | 'udp' | 'icmp' | 'icmpv6';
interface Case {
  name: string;
  ip: 4 | 6;
  l4: L4;
  firstFrag?: boolean;
  headers: Array<[size: number, reason: DecodeReason]>;
  build: (ipLen?: number) => Buffer;
}
const payload = Buffer.from('0123456789abcdef');
const v4 = (p: Packet, ipLen?: number, extra = {}) => p.ipv4({ ...A4, totalLength: ipLen, ...extra });
const v6 = (p: Packet, ipLen?: number) => p.ipv6({ ...A6, payloadLength: ipLen });
const tcp = (p: Packet) => p.tcp({ sport: 1111, dport: 2222, flags: 'PA', options: [{ kind: 'mss', value: 1400 }] }).payload(payload);
const udp = (p: Packet) => p.udp({ sport: 3333, dport: 4444 }).payload(payload);
const echo4 = (p: Packet) => p.icmp({ type: 'echo-request', id: 5, seq: 6 }).payload(payload);
const echo6 = (p: Packet) => p.icmpv6({ type: 'echo-request', id: 5, seq: 6 }).payload(payload);
const ETH: [number, DecodeReason] = [14, 'malformed_eth'];
const TAG: [number, DecodeReason] = [4, 'malformed_vlan'];
const IP4: [number, DecodeReason] = [20, 'malformed_ipv4'];
const IP6: [number, DecodeReason] = [40, 'malformed_ipv6'];
const TCP: [number, DecodeReason] = [24, 'malformed_tcp'];
const UDP: [number, DecodeReason] = [8, 'malformed_udp'];
const ext = (n: number): [number, DecodeReason] => [n, 'malformed_ipv6_ext'];
const cases: Case[] = [
  { name: 'IPv4/TCP', ip: 4, l4: 'tcp', headers: [ETH, IP4, TCP], build: (n) => tcp(v4(ether(), n)).build() },
  { name: 'IPv4/UDP', ip: 4, l4: 'udp', headers: [ETH, IP4, UDP], build: (n) => udp(v4(ether(), n)).build() },
  { name: 'IPv4/ICMP', ip: 4, l4: 'icmp', headers: [ETH, IP4, [8, 'malformed_icmp']], build: (n) => echo4(v4(ether(), n)).build() },
  { name: 'IPv6/TCP', ip: 6, l4: 'tcp', headers: [ETH, IP6, TCP], build: (n) => tcp(v6(ether(), n)).build() },
  { name: 'IPv6/ICMPv6', ip: 6, l4: 'icmpv6', headers: [ETH, IP6, [8, 'malformed_icmpv6']], build: (n) => echo6(v6(ether(), n)).build() },
  {
    name: 'QinQ/IPv4+options/TCP', ip: 4, l4: 'tcp', headers: [ETH, TAG, TAG, [28, 'malformed_ipv4'], TCP],
    build: (n) => tcp(v4(ether().vlan({ id: 10, tpid: 0x88a8 }).vlan(20), n, { options: Buffer.alloc(8, 1) })).build(),
  },
  {
    name: 'VLAN/IPv6/hop+routing+atomic frag+dstopts/UDP', ip: 6, l4: 'udp', headers: [ETH, TAG, IP6, ext(8), ext(24), ext(8), ext(16), UDP],
    build: (n) => udp(v6(ether().vlan(40), n).hopByHop().routing({ addresses: ['2001:2::7'], segmentsLeft: 0 })
      .fragment({ offset: 0, m: false, id: 1 }).destOpts({ options: [{ type: 1, data: Buffer.alloc(12) }] })).build(),
  },
  {
    name: 'IPv6/first fragment/UDP', ip: 6, l4: 'udp', firstFrag: true, headers: [ETH, IP6, ext(8), UDP],
    build: (n) => udp(v6(ether(), n).fragment({ offset: 0, m: true, id: 2 })).build(),
  },
  { name: 'IPv6/AH/TCP', ip: 6, l4: 'tcp', headers: [ETH, IP6, ext(24), TCP], build: (n) => tcp(v6(ether(), n).ah({ icv: Buffer.alloc(12) })).build() },
];

function expected(c: Case, len: number, fixed: boolean): { reason: DecodeReason; payloadOff?: number } {
  const ipAt = c.headers.findIndex(([, r]) => r === 'malformed_ipv4' || r === 'malformed_ipv6');
  const l3 = c.headers.slice(0, ipAt).reduce((s, [n]) => s + n, 0);
  const ipReason: DecodeReason = c.ip === 4 ? 'malformed_ipv4' : 'malformed_ipv6';
  let at = 0;
  for (const [size, reason] of c.headers) {
    if (!fixed && at >= l3) return { reason: ipReason };
    if (len < at + size) return { reason };
    at += size;
  }
  if (!fixed) return { reason: ipReason };
  if (c.l4 === 'udp' && !c.firstFrag) return { reason: 'malformed_udp' };
  return { reason: 'pass_default', payloadOff: at };
}

for (const c of cases) {
  test(`cut at every byte, raw and with fixed-up IP lengths: ${c.name}`, (t) => {
    const full = c.build();
    t.like(decodeFrame(full), { reason: 'pass_default', hasL4: true });
    const l3 = c.headers.slice(0, c.headers.findIndex(([, r]) => r.startsWith('malformed_ipv'))).reduce((s, [n]) => s + n, 0);
    for (let len = 0; len < full.length; len++) {
      for (const fixed of [false, true]) {
        let frame = full.subarray(0, len);
        if (fixed) {
          const ipLen = c.ip === 4 ? len - l3 : len - l3 - 40;
          if ((c.ip === 4 && ipLen >= 4) || (c.ip === 6 && ipLen >= 0)) frame = c.build(ipLen).subarray(0, len);
        }
        const want = expected(c, len, fixed);
        const p = decodeFrame(frame);
        const where = `${fixed ? 'fixed' : 'raw'} cut at ${len}/${full.length}`;
        t.is(p.reason, want.reason, where);
        if (want.reason === 'pass_default') t.like(p, { hasL4: true, payloadOff: want.payloadOff, dsize: len - (want.payloadOff ?? 0) }, where);
      }
    }
  });
}

test('linear: headers past the readable part are malformed, lengths still come from the whole frame', (t) => {
  const f = ether().ipv4(A4).tcp({ sport: 1, dport: 2 }).payload(Buffer.alloc(100)).build();
  t.is(decodeFrame(f, { linear: 40 }).reason, 'malformed_tcp');
  t.like(decodeFrame(f, { linear: 54 }), { reason: 'pass_default', dsize: 100 });
  t.is(decodeFrame(f, { linear: 30 }).reason, 'malformed_ipv4');
});

test('property: the decoder never throws, and a reason always comes back', (t) => {
  const reasons = new Set<string>(REFERENCE_REASONS);
  const check = (b: Uint8Array): DecodedPacket => {
    const p = decodeFrame(b);
    if (!reasons.has(p.reason)) throw new Error(`unknown reason ${p.reason}`);
    return p;
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void check(b)), { numRuns: 3000 });
  // Random bytes behind a plausible Ethernet + IP start reach the deeper parsers.
  const head = (type: number, first: number) => fc.uint8Array({ minLength: 0, maxLength: 160 }).map((rest) => {
    const b = Buffer.alloc(14 + rest.length);
    b.writeUInt16BE(type, 12);
    Buffer.from(rest).copy(b, 14);
    if (b.length > 14) b[14] = first | (b[14] & 0x0f);
    return b;
  });
  fc.assert(fc.property(fc.oneof(head(0x0800, 0x40), head(0x86dd, 0x60), head(0x8100, 0), head(0x88a8, 0)), (b) => void check(b)), { numRuns: 5000 });
  t.is(decodeFrame(Buffer.alloc(0)).reason, 'malformed_eth');
});
