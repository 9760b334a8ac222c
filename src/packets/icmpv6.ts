// ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861); checksum over the IPv6 pseudo-header.
import { ipBytes, macToBytes } from './addr.ts';
import { applyChecksum, type ChecksumOption } from './checksum.ts';
import { l4Checksum } from './l4-checksum.ts';
import { type Layer, u8, u16, u32 } from './layer.ts';

export const ICMPV6_TYPE = { UNREACH: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAM_PROBLEM: 4, ECHO: 128, ECHO_REPLY: 129, NS: 135, NA: 136 } as const;

type Named = 'echo-request' | 'echo-reply' | 'ns' | 'na' | 'unreach' | 'packet-too-big' | 'time-exceeded';
const NAMED: Record<Named, number> = { 'echo-request': 128, 'echo-reply': 129, ns: 135, na: 136, unreach: 1, 'packet-too-big': 2, 'time-exceeded': 3 };

export interface Icmpv6Options {
  type?: number | Named;
  code?: number;
  /** Echo identifier / sequence. */
  id?: number;
  seq?: number;
  /** The whole second word; overrides id/seq and the NA flags (e.g. MTU for packet-too-big). */
  rest?: number;
  /** Neighbour solicitation / advertisement target address. */
  target?: string | Uint8Array;
  /** NA flags: router, solicited, override. */
  router?: boolean;
  solicited?: boolean;
  override?: boolean;
  /** ND options: source (1) / target (2) link-layer address. */
  sourceLinkAddr?: string | Uint8Array;
  targetLinkAddr?: string | Uint8Array;
  checksum?: ChecksumOption;
}

function llOption(type: number, mac: string | Uint8Array): Buffer {
  const b = Buffer.alloc(8);
  b[0] = type;
  b[1] = 1; // length in 8-octet units
  macToBytes(mac).copy(b, 2);
  return b;
}

export function icmpv6Layer(o: Icmpv6Options = {}): Layer {
  const type = typeof o.type === 'string' ? NAMED[o.type] : u8(o.type ?? 128, 'icmpv6.type');
  const code = u8(o.code ?? 0, 'icmpv6.code');
  let rest: number;
  if (o.rest !== undefined) rest = u32(o.rest, 'icmpv6.rest');
  else if (type === 136) rest = ((o.router ? 0x80000000 : 0) | (o.solicited ? 0x40000000 : 0) | (o.override ? 0x20000000 : 0)) >>> 0;
  else rest = ((u16(o.id ?? 0, 'icmpv6.id') << 16) | u16(o.seq ?? 0, 'icmpv6.seq')) >>> 0;
  const body: Buffer[] = [];
  if (o.target !== undefined) body.push(ipBytes(o.target, 16));
  if (o.sourceLinkAddr !== undefined) body.push(llOption(1, o.sourceLinkAddr));
  if (o.targetLinkAddr !== undefined) body.push(llOption(2, o.targetLinkAddr));
  if ((type === 135 || type === 136) && o.target === undefined) throw new Error('icmpv6: neighbour solicitation/advertisement needs a target');
  const fixed = Buffer.concat(body);
  return {
    kind: 'icmpv6',
    ipProto: 58,
    encode(inner, { ip }) {
      const msg = Buffer.alloc(8 + fixed.length + inner.length);
      msg[0] = type;
      msg[1] = code;
      msg.writeUInt32BE(rest, 4);
      fixed.copy(msg, 8);
      inner.copy(msg, 8 + fixed.length);
      msg.writeUInt16BE(applyChecksum(o.checksum, () => l4Checksum('icmpv6', ip, 58, msg)), 2);
      return msg;
    },
  };
}
