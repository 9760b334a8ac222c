// The fw_event_stats counters (per-CPU __u64 by enum fw_event_stat), summed over CPUs.
import { EVENT_STAT_SLOTS, EventStat, type EventStatName } from '../abi/index.ts';
import { type BpfMap, numPossibleCpus } from '../native/index.ts';

/** Records emitted, suppressed by the flood guard, and lost to a full ring. */
export type EventStats = Record<EventStatName, bigint>;

export function readEventStats(map: BpfMap): EventStats {
  const ncpu = numPossibleCpus();
  const key = Buffer.alloc(4);
  const value = Buffer.alloc(map.valueBufferSize);
  const stride = (map.info.valueSize + 7) & ~7;
  const out = {} as EventStats;
  for (const [name, slot] of Object.entries(EventStat) as Array<[EventStatName, number]>) {
    if (slot >= Math.min(EVENT_STAT_SLOTS, map.info.maxEntries)) throw new RangeError(`${map.name} has no slot ${slot}`);
    key.writeUInt32LE(slot);
    const v = map.lookup(key, value);
    let sum = 0n;
    if (v) for (let c = 0; c < ncpu; c++) sum += v.readBigUInt64LE(c * stride);
    out[name] = sum;
  }
  return out;
}
