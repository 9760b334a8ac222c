// Equivalence classes by an interval sweep: a field's domain is cut at every end of every rule's
// ranges; each piece's set of accepting rule slots (a bitmap) is interned into a class id. The
// bitmap's hash is kept incrementally (Zobrist: each slot has a random word, a toggle XORs it),
// so a piece costs O(1) until a hash hit compares bitmaps.

/** Interned bitmaps over `bits` slots, `w` u32 words each. */
export class ClassTable {
  readonly w: number;
  n = 0;
  #pool: Uint32Array;
  readonly #byHash = new Map<number, number | number[]>();

  constructor(bits: number) {
    this.w = Math.max(1, Math.ceil(bits / 32));
    this.#pool = new Uint32Array(this.w * 64);
  }

  row(id: number): Uint32Array {
    return this.#pool.subarray(id * this.w, (id + 1) * this.w);
  }

  /** The id of `bm` (its first w words from `at`), interning it when new. `h` is its hash. */
  intern(bm: Uint32Array, at: number, h: number): number {
    const hit = this.#byHash.get(h);
    if (hit !== undefined) {
      for (const id of typeof hit === 'number' ? [hit] : hit) if (this.#equal(id, bm, at)) return id;
    }
    const id = this.n++;
    if ((id + 1) * this.w > this.#pool.length) {
      const p = new Uint32Array(this.#pool.length * 2);
      p.set(this.#pool);
      this.#pool = p;
    }
    this.#pool.set(bm.subarray(at, at + this.w), id * this.w);
    if (hit === undefined) this.#byHash.set(h, id);
    else if (typeof hit === 'number') this.#byHash.set(h, [hit, id]);
    else hit.push(id);
    return id;
  }

  #equal(id: number, bm: Uint32Array, at: number): boolean {
    const base = id * this.w;
    for (let i = 0; i < this.w; i++) if (this.#pool[base + i] !== bm[at + i]) return false;
    return true;
  }
}

/** Deterministic per-slot random words (splitmix32), so plans are reproducible. */
export function zobrist(n: number): Int32Array {
  const z = new Int32Array(n);
  let s = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    z[i] = t ^ (t >>> 16);
  }
  return z;
}

/** A sweep event: bit `set` enters (+1) or leaves (-1) the membership at `pos`. */
export interface Event<T> {
  pos: T;
  set: number;
  d: 1 | -1;
}

/**
 * Cuts [0, max] at every event and calls emit(lo, hi, bm, h0, h1) for each piece, with the
 * membership bitmap (`nbits` bits) current and its hashes: h0 over the bits below `split`, h1 over
 * the rest (the address sweep interns the source and destination halves apart). Adjacent pieces
 * may have equal bitmaps.
 */
export function sweep<T extends number | bigint>(events: Array<Event<T>>, max: T, nbits: number, z: Int32Array,
  one: T, emit: (lo: T, hi: T, bm: Uint32Array, h0: number, h1: number) => void, split = nbits): void {
  events.sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0));
  const bm = new Uint32Array(Math.max(1, Math.ceil(nbits / 32)));
  const cnt = new Int32Array(nbits);
  let h0 = 0;
  let h1 = 0;
  let cur = (typeof max === 'bigint' ? 0n : 0) as T;
  let i = 0;
  const sub = (x: T): T => ((x as number) - (one as number)) as T;
  for (;;) {
    if (i < events.length && events[i].pos > cur) {
      const next = events[i].pos;
      emit(cur, sub(next), bm, h0, h1);
      cur = next;
    }
    if (i >= events.length) {
      emit(cur, max, bm, h0, h1);
      return;
    }
    for (; i < events.length && events[i].pos === cur; i++) {
      const s = events[i].set;
      const before = cnt[s] > 0;
      cnt[s] += events[i].d;
      if (before !== cnt[s] > 0) {
        bm[s >>> 5] ^= 1 << (s & 31);
        if (s < split) h0 ^= z[s];
        else h1 ^= z[s];
      }
    }
  }
}

/** Events for `set` covering each of `ranges` inside [0, max]. */
export function rangeEvents<T extends number | bigint>(out: Array<Event<T>>, set: number, ranges: ReadonlyArray<readonly [T, T]>, max: T, one: T): void {
  for (const [lo, hi] of ranges) {
    out.push({ pos: lo, set, d: 1 });
    if (hi < max) out.push({ pos: ((hi as number) + (one as number)) as T, set, d: -1 });
  }
}

/**
 * The same sweep over a number domain [0, max] (max < 2^32, sets < 2^19) with the events packed
 * into one float each: ((pos * 2^19 + set) * 2 + enter). A typed-array sort, no objects.
 */
export class NumEvents {
  #a = new Float64Array(1024);
  n = 0;

  push(pos: number, set: number, enter: boolean): void {
    if (this.n === this.#a.length) {
      const b = new Float64Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.n++] = (pos * 524288 + set) * 2 + (enter ? 1 : 0);
  }

  /** Events for `set` covering each of `ranges` inside [0, max]. */
  ranges(set: number, ranges: ReadonlyArray<readonly [number, number]>, max: number): void {
    for (const [lo, hi] of ranges) {
      this.push(lo, set, true);
      if (hi < max) this.push(hi + 1, set, false);
    }
  }

  sweep(max: number, nbits: number, z: Int32Array, emit: (lo: number, hi: number, bm: Uint32Array, h0: number, h1: number) => void,
    split = nbits): void {
    const ev = this.#a.subarray(0, this.n).sort();
    const bm = new Uint32Array(Math.max(1, Math.ceil(nbits / 32)));
    const cnt = new Int32Array(nbits);
    let h0 = 0;
    let h1 = 0;
    let cur = 0;
    let i = 0;
    for (;;) {
      const next = i < ev.length ? Math.floor(ev[i] / 1048576) : -1;
      if (i < ev.length && next > cur) {
        emit(cur, next - 1, bm, h0, h1);
        cur = next;
      }
      if (i >= ev.length) {
        emit(cur, max, bm, h0, h1);
        return;
      }
      for (; i < ev.length && Math.floor(ev[i] / 1048576) === cur; i++) {
        const k = ev[i] % 1048576;
        const s = k >>> 1;
        const before = cnt[s] > 0;
        cnt[s] += k & 1 ? 1 : -1;
        if (before !== cnt[s] > 0) {
          bm[s >>> 5] ^= 1 << (s & 31);
          if (s < split) h0 ^= z[s];
          else h1 ^= z[s];
        }
      }
    }
  }
}
