// One function per condition a rule header can state, each as Suricata evaluates it. No
// precomputation beyond turning CIDR text into numbers once per address set.
import type { AddressSet, FragbitsMatch, PortSet, TcpFlagsMatch, UintMatch } from '../ir.ts';

/** Suricata's unsigned comparisons (rust/src/detect/uint.rs detect_match_uint). */
export function uintMatches(m: UintMatch, v: number): boolean {
  const { a, b = 0 } = m;
  switch (m.mode) {
    case 'eq': return v === a;
    case 'ne': return v !== a;
    case 'lt': return v < a;
    case 'lte': return v <= a;
    case 'gt': return v > a;
    case 'gte': return v >= a;
    case 'range': return v > a && v < b;
    case 'notrange': return v <= a || v >= b;
    case 'mask': return (v & a) === b;
    case 'notmask': return (v & a) !== b;
  }
}

/**
 * TCP flags, as Suricata 7's FlagsMatch (src/detect-tcp-flags.c). `ignore` bits are cleared from
 * the packet's flags first. exact: equal; all (+): every flag set; any (*): at least one set;
 * not (!): NOT ALL of them set (for one flag: it is clear). A rule of no flags (`0`) never matches
 * a packet with flags, except in `!` mode.
 */
export function tcpFlagsMatch(m: TcpFlagsMatch, pflags: number): boolean {
  if (m.flags === 0 && pflags !== 0) return m.mode === 'not';
  const f = pflags & ~m.ignore & 0xff;
  switch (m.mode) {
    case 'any': return (f & m.flags) !== 0;
    case 'all': return (f & m.flags) === m.flags;
    case 'not': return (f & m.flags) !== m.flags;
    case 'exact': return f === m.flags;
  }
}

/**
 * IPv4 fragment bits (R 0x8000, D 0x4000, M 0x2000), as Suricata 7's FragBitsMatch
 * (src/detect-fragbits.c): exact: equal; + : these set AND at least one other bit set; * : any of
 * these; ! : not all of these.
 */
export function fragbitsMatch(m: FragbitsMatch, pbits: number): boolean {
  switch (m.mode) {
    case 'any': return (pbits & m.bits) !== 0;
    case 'all': return (pbits & m.bits) === m.bits && (pbits & ~m.bits) !== 0;
    case 'not': return (pbits & m.bits) !== m.bits;
    case 'exact': return pbits === m.bits;
  }
}

/** IPv4 option type codes of Suricata's ipopts names (lsrre is LSRR, as in Suricata). */
export const IPOPT_CODES: Readonly<Record<string, number>> = {
  eol: 0, nop: 1, rr: 7, ts: 68, sec: 130, lsrr: 131, lsrre: 131, esec: 133, satid: 136, ssrr: 137,
};

export function portInSet(s: PortSet, port: number): boolean {
  if (s.any) return true;
  for (const [lo, hi] of s.ranges) if (port >= lo && port <= hi) return true;
  return false;
}

interface Ranges {
  v4: Array<[bigint, bigint]>;
  v6: Array<[bigint, bigint]>;
}

const rangeCache = new WeakMap<AddressSet, Ranges>();

function ranges(s: AddressSet): Ranges {
  let r = rangeCache.get(s);
  if (!r) {
    const conv = (bits: number) => (c: { addr: string; prefix: number }): [bigint, bigint] => {
      const base = parseAddr(c.addr);
      const size = 1n << BigInt(bits - c.prefix);
      const lo = (base / size) * size;
      return [lo, lo + size - 1n];
    };
    r = { v4: s.v4.map(conv(32)), v6: s.v6.map(conv(128)) };
    rangeCache.set(s, r);
  }
  return r;
}

export function addrInSet(s: AddressSet, family: 4 | 6, addr: bigint): boolean {
  if (s.any) return true;
  const r = ranges(s);
  for (const [lo, hi] of family === 4 ? r.v4 : r.v6) if (addr >= lo && addr <= hi) return true;
  return false;
}

/** IPv4 dotted quad or IPv6 text (with `::` and an optional dotted tail) as a number. */
export function parseAddr(text: string): bigint {
  if (!text.includes(':')) return parseDotted(text);
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = Number(parseDotted(text.slice(lastColon + 1)));
    tail = [v4 >>> 16, v4 & 0xffff];
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsOf = (t: string) => (t === '' ? [] : t.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  const dbl = head.indexOf('::');
  if (dbl >= 0) {
    const a = groupsOf(head.slice(0, dbl));
    const b = groupsOf(head.slice(dbl + 2));
    groups = [...a, ...new Array<number>(8 - a.length - b.length - tail.length).fill(0), ...b, ...tail];
  } else groups = [...groupsOf(head), ...tail];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`not an IPv6 address: ${text}`);
  return groups.reduce((v, g) => (v << 16n) | BigInt(g), 0n);
}

function parseDotted(text: string): bigint {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(Number.isInteger(p) && p >= 0 && p <= 255))) throw new Error(`not an IPv4 address: ${text}`);
  return BigInt(((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0);
}
