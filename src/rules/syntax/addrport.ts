// Syntax of header addresses and ports (and of variable values): any, literals, $VARS, nested
// [lists], `!` negation. Produces an AST with offsets relative to the parsed string; the caller
// shifts them into rule coordinates (or maps them onto the `$VAR` that brought the text in).
import { parseV4, parseV6, V4_MAX, V6_MAX } from '../net/ip.ts';
import type { Range } from '../net/ranges.ts';

export interface Pos {
  start: number;
  end: number;
}

export type AddrNode =
  | { kind: 'any'; at: Pos }
  | { kind: 'var'; name: string; at: Pos }
  | { kind: 'ip'; family: 4 | 6; range: Range; at: Pos }
  | { kind: 'not'; inner: AddrNode; at: Pos }
  | { kind: 'list'; items: AddrNode[]; at: Pos };

export type PortNode =
  | { kind: 'any'; at: Pos }
  | { kind: 'var'; name: string; at: Pos }
  | { kind: 'range'; lo: number; hi: number; at: Pos }
  | { kind: 'not'; inner: PortNode; at: Pos }
  | { kind: 'list'; items: PortNode[]; at: Pos };

export interface SyntaxError {
  message: string;
  at: Pos;
}

type Atom<N> = (text: string, at: Pos) => N | string;

interface Builders<N> {
  atom: Atom<N>;
  any(at: Pos): N;
  v(name: string, at: Pos): N;
  not(inner: N, at: Pos): N;
  list(items: N[], at: Pos): N;
}

/**
 * Recursive descent over `!`, `[ , ]` and atoms. A class rather than closures: under tsx every
 * named closure costs a defineProperty per call, and this runs for every header field.
 */
class TreeParser<N extends { at: Pos }> {
  readonly errors: SyntaxError[] = [];
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly b: Builders<N>,
  ) {}

  parse(): { node?: N; errors: SyntaxError[] } {
    const node = this.item();
    this.ws();
    const s = this.s;
    if (node && this.i < s.length) {
      this.errors.push({ message: `unexpected "${s.slice(this.i)}" after ${s.slice(0, this.i).trim() || 'value'}`, at: { start: this.i, end: s.length } });
      return { errors: this.errors };
    }
    return { node: this.errors.length ? undefined : node, errors: this.errors };
  }

  private ws(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\t')) this.i++;
  }

  private item(): N | undefined {
    const s = this.s;
    this.ws();
    const start = this.i;
    if (s[this.i] === '!') {
      this.i++;
      const inner = this.item();
      if (!inner) return undefined;
      return this.b.not(inner, { start, end: inner.at.end });
    }
    if (s[this.i] === '[') {
      this.i++;
      const items: N[] = [];
      for (;;) {
        this.ws();
        if (s[this.i] === ']') {
          if (items.length === 0) this.errors.push({ message: 'empty list "[]"', at: { start, end: this.i + 1 } });
          this.i++;
          break;
        }
        if (this.i >= s.length) {
          this.errors.push({ message: 'list is not closed: expected "]"', at: { start, end: start + 1 } });
          return undefined;
        }
        const it = this.item();
        if (!it) return undefined;
        items.push(it);
        this.ws();
        if (s[this.i] === ',') {
          this.i++;
          continue;
        }
        if (s[this.i] === ']' || this.i >= s.length) continue;
        this.errors.push({ message: `expected "," or "]" in list, found "${s[this.i]}"`, at: { start: this.i, end: this.i + 1 } });
        return undefined;
      }
      return this.b.list(items, { start, end: this.i });
    }
    while (this.i < s.length && s[this.i] !== ',' && s[this.i] !== ']' && s[this.i] !== '[' && s[this.i] !== ' ' && s[this.i] !== '\t') this.i++;
    const text = s.slice(start, this.i);
    const at = { start, end: this.i };
    if (text === '') {
      this.errors.push({ message: this.i < s.length ? `unexpected "${s[this.i]}"` : 'missing value', at: { start, end: Math.min(s.length, start + 1) } });
      return undefined;
    }
    if (text.toLowerCase() === 'any') return this.b.any(at);
    if (text.startsWith('$')) {
      const name = text.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        this.errors.push({ message: `bad variable name "${text}"`, at });
        return undefined;
      }
      return this.b.v(name, at);
    }
    const r = this.b.atom(text, at);
    if (typeof r === 'string') {
      this.errors.push({ message: r, at });
      return undefined;
    }
    return r;
  }
}

function cidrRange(base: bigint, prefix: number, bits: number): Range {
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const lo = base & ~host & ((1n << BigInt(bits)) - 1n);
  return [lo, lo | host];
}

