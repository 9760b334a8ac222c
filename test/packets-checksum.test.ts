// Checksums: known-good frames computed by an independent implementation (Python struct, see the
// comment on each), and a verifier written here from the RFCs that re-sums every header: a
// correct checksum makes the one's-complement sum over header (+ pseudo-header) 0xffff.
import test from 'ava';
import { ether, ipv4, ipv6 } from '../src/packets/index.ts';

// ---- independent verifier -------------------------------------------------------------------
function sum16(bufs: Uint8Array[]): number {
  let s = 0;
  for (const b of bufs) {
    for (let i = 0; i + 1 < b.length; i += 2) s += b[i] * 256 + b[i + 1];
    if (b.length % 2) s += b[b.length - 1] * 256;
  }
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}
function be32(n: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; }

interface Verdict { ipHeaderOk?: boolean; l4: string; l4Ok: boolean }

/** Walks Ethernet/VLAN/IP/extension headers and checks every checksum on the way. */
function verify(frame: Buffer, off = 14): Verdict {
  let type = frame.readUInt16BE(12);
  while (type === 0x8100 || type === 0x88a8) { type = frame.readUInt16BE(off + 2); off += 4; }
  if (type === 0x0800) {
    const ihl = (frame[off] & 0xf) * 4;
    const total = frame.readUInt16BE(off + 2);
    const proto = frame[off + 9];
    const src = frame.subarray(off + 12, off + 16);
    const dst = frame.subarray(off + 16, off + 20);
    const l4 = frame.subarray(off + ihl, off + total);
    const ipHeaderOk = sum16([frame.subarray(off, off + ihl)]) === 0xffff;
    if (proto === 1) return { ipHeaderOk, l4: 'icmp', l4Ok: sum16([l4]) === 0xffff };
    const pseudo = Buffer.concat([src, dst, Buffer.from([0, proto, l4.length >> 8, l4.length & 0xff])]);
    return { ipHeaderOk, l4: proto === 6 ? 'tcp' : proto === 17 ? 'udp' : String(proto), l4Ok: sum16([pseudo, l4]) === 0xffff };
  }
  if (type === 0x86dd) {
    const plen = frame.readUInt16BE(off + 4);
    let nh = frame[off + 6];
    const src = frame.subarray(off + 8, off + 24);
    let dst: Buffer = frame.subarray(off + 24, off + 40);
    const end = off + 40 + plen;
    let p = off + 40;
    for (;;) {
      if (nh === 0 || nh === 60 || nh === 43) {
        if (nh === 43 && frame[p + 3] > 0) {
          const n = frame[p + 1] / 2;
          // RFC 8200 §8.1: the final destination; SRH (type 4) lists it first.
          const idx = frame[p + 2] === 4 ? 0 : n - 1;
          dst = frame.subarray(p + 8 + 16 * idx, p + 24 + 16 * idx);
        }
        nh = frame[p]; p += (frame[p + 1] + 1) * 8;
      } else if (nh === 44) { nh = frame[p]; p += 8; }
      else if (nh === 51) { nh = frame[p]; p += (frame[p + 1] + 2) * 4; }
      else break;
    }
    const l4 = frame.subarray(p, end);
    const pseudo = Buffer.concat([src, dst, be32(l4.length), Buffer.from([0, 0, 0, nh])]);
    return { l4: nh === 6 ? 'tcp' : nh === 17 ? 'udp' : nh === 58 ? 'icmpv6' : String(nh), l4Ok: sum16([pseudo, l4]) === 0xffff };
  }
  throw new Error(`verify: ethertype 0x${type.toString(16)}`);
}

