// Field-level checks of every layer: each field lands at its RFC offset, type fields are inferred
// from the next layer, overrides build malformed packets, and impossible requests throw.
import test from 'ava';
import { ether, ipv4, ipv6, Packet, tcpFlags } from '../src/packets/index.ts';

const S4 = { src: '198.18.0.1', dst: '198.18.1.1' };
const S6 = { src: '2001:2::1', dst: '2001:2::2' };

test('Ethernet: MACs and inferred ethertype', (t) => {
  const f = ether({ src: '02:aa:bb:cc:dd:ee', dst: 'ff:ff:ff:ff:ff:ff' }).ipv6(S6).build();
  t.is(f.subarray(0, 6).toString('hex'), 'ffffffffffff');
  t.is(f.subarray(6, 12).toString('hex'), '02aabbccddee');
  t.is(f.readUInt16BE(12), 0x86dd);
  t.is(ether({ type: 0x88cc }).payload('lldp').build().readUInt16BE(12), 0x88cc);
  t.throws(() => ether().payload('x').build(), { message: /cannot infer the ethertype/ });
});

test('VLAN: three tags, 802.1ad outer, PCP/DEI/VID, each announcing the next', (t) => {
  const f = ether().vlan({ id: 100, tpid: 0x88a8, pcp: 5, dei: true }).vlan(200).vlan({ id: 4095 }).ipv4(S4).udp({ sport: 1, dport: 2 }).build();
  t.is(f.readUInt16BE(12), 0x88a8);
  t.is(f.readUInt16BE(14), (5 << 13) | (1 << 12) | 100);
  t.is(f.readUInt16BE(16), 0x8100);
  t.is(f.readUInt16BE(18), 200);
  t.is(f.readUInt16BE(20), 0x8100);
  t.is(f.readUInt16BE(22), 4095);
  t.is(f.readUInt16BE(24), 0x0800);
  t.is(f[26] >> 4, 4);
  t.throws(() => ether().vlan(4096));
});

test('ARP request and reply', (t) => {
  const f = ether({ dst: 'ff:ff:ff:ff:ff:ff' }).arp({ spa: '198.18.0.1', tpa: '198.18.0.2', sha: '02:00:00:00:00:09' }).build();
  t.is(f.readUInt16BE(12), 0x0806);
  t.is(f.subarray(14).toString('hex'), '0001080006040001' + '020000000009' + 'c6120001' + '000000000000' + 'c6120002');
  const r = ether().arp({ op: 'reply', spa: '198.18.0.2', tpa: '198.18.0.1', tha: '02:00:00:00:00:09' }).build();
  t.is(r.readUInt16BE(20), 2);
  t.throws(() => ether().arp({ spa: '2001:2::1', tpa: '198.18.0.1' }).build());
});

test('IPv4: TTL, id, TOS, flags, fragment offset, options, lengths', (t) => {
  const f = ipv4({ ...S4, ttl: 3, id: 0xabcd, tos: 0xb8, df: true, mf: true, reservedFlag: true, fragOffset: 185, options: Buffer.from([0x94, 0x04, 0, 0, 0x01]) })
    .udp({ sport: 1, dport: 2 }).payload('abcd').build();
  t.is(f[0], 0x47); // version 4, IHL 7 (5 + 8 bytes of padded options)
  t.is(f[1], 0xb8);
  t.is(f.readUInt16BE(2), 28 + 12);
  t.is(f.length, 40);
  t.is(f.readUInt16BE(4), 0xabcd);
  t.is(f.readUInt16BE(6), 0x8000 | 0x4000 | 0x2000 | 185);
  t.is(f[8], 3);
  t.is(f[9], 17);
  t.is(f.subarray(20, 28).toString('hex'), '9404000001000000');
  t.throws(() => ipv4({ ...S4, fragOffset: 8192 }));
  t.throws(() => ipv4({ ...S4, options: Buffer.alloc(41) }));
});

test('IPv4 overrides build malformed headers as asked', (t) => {
  const f = ipv4({ ...S4, version: 5, ihl: 3, totalLength: 9999, proto: 200 }).payload('zz').build();
  t.is(f[0], 0x53);
  t.is(f.readUInt16BE(2), 9999);
  t.is(f[9], 200);
  t.is(f.length, 22);
});

test('IPv6: traffic class, flow label, hop limit, payload length, no next header', (t) => {
  const f = ipv6({ ...S6, trafficClass: 0xab, flowLabel: 0xfedcb, hopLimit: 1 }).build();
  t.is(f.readUInt32BE(0), ((6 << 28) | (0xab << 20) | 0xfedcb) >>> 0);
  t.is(f.readUInt16BE(4), 0);
  t.is(f[6], 59);
  t.is(f[7], 1);
  t.is(f.subarray(8, 24).toString('hex'), '20010002000000000000000000000001');
  const m = ipv6({ ...S6, version: 4, payloadLength: 1000 }).udp({ sport: 1, dport: 2 }).build();
  t.is(m[0] >> 4, 4);
  t.is(m.readUInt16BE(4), 1000);
  t.throws(() => ipv6({ ...S6, flowLabel: 0x100000 }));
  t.throws(() => ipv6({ src: '198.18.0.1', dst: '2001:2::1' }));
});

