// IPv4 header (RFC 791). Every field can be overridden so tests can build malformed packets.
import { ipBytes } from './addr.ts';
import { applyChecksum, type ChecksumOption, inetChecksum } from './checksum.ts';
import { type Layer, nextIpProto, u16, u8, toBytes } from './layer.ts';

export interface Ipv4Options {
  src: string | Uint8Array;
  dst: string | Uint8Array;
  ttl?: number;
  /** Whole TOS byte (DSCP << 2 | ECN). */
  tos?: number;
  id?: number;
  /** Don't fragment, more fragments, and the reserved ("evil") bit. */
  df?: boolean;
  mf?: boolean;
  reservedFlag?: boolean;
  /** Fragment offset in 8-byte units, as on the wire (0..8191). */
  fragOffset?: number;
  /** Protocol number; inferred from the next layer when omitted. */
  proto?: number;
  /** Raw option bytes, padded with zeros (EOL) to a multiple of 4. */
  options?: Uint8Array;
  /** Overrides for malformed packets: written as given, no consistency checks. */
  version?: number;
  ihl?: number;
  totalLength?: number;
  checksum?: ChecksumOption;
}

export function ipv4Layer(opts: Ipv4Options): Layer {
  const src = ipBytes(opts.src, 4);
  const dst = ipBytes(opts.dst, 4);
  const options = toBytes(opts.options);
  const optPadded = Buffer.concat([options, Buffer.alloc((4 - (options.length % 4)) % 4)]);
  if (optPadded.length > 40) throw new Error(`ipv4.options: at most 40 bytes, got ${optPadded.length}`);
  const frag = opts.fragOffset ?? 0;
  if (!Number.isInteger(frag) || frag < 0 || frag > 0x1fff) throw new Error(`ipv4.fragOffset must be 0..8191 (8-byte units), got ${frag}`);
  return {
    kind: 'ipv4',
    ethertype: 0x0800,
    ipProto: 4,
    scope: () => ({ src, dst }),
    encode(inner, { next }) {
      const hlen = 20 + optPadded.length;
      const h = Buffer.alloc(hlen);
      h[0] = ((u8(opts.version ?? 4, 'ipv4.version') & 0xf) << 4) | (u8(opts.ihl ?? hlen / 4, 'ipv4.ihl') & 0xf);
      h[1] = u8(opts.tos ?? 0, 'ipv4.tos');
      h.writeUInt16BE(u16(opts.totalLength ?? Math.min(hlen + inner.length, 0xffff), 'ipv4.totalLength'), 2);
      h.writeUInt16BE(u16(opts.id ?? 1, 'ipv4.id'), 4);
      const flags = (opts.reservedFlag ? 0x8000 : 0) | (opts.df ? 0x4000 : 0) | (opts.mf ? 0x2000 : 0);
      h.writeUInt16BE(flags | frag, 6);
      h[8] = u8(opts.ttl ?? 64, 'ipv4.ttl');
      h[9] = u8(nextIpProto('ipv4', opts.proto, next), 'ipv4.proto');
      src.copy(h, 12);
      dst.copy(h, 16);
      optPadded.copy(h, 20);
      h.writeUInt16BE(applyChecksum(opts.checksum, () => inetChecksum(h)), 10);
      return Buffer.concat([h, inner]);
    },
  };
}
