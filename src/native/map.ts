// BpfMap: a handle on one BPF map (its own fd). Keys and values are Buffers of the map's exact sizes;
// per-CPU maps take and return valueBufferSize = roundup(valueSize, 8) * possible CPUs bytes.
import { addon, C, type RawMap, type RawMapInfo } from './addon.ts';
import { parseOptions, u32 } from './options.ts';
import { z } from 'zod';

export type UpdateFlag = 'any' | 'noexist' | 'exist' | number;

export interface MapInfo {
  name: string;
  type: number;
  /** libbpf's name for the type, e.g. "hash", "percpu_array", "lpm_trie". */
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  id: number;
}

export interface BatchResult {
  /** Elements written to keys/values by this call. */
  count: number;
  /** True when the map has no more elements after these. */
  done: boolean;
  /** Pass back as `cursor` to continue. */
  cursor: Buffer;
}

const PER_CPU_TYPES = new Set(['percpu_hash', 'percpu_array', 'lru_percpu_hash', 'percpu_cgroup_storage']);

export function updateFlags(flag: UpdateFlag | undefined): number {
  switch (flag) {
    case undefined:
    case 'any':
      return C.BPF_ANY;
    case 'noexist':
      return C.BPF_NOEXIST;
    case 'exist':
      return C.BPF_EXIST;
    default:
      if (typeof flag === 'number' && Number.isInteger(flag) && flag >= 0) return flag;
      throw new TypeError(`update flag must be 'any', 'noexist', 'exist' or a flags number, got ${String(flag)}`);
  }
}

const buffer = z.custom<Buffer>((v) => Buffer.isBuffer(v), 'expected a Buffer');
const batchLookupSchema = z.strictObject({
  keys: buffer,
  values: buffer,
  count: u32,
  cursor: buffer.nullable().optional(),
  elemFlags: u32.optional(),
});
export type BatchLookupOptions = z.infer<typeof batchLookupSchema>;

/** Internal: the raw handle behind a BpfMap (for RingBuffer). */
export const kRaw: unique symbol = Symbol('fwctl.native.raw');

export class BpfMap {
  readonly info: MapInfo;
  /** Bytes of one value as the syscalls see it (per-CPU maps: one slot per possible CPU). */
  readonly valueBufferSize: number;
  readonly perCpu: boolean;
  /** @internal */
  readonly [kRaw]: RawMap;
  #closed = false;

  /** @internal Use BpfObject.map(), BpfMap.fromPinned() or BpfMap.fromId(). */
  constructor(raw: RawMap) {
    this[kRaw] = raw;
    const i: RawMapInfo = raw.info();
    this.info = {
      name: i.name,
      type: i.type,
      typeName: i.typeName,
      keySize: i.keySize,
      valueSize: i.valueSize,
      maxEntries: i.maxEntries,
      flags: i.flags,
      id: i.id,
    };
    this.valueBufferSize = i.valueBufferSize;
    this.perCpu = PER_CPU_TYPES.has(i.typeName);
  }

  /** Opens a map pinned on bpffs (bpf_obj_get). */
  static fromPinned(path: string): BpfMap {
    return new BpfMap(addon.openPinnedMap(path));
  }

  /** Opens a map by its kernel id (bpf_map_get_fd_by_id). */
  static fromId(id: number): BpfMap {
    return new BpfMap(addon.mapFromId(id));
  }

  /** Removes a pin (unlink); the map lives on while other fds or pins hold it. */
  static unpin(path: string): void {
    addon.unpin(path);
  }

