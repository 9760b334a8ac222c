// The reference engine: decode + evaluate + the one piece of state the XDP half keeps for rules,
// the set of TCP flows a rule dropped. Later packets of such a flow (either direction) are dropped
// as flow_drop without evaluating the rules, so they raise no alert.
import type { Rule } from '../ir.ts';
import { decodeFrame, type DecodedPacket } from './decode.ts';
import { type Decision, evaluate, type EvaluateOptions, unmodelled, unparsedDecision } from './evaluate.ts';

export interface EngineOptions extends EvaluateOptions {
  /** Bytes headers may be read from (see DecodeOptions.linear). */
  linear?: number;
  /** A dropped flow is forgotten after this long without a packet (default: never). */
  flowIdleNs?: bigint;
}

interface DroppedFlow {
  winner: Rule;
  lastNs: bigint;
}

/**
 * The flow key: TCP, the family, and the two endpoints (address, port) in a fixed order, so both
 * directions give the same key. VLAN tags are not part of it.
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
  readonly #dropped = new Map<string, DroppedFlow>();

  /** Throws when a rule uses something the reference does not model (see `unmodelled`). */
  constructor(rules: readonly Rule[], opts: EngineOptions = {}) {
    for (const r of rules) {
      const why = unmodelled(r);
      if (why) throw new Error(`reference engine: sid ${r.meta.sid} uses ${why}, which the reference does not model`);
    }
    this.#rules = rules;
    this.#opts = opts;
  }

  /** One frame stamped tsNs: the datapath's verdict, reason, deciding sid, alerts and DPI flag. */
  run(frame: Uint8Array, tsNs: bigint): Decision {
    return this.decide(decodeFrame(frame, { linear: this.#opts.linear }), tsNs);
  }

  /** As run, for a packet already decoded. */
  decide(p: DecodedPacket, tsNs: bigint): Decision {
    const early = unparsedDecision(p, this.#opts);
    if (early) return early;
    const key = tcpFlowKey(p);
    if (key) {
      const f = this.#dropped.get(key);
      if (f && this.#opts.flowIdleNs !== undefined && tsNs - f.lastNs > this.#opts.flowIdleNs) this.#dropped.delete(key);
      else if (f) {
        f.lastNs = tsNs;
        return { verdict: 'drop', reason: 'flow_drop', sigId: f.winner.meta.sid, alerts: [], dpi: false, flags: 0, winner: f.winner };
      }
    }
    const d = evaluate(this.#rules, p, this.#opts);
    if (key && (d.verdict === 'drop' || d.verdict === 'reject') && d.winner) this.#dropped.set(key, { winner: d.winner, lastNs: tsNs });
    return d;
  }

  /** Number of TCP flows currently dropped. */
  get droppedFlows(): number {
    return this.#dropped.size;
  }

  /** Forgets every dropped flow (a new ruleset generation, for instance). */
  clearFlows(): void {
    this.#dropped.clear();
  }
}
