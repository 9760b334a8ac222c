// Address text <-> bytes: IPv4, IPv6 (RFC 4291 text forms in, RFC 5952 canonical form out) and MAC.
import { isIP } from 'node:net';

/** Parses an IPv4 or IPv6 address into 4 or 16 bytes. Throws on anything node:net does not accept. */
export function ipToBytes(text: string): Buffer {
  const v = isIP(text);
  if (v === 4) return ipv4ToBytes(text);
  if (v === 6) return ipv6ToBytes(text);
  throw new Error(`not an IP address: ${JSON.stringify(text)}`);
}

/** Formats 4 bytes as dotted quad, 16 bytes as canonical IPv6 text. */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) return formatIPv6(bytes);
  throw new Error(`an IP address is 4 or 16 bytes, not ${bytes.length}`);
}

export function ipVersion(text: string): 4 | 6 {
  const v = isIP(text);
  if (v === 0) throw new Error(`not an IP address: ${JSON.stringify(text)}`);
  return v as 4 | 6;
}

function ipv4ToBytes(text: string): Buffer {
  const parts = text.split('.');
  if (parts.length !== 4 || isIP(text) !== 4) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  return Buffer.from(parts.map((p) => Number(p)));
}

/**
 * Parses every RFC 4291 text form: full, `::`-compressed, and with an embedded dotted quad in the
 * last 32 bits. Zone ids (`%eth0`) are rejected: a packet carries no zone.
 */
export function ipv6ToBytes(text: string): Buffer {
  if (isIP(text) !== 6 || text.includes('%')) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
  let groups: number[] = [];
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
  const parseHalf = (half: string): number[] => {
    if (half === '') return [];
    const out: number[] = [];
    const items = half.split(':');
    items.forEach((item, i) => {
      if (item.includes('.')) {
        if (i !== items.length - 1) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
        const q = ipv4ToBytes(item);
        out.push((q[0] << 8) | q[1], (q[2] << 8) | q[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
        out.push(parseInt(item, 16));
      }
    });
    return out;
  };
  if (halves.length === 2) {
    const head = parseHalf(halves[0]);
    const tail = parseHalf(halves[1]);
    const zeros = 8 - head.length - tail.length;
    if (zeros < 1) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
    groups = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  } else {
    groups = parseHalf(text);
  }
  if (groups.length !== 8) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/**
 * RFC 5952 canonical text: lower-case hex without leading zeros, the longest run of two or more
 * zero groups (the first one on a tie) as `::`, and IPv4-mapped addresses (::ffff:0:0/96) in
 * mixed notation.
 */
export function formatIPv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error(`an IPv6 address is 16 bytes, not ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** `aa:bb:cc:dd:ee:ff` (or `-` separated) to 6 bytes; a Buffer of 6 bytes passes through. */
export function macToBytes(mac: string | Uint8Array): Buffer {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new Error(`a MAC address is 6 bytes, not ${mac.length}`);
    return Buffer.from(mac);
  }
  const m = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(mac);
  if (!m) throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  return Buffer.from(m.slice(1).map((h) => parseInt(h, 16)));
}

export function bytesToMac(bytes: Uint8Array): string {
  if (bytes.length !== 6) throw new Error(`a MAC address is 6 bytes, not ${bytes.length}`);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Accepts text or bytes of the given length (4 or 16) and returns bytes. */
export function ipBytes(addr: string | Uint8Array, len?: 4 | 16): Buffer {
  const b = typeof addr === 'string' ? ipToBytes(addr) : Buffer.from(addr);
  if (len !== undefined && b.length !== len) {
    throw new Error(`expected an IPv${len === 4 ? 4 : 6} address, got ${typeof addr === 'string' ? addr : `${b.length} bytes`}`);
  }
  return b;
}
