// Finds where a file libpcap failed on is broken: libpcap's read errors reach us only as a
// return code, so the offset comes from walking the file's own structure.
import { readFileSync } from 'node:fs';
import { parseClassicHeader } from './classic.ts';
import { PCAPNG_SHB } from './constants.ts';

export interface Failure {
  offset: number;
  message: string;
}

/** The first structural break of a pcapng file, or the packet block after the last one read. */
export function locatePcapngFailure(file: Buffer, packetsRead: number): Failure {
  let le = true;
  let off = 0;
  let packets = 0;
  while (off < file.length) {
    if (file.length - off < 12) return { offset: off, message: `truncated block header: ${file.length - off} bytes left, a block needs at least 12` };
    const raw = file.readUInt32LE(off);
    if (raw === PCAPNG_SHB) {
      if (file.length - off < 12) return { offset: off, message: 'truncated section header block' };
      const bom = file.readUInt32LE(off + 8);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else return { offset: off, message: `bad byte-order magic 0x${bom.toString(16)} in section header block` };
    }
    const type = le ? raw : file.readUInt32BE(off);
    const len = le ? file.readUInt32LE(off + 4) : file.readUInt32BE(off + 4);
    if (len < 12 || len % 4 !== 0) return { offset: off, message: `bad block total length ${len} (block type 0x${type.toString(16)})` };
    if (off + len > file.length) return { offset: off, message: `block of ${len} bytes (type 0x${type.toString(16)}) runs ${off + len - file.length} bytes past the end of the file` };
    const trailer = le ? file.readUInt32LE(off + len - 4) : file.readUInt32BE(off + len - 4);
    if (trailer !== len) return { offset: off, message: `block total length ${len} does not match its trailing copy ${trailer}` };
    if (type === 6 || type === 3 || type === 2) {
      packets++;
      if (packets > packetsRead) return { offset: off, message: `libpcap rejected packet block ${packets} (type 0x${type.toString(16)})` };
    }
    off += len;
  }
  return { offset: off, message: `libpcap reported a read error after ${packetsRead} packets` };
}

/** The classic pcap record after the last one read, or the first broken one. */
export function locateClassicFailure(file: Buffer, packetsRead: number): Failure {
  const h = parseClassicHeader(file);
  if (!h || file.length < 24) return { offset: 0, message: 'bad or truncated file header' };
  const u32 = (o: number): number => (h.littleEndian ? file.readUInt32LE(o) : file.readUInt32BE(o));
  let off = 24;
  for (let n = 1; off < file.length; n++) {
    if (file.length - off < 16) return { offset: off, message: `truncated record header: ${file.length - off} bytes left, 16 needed` };
    const caplen = u32(off + 8);
    if (off + 16 + caplen > file.length) return { offset: off, message: `record of ${caplen} captured bytes runs past the end of the file` };
    if (n > packetsRead) return { offset: off, message: `libpcap rejected record ${n} (caplen ${caplen})` };
    off += 16 + caplen;
  }
  return { offset: off, message: `libpcap reported a read error after ${packetsRead} packets` };
}

export function locateFailure(path: string, packetsRead: number): Failure {
  const file = readFileSync(path);
  return parseClassicHeader(file) ? locateClassicFailure(file, packetsRead) : locatePcapngFailure(file, packetsRead);
}
