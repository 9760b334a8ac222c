// Classic pcap writer (the libpcap file format: 24-byte file header, 16-byte record headers),
// little-endian, microsecond or nanosecond magic, any link type. Records longer than the snaplen
// are cut to it and keep their original length.
import { closeSync, openSync, writeSync } from 'node:fs';
import { LINKTYPE, MAX_CAPLEN, PCAP_MAGIC_NS, PCAP_MAGIC_US } from './constants.ts';
import { type Timestamp, toNs } from './timestamp.ts';

export interface PcapWriterOptions {
  /** LINKTYPE_ number; Ethernet by default. */
  linkType?: number;
  /** Longest caplen written (default 262144). */
  snaplen?: number;
  /** 'us' (magic a1b2c3d4, default) or 'ns' (magic a1b23c4d). */
  precision?: 'us' | 'ns';
}

export interface PacketMeta {
  /** Default 0 (the epoch). */
  ts?: Timestamp;
  /** Original length on the wire; default the frame's length. May exceed the frame (a truncated capture). */
  origLen?: number;
}

/** Encodes headers and records; the sinks below decide where the bytes go. */
export class PcapEncoder {
  readonly linkType: number;
  readonly snaplen: number;
  readonly precision: 'us' | 'ns';

  constructor(o: PcapWriterOptions = {}) {
    this.linkType = o.linkType ?? LINKTYPE.ETHERNET;
    this.snaplen = o.snaplen ?? MAX_CAPLEN;
    this.precision = o.precision ?? 'us';
    if (!Number.isInteger(this.linkType) || this.linkType < 0 || this.linkType > 0xffff) throw new Error(`pcap writer: bad link type ${this.linkType}`);
    if (!Number.isInteger(this.snaplen) || this.snaplen < 1 || this.snaplen > 0x7fffffff) throw new Error(`pcap writer: bad snaplen ${this.snaplen}`);
  }

  fileHeader(): Buffer {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(this.precision === 'ns' ? PCAP_MAGIC_NS : PCAP_MAGIC_US, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    // thiszone and sigfigs are 0, as every writer since libpcap 1.x writes them.
    h.writeUInt32LE(this.snaplen, 16);
    h.writeUInt32LE(this.linkType, 20);
    return h;
  }

  /** The record header for `frame`, plus the (possibly cut) data to write after it. */
  record(frame: Uint8Array, meta: PacketMeta = {}): [Buffer, Uint8Array] {
    const ns = toNs(meta.ts ?? 0n);
    const sec = ns / 1_000_000_000n;
    if (sec > 0xffffffffn) throw new Error(`pcap writer: timestamp ${ns} ns is past 2106 and does not fit 32-bit seconds`);
    const frac = ns % 1_000_000_000n;
    const caplen = Math.min(frame.length, this.snaplen);
    const origLen = meta.origLen ?? frame.length;
    if (!Number.isInteger(origLen) || origLen < 0 || origLen > 0xffffffff) throw new Error(`pcap writer: bad origLen ${origLen}`);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Number(sec), 0);
    h.writeUInt32LE(Number(this.precision === 'ns' ? frac : frac / 1000n), 4);
    h.writeUInt32LE(caplen, 8);
    h.writeUInt32LE(origLen, 12);
    return [h, caplen === frame.length ? frame : frame.subarray(0, caplen)];
  }
}

export interface PcapInput extends PacketMeta {
  frame: Uint8Array;
}

/** A whole capture in memory. */
export function writePcapBuffer(packets: Iterable<PcapInput>, o: PcapWriterOptions = {}): Buffer {
  const enc = new PcapEncoder(o);
  const parts: Uint8Array[] = [enc.fileHeader()];
  for (const p of packets) parts.push(...enc.record(p.frame, p));
  return Buffer.concat(parts);
}

/**
 * Streams a capture to a file through a write buffer (synchronous writes: a writer used from a
 * CLI or test never interleaves with other I/O, and sync writes keep it simple and fast).
 */
export class PcapFileWriter {
  private readonly enc: PcapEncoder;
  private fd: number | undefined;
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  count = 0;

  constructor(readonly path: string, o: PcapWriterOptions = {}) {
    this.enc = new PcapEncoder(o);
    this.fd = openSync(path, 'w');
    this.append(this.enc.fileHeader());
  }

  write(frame: Uint8Array, meta: PacketMeta = {}): void {
    if (this.fd === undefined) throw new Error(`pcap writer: ${this.path} is closed`);
    const [h, data] = this.enc.record(frame, meta);
    this.append(h);
    this.append(data);
    this.count++;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private append(b: Uint8Array): void {
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      writeAll(this.fd!, b);
      return;
    }
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  private flush(): void {
    if (this.used > 0) writeAll(this.fd!, this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}
