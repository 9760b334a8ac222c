// IPv6 routing header (43): type 0/2 (reserved word then addresses) and type 4 (SRH, RFC 8754).
// The pseudo-header of the upper layer uses the final destination (RFC 8200 §8.1): the last
// address (type 0/2) or Segment List[0] (SRH) while segments are left.
import { ipBytes } from './addr.ts';
import { type Layer, nextIpProto, u8, u16 } from './layer.ts';

export interface RoutingOptions {
  /** Routing type: 0 (default), 2, 4 (SRH) or any other value with `data`. */
  type?: number;
  addresses?: Array<string | Uint8Array>;
  /** Defaults to the number of addresses. */
  segmentsLeft?: number;
  /** SRH only: last entry (default addresses.length - 1), flags, tag. */
  lastEntry?: number;
  flags?: number;
  tag?: number;
  /** Type-specific data replacing the generated part after the first 4 bytes. */
  data?: Uint8Array;
  nextHeader?: number;
  length?: number;
}

export function routingLayer(o: RoutingOptions = {}): Layer {
  const type = u8(o.type ?? 0, 'routing.type');
  const addrs = (o.addresses ?? []).map((a) => ipBytes(a, 16));
  const segmentsLeft = u8(o.segmentsLeft ?? addrs.length, 'routing.segmentsLeft');
  let body: Buffer;
  if (o.data) {
    body = Buffer.from(o.data);
  } else {
    const word = Buffer.alloc(4);
    if (type === 4) {
      word[0] = u8(o.lastEntry ?? Math.max(addrs.length - 1, 0), 'routing.lastEntry');
      word[1] = u8(o.flags ?? 0, 'routing.flags');
      word.writeUInt16BE(u16(o.tag ?? 0, 'routing.tag'), 2);
    }
    body = Buffer.concat([word, ...addrs]);
  }
  const pad = (8 - ((body.length + 4) % 8)) % 8;
  if (pad) body = Buffer.concat([body, Buffer.alloc(pad)]);
  const finalDst = segmentsLeft > 0 && addrs.length > 0 ? (type === 4 ? addrs[0] : addrs[addrs.length - 1]) : undefined;
  return {
    kind: 'routing',
    ipProto: 43,
    scope: (outer) => (outer && finalDst ? { src: outer.src, dst: finalDst } : outer),
    encode(inner, { next }) {
      const h = Buffer.alloc(4);
      h[0] = u8(nextIpProto('routing', o.nextHeader, next, 59), 'routing.nextHeader');
      h[1] = u8(o.length ?? (body.length + 4) / 8 - 1, 'routing.length');
      h[2] = type;
      h[3] = segmentsLeft;
      return Buffer.concat([h, body, inner]);
    },
  };
}
