// Addresses as numbers (bigint) for the lockout check's region arithmetic, and back to text.
import { formatPrefix, parsePrefix } from '../addrset/index.ts';
import { parseAddr } from '../rules/reference/index.ts';
import { bytesToIp } from '../packets/index.ts';

export type Fam = 4 | 6;

export interface Range {
  lo: bigint;
  hi: bigint;
}

export const bits = (fam: Fam): number => (fam === 4 ? 32 : 128);

export function familyOf(text: string): Fam {
  return text.includes(':') ? 6 : 4;
}

export function addrToBig(text: string): bigint {
  return parseAddr(text);
}

export function bigToAddr(v: bigint, fam: Fam): string {
  const n = fam === 4 ? 4 : 16;
  const b = Buffer.alloc(n);
  for (let i = n - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return bytesToIp(b);
}

/** A prefix ("198.18.0.0/24", "2001:2::10", host bits zero) as canonical text and its range. */
export function prefixRange(text: string): { fam: Fam; text: string; range: Range } {
  const p = parsePrefix(text);
  const canon = formatPrefix(p.family, p.addr, p.len);
  const lo = addrToBig(canon.slice(0, canon.lastIndexOf('/')));
  const size = 1n << BigInt(bits(p.family) - p.len);
  return { fam: p.family, text: canon, range: { lo, hi: lo + size - 1n } };
}

export function cidrRange(addr: string, prefix: number, fam: Fam): Range {
  const size = 1n << BigInt(bits(fam) - prefix);
  const base = addrToBig(addr);
  const lo = (base / size) * size;
  return { lo, hi: lo + size - 1n };
}

/** "198.18.3.0/24" when the range is one CIDR block, else "198.18.3.0 - 198.18.3.9", or an address. */
export function describeRange(r: Range, fam: Fam): string {
  if (r.lo === r.hi) return bigToAddr(r.lo, fam);
  const size = r.hi - r.lo + 1n;
  if ((size & (size - 1n)) === 0n && r.lo % size === 0n) {
    let len = bits(fam);
    for (let s = size; s > 1n; s >>= 1n) len--;
    return `${bigToAddr(r.lo, fam)}/${len}`;
  }
  return `${bigToAddr(r.lo, fam)} - ${bigToAddr(r.hi, fam)}`;
}