function v4Mask(s: string): number | undefined {
  const m = parseV4(s);
  if (m === undefined) return undefined;
  const bits = m.toString(2).padStart(32, '0');
  if (!/^1*0*$/.test(bits)) return undefined;
  return bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
}

/** One IP literal: address, CIDR (`/len` or IPv4 `/netmask`), or `a-b` range. */
export function parseIpAtom(text: string): { family: 4 | 6; range: Range } | string {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const a = parseIpAtom(text.slice(0, dash));
    const b = parseIpAtom(text.slice(dash + 1));
    if (typeof a === 'string' || typeof b === 'string' || a.family !== b.family || a.range[0] !== a.range[1] || b.range[0] !== b.range[1]) {
      return `bad address range "${text}"`;
    }
    if (a.range[0] > b.range[0]) return `address range "${text}" runs backwards`;
    return { family: a.family, range: [a.range[0], b.range[0]] };
  }
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const pfx = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = parseV4(addr);
  if (v4 !== undefined) {
    if (pfx === undefined) return { family: 4, range: [v4, v4] };
    const len = /^\d{1,2}$/.test(pfx) ? Number(pfx) : v4Mask(pfx);
    if (len === undefined || len > 32) return `bad IPv4 prefix "/${pfx}"`;
    return { family: 4, range: cidrRange(v4, len, 32) };
  }
  const v6 = parseV6(addr);
  if (v6 !== undefined) {
    if (pfx === undefined) return { family: 6, range: [v6, v6] };
    if (!/^\d{1,3}$/.test(pfx) || Number(pfx) > 128) return `bad IPv6 prefix "/${pfx}"`;
    return { family: 6, range: cidrRange(v6, Number(pfx), 128) };
  }
  return `"${text}" is not an IP address, CIDR, "any" or $VARIABLE`;
}

const ADDR: Builders<AddrNode> = {
  atom(text, at) {
    const r = parseIpAtom(text);
    return typeof r === 'string' ? r : { kind: 'ip', family: r.family, range: r.range, at };
  },
  any: (at) => ({ kind: 'any', at }),
  v: (name, at) => ({ kind: 'var', name, at }),
  not: (inner, at) => ({ kind: 'not', inner, at }),
  list: (items, at) => ({ kind: 'list', items, at }),
};

/** Parse results are immutable and headers repeat ($HOME_NET, any), so they are memoized by text. */
const addrMemo = new Map<string, { node?: AddrNode; errors: SyntaxError[] }>();
const portMemo = new Map<string, { node?: PortNode; errors: SyntaxError[] }>();
const MEMO_MAX = 50_000;

export function parseAddress(s: string): { node?: AddrNode; errors: SyntaxError[] } {
  let r = addrMemo.get(s);
  if (!r) {
    r = new TreeParser(s, ADDR).parse();
    if (addrMemo.size >= MEMO_MAX) addrMemo.clear();
    addrMemo.set(s, r);
  }
  return r;
}

function portNumber(t: string): number | undefined {
  if (!/^\d{1,5}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 65535 ? n : undefined;
}

export function parsePortAtom(text: string): { lo: number; hi: number } | string {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const n = portNumber(text);
    return n === undefined ? `"${text}" is not a port (0-65535), range, "any" or $VARIABLE` : { lo: n, hi: n };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === '' ? 0 : portNumber(a);
  const hi = b === '' ? 65535 : portNumber(b);
  if (lo === undefined || hi === undefined || (a === '' && b === '')) return `bad port range "${text}"`;
  if (lo > hi) return `port range "${text}" runs backwards`;
  return { lo, hi };
}

const PORT: Builders<PortNode> = {
  atom(text, at) {
    const r = parsePortAtom(text);
    return typeof r === 'string' ? r : { kind: 'range', lo: r.lo, hi: r.hi, at };
  },
  any: (at) => ({ kind: 'any', at }),
  v: (name, at) => ({ kind: 'var', name, at }),
  not: (inner, at) => ({ kind: 'not', inner, at }),
  list: (items, at) => ({ kind: 'list', items, at }),
};

export function parsePort(s: string): { node?: PortNode; errors: SyntaxError[] } {
  let r = portMemo.get(s);
  if (!r) {
    r = new TreeParser(s, PORT).parse();
    if (portMemo.size >= MEMO_MAX) portMemo.clear();
    portMemo.set(s, r);
  }
  return r;
}

export const FAMILY_MAX = { 4: V4_MAX, 6: V6_MAX } as const;
