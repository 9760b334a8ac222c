// Encode/decode of the ABI structs. Multi-byte fields are host byte order (little-endian on every
// machine fwctl targets; checked at import) except fw_pkt's addresses, which are network order.
import { endianness } from 'node:os';

import { formatIPv4, formatIPv6 } from './addr.ts';
import {
  bitNames, ExtBit, type ExtName, Family, type FamilyName, Flag, type FlagName, Frag, FragFlag, type FragName,
  reasonName, type ReasonLabel, TcpFlag, type TcpFlagName, verdictName, type VerdictLabel,
} from './enums.ts';
import { FW_COUNTER, FW_META, FW_META_MAGIC, FW_META_MAGIC_DONE, FW_PKT, XDP_MD } from './layout.ts';

if (endianness() !== 'LE') throw new Error('abi: fwctl reads BPF structs as little-endian; this host is big-endian');

const M = FW_META.off;

/** Prepares a metadata area for a test run: ts and magic in, result fields zeroed. */
export function encodeMetaIn(buf: Buffer, tsNs: bigint, at = 0): void {
  buf.writeBigUInt64LE(tsNs, at + M.ts_ns);
  buf.writeUInt32LE(FW_META_MAGIC, at + M.magic);
  buf.fill(0, at + M.sig_id, at + FW_META.size);
}

export interface MetaOut {
  /** The program wrote the result fields (magic == FW_META_MAGIC_DONE). */
  done: boolean;
  tsNs: bigint;
  verdict: VerdictLabel;
  reason: ReasonLabel;
  sigId: number;
  flags: FlagName[];
}

/** Decodes a metadata area returned in data_out (allocates: not for the per-packet path, which
 *  reads single fields through FW_META.off). */
export function decodeMeta(buf: Buffer, at = 0): MetaOut {
  return {
    done: buf.readUInt32LE(at + M.magic) === FW_META_MAGIC_DONE,
    tsNs: buf.readBigUInt64LE(at + M.ts_ns),
    verdict: verdictName(buf.readUInt16LE(at + M.verdict)),
    reason: reasonName(buf.readUInt16LE(at + M.reason)),
    sigId: buf.readUInt32LE(at + M.sig_id),
    flags: bitNames(buf.readUInt32LE(at + M.flags), Flag),
  };
}

/** Writes an xdp_md for a test run whose data_in is `metaLen` bytes of metadata then the frame. */
export function encodeXdpMd(buf: Buffer, metaLen: number, totalLen: number): void {
  buf.fill(0, 0, XDP_MD.size);
  buf.writeUInt32LE(metaLen, XDP_MD.off.data);
  buf.writeUInt32LE(totalLen, XDP_MD.off.data_end);
}

export interface Counter {
  packets: bigint;
  bytes: bigint;
}

/** Sums a per-CPU value buffer (CPUs back to back, each rounded up to 8 bytes by the kernel). */
export function sumPerCpuCounter(buf: Buffer, ncpu: number): Counter {
  const stride = Math.ceil(FW_COUNTER.size / 8) * 8;
  let packets = 0n;
  let bytes = 0n;
  for (let c = 0; c < ncpu; c++) {
    packets += buf.readBigUInt64LE(c * stride + FW_COUNTER.off.packets);
    bytes += buf.readBigUInt64LE(c * stride + FW_COUNTER.off.bytes);
  }
  return { packets, bytes };
}

/** fw_pkt decoded: names for enums and bits, text for addresses (null when there is no IP). */
export interface FwPkt {
  tsNs: bigint;
  family: FamilyName;
  src: string | null;
  dst: string | null;
  l3Proto: number;
  l4Proto: number;
  l3Off: number;
  l4Off: number;
  payloadOff: number;
  ipLen: number;
  dsize: number;
  hasL4: boolean;
  sport: number;
  dport: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWin: number;
  /** A SYN's window scale option (0-14), 255 without one; set for TCP SYNs that reach the flow table. */
  tcpWscale: number;
  tcpFlags: TcpFlagName[];
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  ttl: number;
  tos: number;
  vlanIds: number[];
  extDepth: number;
  extSeen: ExtName[];
  frag: FragName;
  fragOff: number;
  fragId: number;
  fragFlags: Array<keyof typeof FragFlag>;
  ipOpts: boolean;
  /** Ingress interface (1, lo, under test run). */
  ifindex: number;
  /** Whole frame length, fragments included. */
  frameLen: number;
}

const P = FW_PKT.off;

function nameOf<T extends Record<string, number>>(table: T, v: number): keyof T {
  for (const [k, x] of Object.entries(table)) if (x === v) return k as keyof T;
  throw new Error(`abi: value ${v} not in ${Object.keys(table).join('|')}`);
}

export function decodePkt(buf: Buffer, at = 0): FwPkt {
  const family = nameOf(Family, buf.readUInt8(at + P.family));
  const addr = (o: number): string | null =>
    family === 'ipv4' ? formatIPv4(buf, at + o) : family === 'ipv6' ? formatIPv6(buf, at + o) : null;
  const vlanDepth = buf.readUInt8(at + P.vlan_depth);
  const vlanIds: number[] = [];
  for (let i = 0; i < vlanDepth && i < 2; i++) vlanIds.push(buf.readUInt16LE(at + P.vlan_id + 2 * i));
  return {
    tsNs: buf.readBigUInt64LE(at + P.ts_ns),
    family,
    src: addr(P.saddr),
    dst: addr(P.daddr),
    l3Proto: buf.readUInt16LE(at + P.l3_proto),
    l4Proto: buf.readUInt8(at + P.l4_proto),
    l3Off: buf.readUInt16LE(at + P.l3_off),
    l4Off: buf.readUInt16LE(at + P.l4_off),
    payloadOff: buf.readUInt16LE(at + P.payload_off),
    ipLen: buf.readUInt16LE(at + P.ip_len),
    dsize: buf.readUInt16LE(at + P.dsize),
    hasL4: buf.readUInt8(at + P.has_l4) !== 0,
    sport: buf.readUInt16LE(at + P.sport),
    dport: buf.readUInt16LE(at + P.dport),
    tcpSeq: buf.readUInt32LE(at + P.tcp_seq),
    tcpAck: buf.readUInt32LE(at + P.tcp_ack),
    tcpWin: buf.readUInt16LE(at + P.tcp_win),
    tcpWscale: buf[at + P.tcp_wscale],
    tcpFlags: bitNames(buf.readUInt8(at + P.tcp_flags), TcpFlag),
    icmpType: buf.readUInt8(at + P.icmp_type),
    icmpCode: buf.readUInt8(at + P.icmp_code),
    icmpId: buf.readUInt16LE(at + P.icmp_id),
    icmpSeq: buf.readUInt16LE(at + P.icmp_seq),
    ttl: buf.readUInt8(at + P.ttl),
    tos: buf.readUInt8(at + P.tos),
    vlanIds,
    extDepth: buf.readUInt8(at + P.ext_depth),
    extSeen: bitNames(buf.readUInt8(at + P.ext_seen), ExtBit),
    frag: nameOf(Frag, buf.readUInt8(at + P.frag)),
    fragOff: buf.readUInt16LE(at + P.frag_off),
    fragId: buf.readUInt32LE(at + P.frag_id),
    fragFlags: bitNames(buf.readUInt8(at + P.frag_flags), FragFlag),
    ipOpts: buf.readUInt8(at + P.ip_opts) !== 0,
    ifindex: buf.readUInt32LE(at + P.ifindex),
    frameLen: buf.readUInt32LE(at + P.frame_len),
  };
}
