// Prefix text <-> bytes. Strict as inet_pton (no octal-looking leading zeros, no zone ids), host
// bits must be zero, and the hot loop of a 1M-line file allocates nothing: the parser writes into
// a caller's scratch and returns the family or a problem with its position.
import { formatIPv6 } from '../abi/index.ts';
import { AddrSetError, type AsetCode } from './errors.ts';

export type Family = 4 | 6;

/** One parsed prefix. `addr` is 4 or 16 bytes in network order, host bits zero. */
export interface Prefix {
  family: Family;
  addr: Buffer;
  len: number;
}

/** What is wrong with a prefix, `at`/`length` relative to the start of the text. */
export interface PrefixProblem {
  code: AsetCode;
  at: number;
  length: number;
  message: string;
  suggestion?: string;
}

/** Where parsePrefixAt leaves a successful parse: v4 as a number (a.b.c.d = a*2^24+...), v6 bytes. */
export class PrefixScratch {
  v4 = 0;
  readonly v6 = new Uint8Array(16);
  len = 0;
}

const groups = new Uint16Array(8);

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Dotted quad in s[i, end) -> 0..2^32-1, or -1. */
function parseV4(s: string, i: number, end: number): number {
  let v = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // "01": octal to some parsers, refused by inet_pton
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      v = v * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + octet;
}

/** RFC 4291 text in s[i, end) -> out (16 bytes); false when it is not one. */
function parseV6(s: string, i: number, end: number, out: Uint8Array): boolean {
  let n = 0;
  let gap = -1; // index in groups where "::" stands
  if (i < end && s.charCodeAt(i) === 58) {
    if (i + 1 >= end || s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    if (n >= 8) return false;
    let v = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      if (j - i >= 4) return false;
      v = v * 16 + h;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      // An embedded dotted quad: the last 32 bits.
      if (n > 6) return false;
      const q = parseV4(s, i, end);
      if (q < 0) return false;
      groups[n++] = Math.floor(q / 65536);
      groups[n++] = q % 65536;
      i = end;
      break;
    }
    if (j === i) return false;
    groups[n++] = v;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === end) return false; // a trailing single ':'
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const fill = 8 - n;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    const val = gap >= 0 && k >= gap && k < gap + fill ? 0 : groups[g++];
    out[2 * k] = val >> 8;
    out[2 * k + 1] = val & 0xff;
  }
  return true;
}

/** The prefix length in s[i, end), or -1. */
function parseLen(s: string, i: number, end: number, max: number): number {
  if (i >= end || end - i > 3) return -1;
  let v = 0;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v <= max ? v : -1;
}

/**
 * Parses the prefix `s[start, end)` ("192.0.2.0/24", "2001:db8::/32", or an address meaning a
 * full-length prefix) into `out`. Returns 4 or 6, or what is wrong and where.
 */
export function parsePrefixAt(s: string, start: number, end: number, out: PrefixScratch): Family | PrefixProblem {
  let slash = -1;
  let colon = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 47) {
      slash = i;
      break;
    }
    if (c === 58) colon = true;
  }
  const addrEnd = slash < 0 ? end : slash;
  const family: Family = colon ? 6 : 4;
  const max = colon ? 128 : 32;
  let len = max;
  if (slash >= 0) {
    len = parseLen(s, slash + 1, end, max);
    if (len < 0) {
      return {
        code: 'E_ASET_BAD_PREFIX_LEN',
        at: slash + 1 - start,
        length: Math.max(end - slash - 1, 1),
        message: `prefix length "${s.slice(slash + 1, end)}" is not a number from 0 to ${max}`,
      };
    }
  }
  out.len = len;
  if (family === 4) {
    const v = parseV4(s, start, addrEnd);
    if (v < 0) return badAddress(s, start, addrEnd, 4);
    const span = 2 ** (32 - len);
    const host = v % span;
    if (host !== 0) return hostBits(s, start, addrEnd, end, formatV4(v - host) + '/' + len);
    out.v4 = v;
    return 4;
  }
  if (!parseV6(s, start, addrEnd, out.v6)) return badAddress(s, start, addrEnd, 6);
  if (!maskV6(out.v6, len)) return hostBits(s, start, addrEnd, end, formatIPv6(out.v6) + '/' + len);
  return 6;
}

// Problems are built by top-level functions, not closures: under tsx every closure created per
// line costs a keepNames call.
function badAddress(s: string, start: number, addrEnd: number, family: Family): PrefixProblem {
  return {
    code: 'E_ASET_BAD_ADDRESS',
    at: 0,
    length: Math.max(addrEnd - start, 1),
    message: `"${s.slice(start, addrEnd)}" is not an IPv${family} address`,
  };
}

function hostBits(s: string, start: number, addrEnd: number, end: number, network: string): PrefixProblem {
  return {
    code: 'E_ASET_HOST_BITS',
    at: 0,
    length: end - start,
    message: `${s.slice(start, end)} has host bits set beyond /${s.slice(addrEnd + 1, end)}`,
    suggestion: network,
  };
}

/** Zeroes the bits of `b` past `len`; returns false when any was set. */
function maskV6(b: Uint8Array, len: number): boolean {
  let clean = true;
  for (let i = 0; i < 16; i++) {
    const keep = Math.min(Math.max(len - 8 * i, 0), 8);
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if (b[i] & ~mask & 0xff) clean = false;
    b[i] &= mask;
  }
  return clean;
}

export function formatV4(v: number): string {
  return `${Math.floor(v / 16777216)}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}`;
}

/** "a.b.c.d/len" or "v6::/len" from address bytes in network order. */
export function formatPrefix(family: Family, addr: Uint8Array, len: number): string {
  if (family === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}/${len}`;
  return `${formatIPv6(addr)}/${len}`;
}

/** Parses one prefix given as text (a command-line argument); throws AddrSetError. */
export function parsePrefix(text: string): Prefix {
  const scratch = new PrefixScratch();
  const t = text.trim();
  const r = parsePrefixAt(t, 0, t.length, scratch);
  if (typeof r !== 'number') {
    throw new AddrSetError(r.code, r.message + (r.suggestion ? ` (did you mean ${r.suggestion}?)` : ''));
  }
  if (r === 4) {
    const addr = Buffer.alloc(4);
    addr.writeUInt32BE(scratch.v4);
    return { family: 4, addr, len: scratch.len };
  }
  return { family: 6, addr: Buffer.from(scratch.v6), len: scratch.len };
}
