// IPv6 fixed header (RFC 8200 §3).
import { ipBytes } from './addr.ts';
import { type Layer, nextIpProto, u16, u8 } from './layer.ts';

export interface Ipv6Options {
  src: string | Uint8Array;
  dst: string | Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  /** 20-bit flow label. */
  flowLabel?: number;
  /** Next header; inferred from the next layer, 59 (no next header) when nothing follows. */
  nextHeader?: number;
  /** Overrides for malformed packets. */
  version?: number;
  payloadLength?: number;
}

export function ipv6Layer(opts: Ipv6Options): Layer {
  const src = ipBytes(opts.src, 16);
  const dst = ipBytes(opts.dst, 16);
  const flow = opts.flowLabel ?? 0;
  if (!Number.isInteger(flow) || flow < 0 || flow > 0xfffff) throw new Error(`ipv6.flowLabel must be 0..0xfffff, got ${flow}`);
  return {
    kind: 'ipv6',
    ethertype: 0x86dd,
    ipProto: 41,
    scope: () => ({ src, dst }),
    encode(inner, { next }) {
      const h = Buffer.alloc(40);
      const tc = u8(opts.trafficClass ?? 0, 'ipv6.trafficClass');
      const version = u8(opts.version ?? 6, 'ipv6.version') & 0xf;
      h.writeUInt32BE(((version << 28) | (tc << 20) | flow) >>> 0, 0);
      h.writeUInt16BE(u16(opts.payloadLength ?? Math.min(inner.length, 0xffff), 'ipv6.payloadLength'), 4);
      h[6] = u8(nextIpProto('ipv6', opts.nextHeader, next, 59), 'ipv6.nextHeader');
      h[7] = u8(opts.hopLimit ?? 64, 'ipv6.hopLimit');
      src.copy(h, 8);
      dst.copy(h, 24);
      return Buffer.concat([h, inner]);
    },
  };
}
