// Every parser case through the real object (BPF_PROG_TEST_RUN), checked through fw_dbg_pkt.
import test from 'ava';

import { ether } from '../src/packets/index.ts';
import { A4, A6, openDebug, runDebug } from './datapath-helpers.ts';

const dp = openDebug();
test.after.always(() => dp.close());

const udp4 = () => ether().ipv4({ ...A4, ttl: 33, tos: 0x28 }).udp({ sport: 1234, dport: 53 }).payload('hello');

test('IPv4/UDP: addresses, ports, ttl, tos, offsets, dsize', (t) => {
  const { res, pkt } = runDebug(dp, udp4().build(), 777n);
  t.like(res, { action: 'pass', verdict: 'pass', reason: 'pass_default', sigId: 0, flags: 0, retval: 2 });
  t.like(pkt, {
    tsNs: 777n, family: 'ipv4', src: A4.src, dst: A4.dst, l3Proto: 0x0800, l4Proto: 17, ttl: 33, tos: 0x28,
    l3Off: 14, l4Off: 34, payloadOff: 42, ipLen: 33, dsize: 5, hasL4: true, sport: 1234, dport: 53,
    frag: 'none', ipOpts: false, extDepth: 0,
  });
  t.deepEqual(pkt.vlanIds, []);
});

test('Ethernet padding is not payload: dsize comes from the IP length', (t) => {
  const f = ether().ipv4(A4).udp({ sport: 1, dport: 2 }).payload('ab').build(); // 14+20+8+2 = 44 bytes
  const padded = Buffer.concat([f, Buffer.alloc(60 - f.length, 0xee)]);
  const { res, pkt } = runDebug(dp, padded);
  t.is(res.reason, 'pass_default');
  t.like(pkt, { ipLen: 30, dsize: 2, payloadOff: 42 });
  const tcp = ether().ipv4(A4).tcp({ sport: 1, dport: 2, flags: 'A' }).build();
  const r2 = runDebug(dp, Buffer.concat([tcp, Buffer.alloc(6, 0xee)]));
  t.like(r2.pkt, { dsize: 0, hasL4: true });
});

for (const [name, tpid] of [['802.1Q', 0x8100], ['802.1ad', 0x88a8]] as const) {
  test(`one VLAN tag (${name})`, (t) => {
    const { res, pkt } = runDebug(dp, ether().vlan({ id: 100, tpid }).ipv4(A4).tcp({ sport: 5, dport: 80, flags: 'S' }).build());
    t.is(res.reason, 'pass_default');
    t.deepEqual(pkt.vlanIds, [100]);
    t.like(pkt, { l3Off: 18, l4Off: 38, dport: 80, l3Proto: 0x0800 });
  });
}

for (const [outer, inner] of [[0x88a8, 0x8100], [0x8100, 0x8100], [0x88a8, 0x88a8]] as const) {
  test(`two VLAN tags (${outer.toString(16)} + ${inner.toString(16)})`, (t) => {
    const f = ether().vlan({ id: 4094, tpid: outer, pcp: 7 }).vlan({ id: 1, tpid: inner }).ipv6(A6).udp({ sport: 9, dport: 10 }).build();
    const { res, pkt } = runDebug(dp, f);
    t.is(res.reason, 'pass_default');
    t.deepEqual(pkt.vlanIds, [4094, 1]);
    t.like(pkt, { l3Off: 22, family: 'ipv6', sport: 9, dport: 10 });
  });
}

test('three VLAN tags: vlan_depth, dropped, nothing past the tags read', (t) => {
  const f = ether().vlan({ id: 1, tpid: 0x88a8 }).vlan({ id: 2 }).vlan({ id: 3 }).ipv4(A4).udp({ sport: 1, dport: 2 }).build();
  const { res, pkt } = runDebug(dp, f);
  t.like(res, { reason: 'vlan_depth', verdict: 'drop', action: 'drop', flags: 1 });
  t.deepEqual(pkt.vlanIds, [1, 2]);
  t.like(pkt, { family: 'none', hasL4: false, sport: 0 });
});

