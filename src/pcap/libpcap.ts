// Reads any capture libpcap reads (pcapng above all) through node-pcap's native PcapSession.
//
// We drive node-pcap's binding directly instead of through createOfflineSession(), because that
// wrapper (pcap.js 3.1.0) drops dispatch()'s return code, so a truncated file looks complete; it
// copies packets into a 65535-byte buffer, cutting longer pcapng packets silently; and it never
// closes the libpcap handle. The binding is the same native object the wrapper uses.
//
// dispatch() reads the whole file in one synchronous call, invoking our callback per packet with
// the packet in one shared buffer, so each packet is copied out and the result held in memory.
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { MAX_CAPLEN } from './constants.ts';
import { PcapError } from './errors.ts';
import { locateFailure } from './locate.ts';
import type { RawRecord } from './classic.ts';

interface NativeSession {
  open_offline(path: string, filter: string, bufferSize: number, snaplen: number, outfile: string,
    onPacket: () => void, monitor: boolean, timeout: number, onWarning: (msg: string) => void, promisc: boolean): string;
  dispatch(buf: Buffer, header: Buffer): number;
  close(): void;
}

const require = createRequire(import.meta.url);
let binding: { PcapSession: new () => NativeSession; lib_version(): string } | undefined;
function native(): NonNullable<typeof binding> {
  binding ??= require('pcap/build/Release/pcap_binding.node') as NonNullable<typeof binding>;
  return binding;
}

export function libpcapVersion(): string {
  return native().lib_version();
}

/** Node-pcap's link-type strings back to numbers (libpcap's DLT_RAW on Linux is LINKTYPE_RAW 101). */
function linkTypeNumber(s: string): number {
  switch (s) {
    case 'LINKTYPE_NULL': return 0;
    case 'LINKTYPE_ETHERNET': return 1;
    case 'LINKTYPE_IEEE802_11_RADIO': return 127;
    case 'LINKTYPE_RAW': return 101;
    case 'LINKTYPE_LINUX_SLL': return 113;
  }
  const m = /^Unknown linktype (-?\d+)$/.exec(s);
  if (!m) throw new Error(`node-pcap returned an unexpected link type ${JSON.stringify(s)}`);
  return Number(m[1]);
}

export interface LibpcapCapture {
  linkType: number;
  records: RawRecord[];
  /** Set when libpcap stopped on a broken file after `records`. */
  error?: PcapError;
}

const LE = endianness() === 'LE';

export function readWithLibpcap(path: string): LibpcapCapture {
  const session = new (native().PcapSession)();
  const buf = Buffer.alloc(4 * MAX_CAPLEN);
  const header = Buffer.alloc(16);
  const records: RawRecord[] = [];
  let callbackError: unknown;
  const onPacket = (): void => {
    // An exception escaping this callback would abort the process (node-pcap calls FatalException).
    try {
      const sec = LE ? header.readUInt32LE(0) : header.readUInt32BE(0);
      const usec = LE ? header.readUInt32LE(4) : header.readUInt32BE(4);
      const caplen = LE ? header.readUInt32LE(8) : header.readUInt32BE(8);
      const origLen = LE ? header.readUInt32LE(12) : header.readUInt32BE(12);
      if (caplen > buf.length) throw new PcapError('bad-record', `caplen ${caplen} exceeds the ${buf.length}-byte packet buffer`, path, -1, records.length + 1);
      records.push({ index: records.length + 1, offset: -1, tsNs: BigInt(sec) * 1_000_000_000n + BigInt(usec * 1000), caplen, origLen, data: Buffer.from(buf.subarray(0, caplen)) });
    } catch (e) {
      callbackError ??= e;
    }
  };
  let lt: string;
  try {
    lt = session.open_offline(path, '', 0, MAX_CAPLEN, '', onPacket, false, 0, () => {}, false);
  } catch (e) {
    throw new PcapError('open', `libpcap cannot read it: ${(e as Error).message}`, path, 0);
  }
  const rc = session.dispatch(buf, header);
  // Close: breakloop, then one more dispatch returns -2 and node-pcap calls pcap_close().
  session.close();
  if (rc !== -2) session.dispatch(buf, header);
  if (callbackError) throw callbackError;
  const result: LibpcapCapture = { linkType: linkTypeNumber(lt), records };
  if (rc === -1) {
    const f = locateFailure(path, records.length);
    result.error = new PcapError('truncated', f.message, path, f.offset, records.length + 1);
  }
  return result;
}