// ---- known-good bytes (Python struct + its own checksum loop, not this code) ----------------
const KNOWN: Array<[string, () => Buffer, string]> = [
  ['IPv4 TCP SYN with payload', () => ether().ipv4({ src: '198.18.0.1', dst: '198.18.1.1', ttl: 64 }).tcp({ sport: 1234, dport: 80, flags: 'S' }).payload('GET /').build(),
    '02000000000202000000000108004500002d000100004006eda3c6120001c612010104d2005000000000000000005002ffff532f0000474554202f'],
  ['IPv6 UDP', () => ether().ipv6({ src: '2001:2::1', dst: '2001:2::2' }).udp({ sport: 1000, dport: 2000 }).payload('hello').build(),
    '02000000000202000000000186dd60000000000d1140200100020000000000000000000000012001000200000000000000000000000203e807d0000d704168656c6c6f'],
  ['IPv6 routing header: UDP pseudo-header uses the final destination', () => ether().ipv6({ src: '2001:2::1', dst: '2001:2::2' }).routing({ addresses: ['2001:2::9'], segmentsLeft: 1 }).udp({ sport: 1000, dport: 2000 }).payload('hello').build(),
    '02000000000202000000000186dd6000000000252b40200100020000000000000000000000012001000200000000000000000000000211020001000000002001000200000000000000000000000903e807d0000d703a68656c6c6f'],
  ['ICMP echo request', () => ether().ipv4({ src: '198.18.0.1', dst: '198.18.1.1' }).icmp({ type: 'echo-request', id: 7, seq: 1 }).payload('ping').build(),
    '020000000002020000000001080045000020000100004001edb5c6120001c6120101080019270007000170696e67'],
  ['ICMPv6 echo request', () => ether().ipv6({ src: '2001:2::1', dst: '2001:2::2' }).icmpv6({ type: 'echo-request', id: 8, seq: 1 }).payload('ping6').build(),
    '02000000000202000000000186dd60000000000d3a40200100020000000000000000000000012001000200000000000000000000000280002ad50008000170696e6736'],
];

for (const [name, make, hex] of KNOWN) {
  test(`known-good bytes: ${name}`, (t) => {
    const frame = make();
    t.is(frame.toString('hex'), hex);
    const v = verify(frame);
    t.true(v.l4Ok);
    if (v.ipHeaderOk !== undefined) t.true(v.ipHeaderOk);
  });
}

// ---- the verifier over many shapes ----------------------------------------------------------
const S4 = { src: '198.18.0.1', dst: '198.19.255.254' };
const S6 = { src: '2001:2::1', dst: '2001:2:0:ffff::2' };
const SHAPES: Array<[string, () => Buffer, string]> = [
  ['IPv4 options + TCP options + odd payload', () => ether().ipv4({ ...S4, options: Buffer.from([0x94, 4, 0, 0, 1]) }).tcp({ sport: 1, dport: 2, flags: 'PA', seq: 0xfffffff0, ack: 7, options: [{ kind: 'mss', value: 1400 }, { kind: 'timestamp', value: 1, echo: 2 }, { kind: 'sack', blocks: [[1, 2]] }] }).payload('odd').build(), 'tcp'],
  ['VLAN x3 IPv4 UDP', () => ether().vlan({ id: 1, tpid: 0x88a8 }).vlan(2).vlan(3).ipv4(S4).udp({ sport: 53, dport: 53 }).payload('q').build(), 'udp'],
  ['ICMP unreachable quoting IPv4/UDP', () => ether().ipv4(S4).icmp({ type: 'unreach', code: 3 }).ipv4({ src: S4.dst, dst: S4.src }).udp({ sport: 9, dport: 10 }).payload('quoted').build(), 'icmp'],
  ['IPv6 HBH + RH(segleft 2) + frag + DO + TCP', () => ether().ipv6(S6).hopByHop({ options: [{ type: 5, data: Buffer.from([0, 0]) }] }).routing({ addresses: ['2001:2::8', '2001:2::9'] }).fragment({ id: 9 }).destOpts().tcp({ sport: 5, dport: 6 }).payload('abc').build(), 'tcp'],
  ['IPv6 SRH (segleft 1) + UDP', () => ether().ipv6(S6).routing({ type: 4, addresses: ['2001:2::99', '2001:2::98'], segmentsLeft: 1 }).udp({ sport: 5, dport: 6 }).payload('abc').build(), 'udp'],
  ['IPv6 RH with segments left 0 + UDP (pseudo-header keeps the IPv6 destination)', () => ether().ipv6(S6).routing({ addresses: ['2001:2::9'], segmentsLeft: 0 }).udp({ sport: 5, dport: 6 }).build(), 'udp'],
  ['IPv6 AH + ICMPv6 echo', () => ether().ipv6(S6).ah({ spi: 5 }).icmpv6({ type: 'echo-reply', id: 1, seq: 2 }).build(), 'icmpv6'],
  ['ICMPv6 neighbour solicitation', () => ether().ipv6({ src: '2001:2::1', dst: 'ff02::1:ff00:2', hopLimit: 255 }).icmpv6({ type: 'ns', target: '2001:2::2', sourceLinkAddr: '02:00:00:00:00:01' }).build(), 'icmpv6'],
  ['ICMPv6 neighbour advertisement', () => ether().ipv6({ ...S6, hopLimit: 255 }).icmpv6({ type: 'na', target: '2001:2::1', solicited: true, override: true, targetLinkAddr: '02:00:00:00:00:01' }).build(), 'icmpv6'],
  ['ICMPv6 unreachable quoting IPv6/TCP', () => ether().ipv6(S6).icmpv6({ type: 'unreach', code: 4 }).ipv6({ src: S6.dst, dst: S6.src }).tcp({ sport: 1, dport: 2 }).build(), 'icmpv6'],
];

