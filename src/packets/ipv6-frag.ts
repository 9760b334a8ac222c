// IPv6 fragment header (44, RFC 8200 §4.5).
import { type Layer, nextIpProto, u8, u32 } from './layer.ts';

export interface FragmentOptions {
  /** Fragment offset in 8-byte units, as on the wire (0..8191). */
  offset?: number;
  /** More fragments. */
  m?: boolean;
  id?: number;
  nextHeader?: number;
  /** The two reserved bits next to M, and the reserved byte. */
  res?: number;
  reserved?: number;
}

export function fragmentLayer(o: FragmentOptions = {}): Layer {
  const offset = o.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > 0x1fff) throw new Error(`fragment.offset must be 0..8191 (8-byte units), got ${offset}`);
  return {
    kind: 'fragment',
    ipProto: 44,
    encode(inner, { next }) {
      const h = Buffer.alloc(8);
      h[0] = u8(nextIpProto('fragment', o.nextHeader, next, 59), 'fragment.nextHeader');
      h[1] = u8(o.reserved ?? 0, 'fragment.reserved');
      h.writeUInt16BE((offset << 3) | (((o.res ?? 0) & 3) << 1) | (o.m ? 1 : 0), 2);
      h.writeUInt32BE(u32(o.id ?? 1, 'fragment.id'), 4);
      return Buffer.concat([h, inner]);
    },
  };
}