test('ARP and other non-IP frames pass as non_ip', (t) => {
  const arp = runDebug(dp, ether({ dst: 'ff:ff:ff:ff:ff:ff' }).arp({ spa: A4.src, tpa: A4.dst }).build());
  t.like(arp.res, { reason: 'non_ip', verdict: 'pass', action: 'pass', flags: 0 });
  t.like(arp.pkt, { l3Proto: 0x0806, family: 'none' });
  const llc = runDebug(dp, ether({ type: 46 }).payload(Buffer.alloc(46)).build()); // 802.3 length field
  t.is(llc.res.reason, 'non_ip');
  const vlanArp = runDebug(dp, ether().vlan(7).arp({ spa: A4.src, tpa: A4.dst }).build());
  t.is(vlanArp.res.reason, 'non_ip');
  t.deepEqual(vlanArp.pkt.vlanIds, [7]);
});

test('runt frames cannot be test-run (the kernel refuses < 14 bytes); a truncated tag is malformed_vlan', (t) => {
  t.throws(() => dp.runPacket(Buffer.alloc(13), 1n), { instanceOf: RangeError });
  t.throws(() => dp.runPacket(Buffer.alloc(0), 1n), { instanceOf: RangeError });
  t.is(runDebug(dp, Buffer.alloc(14)).res.reason, 'non_ip', 'ethertype 0 is an 802.3 length field');
  const tagged = ether().vlan(5).ipv4({ ...A4, proto: 253 }).build();
  t.is(runDebug(dp, tagged.subarray(0, 17)).res.reason, 'malformed_vlan');
});

test('IPv4 options: ihl 6..15 all parsed, L4 after the options', (t) => {
  for (let words = 1; words <= 10; words++) {
    const options = Buffer.alloc(words * 4, 1); // NOPs
    const { res, pkt } = runDebug(dp, ether().ipv4({ ...A4, options }).tcp({ sport: 4000, dport: 443, flags: 'PA' }).payload('x').build());
    t.is(res.reason, 'pass_default');
    t.like(pkt, { ipOpts: true, l4Off: 34 + words * 4, sport: 4000, dport: 443, dsize: 1 });
    t.deepEqual(pkt.tcpFlags, ['psh', 'ack']);
  }
});

test('IPv4 bad version, bad ihl, bad total length: malformed_ipv4', (t) => {
  const bad = (o: object) => runDebug(dp, ether().ipv4({ ...A4, ...o }).udp({ sport: 1, dport: 2 }).payload('abcdefgh').build());
  for (const version of [0, 5, 6, 15]) t.is(bad({ version }).res.reason, 'malformed_ipv4', `version ${version}`);
  for (const ihl of [0, 1, 4]) t.is(bad({ ihl }).res.reason, 'malformed_ipv4', `ihl ${ihl}`);
  const ihl15 = bad({ ihl: 15 }); // header claims 60 bytes: past tot_len (36)
  t.is(ihl15.res.reason, 'malformed_ipv4');
  t.is(bad({ totalLength: 19 }).res.reason, 'malformed_ipv4', 'shorter than the header');
  t.is(bad({ totalLength: 37 }).res.reason, 'malformed_ipv4', 'longer than the frame');
  const r = bad({ totalLength: 100 });
  t.like(r.res, { reason: 'malformed_ipv4', verdict: 'drop', flags: 1 });
  t.like(r.pkt, { hasL4: false, sport: 0, dport: 0, family: 'none' });
});

test('IPv4 fragments: first parsed, non-first has no L4 and passes as fragment', (t) => {
  const first = runDebug(dp, ether().ipv4({ ...A4, id: 0xbeef, mf: true }).tcp({ sport: 1, dport: 22, flags: 'S' }).payload(Buffer.alloc(16)).build());
  t.is(first.res.reason, 'pass_default');
  t.like(first.pkt, { frag: 'first', fragOff: 0, fragId: 0xbeef, hasL4: true, dport: 22 });
  t.deepEqual(first.pkt.fragFlags, ['mf']);

  const later = runDebug(dp, ether().ipv4({ ...A4, id: 0xbeef, fragOffset: 185, proto: 6 }).payload(Buffer.alloc(40, 0x11)).build());
  t.like(later.res, { reason: 'fragment', verdict: 'pass', action: 'pass' });
  t.like(later.pkt, { frag: 'non_first', fragOff: 1480, l4Proto: 6, hasL4: false, sport: 0, dport: 0, fragId: 0xbeef });

  const df = runDebug(dp, ether().ipv4({ ...A4, df: true, reservedFlag: true }).udp({ sport: 1, dport: 2 }).build());
  t.like(df.pkt, { frag: 'none', fragId: 0 });
  t.deepEqual(df.pkt.fragFlags, ['df', 'rb']);
});

