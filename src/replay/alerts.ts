// Replay with a ruleset: the capture through a datapath that has the rules applied, and after each
// packet the alert records that packet's run wrote into the fw_events ring, drained synchronously
// (a test run is synchronous and the ring belongs to this object, so they are exactly that
// packet's). The caller gets each alert before that packet's decision, and counts per sid.
import { applyRuleset, capacityFor, Datapath, type DatapathOptions } from '../datapath/index.ts';
import { EventConsumer, type FwEvent, readEventStats, RuleTable } from '../events/index.ts';
import type { Rule } from '../rules/index.ts';
import { compareRules } from '../rules/reference/index.ts';
import type { ActionOrder } from '../rules/index.ts';
import { type PlanOptions, planRuleset } from '../rules/plan/index.ts';
import { type PacketDecision, replayCapture, type ReplayTotals } from './replay.ts';

export interface AlertTotals {
  /** Alert records written. */
  total: number;
  /** Alerts per signature id. */
  bySid: Record<string, number>;
  /** Automatic block records (scan, flood, rate limit). */
  blocks: number;
  /** fw_event_stats: emitted (alert and block records), suppressed by the flood guard, lost to a full ring. */
  emitted: number;
  suppressed: number;
  lost: number;
}

export interface RuleReplayOptions {
  /** Called for each alert of a packet, before onPacket for that packet. */
  onAlert?: (e: FwEvent, pcapCnt: number) => void;
  onPacket?: (d: PacketDecision) => void;
  /** Called for each automatic block (FW_EVENT_BLOCK) of a packet, after its alerts. */
  onBlock?: (e: FwEvent, pcapCnt: number) => void;
  /** The ruleset (IR, by id): a packet's alerts are given in decision order (band, priority, sid,
   *  as Suricata orders a packet's alerts) instead of the order the classifier walked the rules. */
  rules?: readonly Rule[];
  /** The order the rules decide in (default pass, drop, reject, alert). */
  actionOrder?: ActionOrder;
}

/**
 * Opens a private (unpinned) datapath for a replay, its classifier maps sized for the plan, and
 * applies `rules` to it. Offline, every alert is written (no flood guard) unless `o` turns the guard
 * on; then it keeps one bucket (eventCpu 0) so a replay's alerts do not depend on the CPUs its test
 * runs land on.
 */
export function openRuleDatapath(rules: readonly Rule[], o: Omit<DatapathOptions, 'eventCpu'> = {}, planOptions: PlanOptions = {}): Datapath {
  const plan = planRuleset([...rules], planOptions);
  const dp = Datapath.open({ eventRateLimit: false, ...o, eventCpu: 0, classifier: o.classifier ?? capacityFor(plan, 1) });
  try {
    applyRuleset(dp, plan);
    return dp;
  } catch (e) {
    dp.close();
    throw e;
  }
}

export function replayWithRules(dp: Datapath, path: string, o: RuleReplayOptions = {}): ReplayTotals & { alerts: AlertTotals } {
  const events = new EventConsumer(dp.events);
  const before = readEventStats(dp.eventStats);
  const alerts: AlertTotals = { total: 0, bySid: {}, emitted: 0, suppressed: 0, lost: 0, blocks: 0 };
  const packet: FwEvent[] = [];
  const blocks: FwEvent[] = [];
  const collect = (e: FwEvent) => {
    if (e.type === 'alert') packet.push(e);
    else if (e.type === 'block') blocks.push(e);
  };
  const rules = o.rules;
  const order = rules
    ? (a: FwEvent, b: FwEvent) => {
        const ra = rules[a.ruleIdx];
        const rb = rules[b.ruleIdx];
        return ra && rb ? compareRules(ra, rb, o.actionOrder) : a.sid - b.sid;
      }
    : null;
  try {
    const totals = replayCapture(dp, path, {
      onPacket: (d) => {
        // The records stay valid until the next test run writes the ring: sort, count, hand over.
        packet.length = 0;
        blocks.length = 0;
        events.drain(collect);
        if (order && packet.length > 1) packet.sort(order);
        for (const e of packet) {
          alerts.total++;
          alerts.bySid[e.sid] = (alerts.bySid[e.sid] ?? 0) + 1;
          o.onAlert?.(e, d.pcapCnt);
        }
        alerts.blocks += blocks.length;
        for (const e of blocks) o.onBlock?.(e, d.pcapCnt);
        o.onPacket?.(d);
      },
    });
    const after = readEventStats(dp.eventStats);
    alerts.emitted = Number(after.emitted - before.emitted);
    alerts.suppressed = Number(after.suppressed - before.suppressed);
    alerts.lost = Number(after.lost - before.lost);
    return { ...totals, alerts };
  } finally {
    events.close();
  }
}


