// The reference decoder: an Ethernet frame → the header fields rules look at, in plain TypeScript.
// Written from bpf/README.md "Parsing contract", not from bpf/lib/parse.h or src/abi, so that the
// two can be compared: same limits (2 VLAN tags, 8 IPv6 extension headers), same bounds (every
// header inside the frame and inside the IP length), same reason for each malformed header.
import { MALFORMED_REASONS, type DecodeReason } from './reasons.ts';

/** VLAN tags read before giving up (bpf/README.md: FW_VLAN_MAX_DEPTH). */
export const VLAN_MAX_DEPTH = 2;
/** IPv6 extension headers walked before giving up (FW_IPV6_EXT_MAX_DEPTH). */
export const IPV6_EXT_MAX_DEPTH = 8;
/** Frame offsets the IPv6 extension chain may reach (the BPF walk masks offsets to 13 bits). */
export const IPV6_EXT_OFF_LIMIT = 0x1fff;

/**
 * ICMP types whose bytes 4..7 are an identifier and a sequence number, as Suricata's icmp_id and
 * icmp_seq read them: echo, timestamp, information and address mask request/reply (ICMPv4) and
 * echo request/reply (ICMPv6). For other types the packet has no id/seq and those keywords never match.
 */
export const ICMP4_ID_TYPES: readonly number[] = [0, 8, 13, 14, 15, 16, 17, 18];
export const ICMP6_ID_TYPES: readonly number[] = [128, 129];

export type Frag = 'none' | 'first' | 'non_first';

export interface DecodedPacket {
  /** pass_default: a well-formed IP packet (with or without an L4 header); non_ip; or the malformed header. */
  reason: DecodeReason;
  /** Bytes of the whole frame. */
  frameLen: number;
  vlanIds: number[];
  /** The ethertype after the VLAN tags (0 when the Ethernet header is cut). */
  l3Proto: number;
  /** 0 until an IP header was read whole. */
  family: 0 | 4 | 6;
  /** Addresses as numbers: IPv4 in the low 32 bits. Text in canonical form (dotted quad, RFC 5952). */
  src: bigint;
  dst: bigint;
  srcText: string;
  dstText: string;
  l3Off: number;
  /** IPv4 total length, or 40 + IPv6 payload length. */
  ipLen: number;
  ttl: number;
  tos: number;
  /** The IP protocol after IPv4 options / IPv6 extension headers (50 ESP, 59 none, ...). */
  l4Proto: number;
  l4Off: number;
  /** IPv4: the header has options (ihl > 5). */
  ipOpts: boolean;
  /** IPv4 option types found walking the options (see README: the walk stops at EOL or a bad length). */
  ipOptTypes: number[];
  /** IPv4 flag bits as in the frag_off field: R 0x8000, D 0x4000, M 0x2000 (IPv6: M from the fragment header). */
  fragBits: number;
  frag: Frag;
  /** Fragment offset in bytes. */
  fragOff: number;
  fragId: number;
  extDepth: number;
  /** IPv6 extension headers seen, by protocol number (0, 43, 44, 60, 51, and 50 / 59 ending the walk). */
  extSeen: number[];
  /** True when a TCP, UDP, ICMP (IPv4) or ICMPv6 (IPv6) header was read whole. */
  hasL4: boolean;
  sport: number;
  dport: number;
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWin: number;
  /** A SYN's window scale option, 0xff without one (read for SYNs only). */
  tcpWscale: number;
  icmpType: number;
  icmpCode: number;
  /** Set only for the types in ICMP4_ID_TYPES / ICMP6_ID_TYPES. */
  icmpId?: number;
  icmpSeq?: number;
  /** Offset of the L4 payload (when hasL4). */
  payloadOff: number;
  /** L4 payload bytes, from the IP length (UDP, unfragmented: its length field − 8). 0 without L4. */
  dsize: number;
}

export interface DecodeOptions {
  /**
   * Bytes the parser can read headers from (the linear part of an XDP buffer). Lengths are still
   * checked against the whole frame. Default: the whole frame. Under BPF_PROG_TEST_RUN the linear
   * part is min(frame, 3520) bytes (src/datapath MAX_TEST_FRAME).
   */
  linear?: number;
}

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_NONE = 59;
const IPPROTO_ESP = 50;
const IPV6_EXT = [0, 43, 44, 60, 51];

