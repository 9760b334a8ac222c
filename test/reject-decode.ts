// An independent reader of the frames bpf/lib/reject.h writes, for test/reject*.test.ts: it parses
// Ethernet, VLAN tags, IPv4/IPv6 and TCP/ICMP/ICMPv6 from the bytes alone and verifies every
// checksum by summing the header with its checksum field in place (a correct one sums to 0xffff).
// It shares no code with the program; checksum arithmetic comes from src/packets (RFC 1071).
import { onesSum, pseudoHeaderSum } from '../src/packets/index.ts';

export interface Frame {
  dstMac: string;
  srcMac: string;
  /** The TPID and TCI of each VLAN tag, outermost first. */
  vlans: Array<{ tpid: number; tci: number }>;
  ethertype: number;
  l3Off: number;
  family: 4 | 6;
  src: Buffer;
  dst: Buffer;
  ttl: number;
  tos: number;
  proto: number;
  /** IPv4 total length, or 40 + IPv6 payload length. */
  ipLen: number;
  ipId: number;
  /** IPv4 flags + fragment offset word; 0 for IPv6. */
  fragWord: number;
  ihl: number;
  /** IPv4 header checksum verified (always true for IPv6, which has none). */
  ipCsumOk: boolean;
  /** IPv6 version/traffic class/flow label word. */
  v6Word: number;
  l4Off: number;
  /** The L4 bytes per the IP length. */
  l4: Buffer;
  /** The L4 checksum verified over the pseudo-header where the protocol has one. */
  l4CsumOk: boolean;
}

const mac = (b: Buffer, at: number) => [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** Decodes an answer frame; throws on anything that is not a well-formed IP frame. */
export function decodeFrame(b: Buffer): Frame {
  if (b.length < 14) throw new Error(`frame of ${b.length} bytes`);
  let off = 12;
  let type = b.readUInt16BE(off);
  const vlans: Frame['vlans'] = [];
  off += 2;
  while (type === 0x8100 || type === 0x88a8) {
    vlans.push({ tpid: type, tci: b.readUInt16BE(off) });
    type = b.readUInt16BE(off + 2);
    off += 4;
  }
  const l3Off = off;
  const base = { dstMac: mac(b, 0), srcMac: mac(b, 6), vlans, ethertype: type, l3Off };
  if (type === 0x0800) {
    const ihl = b[l3Off] & 0xf;
    if (b[l3Off] >> 4 !== 4) throw new Error('not IPv4');
    const hlen = ihl * 4;
    const ipLen = b.readUInt16BE(l3Off + 2);
    if (l3Off + ipLen > b.length) throw new Error(`IPv4 length ${ipLen} past the frame (${b.length})`);
    const src = Buffer.from(b.subarray(l3Off + 12, l3Off + 16));
    const dst = Buffer.from(b.subarray(l3Off + 16, l3Off + 20));
    const proto = b[l3Off + 9];
    const l4 = Buffer.from(b.subarray(l3Off + hlen, l3Off + ipLen));
    const ps = proto === 1 ? 0 : pseudoHeaderSum(src, dst, proto, l4.length);
    return {
      ...base, family: 4, src, dst, ttl: b[l3Off + 8], tos: b[l3Off + 1], proto, ipLen, ihl,
      ipId: b.readUInt16BE(l3Off + 4), fragWord: b.readUInt16BE(l3Off + 6),
      ipCsumOk: onesSum(b.subarray(l3Off, l3Off + hlen)) === 0xffff, v6Word: 0,
      l4Off: l3Off + hlen, l4, l4CsumOk: onesSum(l4, ps) === 0xffff,
    };
  }
  if (type === 0x86dd) {
    if (b[l3Off] >> 4 !== 6) throw new Error('not IPv6');
    const plen = b.readUInt16BE(l3Off + 4);
    if (l3Off + 40 + plen > b.length) throw new Error(`IPv6 payload ${plen} past the frame (${b.length})`);
    const src = Buffer.from(b.subarray(l3Off + 8, l3Off + 24));
    const dst = Buffer.from(b.subarray(l3Off + 24, l3Off + 40));
    const end = l3Off + 40 + plen;
    // Extension headers (RFC 8200 §4): hop-by-hop, routing, destination options in 8-octet
    // units, fragment 8 bytes, AH in 4-octet units.
    let proto = b[l3Off + 6];
    let l4Off = l3Off + 40;
    while ([0, 43, 44, 51, 60].includes(proto)) {
      const len = proto === 44 ? 8 : proto === 51 ? (b[l4Off + 1] + 2) * 4 : (b[l4Off + 1] + 1) * 8;
      proto = b[l4Off];
      l4Off += len;
    }
    const l4 = Buffer.from(b.subarray(l4Off, end));
    return {
      ...base, family: 6, src, dst, ttl: b[l3Off + 7], tos: 0, proto, ipLen: 40 + plen, ihl: 0, ipId: 0, fragWord: 0,
      ipCsumOk: true, v6Word: b.readUInt32BE(l3Off), l4Off, l4,
      l4CsumOk: onesSum(l4, pseudoHeaderSum(src, dst, proto, l4.length)) === 0xffff,
    };
  }
  throw new Error(`ethertype 0x${type.toString(16)}`);
}

export interface Tcp {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  dataOffset: number;
  flags: number;
  window: number;
  urgent: number;
  payloadLength: number;
}

export function decodeTcp(l4: Buffer): Tcp {
  if (l4.length < 20) throw new Error(`TCP segment of ${l4.length} bytes`);
  const dataOffset = l4[12] >> 4;
  return {
    sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2), seq: l4.readUInt32BE(4), ack: l4.readUInt32BE(8),
    dataOffset, flags: l4.readUInt16BE(12) & 0x1ff, window: l4.readUInt16BE(14), urgent: l4.readUInt16BE(18),
    payloadLength: l4.length - dataOffset * 4,
  };
}

export interface IcmpError {
  type: number;
  code: number;
  /** The second 32-bit word (unused for destination unreachable). */
  rest: number;
  quote: Buffer;
}

export function decodeIcmpError(l4: Buffer): IcmpError {
  if (l4.length < 8) throw new Error(`ICMP message of ${l4.length} bytes`);
  return { type: l4[0], code: l4[1], rest: l4.readUInt32BE(4), quote: Buffer.from(l4.subarray(8)) };
}
