// ICMP for IPv4 (RFC 792). Echo carries id/seq; errors (unreachable, time exceeded, ...) carry
// the quoted packet as the layers that follow (`.icmp({type: 3, code: 3}).ipv4(...).udp(...)`)
// or as raw bytes.
import { applyChecksum, type ChecksumOption, inetChecksum } from './checksum.ts';
import { type Layer, u8, u16, u32 } from './layer.ts';

export const ICMP_TYPE = { ECHO_REPLY: 0, UNREACH: 3, REDIRECT: 5, ECHO: 8, TIME_EXCEEDED: 11, PARAM_PROBLEM: 12 } as const;

export interface IcmpOptions {
  /** Type number or 'echo-request' / 'echo-reply' / 'unreach' / 'time-exceeded'. Default echo request. */
  type?: number | 'echo-request' | 'echo-reply' | 'unreach' | 'time-exceeded';
  code?: number;
  /** Echo: identifier and sequence in the second word. */
  id?: number;
  seq?: number;
  /** The whole second word (rest of header); overrides id/seq. For unreachable: 0, or next-hop MTU in the low 16 bits. */
  rest?: number;
  checksum?: ChecksumOption;
}

const NAMED: Record<string, number> = { 'echo-request': 8, 'echo-reply': 0, unreach: 3, 'time-exceeded': 11 };

export function icmpLayer(o: IcmpOptions = {}): Layer {
  const type = typeof o.type === 'string' ? NAMED[o.type] : u8(o.type ?? 8, 'icmp.type');
  const code = u8(o.code ?? 0, 'icmp.code');
  const rest = o.rest !== undefined ? u32(o.rest, 'icmp.rest') : ((u16(o.id ?? 0, 'icmp.id') << 16) | u16(o.seq ?? 0, 'icmp.seq')) >>> 0;
  return {
    kind: 'icmp',
    ipProto: 1,
    encode(inner) {
      const msg = Buffer.alloc(8 + inner.length);
      msg[0] = type;
      msg[1] = code;
      msg.writeUInt32BE(rest, 4);
      inner.copy(msg, 8);
      msg.writeUInt16BE(applyChecksum(o.checksum, () => inetChecksum(msg)), 2);
      return msg;
    },
  };
}