  get name(): string {
    return this.info.name;
  }
  get fd(): number {
    return this[kRaw].fd();
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** The value, or null when the key is absent. `out` (>= valueBufferSize bytes) is filled and returned when given. */
  lookup(key: Buffer, out?: Buffer): Buffer | null {
    return this[kRaw].lookup(key, out);
  }

  /** Per-CPU maps: one valueSize Buffer per possible CPU (views into one allocation), or null. */
  lookupPerCpu(key: Buffer): Buffer[] | null {
    if (!this.perCpu) throw new TypeError(`map ${this.name} (${this.info.typeName}) is not per-CPU`);
    const all = this[kRaw].lookup(key, null);
    return all ? splitPerCpu(all, this.info.valueSize) : null;
  }

  lookupAndDelete(key: Buffer, out?: Buffer): Buffer | null {
    return this[kRaw].lookupAndDelete(key, out);
  }

  update(key: Buffer, value: Buffer, flags?: UpdateFlag): void {
    this[kRaw].update(key, value, updateFlags(flags));
  }

  /** True when the key was deleted, false when it was absent. */
  delete(key: Buffer): boolean {
    return this[kRaw].delete(key);
  }

  /** The key after `key` (the first key for null), or null after the last. */
  nextKey(key: Buffer | null, out?: Buffer): Buffer | null {
    return this[kRaw].nextKey(key, out);
  }

  *keys(): Generator<Buffer> {
    let k = this.nextKey(null);
    while (k) {
      yield k;
      k = this.nextKey(k);
    }
  }

  /** [key, value] pairs; a key deleted between nextKey and lookup is skipped. */
  *entries(): Generator<[Buffer, Buffer]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) yield [k, v];
    }
  }

  /**
   * One BPF_MAP_LOOKUP_BATCH call: fills up to `count` keys/values (concatenated) after `cursor`.
   * Throws BpfError (op "bpf_map_lookup_batch") where the map type has no batch support.
   */
  lookupBatch(opts: BatchLookupOptions): BatchResult {
    return this.#batch(opts, false);
  }

  lookupAndDeleteBatch(opts: BatchLookupOptions): BatchResult {
    return this.#batch(opts, true);
  }

  /** Every entry via batch lookups of `chunk` elements: [keys, values, count] per chunk. */
  *batches(chunk = 256): Generator<{ keys: Buffer; values: Buffer; count: number }> {
    let cursor: Buffer | null = null;
    for (;;) {
      const keys = Buffer.alloc(chunk * this.info.keySize);
      const values = Buffer.alloc(chunk * this.valueBufferSize);
      const r: BatchResult = this.lookupBatch({ keys, values, count: chunk, cursor });
      if (r.count > 0) yield { keys, values, count: r.count };
      if (r.done) return;
      cursor = r.cursor;
    }
  }

  /** BPF_MAP_UPDATE_BATCH: `count` (default: all in `keys`) concatenated keys and values. */
  updateBatch(keys: Buffer, values: Buffer, count?: number, flags?: UpdateFlag): number {
    const n = count ?? keys.length / Math.max(this.info.keySize, 1);
    return this[kRaw].updateBatch(keys, values, n, updateFlags(flags));
  }

  /** BPF_MAP_DELETE_BATCH. */
  deleteBatch(keys: Buffer, count?: number): number {
    const n = count ?? keys.length / Math.max(this.info.keySize, 1);
    return this[kRaw].deleteBatch(keys, n);
  }

  /** Makes the map read-only for syscalls (BPF programs can still write it). */
  freeze(): void {
    this[kRaw].freeze();
  }

  pin(path: string): void {
    this[kRaw].pin(path);
  }

  unpin(path: string): void {
    addon.unpin(path);
  }

  /** Closes this handle's fd. Idempotent. The map itself lives while pinned or used by a program. */
  close(): void {
    this.#closed = true;
    this[kRaw].close();
  }

  #batch(o: BatchLookupOptions, andDelete: boolean): BatchResult {
    const opts = parseOptions(batchLookupSchema, o, andDelete ? 'lookupAndDeleteBatch' : 'lookupBatch');
    const cursor = Buffer.alloc(Math.max(this.info.keySize, 8));
    const raw = this[kRaw];
    const args = [opts.cursor ?? null, cursor, opts.keys, opts.values, opts.count, opts.elemFlags ?? 0] as const;
    const r = andDelete ? raw.lookupAndDeleteBatch(...args) : raw.lookupBatch(...args);
    return { count: r.count, done: r.done, cursor };
  }
}

/** Splits a per-CPU value buffer into one valueSize view per CPU (slots are 8-byte aligned). */
export function splitPerCpu(buf: Buffer, valueSize: number): Buffer[] {
  const stride = (valueSize + 7) & ~7;
  const out: Buffer[] = [];
  for (let off = 0; off + stride <= buf.length; off += stride) out.push(buf.subarray(off, off + valueSize));
  return out;
}

/** Builds a per-CPU value buffer: `values[i]` (valueSize bytes) in CPU i's slot, zero elsewhere. */
export function joinPerCpu(values: readonly Buffer[], valueSize: number, cpus: number): Buffer {
  const stride = (valueSize + 7) & ~7;
  if (values.length > cpus) throw new RangeError(`${values.length} values for ${cpus} CPUs`);
  const out = Buffer.alloc(stride * cpus);
  values.forEach((v, i) => {
    if (v.length !== valueSize) throw new RangeError(`value ${i} is ${v.length} bytes, expected ${valueSize}`);
    v.copy(out, i * stride);
  });
  return out;
}
