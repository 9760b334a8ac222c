// IPsec headers as a parser sees them: AH (51, RFC 4302) and ESP (50, RFC 4303) with NULL
// encryption, so what follows ESP stays readable in the test but is opaque to the datapath.
import { type Layer, nextIpProto, u8, u32, toBytes } from './layer.ts';

export interface AhOptions {
  spi?: number;
  seq?: number;
  /** Integrity check value; 12 zero bytes by default (HMAC-96 sized). */
  icv?: Uint8Array;
  nextHeader?: number;
  /** Payload Len override (4-octet units minus 2). */
  length?: number;
}

export function ahLayer(o: AhOptions = {}): Layer {
  const icv = o.icv ? toBytes(o.icv) : Buffer.alloc(12);
  return {
    kind: 'ah',
    ipProto: 51,
    encode(inner, { next }) {
      const h = Buffer.alloc(12 + icv.length);
      h[0] = u8(nextIpProto('ah', o.nextHeader, next, 59), 'ah.nextHeader');
      h[1] = u8(o.length ?? h.length / 4 - 2, 'ah.length');
      h.writeUInt32BE(u32(o.spi ?? 0x100, 'ah.spi'), 4);
      h.writeUInt32BE(u32(o.seq ?? 1, 'ah.seq'), 8);
      icv.copy(h, 12);
      return Buffer.concat([h, inner]);
    },
  };
}

export interface EspOptions {
  spi?: number;
  seq?: number;
  /** Next header in the trailer; inferred from the next layer, 59 when nothing (or raw payload) follows. */
  nextHeader?: number;
  icv?: Uint8Array;
}

export function espLayer(o: EspOptions = {}): Layer {
  const icv = toBytes(o.icv);
  return {
    kind: 'esp',
    ipProto: 50,
    encode(inner, { next }) {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(u32(o.spi ?? 0x100, 'esp.spi'), 0);
      h.writeUInt32BE(u32(o.seq ?? 1, 'esp.seq'), 4);
      const padLen = (4 - ((inner.length + 2) % 4)) % 4;
      const pad = Buffer.from(Array.from({ length: padLen }, (_, i) => i + 1)); // RFC 4303 §2.4 default padding
      // Raw bytes after ESP are opaque ciphertext: announce them as "no next header".
      const announced = next?.ipProto !== undefined ? next : undefined;
      const trailer = Buffer.from([padLen, u8(nextIpProto('esp', o.nextHeader, announced, 59), 'esp.nextHeader')]);
      return Buffer.concat([h, inner, pad, trailer, icv]);
    },
  };
}