test('IPv6/TCP: addresses, hop limit, traffic class, seq/ack/window/flags, options skipped', (t) => {
  const f = ether().ipv6({ ...A6, hopLimit: 7, trafficClass: 0xb8 })
    .tcp({ sport: 40000, dport: 8080, seq: 0xdeadbeef, ack: 17, window: 1234, flags: 'SE', options: [{ kind: 'mss', value: 1460 }] })
    .payload('data').build();
  const { res, pkt } = runDebug(dp, f);
  t.is(res.reason, 'pass_default');
  t.like(pkt, {
    family: 'ipv6', src: A6.src, dst: A6.dst, ttl: 7, tos: 0xb8, l4Proto: 6, l3Off: 14, l4Off: 54,
    sport: 40000, dport: 8080, tcpSeq: 0xdeadbeef, tcpAck: 17, tcpWin: 1234, payloadOff: 78, dsize: 4, ipLen: 68,
  });
  t.deepEqual(pkt.tcpFlags, ['syn', 'ece']);
});

test('IPv6 bad version: malformed_ipv6; payload length past the frame: malformed_ipv6', (t) => {
  t.is(runDebug(dp, ether().ipv6({ ...A6, version: 4 }).udp({ sport: 1, dport: 2 }).build()).res.reason, 'malformed_ipv6');
  t.is(runDebug(dp, ether().ipv6({ ...A6, payloadLength: 9 }).udp({ sport: 1, dport: 2 }).build()).res.reason, 'malformed_ipv6');
  t.is(runDebug(dp, ether({ type: 0x86dd }).payload(Buffer.alloc(39, 0x60)).build()).res.reason, 'malformed_ipv6');
});

test('IPv6 extension headers, each kind, then the L4 header', (t) => {
  const cases = [
    ['hop', (p: ReturnType<typeof ether>) => p.hopByHop({ options: [{ type: 5, data: Buffer.from([0, 0]) }] }), 8],
    ['routing', (p: ReturnType<typeof ether>) => p.routing({ addresses: ['2001:2::9'], segmentsLeft: 0 }), 24],
    ['frag', (p: ReturnType<typeof ether>) => p.fragment({ offset: 0, m: false, id: 5 }), 8],
    ['dstopts', (p: ReturnType<typeof ether>) => p.destOpts({ options: [{ type: 1, data: Buffer.alloc(12) }] }), 16],
    ['ah', (p: ReturnType<typeof ether>) => p.ah({ spi: 1, seq: 1, icv: Buffer.alloc(12) }), 24],
  ] as const;
  for (const [bit, add, len] of cases) {
    const f = add(ether().ipv6(A6)).udp({ sport: 111, dport: 222 }).payload('z').build();
    const { res, pkt } = runDebug(dp, f);
    t.is(res.reason, 'pass_default', bit);
    t.deepEqual(pkt.extSeen, [bit], bit);
    t.like(pkt, { extDepth: 1, l4Off: 54 + len, l4Proto: 17, sport: 111, dport: 222, dsize: 1, frag: 'none' }, bit);
  }
});

test('IPv6 fragment header: first fragment parsed, non-first has no L4', (t) => {
  const first = runDebug(dp, ether().ipv6(A6).fragment({ offset: 0, m: true, id: 0x12345678 }).icmpv6({ type: 'echo-request', id: 3, seq: 4 }).build());
  t.is(first.res.reason, 'pass_default');
  t.like(first.pkt, { frag: 'first', fragId: 0x12345678, hasL4: true, icmpType: 128, icmpId: 3, icmpSeq: 4 });
  t.deepEqual(first.pkt.fragFlags, ['mf']);

  const later = runDebug(dp, ether().ipv6(A6).fragment({ offset: 181, m: false, id: 9, nextHeader: 6 }).payload(Buffer.alloc(20, 0x55)).build());
  t.like(later.res, { reason: 'fragment', verdict: 'pass' });
  t.like(later.pkt, { frag: 'non_first', fragOff: 1448, fragId: 9, l4Proto: 6, hasL4: false, sport: 0, l4Off: 62 });
});

