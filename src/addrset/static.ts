// The static allow and deny sets: replace (load, flush), list, count.
//
// A replace never shows a packet a half-loaded list: each set has two generations (LPM tries _a
// and _b) and fw_aset4/fw_aset6 point at the live one. The new list is written into the other,
// idle generation; one slot update then flips it live. The kernel returns from that update only
// after every running XDP program has finished (map-in-map updates wait for an RCU grace period),
// so afterwards nothing reads the old generation and it is cleared. Until the flip packets see the
// whole old list, after it the whole new one: a prefix in both lists is never missing, and no
// prefix of the new list is enforced before all of them are.
import { type DatapathHandle } from '../datapath/index.ts';
import { AsetKind, FW_LPM_V4, FW_LPM_V6 } from '../abi/index.ts';
import type { BpfMap } from '../native/index.ts';
import { AddrSetError } from './errors.ts';
import type { PrefixList } from './file.ts';
import { withSetLock, type LockOptions } from './lock.ts';
import { AsetMaps, type Generation, type StaticKind, u32, withMaps } from './maps.ts';
import { type Family, formatPrefix } from './prefix.ts';

/** Elements per BPF_MAP_UPDATE_BATCH / DELETE_BATCH call. */
const BATCH = 65536;

export interface FamilyReport {
  /** Entries now live. */
  entries: number;
  /** The generation now live. */
  generation: Generation;
  /** Entries of the previous generation cleared after the flip. */
  cleared: number;
}

export interface ReplaceReport {
  set: StaticKind;
  v4: FamilyReport;
  v6: FamilyReport;
  /** Writing the new generation (batch updates), both families. */
  fillMs: number;
  /** The index flips (each waits for running programs). */
  flipMs: number;
  /** Clearing the old generation. */
  clearMs: number;
}

export interface SetCount {
  set: StaticKind;
  v4: number;
  v6: number;
  generation: { v4: Generation; v6: Generation };
}

const FAMILIES: readonly Family[] = [4, 6];

/** Which generation fw_aset4/6 points at for `kind`. */
export function liveGeneration(m: AsetMaps, kind: StaticKind, family: Family): Generation {
  const v = m.outer(family).lookup(u32(AsetKind[kind]));
  const id = v?.readUInt32LE(0) ?? 0;
  if (id === m.generation(kind, family, 'a').info.id) return 'a';
  if (id === m.generation(kind, family, 'b').info.id) return 'b';
  throw new AddrSetError('E_ASET_STATE', `the ${kind} IPv${family} slot points at map id ${id}, neither of its generations`);
}

const other = (g: Generation): Generation => (g === 'a' ? 'b' : 'a');

/** Deletes every entry of a map; returns how many. */
export function clearMap(map: BpfMap): number {
  let removed = 0;
  for (;;) {
    // Collect a chunk of keys, delete them, start over: deleting while a batch cursor is open
    // would make the cursor's key vanish under it.
    const keys = Buffer.alloc(BATCH * map.info.keySize);
    const values = Buffer.alloc(BATCH * map.valueBufferSize);
    const r = map.lookupBatch({ keys, values, count: BATCH, cursor: null });
    if (r.count > 0) removed += map.deleteBatch(keys, r.count);
    if (r.done || r.count === 0) return removed;
  }
}

function fill(map: BpfMap, keys: Buffer, count: number): void {
  const ks = map.info.keySize;
  const values = Buffer.alloc(Math.min(count, BATCH) * map.valueBufferSize);
  for (let at = 0; at < count; at += BATCH) {
    const n = Math.min(BATCH, count - at);
    map.updateBatch(keys.subarray(at * ks, (at + n) * ks), values.subarray(0, n * map.valueBufferSize), n);
  }
}

function flip(m: AsetMaps, kind: StaticKind, family: Family, gen: Generation): void {
  const fd = u32(m.generation(kind, family, gen).fd);
  m.outer(family).update(u32(AsetKind[kind]), fd);
}

/**
 * Replaces the static set `kind` with `list`, atomically per family (see the top of this file).
 * On any failure before the flips the live set is untouched and the idle generation cleared.
 */
export function setReplace(dp: DatapathHandle, kind: StaticKind, list: PrefixList, opts: ReplaceOptions = {}): ReplaceReport {
  return withMaps(dp, (m) => withSetLock(m.lock, kind, () => replaceLocked(m, kind, list, opts.onStep ?? noStep), opts));
}

/** The steps of a replace, in order, for observers (tests interleave packets between them). */
export type ReplaceStep = `filled${Family}` | `flipped${Family}` | 'cleared';

export interface ReplaceOptions extends LockOptions {
  /** Called after each step, while the lock is held. */
  onStep?: (step: ReplaceStep) => void;
}

