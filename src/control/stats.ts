// fwctl stats: per-rule hits of the active generation (the per-CPU rule counters, summed, joined
// with the generation's metadata), and packets per reason, the ones that stop packets apart.
import type { ReasonName } from '../abi/index.ts';
import { activeGeneration, flowSummary, type FlowSummary, readRuleCounters } from '../datapath/index.ts';
import { dirOf, openPinned, type Where } from './instance.ts';
import { readGeneration } from './meta.ts';

/** Reasons whose packets never reach their destination. Malformed reasons follow the instance's
 *  malformed policy (drop by default), which the pins do not show: listed as 'malformed'. */
const STOPS: ReadonlySet<string> = new Set<ReasonName>(['rule_drop', 'rule_reject', 'deny_list', 'dyn_block', 'flow_drop', 'flow_invalid', 'rate_limit', 'syncookie']);
const PASSES: ReadonlySet<string> = new Set<ReasonName>(['pass_default', 'non_ip', 'fragment', 'rule_pass', 'rule_alert', 'rule_flag', 'allow_list']);

export interface RuleHits {
  id: number;
  sid: number | null;
  rev: number | null;
  action: string | null;
  msg: string | null;
  packets: number;
  bytes: number;
}

export interface StatsReport {
  instance: string;
  generation: { index: 0 | 1; tag: number } | null;
  /** Rules with hits, most packets first (at most `top`). */
  rules: RuleHits[];
  /** Rules with at least one hit. */
  rulesHit: number;
  rulesTotal: number;
  reasons: Array<{ reason: string; kind: 'drop' | 'pass' | 'malformed'; packets: number; bytes: number }>;
  dropped: { packets: number; bytes: number };
  /** The flow table's fill and counters. */
  flows: FlowSummary;
}

export function stats(w: Where & { top?: number }): StatsReport {
  const dir = dirOf(w);
  const dp = openPinned(w.instance, 'stats');
  try {
    const gen = activeGeneration(dp);
    const meta = gen ? readGeneration(dir, gen.index) : null;
    const byId = new Map((meta && gen && meta.tag === gen.tag ? meta.rules : []).map((r) => [r.id, r]));
    const hits: RuleHits[] = [];
    if (gen) {
      for (const c of readRuleCounters(dp)) {
        const packets = Number(c.packets);
        if (packets === 0) continue;
        const r = byId.get(c.ruleId);
        hits.push({ id: c.ruleId, sid: r?.sid ?? null, rev: r?.rev ?? null, action: r?.action ?? null, msg: r?.msg ?? null, packets, bytes: Number(c.bytes) });
      }
    }
    hits.sort((a, b) => b.packets - a.packets || b.bytes - a.bytes || a.id - b.id);
    const reasons: StatsReport['reasons'] = [];
    const dropped = { packets: 0, bytes: 0 };
    for (const [reason, c] of Object.entries(dp.readReasonCounters())) {
      if (c.packets === 0n) continue;
      const kind = STOPS.has(reason) ? 'drop' : PASSES.has(reason) ? 'pass' : 'malformed';
      reasons.push({ reason, kind, packets: Number(c.packets), bytes: Number(c.bytes) });
      if (kind === 'drop') {
        dropped.packets += Number(c.packets);
        dropped.bytes += Number(c.bytes);
      }
    }
    reasons.sort((a, b) => b.packets - a.packets || a.reason.localeCompare(b.reason));
    return {
      instance: w.instance, generation: gen ? { index: gen.index, tag: gen.tag } : null,
      rules: w.top !== undefined ? hits.slice(0, w.top) : hits, rulesHit: hits.length, rulesTotal: gen ? gen.ruleCount : 0, reasons, dropped,
      flows: flowSummary(dp),
    };
  } finally {
    dp.close();
  }
}