test('IPv6 chain of 8 extension headers is walked; 9 is ipv6_ext_depth', (t) => {
  const chain = (n: number) => {
    let p = ether().ipv6(A6);
    for (let i = 0; i < n; i++) p = i % 2 ? p.destOpts() : p.hopByHop();
    return p.tcp({ sport: 7, dport: 9, flags: 'S' }).build();
  };
  const eight = runDebug(dp, chain(8));
  t.is(eight.res.reason, 'pass_default');
  t.like(eight.pkt, { extDepth: 8, l4Off: 54 + 64, dport: 9, hasL4: true });
  const nine = runDebug(dp, chain(9));
  t.like(nine.res, { reason: 'ipv6_ext_depth', verdict: 'drop', flags: 1 });
  t.like(nine.pkt, { extDepth: 8, hasL4: false, dport: 0 });
  const eightThenEsp = runDebug(dp, (() => {
    let p = ether().ipv6(A6);
    for (let i = 0; i < 8; i++) p = p.destOpts();
    return p.esp({ spi: 1, seq: 1 }).payload('secret').build();
  })());
  t.is(eightThenEsp.res.reason, 'pass_default', 'ESP after 8 headers ends the walk, it is not a ninth');
});

test('ESP and no-next-header end parsing with no L4', (t) => {
  const esp = runDebug(dp, ether().ipv6(A6).esp({ spi: 0x100, seq: 1 }).udp({ sport: 1, dport: 2 }).build());
  t.is(esp.res.reason, 'pass_default');
  t.like(esp.pkt, { l4Proto: 50, hasL4: false, sport: 0, extDepth: 0 });
  t.deepEqual(esp.pkt.extSeen, ['esp']);
  const none = runDebug(dp, ether().ipv6(A6).hopByHop().noNext().build());
  t.like(none.pkt, { l4Proto: 59, hasL4: false, extDepth: 1 });
  t.deepEqual(none.pkt.extSeen, ['hop', 'none']);
  const esp4 = runDebug(dp, ether().ipv4(A4).esp({ spi: 1, seq: 1 }).payload('x').build());
  t.like(esp4.pkt, { l4Proto: 50, hasL4: false });
});

test('AH counts 4-octet units', (t) => {
  const { pkt } = runDebug(dp, ether().ipv6(A6).ah({ icv: Buffer.alloc(16) }).tcp({ sport: 1, dport: 2 }).build());
  t.like(pkt, { l4Off: 54 + 28, dport: 2, extDepth: 1 });
});

test('extension header longer than the IPv6 payload: malformed_ipv6_ext', (t) => {
  const f = ether().ipv6(A6).hopByHop({ length: 10 }).udp({ sport: 1, dport: 2 }).build();
  const { res, pkt } = runDebug(dp, f);
  t.like(res, { reason: 'malformed_ipv6_ext', verdict: 'drop' });
  t.like(pkt, { hasL4: false, sport: 0 });
  const ah = runDebug(dp, ether().ipv6(A6).ah({ length: 200 }).tcp({ sport: 1, dport: 2 }).build());
  t.is(ah.res.reason, 'malformed_ipv6_ext');
});

test('TCP data offset below 5 or past the datagram: malformed_tcp', (t) => {
  for (const dataOffset of [0, 4]) {
    const r = runDebug(dp, ether().ipv4(A4).tcp({ sport: 1, dport: 2, dataOffset }).payload(Buffer.alloc(40)).build());
    t.like(r.res, { reason: 'malformed_tcp', verdict: 'drop' }, `doff ${dataOffset}`);
    t.like(r.pkt, { hasL4: false, sport: 0, dport: 0 });
    t.deepEqual(r.pkt.tcpFlags, []);
  }
  const past = runDebug(dp, ether().ipv6(A6).tcp({ sport: 1, dport: 2, dataOffset: 15 }).payload(Buffer.alloc(30)).build());
  t.is(past.res.reason, 'malformed_tcp');
  const fits = runDebug(dp, ether().ipv6(A6).tcp({ sport: 1, dport: 2, dataOffset: 15 }).payload(Buffer.alloc(40)).build());
  t.like(fits.pkt, { dsize: 0, payloadOff: 54 + 60 }, 'doff 15 covering the payload exactly is valid');
});