class Malformed extends Error {
  constructor(readonly reason: DecodeReason) {
    super(reason);
  }
}

function empty(frameLen: number): DecodedPacket {
  return {
    reason: 'pass_default', frameLen, vlanIds: [], l3Proto: 0, family: 0, src: 0n, dst: 0n, srcText: '', dstText: '',
    l3Off: 0, ipLen: 0, ttl: 0, tos: 0, l4Proto: 0, l4Off: 0, ipOpts: false, ipOptTypes: [], fragBits: 0, frag: 'none',
    fragOff: 0, fragId: 0, extDepth: 0, extSeen: [], hasL4: false, sport: 0, dport: 0, tcpFlags: 0, tcpSeq: 0,
    tcpAck: 0, tcpWin: 0, tcpWscale: 0xff, icmpType: 0, icmpCode: 0, payloadOff: 0, dsize: 0,
  };
}

/** Reads within the readable part of the frame and the IP datagram (ipEnd). */
class Cursor {
  ipEnd: number;
  constructor(readonly b: Uint8Array, readonly readable: number) {
    this.ipEnd = readable;
  }
  /** Are `len` bytes at `at` inside the readable frame and the IP datagram? */
  fits(at: number, len: number): boolean {
    return at + len <= this.readable && at + len <= this.ipEnd;
  }
  u8(at: number): number {
    return this.b[at];
  }
  u16(at: number): number {
    return (this.b[at] << 8) | this.b[at + 1];
  }
  u32(at: number): number {
    return ((this.b[at] << 24) | (this.b[at + 1] << 16) | (this.b[at + 2] << 8) | this.b[at + 3]) >>> 0;
  }
}

/** Decodes one frame. Never throws: a header that cannot be read gives its malformed reason. */
export function decodeFrame(frame: Uint8Array, opts: DecodeOptions = {}): DecodedPacket {
  const pkt = empty(frame.length);
  const c = new Cursor(frame, Math.min(frame.length, opts.linear ?? frame.length));
  try {
    pkt.reason = decodeInto(c, pkt);
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    pkt.reason = e.reason;
  }
  return pkt;
}

export function isMalformed(reason: DecodeReason): boolean {
  return (MALFORMED_REASONS as readonly string[]).includes(reason);
}

function decodeInto(c: Cursor, pkt: DecodedPacket): DecodeReason {
  let at = ethernet(c, pkt);
  if (pkt.l3Proto === ETH_P_IP) {
    at = ipv4(c, pkt, at);
    if (pkt.frag === 'non_first') return 'pass_default';
    if (pkt.l4Proto === IPPROTO_TCP) tcp(c, pkt, at);
    else if (pkt.l4Proto === IPPROTO_UDP) udp(c, pkt, at);
    else if (pkt.l4Proto === IPPROTO_ICMP) icmp(c, pkt, at, 'malformed_icmp', ICMP4_ID_TYPES);
    return 'pass_default';
  }
  if (pkt.l3Proto === ETH_P_IPV6) {
    at = ipv6(c, pkt, at);
    at = ipv6Exts(c, pkt, at);
    if (pkt.frag === 'non_first') return 'pass_default';
    if (pkt.l4Proto === IPPROTO_TCP) tcp(c, pkt, at);
    else if (pkt.l4Proto === IPPROTO_UDP) udp(c, pkt, at);
    else if (pkt.l4Proto === IPPROTO_ICMPV6) icmp(c, pkt, at, 'malformed_icmpv6', ICMP6_ID_TYPES);
    return 'pass_default';
  }
  return 'non_ip';
}

function ethernet(c: Cursor, pkt: DecodedPacket): number {
  if (c.readable < 14) throw new Malformed('malformed_eth');
  let type = c.u16(12);
  let at = 14;
  const isVlan = (t: number) => t === ETH_P_8021Q || t === ETH_P_8021AD;
  while (isVlan(type)) {
    if (pkt.vlanIds.length === VLAN_MAX_DEPTH) throw new Malformed('vlan_depth');
    if (at + 4 > c.readable) throw new Malformed('malformed_vlan');
    pkt.vlanIds.push(c.u16(at) & 0x0fff);
    type = c.u16(at + 2);
    at += 4;
  }
  pkt.l3Proto = type;
  return at;
}

