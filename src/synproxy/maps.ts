// The service map and counters of one datapath (loaded here, or opened from its pins). These
// functions are the only writers of fw_sc_svc and fw_sc_count.
import { FW_SC_KEY, MapName, SC_STAT_MAX, SC_STAT_SLOTS, ScStat, type ScStatName } from '../abi/index.ts';
import type { DatapathHandle } from '../datapath/index.ts';
import type { BpfMap } from '../native/index.ts';
import { SynproxyError } from './errors.ts';
import {
  decodeKey, decodeValue, encodeKey, encodeValue, type Service, type ServiceAddr, type Settings,
} from './service.ts';

export interface ScMaps {
  svc: BpfMap;
  count: BpfMap;
  stats: BpfMap;
  close(): void;
}

export function openScMaps(dp: DatapathHandle): ScMaps {
  const src = dp.maps((name, dir) => new SynproxyError('E_SP_MAPS_MISSING', `instance at ${dir} has no SYN-cookie map ${name}: reload it`));
  try {
    return { svc: src.map(MapName.scSvc), count: src.map(MapName.scCount), stats: src.map(MapName.scStats), close: () => src.close() };
  } catch (e) {
    src.close();
    throw e;
  }
}

function withScMaps<T>(dp: DatapathHandle, fn: (m: ScMaps) => T): T {
  const m = openScMaps(dp);
  try {
    return fn(m);
  } finally {
    m.close();
  }
}

const ZERO = Buffer.alloc(4);

function keysOf(svc: BpfMap): Buffer[] {
  const keys: Buffer[] = [];
  let k: Buffer | null = null;
  while ((k = svc.nextKey(k, Buffer.alloc(FW_SC_KEY.size))) !== null) keys.push(k);
  return keys;
}

function writeCount(m: ScMaps, n: number): void {
  const v = Buffer.alloc(4);
  v.writeUInt32LE(n);
  m.count.update(ZERO, v);
}

/** Adds or replaces a service; the estimate and totals start from zero. Returns whether it is new.
 *  fw_sc_count is raised before the insert, so the XDP program never skips a present service. */
export function serviceAdd(dp: DatapathHandle, s: ServiceAddr, settings: Settings): boolean {
  return withScMaps(dp, (m) => {
    const key = encodeKey(s);
    const created = m.svc.lookup(key) === null;
    const n = keysOf(m.svc).length;
    if (created) writeCount(m, n + 1);
    try {
      m.svc.update(key, encodeValue(settings));
    } catch (e) {
      writeCount(m, n);
      if ((e as { code?: string }).code === 'E2BIG') throw new SynproxyError('E_SP_FULL', `the service map is full (${n} services)`, { cause: e });
      throw e;
    }
    return created;
  });
}

/** Removes a service; false when it was not there. fw_sc_count is lowered after the delete. */
export function serviceDel(dp: DatapathHandle, s: ServiceAddr): boolean {
  return withScMaps(dp, (m) => {
    const removed = m.svc.delete(encodeKey(s));
    writeCount(m, keysOf(m.svc).length);
    return removed;
  });
}

export function serviceList(dp: DatapathHandle): Service[] {
  return withScMaps(dp, (m) => {
    const out: Service[] = [];
    for (const k of keysOf(m.svc)) {
      const v = m.svc.lookup(k);
      if (v) out.push({ ...decodeKey(k), ...decodeValue(v) });
    }
    return out.sort((a, b) => a.family - b.family || a.addr.localeCompare(b.addr) || a.port - b.port);
  });
}

export type ScStats = Record<ScStatName, bigint>;

/** fw_sc_stats summed over the CPUs. */
export function readScStats(dp: DatapathHandle): ScStats {
  return withScMaps(dp, (m) => {
    const out = Object.fromEntries(Object.keys(ScStat).map((k) => [k, 0n])) as ScStats;
    const key = Buffer.alloc(4);
    for (const [name, slot] of Object.entries(ScStat) as Array<[ScStatName, number]>) {
      if (slot >= SC_STAT_MAX || slot >= SC_STAT_SLOTS) continue;
      key.writeUInt32LE(slot);
      for (const v of m.stats.lookupPerCpu(key) ?? []) out[name] += v.readBigUInt64LE(0);
    }
    return out;
  });
}
