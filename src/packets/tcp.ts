// TCP header (RFC 9293) with typed options; checksum over the pseudo-header by default.
import { applyChecksum, type ChecksumOption } from './checksum.ts';
import { l4Checksum } from './l4-checksum.ts';
import { type Layer, u8, u16, u32, toBytes } from './layer.ts';

export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; value: number }
  | { kind: 'sackOk' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'timestamp'; value: number; echo: number }
  | { kind: number; data?: Uint8Array };

export interface TcpOptions {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** Letters as in scapy/tcpdump: F S R P A U E C, N for the NS/AE bit; or the raw 9-bit value. */
  flags?: string | number;
  window?: number;
  urgent?: number;
  /** Options, padded with EOL to a multiple of 4 bytes. */
  options?: TcpOption[];
  /** Data offset override in 32-bit words, for malformed headers. */
  dataOffset?: number;
  checksum?: ChecksumOption;
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80, N: 0x100 };

export function tcpFlags(flags: string | number): number {
  if (typeof flags === 'number') {
    if (!Number.isInteger(flags) || flags < 0 || flags > 0x1ff) throw new Error(`tcp.flags must be 0..0x1ff, got ${flags}`);
    return flags;
  }
  let v = 0;
  for (const c of flags) {
    const bit = FLAG_BITS[c.toUpperCase()];
    if (bit === undefined) throw new Error(`tcp.flags: unknown flag letter '${c}' (use F S R P A U E C N)`);
    v |= bit;
  }
  return v;
}

export function encodeTcpOptions(options: TcpOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const o of options) {
    switch (o.kind) {
      case 'eol': parts.push(Buffer.from([0])); break;
      case 'nop': parts.push(Buffer.from([1])); break;
      case 'mss': { const b = Buffer.from([2, 4, 0, 0]); b.writeUInt16BE(u16(o.value, 'mss'), 2); parts.push(b); break; }
      case 'wscale': parts.push(Buffer.from([3, 3, u8(o.value, 'wscale')])); break;
      case 'sackOk': parts.push(Buffer.from([4, 2])); break;
      case 'sack': {
        const b = Buffer.alloc(2 + 8 * o.blocks.length);
        b[0] = 5;
        b[1] = u8(b.length, 'sack length');
        o.blocks.forEach(([l, r], i) => { b.writeUInt32BE(u32(l, 'sack left'), 2 + 8 * i); b.writeUInt32BE(u32(r, 'sack right'), 6 + 8 * i); });
        parts.push(b);
        break;
      }
      case 'timestamp': { const b = Buffer.alloc(10); b[0] = 8; b[1] = 10; b.writeUInt32BE(u32(o.value, 'ts'), 2); b.writeUInt32BE(u32(o.echo, 'ts echo'), 6); parts.push(b); break; }
      default: {
        const data = toBytes(o.data);
        parts.push(Buffer.from([u8(o.kind, 'tcp option kind'), u8(data.length + 2, 'tcp option length')]), data);
      }
    }
  }
  const raw = Buffer.concat(parts);
  const padded = Buffer.concat([raw, Buffer.alloc((4 - (raw.length % 4)) % 4)]);
  if (padded.length > 40) throw new Error(`tcp.options: at most 40 bytes, got ${padded.length}`);
  return padded;
}

export function tcpLayer(o: TcpOptions): Layer {
  const opts = encodeTcpOptions(o.options ?? []);
  const flags = tcpFlags(o.flags ?? 'S');
  return {
    kind: 'tcp',
    ipProto: 6,
    encode(inner, { ip }) {
      const hlen = 20 + opts.length;
      const seg = Buffer.alloc(hlen + inner.length);
      seg.writeUInt16BE(u16(o.sport, 'tcp.sport'), 0);
      seg.writeUInt16BE(u16(o.dport, 'tcp.dport'), 2);
      seg.writeUInt32BE(u32(o.seq ?? 0, 'tcp.seq'), 4);
      seg.writeUInt32BE(u32(o.ack ?? 0, 'tcp.ack'), 8);
      const doff = o.dataOffset ?? hlen / 4;
      if (!Number.isInteger(doff) || doff < 0 || doff > 15) throw new Error(`tcp.dataOffset must be 0..15, got ${doff}`);
      seg.writeUInt16BE((doff << 12) | flags, 12);
      seg.writeUInt16BE(u16(o.window ?? 65535, 'tcp.window'), 14);
      seg.writeUInt16BE(u16(o.urgent ?? 0, 'tcp.urgent'), 18);
      opts.copy(seg, 20);
      inner.copy(seg, hlen);
      seg.writeUInt16BE(applyChecksum(o.checksum, () => l4Checksum('tcp', ip, 6, seg)), 16);
      return seg;
    },
  };
}