function ipv4(c: Cursor, pkt: DecodedPacket, at: number): number {
  if (at + 20 > c.readable) throw new Malformed('malformed_ipv4');
  const version = c.u8(at) >> 4;
  const hlen = (c.u8(at) & 0x0f) * 4;
  if (version !== 4 || hlen < 20) throw new Malformed('malformed_ipv4');
  const totLen = c.u16(at + 2);
  // The options lie inside tot_len, and tot_len inside the frame; padding after it is not payload.
  if (totLen < hlen || at + totLen > c.b.length) throw new Malformed('malformed_ipv4');
  c.ipEnd = at + totLen;
  pkt.family = 4;
  pkt.l3Off = at;
  pkt.ipLen = totLen;
  pkt.tos = c.u8(at + 1);
  pkt.ttl = c.u8(at + 8);
  pkt.l4Proto = c.u8(at + 9);
  pkt.src = BigInt(c.u32(at + 12));
  pkt.dst = BigInt(c.u32(at + 16));
  pkt.srcText = Array.from(c.b.subarray(at + 12, at + 16)).join('.');
  pkt.dstText = Array.from(c.b.subarray(at + 16, at + 20)).join('.');
  pkt.ipOpts = hlen > 20;
  pkt.ipOptTypes = ipv4OptionTypes(c.b.subarray(at + 20, at + hlen));
  const frag = c.u16(at + 6);
  pkt.fragBits = frag & 0xe000;
  pkt.fragOff = (frag & 0x1fff) * 8;
  if (pkt.fragOff > 0 || frag & 0x2000) {
    pkt.fragId = c.u16(at + 4);
    pkt.frag = pkt.fragOff > 0 ? 'non_first' : 'first';
  }
  pkt.l4Off = at + hlen;
  return at + hlen;
}

/**
 * The option types of an IPv4 header, in order: EOL (0) ends the list, NOP (1) is one byte, any
 * other option is type, length (≥ 2, within the options), data. A bad length ends the walk: the
 * options before it count, the rest are not read.
 */
export function ipv4OptionTypes(opts: Uint8Array): number[] {
  const types: number[] = [];
  let i = 0;
  while (i < opts.length) {
    const t = opts[i];
    if (t === 0) {
      types.push(0);
      break;
    }
    if (t === 1) {
      types.push(1);
      i++;
      continue;
    }
    if (opts.length - i < 2) break;
    const len = opts[i + 1];
    if (len < 2 || len > opts.length - i) break;
    types.push(t);
    i += len;
  }
  return types;
}

function ipv6(c: Cursor, pkt: DecodedPacket, at: number): number {
  if (at + 40 > c.readable) throw new Malformed('malformed_ipv6');
  if (c.u8(at) >> 4 !== 6) throw new Malformed('malformed_ipv6');
  // A payload length of 0 (a jumbogram announcement) is an empty datagram here.
  const plen = c.u16(at + 4);
  if (at + 40 + plen > c.b.length) throw new Malformed('malformed_ipv6');
  c.ipEnd = at + 40 + plen;
  pkt.family = 6;
  pkt.l3Off = at;
  pkt.ipLen = 40 + plen;
  pkt.tos = ((c.u8(at) & 0x0f) << 4) | (c.u8(at + 1) >> 4);
  pkt.l4Proto = c.u8(at + 6);
  pkt.ttl = c.u8(at + 7);
  pkt.src = bytesToBigint(c.b.subarray(at + 8, at + 24));
  pkt.dst = bytesToBigint(c.b.subarray(at + 24, at + 40));
  pkt.srcText = formatV6(pkt.src);
  pkt.dstText = formatV6(pkt.dst);
  return at + 40;
}

