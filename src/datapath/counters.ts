// Per-reason counters: the per-CPU fw_reason_stats map summed over CPUs.
import { type Counter, REASON_MAX, REASON_SLOTS, type ReasonLabel, reasonName, sumPerCpuCounter } from '../abi/index.ts';
import { type BpfMap, numPossibleCpus } from '../native/index.ts';

/** Packets and bytes by reason name. Every known reason is present (zero when never seen); a slot
 *  past the known reasons (written by a newer object) appears as `unknown_<n>` when non-zero. */
export type ReasonCounters = Record<ReasonLabel, Counter>;

export function readReasonCounters(map: BpfMap): ReasonCounters {
  const ncpu = numPossibleCpus();
  const key = Buffer.alloc(4);
  const value = Buffer.alloc(map.valueBufferSize);
  const out = {} as ReasonCounters;
  for (let slot = 0; slot < Math.min(REASON_SLOTS, map.info.maxEntries); slot++) {
    key.writeUInt32LE(slot);
    const v = map.lookup(key, value);
    const c = v ? sumPerCpuCounter(v, ncpu) : { packets: 0n, bytes: 0n };
    if (slot < REASON_MAX || c.packets !== 0n || c.bytes !== 0n) out[reasonName(slot)] = c;
  }
  return out;
}

/** b - a per reason (for "what did these packets add"). */
export function diffReasonCounters(a: ReasonCounters, b: ReasonCounters): ReasonCounters {
  const out = {} as ReasonCounters;
  for (const k of Object.keys(b) as ReasonLabel[]) {
    const x = a[k] ?? { packets: 0n, bytes: 0n };
    out[k] = { packets: b[k].packets - x.packets, bytes: b[k].bytes - x.bytes };
  }
  return out;
}