const noStep = (): void => {};

function replaceLocked(m: AsetMaps, kind: StaticKind, list: PrefixList, onStep: (s: ReplaceStep) => void): ReplaceReport {
  const want: Record<Family, { keys: Buffer; count: number }> = {
    4: { keys: list.v4, count: list.v4Count },
    6: { keys: list.v6, count: list.v6Count },
  };
  const live = {} as Record<Family, Generation>;
  for (const f of FAMILIES) {
    live[f] = liveGeneration(m, kind, f);
    const cap = m.generation(kind, f, other(live[f])).info.maxEntries;
    if (want[f].count > cap) {
      throw new AddrSetError('E_ASET_TOO_MANY', `${want[f].count} IPv${f} prefixes do not fit the ${kind} set (at most ${cap})`);
    }
  }
  // A family whose set is empty and stays empty is left alone (a flip waits for a grace period).
  const families = FAMILIES.filter((f) => want[f].count > 0 || m.generation(kind, f, live[f]).nextKey(null) !== null);
  const t0 = performance.now();
  try {
    for (const f of families) {
      const idle = m.generation(kind, f, other(live[f]));
      clearMap(idle); // empty unless an earlier replace died before its clear
      fill(idle, want[f].keys, want[f].count);
      onStep(`filled${f}`);
    }
  } catch (e) {
    for (const f of families) clearMap(m.generation(kind, f, other(live[f])));
    throw e;
  }
  const t1 = performance.now();
  const flipped: Family[] = [];
  try {
    for (const f of families) {
      // The count gates the lookups: non-zero before a non-empty generation goes live, zero only
      // after an empty one is.
      if (want[f].count > 0) m.writeCount(kind, f, want[f].count);
      flip(m, kind, f, other(live[f]));
      flipped.push(f);
      if (want[f].count === 0) m.writeCount(kind, f, 0);
      onStep(`flipped${f}`);
    }
  } catch (e) {
    // Put back what flipped (the old generations are still whole) and restore the counts.
    for (const f of flipped) flip(m, kind, f, live[f]);
    for (const f of families) m.writeCount(kind, f, countEntries(m.generation(kind, f, live[f])));
    for (const f of families) clearMap(m.generation(kind, f, other(live[f])));
    throw e;
  }
  const t2 = performance.now();
  const cleared: Record<Family, number> = { 4: 0, 6: 0 };
  for (const f of families) cleared[f] = clearMap(m.generation(kind, f, live[f]));
  const t3 = performance.now();
  onStep('cleared');
  const fam = (f: Family): FamilyReport => ({
    entries: want[f].count, generation: families.includes(f) ? other(live[f]) : live[f], cleared: cleared[f],
  });
  return { set: kind, v4: fam(4), v6: fam(6), fillMs: t1 - t0, flipMs: t2 - t1, clearMs: t3 - t2 };
}

function countEntries(map: BpfMap): number {
  let n = 0;
  for (const b of map.batches(BATCH)) n += b.count;
  return n;
}

/** Empties the static set `kind` (a replace with nothing). */
export function setFlush(dp: DatapathHandle, kind: StaticKind, opts: ReplaceOptions = {}): ReplaceReport {
  const empty: PrefixList = { v4: Buffer.alloc(0), v6: Buffer.alloc(0), v4Count: 0, v6Count: 0, duplicates: 0 };
  return setReplace(dp, kind, empty, opts);
}

/** Entries per family, as the loader recorded them, and the live generations. */
export function setCount(dp: DatapathHandle, kind: StaticKind): SetCount {
  return withMaps(dp, (m) => ({
    set: kind,
    v4: m.readCount(kind, 4),
    v6: m.readCount(kind, 6),
    generation: { v4: liveGeneration(m, kind, 4), v6: liveGeneration(m, kind, 6) },
  }));
}

/** The prefixes of the live generation, IPv4 then IPv6, in the trie's order. */
export function setList(dp: DatapathHandle, kind: StaticKind, opts: LockOptions = {}): string[] {
  // Under the lock: a replace would otherwise flip and clear the generation being read.
  return withMaps(dp, (m) => withSetLock(m.lock, kind, () => {
    const out: string[] = [];
    for (const f of FAMILIES) {
      const map = m.generation(kind, f, liveGeneration(m, kind, f));
      const size = f === 4 ? FW_LPM_V4.size : FW_LPM_V6.size;
      const addrLen = f === 4 ? 4 : 16;
      for (const b of map.batches(BATCH)) {
        for (let i = 0; i < b.count; i++) {
          const at = i * size;
          out.push(formatPrefix(f, b.keys.subarray(at + 4, at + 4 + addrLen), b.keys.readUInt32LE(at)));
        }
      }
    }
    return out;
  }, opts));
}
