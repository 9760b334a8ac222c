// Fast pure-TypeScript reader for classic pcap (µs and ns magic, either byte order). Reads the
// file in large chunks and hands out frames as views into them: no per-packet copy, and a view
// stays valid after iteration moves on (each chunk is a fresh buffer, never reused).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_CAPLEN, PCAP_MAGIC_NS, PCAP_MAGIC_US } from './constants.ts';
import { PcapError } from './errors.ts';

export interface ClassicHeader {
  littleEndian: boolean;
  nanos: boolean;
  snaplen: number;
  /** LINKTYPE_ number (the low 26 bits of the field; the high bits carry FCS information). */
  linkType: number;
  versionMajor: number;
  versionMinor: number;
}

/** Parses a classic pcap file header; undefined when the magic is not classic pcap. */
export function parseClassicHeader(h: Uint8Array): ClassicHeader | undefined {
  if (h.length < 4) return undefined;
  const b = Buffer.from(h.buffer, h.byteOffset, h.length);
  const le = b.readUInt32LE(0);
  const be = b.readUInt32BE(0);
  let littleEndian: boolean;
  let nanos: boolean;
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) { littleEndian = true; nanos = le === PCAP_MAGIC_NS; }
  else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) { littleEndian = false; nanos = be === PCAP_MAGIC_NS; }
  else return undefined;
  if (b.length < 24) return { littleEndian, nanos, snaplen: 0, linkType: -1, versionMajor: 0, versionMinor: 0 };
  const u16 = (o: number): number => (littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
  return { littleEndian, nanos, versionMajor: u16(4), versionMinor: u16(6), snaplen: u32(16), linkType: u32(20) & 0x03ffffff };
}

export interface RawRecord {
  index: number;
  /** File offset of the record header. */
  offset: number;
  tsNs: bigint;
  caplen: number;
  origLen: number;
  data: Buffer<ArrayBuffer>;
}

const CHUNK = 4 << 20;

/** Iterates the records of a classic pcap file; throws PcapError on a broken header or record. */
export function* readClassicRecords(path: string): Generator<RawRecord, void, undefined> {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) { throw new PcapError('open', (e as Error).message, path, 0); }
  try {
    const size = fstatSync(fd).size;
    let buf: Buffer<ArrayBuffer> = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 24)));
    let end = readInto(fd, buf, 0, 0);
    let base = 0; // file offset of buf[0]
    let fileOff = end; // file offset of the next byte to read
    const hdr = parseClassicHeader(buf.subarray(0, end));
    if (!hdr) throw new PcapError('bad-header', 'not a classic pcap file (unknown magic)', path, 0);
    if (end < 24) throw new PcapError('truncated', `file header needs 24 bytes, the file has ${size}`, path, 0);
    if (hdr.versionMajor !== 2) throw new PcapError('bad-header', `unsupported pcap version ${hdr.versionMajor}.${hdr.versionMinor}`, path, 4);
    const le = hdr.littleEndian;
    const fracToNs = hdr.nanos ? 1 : 1000;
    const limit = Math.max(MAX_CAPLEN, hdr.snaplen);
    let pos = 24;
    let index = 0;
    for (;;) {
      if (end - pos < 16) {
        if (fileOff < size) {
          [buf, pos, end, base] = refill(fd, buf, pos, end, base, 16, size);
          fileOff = base + end;
        }
        if (end - pos === 0) return;
        if (end - pos < 16) throw new PcapError('truncated', `record header needs 16 bytes, the file has ${end - pos} left`, path, base + pos, index + 1);
      }
      const sec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
      const frac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      const caplen = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
      const origLen = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
      index++;
      if (caplen > limit) throw new PcapError('bad-record', `caplen ${caplen} exceeds the largest snaplen ${limit}`, path, base + pos, index);
      const need = 16 + caplen;
      if (end - pos < need) {
        if (base + pos + need > size) {
          throw new PcapError('truncated', `record of ${caplen} captured bytes runs ${base + pos + need - size} bytes past the end of the file`, path, base + pos, index);
        }
        [buf, pos, end, base] = refill(fd, buf, pos, end, base, need, size);
        fileOff = base + end;
      }
      const tsNs = BigInt(sec) * 1_000_000_000n + BigInt(frac * fracToNs);
      yield { index, offset: base + pos, tsNs, caplen, origLen, data: buf.subarray(pos + 16, pos + need) };
      pos += need;
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads until `buf` is full from `at` on, or the file ends; returns the new end. */
function readInto(fd: number, buf: Buffer<ArrayBuffer>, at: number, filePos: number): number {
  let end = at;
  while (end < buf.length) {
    const n = readSync(fd, buf, end, buf.length - end, filePos + (end - at));
    if (n === 0) break;
    end += n;
  }
  return end;
}

/** A fresh chunk holding the unread tail of the old one plus at least `need` bytes if the file has them. */
function refill(fd: number, buf: Buffer<ArrayBuffer>, pos: number, end: number, base: number, need: number, size: number): [Buffer<ArrayBuffer>, number, number, number] {
  const tail = end - pos;
  const next = Buffer.allocUnsafe(Math.min(Math.max(CHUNK, need), Math.max(tail, size - (base + pos))));
  buf.copy(next, 0, pos, end);
  const newBase = base + pos;
  const newEnd = readInto(fd, next, tail, newBase + tail);
  return [next, 0, newEnd, newBase];
}
