// Reads a capture file as Ethernet frames. Classic pcap goes through the fast pure-TS reader;
// pcapng (and anything else libpcap reads, or everything with engine: 'libpcap') through
// node-pcap. Non-Ethernet link types are re-framed as Ethernet (see reframe.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { parseClassicHeader, type RawRecord, readClassicRecords } from './classic.ts';
import { PCAPNG_SHB } from './constants.ts';
import { PcapError } from './errors.ts';
import { readWithLibpcap } from './libpcap.ts';
import { type Reframer, reframerFor, unsupportedMessage } from './reframe.ts';

export interface PcapPacket {
  /** 1-based position in the file. */
  index: number;
  /** Capture time, nanoseconds since the epoch (µs precision through libpcap). */
  tsNs: bigint;
  /** Bytes captured and original length on the wire, as the file records them (before re-framing). */
  caplen: number;
  origLen: number;
  /** The file's link type (LINKTYPE_ number). */
  linkType: number;
  /** An Ethernet frame (or the raw link-layer bytes with reframe: false). */
  frame: Buffer<ArrayBuffer>;
}

export interface ReadOptions {
  /** 'auto' (default): fast reader for classic pcap, libpcap for the rest. */
  engine?: 'auto' | 'fast' | 'libpcap';
  /** Re-frame non-Ethernet link types as Ethernet (default true). */
  reframe?: boolean;
}

export interface PcapInfo {
  path: string;
  format: 'pcap' | 'pcapng' | 'other';
  /** Timestamp precision of the file (classic pcap only; libpcap delivers µs). */
  precision?: 'us' | 'ns';
  linkType: number;
  engine: 'fast' | 'libpcap';
}

export interface PcapSource extends Iterable<PcapPacket>, AsyncIterable<PcapPacket> {
  readonly info: PcapInfo;
}

function sniff(path: string): Buffer {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) { throw new PcapError('open', (e as Error).message, path, 0); }
  try {
    const b = Buffer.alloc(24);
    const n = readSync(fd, b, 0, 24, 0);
    return b.subarray(0, n);
  } catch (e) {
    throw new PcapError('open', (e as Error).message, path, 0);
  } finally {
    closeSync(fd);
  }
}

/** Opens a capture: reads its header (and, through libpcap, its packets) and checks the link type. */
export function openPcap(path: string, o: ReadOptions = {}): PcapSource {
  const head = sniff(path);
  const classic = parseClassicHeader(head);
  const format = classic ? 'pcap' : head.length >= 4 && head.readUInt32LE(0) === PCAPNG_SHB ? 'pcapng' : 'other';
  const engine = o.engine === 'libpcap' || (o.engine !== 'fast' && !classic) ? 'libpcap' : 'fast';
  if (engine === 'fast' && !classic) throw new PcapError('bad-header', `the fast reader takes classic pcap only, this is ${format}`, path, 0);
  const reframe = o.reframe ?? true;
  const checkLinkType = (lt: number, offset: number): Reframer | undefined => {
    if (!reframe) return undefined;
    const r = reframerFor(lt);
    if (!r) throw new PcapError('unsupported-linktype', unsupportedMessage(lt), path, offset);
    return r;
  };

  if (engine === 'fast') {
    if (head.length < 24) throw new PcapError('truncated', `file header needs 24 bytes, the file has ${head.length}`, path, 0);
    const lt = classic!.linkType;
    const rf = checkLinkType(lt, 20);
    const info: PcapInfo = { path, format, precision: classic!.nanos ? 'ns' : 'us', linkType: lt, engine };
    return source(info, () => readClassicRecords(path), rf);
  }

  const cap = readWithLibpcap(path);
  const rf = checkLinkType(cap.linkType, format === 'pcapng' && head.length >= 8 ? head.readUInt32LE(4) + 8 : classic ? 20 : 0);
  const info: PcapInfo = { path, format, linkType: cap.linkType, engine };
  if (classic) info.precision = 'us';
  return source(info, function* () {
    yield* cap.records;
    if (cap.error) throw cap.error;
  }, rf);
}

function source(info: PcapInfo, records: () => Iterator<RawRecord>, rf: Reframer | undefined): PcapSource {
  const lt = info.linkType;
  function* packets(): Generator<PcapPacket, void, undefined> {
    const it = records();
    for (let r = it.next(); !r.done; r = it.next()) {
      const rec = r.value;
      yield { index: rec.index, tsNs: rec.tsNs, caplen: rec.caplen, origLen: rec.origLen, linkType: lt, frame: rf ? rf(rec.data) : rec.data };
    }
  }
  return {
    info,
    [Symbol.iterator]: packets,
    async *[Symbol.asyncIterator]() {
      let n = 0;
      for (const p of packets()) {
        yield p;
        // Let I/O and timers run now and then on long files.
        if ((++n & 0xfff) === 0) await yieldToLoop();
      }
    },
  };
}

/** Synchronous iteration over a capture's packets. */
export function readPcapSync(path: string, o: ReadOptions = {}): Iterable<PcapPacket> {
  return openPcap(path, o);
}

/** Asynchronous iteration over a capture's packets (yields to the event loop every 4096 packets). */
export function readPcap(path: string, o: ReadOptions = {}): AsyncIterable<PcapPacket> {
  return openPcap(path, o);
}
