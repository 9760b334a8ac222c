// threshold and detection_filter, in the plainest code: one counter per rule and tracked key, fed
// the packet's time. Suricata's ThresholdHandlePacket (detect-engine-threshold.c), outcome by
// outcome; bpf/lib/cls_thresh.h follows this file.
//
//   outcome 0: the rule does not match this packet (no action, no alert)
//   outcome 1: it matches and alerts
//   outcome 2: it matches and acts without an alert ("silent match")
//
// A window holds while ts < tv1 + seconds. The first packet of a key opens a window with count 1.
//   detection_filter  first: 0; within: count+1, 1 if count > N; at/after the end: reset, 0
//   limit             first: 1; within: count+1, 1 while count <= N, else 2; reset: 1
//   threshold         first: 1 if N = 1; within: count+1, 1 and count = 0 when count >= N; reset: 0
//                     (N = 1: every match, Suricata keeps no entry)
//   both              first: 1 if N = 1; within: count+1, 1 when count = N, 2 past it; reset: 1 if N = 1
// Tracks: by_src, by_dst, by_rule, by_both (the address pair, either direction), by_flow (the
// 5-tuple, either direction). A counter is updated on every packet the rule's header matches,
// unless a pass rule ranked before it matched (evaluate.ts stops at the first pass, as Suricata does).
import type { Rule } from '../ir.ts';
import type { DecodedPacket } from './decode.ts';

export type ThresholdOutcome = 0 | 1 | 2;

interface Entry {
  tv1: bigint;
  count: number;
}

/** The rule's threshold settings, or null when it has neither keyword. */
function settings(r: Rule): { type: 'limit' | 'threshold' | 'both' | 'detection'; track: string; count: number; seconds: number } | null {
  if (r.detectionFilter) return { type: 'detection', ...r.detectionFilter };
  const t = r.threshold;
  if (!t) return null;
  if (t.type === 'backoff') throw new Error(`reference: sid ${r.meta.sid} uses threshold type backoff, which it does not model`);
  return { type: t.type, track: t.track, count: t.count, seconds: t.seconds ?? 0 };
}

function trackKey(track: string, p: DecodedPacket): string {
  const s = p.src;
  const d = p.dst;
  switch (track) {
    case 'by_src': return `${p.family}|${s}`;
    case 'by_dst': return `${p.family}|${d}`;
    case 'by_rule': return '';
    case 'by_both': return s <= d ? `${p.family}|${s}|${d}` : `${p.family}|${d}|${s}`;
    default: { // by_flow: the lower (address, port) first
      const fwd = s < d || (s === d && p.sport <= p.dport);
      return fwd ? `${p.family}|${p.l4Proto}|${s}:${p.sport}|${d}:${p.dport}` : `${p.family}|${p.l4Proto}|${d}:${p.dport}|${s}:${p.sport}`;
    }
  }
}

export class ThresholdTable {
  readonly #entries = new Map<Rule, Map<string, Entry>>();

  /** The outcome of rule `r` (its header matched `p`) at time tsNs; rules without either keyword: 1. */
  outcome(r: Rule, p: DecodedPacket, tsNs: bigint): ThresholdOutcome {
    const s = settings(r);
    if (!s) return 1;
    let byKey = this.#entries.get(r);
    if (!byKey) this.#entries.set(r, (byKey = new Map()));
    const key = trackKey(s.track, p);
    const e = byKey.get(key);
    const n = s.count;
    if (!e) {
      byKey.set(key, { tv1: tsNs, count: 1 });
      if (s.type === 'limit') return 1;
      if (s.type === 'detection') return 0;
      return n === 1 ? 1 : 0;
    }
    if (tsNs < e.tv1 + BigInt(s.seconds) * 1_000_000_000n) {
      e.count++;
      switch (s.type) {
        case 'detection': return e.count > n ? 1 : 0;
        case 'limit': return e.count <= n ? 1 : 2;
        case 'threshold':
          if (e.count >= n) {
            e.count = 0;
            return 1;
          }
          return 0;
        case 'both': return e.count === n ? 1 : e.count > n ? 2 : 0;
      }
    }
    e.tv1 = tsNs;
    e.count = 1;
    if (s.type === 'limit') return 1;
    if (s.type === 'detection') return 0;
    return n === 1 ? 1 : 0;
  }

  /** Forgets every counter (a new ruleset). */
  clear(): void {
    this.#entries.clear();
  }
}

/** Whether a rule's outcome depends on a ThresholdTable. */
export function hasThreshold(r: Rule): boolean {
  return r.threshold !== undefined || r.detectionFilter !== undefined;
}
