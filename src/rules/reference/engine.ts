// The reference engine: decode + the flow table (flows.ts) + evaluate. A TCP flow a drop/reject
// rule dropped stays dropped (flow_drop, no rule evaluated, no alert); a TCP flow a pass rule
// passed stays passed (rule_pass, no rule evaluated), when the deciding rule's action scope is the
// flow (src/rules/action-scope.ts: every rule by default; under `suricata` only IP-only rules, and
// then a flow of any protocol); the flow keywords and flowbits of the rules read the packet's flow,
// and the flowbit effects of every matching rule apply after it.
import type { Rule } from '../ir.ts';
import { orderConflict } from '../action-order.ts';
import { type ActionScopePolicy, verdictFlows } from '../action-scope.ts';
import { decodeFrame, type DecodedPacket } from './decode.ts';
import { band, type Decision, evaluate, type EvaluateOptions, matchingRules, unmodelled, unparsedDecision } from './evaluate.ts';
import { type FlowOptions, FlowTable, type FlowView } from './flows.ts';
import { ThresholdTable } from './threshold.ts';

export interface EngineOptions extends EvaluateOptions, FlowOptions {
  /** Bytes headers may be read from (see DecodeOptions.linear). */
  linear?: number;
  /** Every flow timeout at once (tests): a flow idle longer than this is forgotten. */
  flowIdleNs?: bigint;
  /** Which deciding verdicts a TCP flow keeps (src/rules/action-scope.ts); default 'flow'. */
  actionScope?: ActionScopePolicy;
}

/**
 * The dropped-flow key of old (TCP only, VLAN tags left out): kept for callers that group packets
 * by TCP connection. The flow table's own key is flows.ts flowKey.
 */
export function tcpFlowKey(p: DecodedPacket): string | null {
  if (!(p.hasL4 && p.l4Proto === 6)) return null;
  const a = `${p.src}:${p.sport}`;
  const b = `${p.dst}:${p.dport}`;
  const forward = p.src < p.dst || (p.src === p.dst && p.sport <= p.dport);
  return `${p.family}|${forward ? a : b}|${forward ? b : a}`;
}

export class ReferenceEngine {
  readonly #rules: readonly Rule[];
  readonly #opts: EngineOptions;
  readonly flows: FlowTable;
  /** threshold / detection_filter counters (threshold.ts). */
  readonly thresholds = new ThresholdTable();
  /** The rule of each flow's stored verdict. */
  readonly #deciders = new WeakMap<object, Rule>();

  /** Throws when a rule uses something the reference does not model (see `unmodelled`). */
  constructor(rules: readonly Rule[], opts: EngineOptions = {}) {
    for (const r of rules) {
      const why = unmodelled(r);
      if (why) throw new Error(`reference engine: sid ${r.meta.sid} uses ${why}, which the reference does not model`);
      const conflict = opts.actionOrder ? orderConflict(r, opts.actionOrder) : null;
      if (conflict) throw new Error(`reference engine: sid ${r.meta.sid} uses ${conflict}, which the action order ${opts.actionOrder!.join(',')} does not allow`);
    }
    this.#rules = rules;
    this.#opts = opts;
    const t = opts.flowIdleNs;
    this.flows = new FlowTable(t === undefined ? opts : {
      ...opts, timeouts: { tcpNew: t, tcpEst: t, tcpClosed: t, udpNew: t, udpEst: t, icmpNew: t, icmpEst: t, otherNew: t, otherEst: t },
    });
  }

  /** One frame stamped tsNs: the datapath's verdict, reason, deciding sid, alerts and DPI flag. */
  run(frame: Uint8Array, tsNs: bigint): Decision {
    return this.decide(decodeFrame(frame, { linear: this.#opts.linear }), tsNs);
  }

  /** As run, for a packet already decoded. */
  decide(p: DecodedPacket, tsNs: bigint): Decision {
    const early = unparsedDecision(p, this.#opts);
    if (early) return early;
    const view = this.flows.track(p, tsNs);
    const fl = view.flow;
    const tcp = p.l4Proto === 6;
    if (fl && fl.verdict !== 'none') { // (a non-TCP flow keeps one only from a FLOW_ANY rule)
      const winner = this.#deciders.get(fl) ?? null;
      if (fl.verdict === 'drop') return { verdict: 'drop', reason: 'flow_drop', sigId: fl.sid, alerts: [], dpi: false, flags: 0, winner };
      return { verdict: 'pass', reason: 'rule_pass', sigId: fl.sid, alerts: [], dpi: false, flags: 0, winner };
    }
    if (view.invalid && this.#opts.invalid === 'drop') return { verdict: 'drop', reason: 'flow_invalid', sigId: 0, alerts: [], dpi: false, flags: 0, winner: null };
    const d = evaluate(this.#rules, p, { ...this.#opts, thresholds: (r, q) => this.thresholds.outcome(r, q, tsNs) }, view);
    if (!fl) return d;
    this.#applyFlowbits(p, view, d);
    const flows = d.winner ? verdictFlows(d.winner, this.#opts.actionScope) : null;
    const keep = flows === 'any' || (flows === 'tcp' && tcp);
    if (keep && (d.reason === 'rule_drop' || d.reason === 'rule_reject')) this.#store(fl, 'drop', d.winner!);
    else if (keep && d.reason === 'rule_pass') this.#store(fl, 'pass', d.winner!);
    return d;
  }

  /** bits = ((bits | set) & ~unset) ^ toggle over every matching rule XDP decides (flowbits on
   *  DPI rules are the worker's); when a pass rule decides, over that rule alone (Suricata stops
   *  inspecting a packet at a pass). */
  #applyFlowbits(p: DecodedPacket, view: FlowView, d: Decision): void {
    const fl = view.flow!;
    const set = new Set<string>(), unset = new Set<string>(), toggle = new Set<string>();
    const rules = d.reason === 'rule_pass' && d.winner ? [d.winner] : matchingRules(this.#rules, p, view);
    for (const r of rules) {
      if (band(r) === 'flag') continue;
      for (const op of r.flowbits) {
        for (const n of op.names) {
          if (op.op === 'set') set.add(n);
          else if (op.op === 'unset') unset.add(n);
          else if (op.op === 'toggle') {
            if (toggle.has(n)) toggle.delete(n);
            else toggle.add(n);
          }
        }
      }
    }
    for (const n of set) fl.bits.add(n);
    for (const n of unset) fl.bits.delete(n);
    for (const n of toggle) {
      if (fl.bits.has(n)) fl.bits.delete(n);
      else fl.bits.add(n);
    }
  }

  #store(fl: NonNullable<FlowView['flow']>, v: 'drop' | 'pass', rule: Rule): void {
    if (fl.verdict !== 'none') return;
    fl.verdict = v;
    fl.sid = rule.meta.sid;
    this.#deciders.set(fl, rule);
  }

  /** Number of TCP flows whose rest a rule dropped. */
  get droppedFlows(): number {
    let n = 0;
    for (const f of this.flows.entries()) if (f.verdict === 'drop') n++;
    return n;
  }

  /** Forgets every flow (a new ruleset generation, for instance). */
  clearFlows(): void {
    this.flows.clear();
  }
}