test('UDP length: below 8 or beyond the datagram is malformed_udp; shorter is trimmed', (t) => {
  const u = (length: number) => runDebug(dp, ether().ipv4(A4).udp({ sport: 1, dport: 2, length }).payload(Buffer.alloc(10)).build());
  for (const length of [0, 7, 19, 1000]) t.is(u(length).res.reason, 'malformed_udp', `length ${length}`);
  t.like(u(18).pkt, { dsize: 10, hasL4: true });
  t.like(u(12).pkt, { dsize: 4, hasL4: true }, 'a shorter length is what the socket gets (Linux udp_rcv)');
  t.like(u(8).pkt, { dsize: 0 });
  const v6 = runDebug(dp, ether().ipv6(A6).udp({ sport: 1, dport: 2, length: 30 }).payload(Buffer.alloc(10)).build());
  t.is(v6.res.reason, 'malformed_udp');
});

test('UDP in a first fragment: the length covers the whole datagram', (t) => {
  const f = ether().ipv4({ ...A4, mf: true }).udp({ sport: 1, dport: 2, length: 3000 }).payload(Buffer.alloc(100)).build();
  const r = runDebug(dp, f);
  t.is(r.res.reason, 'pass_default');
  t.like(r.pkt, { frag: 'first', dsize: 100, dport: 2 });
  const short = ether().ipv4({ ...A4, mf: true }).udp({ sport: 1, dport: 2, length: 50 }).payload(Buffer.alloc(100)).build();
  t.is(runDebug(dp, short).res.reason, 'malformed_udp', 'a datagram shorter than its first fragment');
});

test('ICMP and ICMPv6: type, code, echo id/seq; id/seq only for echo', (t) => {
  const echo = runDebug(dp, ether().ipv4(A4).icmp({ type: 'echo-request', id: 0x1234, seq: 9 }).payload('ping').build());
  t.like(echo.pkt, { l4Proto: 1, icmpType: 8, icmpCode: 0, icmpId: 0x1234, icmpSeq: 9, dsize: 4, hasL4: true });
  const reply = runDebug(dp, ether().ipv4(A4).icmp({ type: 'echo-reply', id: 1, seq: 2 }).build());
  t.like(reply.pkt, { icmpType: 0, icmpId: 1, icmpSeq: 2 });
  const unreach = runDebug(dp, ether().ipv4(A4).icmp({ type: 'unreach', code: 3, rest: 0x00010002 }).payload(Buffer.alloc(28)).build());
  t.like(unreach.pkt, { icmpType: 3, icmpCode: 3, icmpId: 0, icmpSeq: 0, dsize: 28 });
  const e6 = runDebug(dp, ether().ipv6(A6).icmpv6({ type: 'echo-reply', id: 77, seq: 78 }).build());
  t.like(e6.pkt, { l4Proto: 58, icmpType: 129, icmpId: 77, icmpSeq: 78 });
  const ns = runDebug(dp, ether().ipv6(A6).icmpv6({ type: 135, target: '2001:2::2' }).build());
  t.like(ns.pkt, { icmpType: 135, icmpId: 0, icmpSeq: 0, dsize: 16 });
});

test('ICMP shorter than 8 bytes: malformed_icmp / malformed_icmpv6', (t) => {
  const v4 = ether().ipv4({ ...A4, proto: 1 }).payload(Buffer.from([8, 0, 0, 0, 0, 1, 0])).build();
  t.like(runDebug(dp, v4).res, { reason: 'malformed_icmp', verdict: 'drop' });
  const v6 = ether().ipv6({ ...A6, nextHeader: 58 }).payload(Buffer.from([128, 0, 0, 0])).build();
  t.is(runDebug(dp, v6).res.reason, 'malformed_icmpv6');
});

test('ICMP over IPv6 and ICMPv6 over IPv4 are other protocols (no L4 read)', (t) => {
  const a = runDebug(dp, ether().ipv6({ ...A6, nextHeader: 1 }).payload(Buffer.alloc(8, 8)).build());
  t.like(a.pkt, { l4Proto: 1, hasL4: false, icmpType: 0 });
  const gre = runDebug(dp, ether().ipv4({ ...A4, proto: 47 }).payload(Buffer.alloc(8)).build());
  t.like(gre.res, { reason: 'pass_default', verdict: 'pass' });
  t.like(gre.pkt, { l4Proto: 47, hasL4: false });
});