for (const [name, make, l4] of SHAPES) {
  test(`checksums verify: ${name}`, (t) => {
    const v = verify(make());
    t.is(v.l4, l4);
    t.true(v.l4Ok);
    if (v.ipHeaderOk !== undefined) t.true(v.ipHeaderOk);
  });
}

test('the quoted packet inside an ICMP error has its own correct checksums', (t) => {
  const f = ether().ipv4(S4).icmp({ type: 'unreach', code: 3 }).ipv4({ src: S4.dst, dst: S4.src }).udp({ sport: 9, dport: 10 }).payload('quoted').build();
  // The quoted IPv4 header starts after Ethernet (14) + IPv4 (20) + ICMP (8).
  const inner = Buffer.concat([f.subarray(0, 12), Buffer.from([8, 0]), f.subarray(42)]);
  const v = verify(inner);
  t.true(v.ipHeaderOk);
  t.true(v.l4Ok);
});

test("checksum: 'bad' fails verification, a number is written as given", (t) => {
  const bad = verify(ether().ipv4({ ...S4, checksum: 'bad' }).tcp({ sport: 1, dport: 2, checksum: 'bad' }).build());
  t.false(bad.ipHeaderOk);
  t.false(bad.l4Ok);
  t.false(verify(ether().ipv6(S6).udp({ sport: 1, dport: 2, checksum: 'bad' }).build()).l4Ok);
  t.false(verify(ether().ipv6(S6).icmpv6({ checksum: 'bad' }).build()).l4Ok);
  t.false(verify(ether().ipv4(S4).icmp({ checksum: 'bad' }).build()).l4Ok);
  const fixed = ether().ipv4(S4).udp({ sport: 1, dport: 2, checksum: 0 }).build();
  t.is(fixed.readUInt16BE(14 + 20 + 6), 0); // UDP over IPv4: 0 means "no checksum"
  t.is(ether().ipv4({ ...S4, proto: 253, checksum: 0xbeef }).build().readUInt16BE(14 + 10), 0xbeef);
});

test('a UDP checksum that computes to 0 is sent as 0xffff', (t) => {
  // Search a payload whose checksum folds to 0; the builder must then write 0xffff.
  for (let x = 0; x < 0x10000; x++) {
    const payload = Buffer.from([x >> 8, x & 0xff]);
    const f = ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).udp({ sport: 1, dport: 2 }).payload(payload).build();
    if (f.readUInt16BE(20 + 6) === 0xffff) {
      const pseudo = Buffer.concat([f.subarray(12, 20), Buffer.from([0, 17, 0, 10])]);
      t.is(sum16([pseudo, f.subarray(20)]), 0xffff);
      return;
    }
  }
  t.fail('no payload gives a zero UDP checksum');
});

test('bare IPv6 start builds without Ethernet', (t) => {
  const f = ipv6(S6).udp({ sport: 1, dport: 2 }).build();
  t.is(f[0] >> 4, 6);
  t.is(f.length, 48);
});