test('IPv6 extension header chain: next headers, lengths, 8-byte alignment', (t) => {
  const f = ipv6(S6)
    .hopByHop({ options: [{ type: 5, data: Buffer.from([0, 0]) }] })
    .destOpts({ options: [{ type: 0x1e, data: Buffer.alloc(5) }] })
    .routing({ addresses: ['2001:2::8', '2001:2::9'], segmentsLeft: 1 })
    .fragment({ offset: 100, m: true, id: 0xdeadbeef })
    .ah({ spi: 0x1234, seq: 9 })
    .destOpts()
    .tcp({ sport: 1, dport: 2 })
    .build();
  const chain: number[] = [f[6]];
  let p = 40;
  const seen: Array<[number, number]> = [];
  for (let nh = f[6]; nh !== 6;) {
    const start = p;
    if (nh === 44) p += 8;
    else if (nh === 51) p += (f[p + 1] + 2) * 4;
    else p += (f[p + 1] + 1) * 8;
    seen.push([nh, p - start]);
    t.is((p - start) % 8, 0);
    nh = f[start];
    chain.push(nh);
  }
  t.deepEqual(chain, [0, 60, 43, 44, 51, 60, 6]);
  t.deepEqual(seen, [[0, 8], [60, 16], [43, 40], [44, 8], [51, 24], [60, 8]]);
  t.is(f.readUInt16BE(4), f.length - 40);
  // Routing: type 0, segments left 1; fragment: offset/M/id; AH: SPI and sequence.
  t.is(f[64 + 2], 0);
  t.is(f[64 + 3], 1);
  t.is(f.readUInt16BE(104 + 2), (100 << 3) | 1);
  t.is(f.readUInt32BE(104 + 4), 0xdeadbeef);
  t.is(f.readUInt32BE(112 + 4), 0x1234);
  t.is(f.readUInt32BE(112 + 8), 9);
  // Pad1 for one byte, PadN otherwise.
  const pad1 = ipv6(S6).hopByHop({ options: [{ type: 0x1e, data: Buffer.alloc(3) }] }).build();
  t.is(pad1.subarray(40).toString('hex'), '3b001e0300000000');
});

test('a long extension header chain (any length)', (t) => {
  let p: Packet = ipv6(S6);
  for (let i = 0; i < 20; i++) p = p.destOpts();
  const f = p.udp({ sport: 1, dport: 2 }).build();
  t.is(f.length, 40 + 20 * 8 + 8);
  t.is(f[40 + 19 * 8], 17);
  t.is(f[40], 60);
});

test('ESP with NULL encryption: SPI, seq, padding, trailer', (t) => {
  const f = ipv6(S6).esp({ spi: 0x99, seq: 3 }).payload('abc').build();
  t.is(f[6], 50);
  const esp = f.subarray(40);
  t.is(esp.readUInt32BE(0), 0x99);
  t.is(esp.readUInt32BE(4), 3);
  // 3 payload bytes + 3 padding (1,2,3) + pad length + next header = 8, a multiple of 4.
  t.is(esp.subarray(8).toString('hex'), Buffer.from('abc').toString('hex') + '010203' + '03' + '3b');
  const tcpInEsp = ipv4(S4).esp().tcp({ sport: 1, dport: 2 }).build();
  t.is(tcpInEsp[9], 50);
  t.is(tcpInEsp[tcpInEsp.length - 1], 6);
});

test('no-next-header keeps trailing bytes', (t) => {
  const f = ipv6(S6).hopByHop().noNext().payload('junk').build();
  t.is(f[40], 59);
  t.is(f.subarray(48).toString(), 'junk');
});

test('SRH (routing type 4) layout', (t) => {
  const f = ipv6(S6).routing({ type: 4, addresses: ['2001:2::a', '2001:2::b'], segmentsLeft: 1, tag: 7, flags: 1 }).build();
  const rh = f.subarray(40);
  t.is(rh[1], 4);
  t.is(rh[2], 4);
  t.is(rh[3], 1);
  t.is(rh[4], 1); // last entry
  t.is(rh[5], 1);
  t.is(rh.readUInt16BE(6), 7);
  t.is(rh.subarray(8, 24).toString('hex'), '2001000200000000000000000000000a');
});

