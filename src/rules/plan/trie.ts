// The address trie: per family, the sorted intervals of address classes become a multibit trie
// over arrays — a 16-bit root (the first two bytes), then 8-bit nodes, and path-compressed runs
// (skips) where a node has one child that is not a single class and every other child is the same
// class. Entries: type << 30 | index (ClsEnt: leaf = address class, node, skip).
import { ClsEnt } from '../../abi/index.ts';

export interface Interval {
  lo: bigint;
  hi: bigint;
  cls: number;
}

export interface Skip {
  mask: Uint8Array;
  val: Uint8Array;
  next: number;
  miss: number;
  depth: number;
}

const LEAF = ClsEnt.leaf << 30;
const NODE = ClsEnt.node << 30;
const SKIP = ClsEnt.skip << 30;
const PARTIAL = 0xffffffff;

/** Entries of one level: leaves for the children one interval covers, PARTIAL for the others. */
interface Level {
  entries: Uint32Array;
  partial: number[];
}

export class TrieBuilder {
  /** 65536 entries per family: IPv4 in [0, 65536), IPv6 in [65536, 131072). */
  readonly root = new Uint32Array(131072);
  #nodes = new Uint32Array(256 * 64);
  nnode = 0;
  readonly skips: Skip[] = [];
  #iv: Interval[] = [];
  #T = 4;

  get nodes(): Uint32Array {
    return this.#nodes.subarray(0, this.nnode * 256);
  }

  /** Adds one family's intervals (sorted, covering the family's whole address range). */
  add(family: 4 | 6, intervals: Interval[]): void {
    this.#iv = intervals;
    this.#T = family === 4 ? 4 : 16;
    const lvl = this.#level(0n, 0, 2);
    const root = this.root.subarray(family === 4 ? 0 : 65536, family === 4 ? 65536 : 131072);
    root.set(lvl.entries);
    const cs = this.#span(2);
    for (const c of lvl.partial) root[c] = this.#entry(BigInt(c) * cs, 2);
  }

  /** Bytes [d, T) address span. */
  #span(d: number): bigint {
    return 1n << BigInt(8 * (this.#T - d));
  }

  /** First interval whose hi >= x. */
  #find(x: bigint): number {
    let a = 0;
    let b = this.#iv.length - 1;
    while (a < b) {
      const m = (a + b) >> 1;
      if (this.#iv[m].hi >= x) b = m;
      else a = m + 1;
    }
    return a;
  }

  /** The children of [lo, lo + span(d)) that consume `bits` / 8 more bytes (1, or 2 at the root). */
  #level(lo: bigint, d: number, bytes: number): Level {
    const n = 1 << (8 * bytes);
    const cs = this.#span(d + bytes);
    const end = lo + this.#span(d) - 1n;
    const entries = new Uint32Array(n).fill(PARTIAL);
    const partial = new Set<number>();
    for (let k = this.#find(lo); k < this.#iv.length && this.#iv[k].lo <= end; k++) {
      const iv = this.#iv[k];
      const s = iv.lo > lo ? iv.lo : lo;
      const e = iv.hi < end ? iv.hi : end;
      const first = Number((s - lo) / cs);
      const last = Number((e - lo) / cs);
      const fullFirst = (s - lo) % cs === 0n ? first : first + 1;
      const fullLast = (e - lo + 1n) % cs === 0n ? last : last - 1;
      if (fullFirst <= fullLast) entries.fill(LEAF | iv.cls, fullFirst, fullLast + 1);
      if (fullFirst !== first) partial.add(first);
      if (fullLast !== last) partial.add(last);
    }
    return { entries, partial: [...partial].sort((a, b) => a - b) };
  }

  /** The entry for [lo, lo + span(d)), known not to be one class. */
  #entry(lo: bigint, d: number): number {
    let lvl = this.#level(lo, d, 1);
    const miss = skippable(lvl);
    if (miss !== null && d < this.#T - 1) {
      // A run of levels with one non-uniform child each and the same class everywhere else.
      const mask = new Uint8Array(16);
      const val = new Uint8Array(16);
      let e = d;
      let clo = lo;
      for (;;) {
        const c = lvl.partial[0];
        mask[e] = 0xff;
        val[e] = c;
        clo += BigInt(c) * this.#span(e + 1);
        e++;
        if (e >= this.#T - 1) break;
        const nxt = this.#level(clo, e, 1);
        if (skippable(nxt) !== miss) break;
        lvl = nxt;
      }
      const k = this.skips.length;
      const skip: Skip = { mask, val, next: 0, miss, depth: e };
      this.skips.push(skip);
      skip.next = this.#entry(clo, e);
      return (SKIP | k) >>> 0;
    }
    const n = this.#newNode();
    const cs = this.#span(d + 1);
    for (const c of lvl.partial) lvl.entries[c] = this.#entry(lo + BigInt(c) * cs, d + 1);
    this.#nodes.set(lvl.entries, n * 256);
    return (NODE | n) >>> 0;
  }

  #newNode(): number {
    if ((this.nnode + 1) * 256 > this.#nodes.length) {
      const p = new Uint32Array(this.#nodes.length * 2);
      p.set(this.#nodes);
      this.#nodes = p;
    }
    return this.nnode++;
  }
}

/** The class every uniform child has, when exactly one child is not uniform; else null. */
function skippable(lvl: Level): number | null {
  if (lvl.partial.length !== 1) return null;
  let m = -1;
  const p = lvl.partial[0];
  for (let c = 0; c < 256; c++) {
    if (c === p) continue;
    const e = lvl.entries[c];
    if (m === -1) m = e;
    else if (e !== m) return null;
  }
  return (m & 0x3fffffff) >>> 0;
}

/** The class of `addr` by walking the built trie as BPF does (cls_addr_class): for tests. */
export function lookupTrie(t: TrieBuilder, family: 4 | 6, addr: bigint): number {
  const T = family === 4 ? 4 : 16;
  const byte = (i: number) => Number((addr >> BigInt(8 * (T - 1 - i))) & 0xffn);
  let e = t.root[(family === 6 ? 65536 : 0) + ((byte(0) << 8) | byte(1))];
  let depth = 2;
  const nodes = t.nodes;
  for (let i = 0; i < 16; i++) {
    const type = e >>> 30;
    const k = e & 0x3fffffff;
    if (type === ClsEnt.leaf) return k;
    if (type === ClsEnt.node) {
      e = nodes[k * 256 + byte(depth)];
      depth++;
    } else {
      const s = t.skips[k];
      let ok = true;
      for (let b = 0; b < T; b++) if ((byte(b) & s.mask[b]) !== s.val[b]) ok = false;
      if (!ok) return s.miss;
      e = s.next;
      depth = s.depth;
    }
  }
  throw new Error('trie walk did not end');
}
