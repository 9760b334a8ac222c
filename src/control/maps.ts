// Fill levels of an instance's pinned maps: entries against max_entries for the maps that hold a
// variable number of entries (hashes, LRU hashes, LPM tries), including the inner maps of
// map-in-map slots (the ruleset and address-set generations). Arrays and rings are fixed: listed
// with their size only.
import { join } from 'node:path';

import { PROG_NAME } from '../abi/index.ts';
import { PINNED_NAMES } from '../datapath/index.ts';
import { BpfMap } from '../native/index.ts';

const COUNTED = new Set(['hash', 'lru_hash', 'percpu_hash', 'lru_percpu_hash', 'lpm_trie']);
const OUTER = new Set(['array_of_maps', 'hash_of_maps']);
/** Entries counted at most (a full 1M-entry flow table takes about a second to walk). */
const COUNT_LIMIT = 4_000_000;

export interface MapFill {
  name: string;
  type: string;
  maxEntries: number;
  /** Entries now (null for fixed-size maps); `limit` when the walk stopped at COUNT_LIMIT. */
  entries: number | null;
  /** entries / maxEntries, 3 decimals. */
  fill: number | null;
  /** Inner maps of a map-in-map, by slot. */
  inner?: MapFill[];
}

function count(m: BpfMap): number {
  let n = 0;
  for (const _ of m.keys()) if (++n >= COUNT_LIMIT) break;
  return n;
}

function fillOf(m: BpfMap, name: string): MapFill {
  const i = m.info;
  const out: MapFill = { name, type: i.typeName, maxEntries: i.maxEntries, entries: null, fill: null };
  if (COUNTED.has(i.typeName)) {
    out.entries = count(m);
    out.fill = i.maxEntries > 0 ? Math.round((out.entries / i.maxEntries) * 1000) / 1000 : null;
  } else if (OUTER.has(i.typeName)) {
    out.inner = [];
    for (const k of m.keys()) {
      const v = m.lookup(k);
      if (!v) continue;
      const id = v.readUInt32LE(0);
      let inner: BpfMap | null = null;
      try {
        inner = BpfMap.fromId(id);
        out.inner.push(fillOf(inner, `${name}[${i.keySize === 4 ? k.readUInt32LE(0) : k.toString('hex')}]`));
      } catch {
        /* the slot changed under us */
      } finally {
        inner?.close();
      }
    }
  }
  return out;
}

/** Every pinned map of the instance directory `dir`, with its fill. */
export function mapFills(dir: string): MapFill[] {
  const out: MapFill[] = [];
  for (const name of PINNED_NAMES) {
    if (name === PROG_NAME) continue;
    let m: BpfMap;
    try {
      m = BpfMap.fromPinned(join(dir, name));
    } catch {
      continue;
    }
    try {
      out.push(fillOf(m, name));
    } finally {
      m.close();
    }
  }
  return out;
}