test('TCP: ports, seq/ack, flags, window, urgent, options, data offset', (t) => {
  const f = ipv4(S4).tcp({ sport: 0xfffe, dport: 443, seq: 0xffffffff, ack: 0x12345678, flags: 'FSRPAUECN', window: 1234, urgent: 9,
    options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOk' }, { kind: 'timestamp', value: 1, echo: 2 }, { kind: 'nop' }, { kind: 'wscale', value: 7 }] }).payload('x').build();
  const tcp = f.subarray(20);
  t.is(tcp.readUInt16BE(0), 0xfffe);
  t.is(tcp.readUInt16BE(2), 443);
  t.is(tcp.readUInt32BE(4), 0xffffffff);
  t.is(tcp.readUInt32BE(8), 0x12345678);
  t.is(tcp[12] >> 4, 10); // 20 + 20 bytes of options
  t.is(tcp.readUInt16BE(12) & 0x1ff, 0x1ff);
  t.is(tcp.readUInt16BE(14), 1234);
  t.is(tcp.readUInt16BE(18), 9);
  t.is(tcp.subarray(20, 40).toString('hex'), '020405b4' + '0402' + '080a0000000100000002' + '01' + '030307');
  t.is(tcp.subarray(40).toString(), 'x');
  t.is(tcpFlags('SA'), 0x12);
  t.is(tcpFlags('R'), 0x04);
  t.throws(() => tcpFlags('Z'));
  const bad = ipv4(S4).tcp({ sport: 1, dport: 2, dataOffset: 15 }).build();
  t.is(bad[32] >> 4, 15);
  t.is(bad.length, 40);
});

test('UDP: length and length override', (t) => {
  const f = ipv4(S4).udp({ sport: 53, dport: 5353 }).payload('12345').build();
  t.is(f.readUInt16BE(24), 13);
  t.is(ipv4(S4).udp({ sport: 1, dport: 2, length: 4 }).build().readUInt16BE(24), 4);
});

test('ICMP: echo, unreachable with quote, any type/code', (t) => {
  const echo = ipv4(S4).icmp({ type: 'echo-request', id: 0x1234, seq: 0x5678 }).build();
  t.is(echo[9], 1);
  t.deepEqual([echo[20], echo[21]], [8, 0]);
  t.is(echo.readUInt32BE(24), 0x12345678);
  const quoted = ipv4({ src: S4.dst, dst: S4.src }).udp({ sport: 1, dport: 53 }).build();
  const unreach = ipv4(S4).icmp({ type: 'unreach', code: 4, rest: 1400 }).ipv4({ src: S4.dst, dst: S4.src }).udp({ sport: 1, dport: 53 }).build();
  t.deepEqual([unreach[20], unreach[21]], [3, 4]);
  t.is(unreach.readUInt32BE(24), 1400);
  t.true(unreach.subarray(28).equals(quoted));
  const any = ipv4(S4).icmp({ type: 42, code: 7 }).build();
  t.deepEqual([any[20], any[21]], [42, 7]);
});

test('ICMPv6: echo, NS, NA flags and options, any type/code', (t) => {
  const ns = ipv6(S6).icmpv6({ type: 'ns', target: '2001:2::2', sourceLinkAddr: '02:00:00:00:00:01' }).build();
  t.is(ns[6], 58);
  t.deepEqual([ns[40], ns[41]], [135, 0]);
  t.is(ns.readUInt32BE(44), 0);
  t.is(ns.subarray(48, 64).toString('hex'), '20010002000000000000000000000002');
  t.is(ns.subarray(64).toString('hex'), '0101020000000001');
  const na = ipv6(S6).icmpv6({ type: 'na', target: '2001:2::1', router: true, solicited: true, override: true, targetLinkAddr: '02:00:00:00:00:01' }).build();
  t.is(na[40], 136);
  t.is(na.readUInt32BE(44), 0xe0000000);
  t.is(na.subarray(64, 66).toString('hex'), '0201');
  const echo = ipv6(S6).icmpv6({ type: 'echo-reply', id: 1, seq: 2 }).build();
  t.is(echo[40], 129);
  t.is(echo.readUInt32BE(44), 0x00010002);
  const any = ipv6(S6).icmpv6({ type: 200, code: 9 }).build();
  t.deepEqual([any[40], any[41]], [200, 9]);
  t.throws(() => ipv6(S6).icmpv6({ type: 'ns' }));
});

test('TCP/UDP/ICMPv6 outside an IP layer need an explicit checksum', (t) => {
  t.throws(() => new Packet().tcp({ sport: 1, dport: 2 }).build(), { message: /pseudo-header/ });
  t.is(new Packet().udp({ sport: 1, dport: 2, checksum: 0 }).build().length, 8);
});

test('packets are immutable values: a prefix can be reused', (t) => {
  const base = ether().ipv4(S4);
  const a = base.udp({ sport: 1, dport: 2 }).build();
  const b = base.tcp({ sport: 1, dport: 2 }).build();
  t.is(a[23], 17);
  t.is(b[23], 6);
  t.is(base.layers.length, 2);
});