/** The extension header chain. Leaves l4Proto = the upper-layer protocol (or the one after a non-first fragment). */
function ipv6Exts(c: Cursor, pkt: DecodedPacket, at: number): number {
  let next = pkt.l4Proto;
  for (let depth = 0; depth < IPV6_EXT_MAX_DEPTH && IPV6_EXT.includes(next); depth++) {
    let len: number;
    let after: number;
    if (next === 44) {
      if (!c.fits(at, 8)) throw new Malformed('malformed_ipv6_ext');
      const fo = c.u16(at + 2);
      pkt.fragOff = fo & 0xfff8;
      pkt.fragBits = fo & 1 ? 0x2000 : 0;
      // Offset 0 without M is an atomic fragment (RFC 6946): a whole datagram.
      if (pkt.fragOff > 0 || fo & 1) {
        pkt.frag = pkt.fragOff > 0 ? 'non_first' : 'first';
        pkt.fragId = c.u32(at + 4);
      }
      len = 8;
      after = c.u8(at);
    } else {
      if (!c.fits(at, 2)) throw new Malformed('malformed_ipv6_ext');
      len = next === 51 ? (c.u8(at + 1) + 2) * 4 : (c.u8(at + 1) + 1) * 8;
      after = c.u8(at);
    }
    pkt.extSeen.push(next);
    if (at + len > c.ipEnd || at + len > IPV6_EXT_OFF_LIMIT) throw new Malformed('malformed_ipv6_ext');
    at += len;
    pkt.extDepth++;
    next = after;
    if (pkt.frag === 'non_first') {
      pkt.l4Proto = next;
      pkt.l4Off = at;
      return at;
    }
  }
  pkt.l4Off = at;
  if (IPV6_EXT.includes(next)) throw new Malformed('ipv6_ext_depth');
  pkt.l4Proto = next;
  if (next === IPPROTO_ESP || next === IPPROTO_NONE) pkt.extSeen.push(next);
  return at;
}

function setPayload(c: Cursor, pkt: DecodedPacket, at: number): void {
  pkt.payloadOff = at;
  pkt.dsize = c.ipEnd - at;
  pkt.hasL4 = true;
}

function tcp(c: Cursor, pkt: DecodedPacket, at: number): void {
  if (!c.fits(at, 20)) throw new Malformed('malformed_tcp');
  const hlen = (c.u8(at + 12) >> 4) * 4;
  // The options are not read, but must lie inside the datagram (this rejects RFC 1858 tiny fragments).
  if (hlen < 20 || at + hlen > c.ipEnd) throw new Malformed('malformed_tcp');
  pkt.sport = c.u16(at);
  pkt.dport = c.u16(at + 2);
  pkt.tcpSeq = c.u32(at + 4);
  pkt.tcpAck = c.u32(at + 8);
  pkt.tcpFlags = c.u8(at + 13);
  pkt.tcpWin = c.u16(at + 14);
  if (pkt.tcpFlags & 0x02) pkt.tcpWscale = tcpWscale(c, at + 20, hlen - 20);
  setPayload(c, pkt, at + hlen);
}

/** A SYN's window scale option (RFC 7323; above 14 counts as 14), 0xff without one: EOL ends the
 *  options, NOP is one byte, a length under 2 or past the options ends the walk (bpf/lib/optwalk.h). */
function tcpWscale(c: Cursor, at: number, len: number): number {
  let ws = 0xff;
  for (let i = 0; i < len;) {
    const t = c.u8(at + i);
    if (t === 0) break;
    if (t === 1) {
      i++;
      continue;
    }
    if (len - i < 2) break;
    const l = c.u8(at + i + 1);
    if (l < 2 || l > len - i) break;
    if (t === 3 && l === 3) ws = Math.min(c.u8(at + i + 2), 14);
    i += l;
  }
  return ws;
}

function udp(c: Cursor, pkt: DecodedPacket, at: number): void {
  if (!c.fits(at, 8)) throw new Malformed('malformed_udp');
  const ulen = c.u16(at + 4);
  const avail = c.ipEnd - at;
  // Linux udp_rcv: 8 <= length <= the datagram. A first fragment holds only part of the datagram.
  if (ulen < 8) throw new Malformed('malformed_udp');
  if (pkt.frag === 'none' ? ulen > avail : ulen < avail) throw new Malformed('malformed_udp');
  pkt.sport = c.u16(at);
  pkt.dport = c.u16(at + 2);
  setPayload(c, pkt, at + 8);
  if (pkt.frag === 'none') pkt.dsize = ulen - 8;
}

function icmp(c: Cursor, pkt: DecodedPacket, at: number, reason: DecodeReason, idTypes: readonly number[]): void {
  if (!c.fits(at, 8)) throw new Malformed(reason);
  pkt.icmpType = c.u8(at);
  pkt.icmpCode = c.u8(at + 1);
  if (idTypes.includes(pkt.icmpType)) {
    pkt.icmpId = c.u16(at + 4);
    pkt.icmpSeq = c.u16(at + 6);
  }
  setPayload(c, pkt, at + 8);
}

function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** RFC 5952 text: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatV6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}
