// IPv6 hop-by-hop (0) and destination options (60) headers: TLV options padded to 8 octets
// (RFC 8200 §4.2-4.6). Also "no next header" (59).
import { type Layer, nextIpProto, u8, toBytes } from './layer.ts';

export interface Ipv6Option {
  type: number;
  data?: Uint8Array;
}

export interface Ipv6OptionsHeaderOptions {
  /** TLV options; the header is padded with Pad1/PadN to a multiple of 8 bytes. */
  options?: Ipv6Option[];
  /** Raw option area instead of `options` (padded with zeros only if needed). */
  raw?: Uint8Array;
  nextHeader?: number;
  /** Hdr Ext Len override (8-octet units beyond the first 8), for malformed headers. */
  length?: number;
}

function optionArea(o: Ipv6OptionsHeaderOptions): Buffer {
  if (o.raw) return toBytes(o.raw);
  const parts: Buffer[] = [];
  for (const opt of o.options ?? []) {
    if (opt.type === 0) { parts.push(Buffer.from([0])); continue; } // Pad1 has no length byte
    const data = toBytes(opt.data);
    parts.push(Buffer.from([u8(opt.type, 'ipv6 option type'), u8(data.length, 'ipv6 option length')]), data);
  }
  return Buffer.concat(parts);
}

function padTo8(area: Buffer, raw: boolean): Buffer {
  const need = (8 - ((area.length + 2) % 8)) % 8;
  if (need === 0) return area;
  if (raw) return Buffer.concat([area, Buffer.alloc(need)]);
  const pad = need === 1 ? Buffer.from([0]) : Buffer.concat([Buffer.from([1, need - 2]), Buffer.alloc(need - 2)]);
  return Buffer.concat([area, pad]);
}

function optionsHeader(kind: string, proto: number, o: Ipv6OptionsHeaderOptions): Layer {
  const area = padTo8(optionArea(o), o.raw !== undefined);
  return {
    kind,
    ipProto: proto,
    encode(inner, { next }) {
      const h = Buffer.alloc(2 + area.length);
      h[0] = u8(nextIpProto(kind, o.nextHeader, next, 59), `${kind}.nextHeader`);
      h[1] = u8(o.length ?? (h.length / 8 - 1), `${kind}.length`);
      area.copy(h, 2);
      return Buffer.concat([h, inner]);
    },
  };
}

export function hopByHopLayer(o: Ipv6OptionsHeaderOptions = {}): Layer {
  return optionsHeader('hopByHop', 0, o);
}

export function destOptsLayer(o: Ipv6OptionsHeaderOptions = {}): Layer {
  return optionsHeader('destOpts', 60, o);
}

/** Next header 59: nothing follows that the stack should parse; trailing bytes are kept as they are. */
export function noNextLayer(): Layer {
  return { kind: 'noNext', ipProto: 59, encode: (inner) => Buffer.from(inner) };
}
