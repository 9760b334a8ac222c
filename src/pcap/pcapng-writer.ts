// Minimal pcapng writer (one section, one interface, Enhanced Packet Blocks) for fixtures and
// reader tests: libpcap must read what it writes, which makes it an independent check.
import { LINKTYPE } from './constants.ts';
import type { PcapInput } from './writer.ts';
import { toNs } from './timestamp.ts';

export interface PcapngWriterOptions {
  linkType?: number;
  snaplen?: number;
  /** Timestamp resolution of the interface: 'us' (the pcapng default) or 'ns' (if_tsresol = 9). */
  precision?: 'us' | 'ns';
}

function block(type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const total = 12 + padded.length;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(total, 4);
  padded.copy(b, 8);
  b.writeUInt32LE(total, total - 4);
  return b;
}

export function writePcapngBuffer(packets: Iterable<PcapInput>, o: PcapngWriterOptions = {}): Buffer {
  const ns = o.precision === 'ns';
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0); // byte-order magic
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeBigInt64LE(-1n, 8); // section length unknown
  const idb = Buffer.alloc(8 + (ns ? 8 : 0) + 4);
  idb.writeUInt16LE(o.linkType ?? LINKTYPE.ETHERNET, 0);
  idb.writeUInt32LE(o.snaplen ?? 262144, 4);
  if (ns) {
    idb.writeUInt16LE(9, 8); // if_tsresol
    idb.writeUInt16LE(1, 10);
    idb[12] = 9;
  }
  // opt_endofopt (code 0, length 0) closes the option list.
  const parts = [block(0x0a0d0d0a, shb), block(1, idb)];
  for (const p of packets) {
    const t = toNs(p.ts ?? 0n);
    const units = ns ? t : t / 1000n;
    const h = Buffer.alloc(20);
    h.writeUInt32LE(0, 0); // interface id
    h.writeUInt32LE(Number(units >> 32n), 4);
    h.writeUInt32LE(Number(units & 0xffffffffn), 8);
    h.writeUInt32LE(p.frame.length, 12);
    h.writeUInt32LE(p.origLen ?? p.frame.length, 16);
    parts.push(block(6, Buffer.concat([h, p.frame])));
  }
  return Buffer.concat(parts);
}
