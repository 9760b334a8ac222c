// The reference evaluator: which rules a decoded packet matches, and what the XDP half decides.
// Every rule is checked against every packet; the semantics are stated in README.md.
import type { HeaderMatch, Rule } from '../ir.ts';
import { type ActionOrder, band, compareRules, DEFAULT_ACTION_ORDER } from '../action-order.ts';
import type { DecodedPacket } from './decode.ts';
import { type FlowView, NO_FLOW } from './flows.ts';
import { isMalformed } from './decode.ts';
import { hasThreshold, type ThresholdOutcome } from './threshold.ts';
import { addrInSet, fragbitsMatch, IPOPT_CODES, portInSet, tcpFlagsMatch, uintMatches } from './match.ts';
import type { ReferenceReason } from './reasons.ts';

export type Verdict = 'pass' | 'drop' | 'reject';

/** fw_meta.flags bits, as the datapath reports them. */
export const DECISION_FLAGS = { malformed: 1, alert: 2, dpi: 4 } as const;

export interface Decision {
  verdict: Verdict;
  reason: ReferenceReason;
  /** Signature id of the rule that decided (`winner`), 0 when none did. */
  sigId: number;
  /** Sids of the rules that raise an alert, ascending, each once. */
  alerts: number[];
  /** The packet is copied to the DPI worker (a payload rule's header half matched and nothing dropped it). */
  dpi: boolean;
  /** DECISION_FLAGS bits: malformed, alert (alerts not empty), dpi. */
  flags: number;
  winner: Rule | null;
}

export interface EvaluateOptions {
  /** The outcome of a threshold / detection_filter rule whose header matched (ReferenceEngine
   *  passes its ThresholdTable at the packet's time); without it such rules throw. */
  thresholds?: (r: Rule, p: DecodedPacket) => ThresholdOutcome;
  /** What happens to a packet the decoder could not read (default drop, as the datapath). */
  malformedPolicy?: 'drop' | 'pass';
  /** The order matching rules decide in (src/rules/action-order.ts); default pass, drop, reject, alert. */
  actionOrder?: ActionOrder;
}

// Where a rule's decision ranks (band, then priority, sid, gid, load order; the band's place from
// the action order: pass, drop, reject, alert by default, then flag, a rule the XDP half cannot
// decide alone): src/rules/action-order.ts.
export { band, type Band, compareRules } from '../action-order.ts';

/**
 * Why the reference cannot evaluate a rule, or null when it can. A rule decided in XDP (not a
 * payload rule) may not depend on rates (`threshold`, `detection_filter`) nor on reassembly
 * (`flow:only_stream`, `flow:only_frag`). (A payload rule's header half is modelled; its flow
 * options are the DPI worker's business.)
 */
export function unmodelled(r: Rule): string | null {
  if (band(r) === 'flag') return null;
  if (r.flow?.stream === 'only') return 'flow:only_stream';
  if (r.flow?.frag === 'only') return 'flow:only_frag';
  return null;
}

/** IPv6 neighbour discovery: ICMPv6 router/neighbour solicitation and advertisement, redirect (133..137). */
export function isNeighbourDiscovery(p: DecodedPacket): boolean {
  return p.family === 6 && p.hasL4 && p.l4Proto === 58 && p.icmpType >= 133 && p.icmpType <= 137;
}

/**
 * Lockout protection: a drop or reject rule that does not name ICMPv6 types (no `itype`) never
 * matches neighbour discovery, so a broad drop rule cannot cut a host off its link. (ARP is not IP:
 * no rule ever sees it.)
 */
export function spareNeighbourDiscovery(r: Rule, p: DecodedPacket): boolean {
  const b = band(r);
  return (b === 'drop' || b === 'reject') && !r.header.itype && isNeighbourDiscovery(p);
}

/** The flow keyword and flowbits tests of a rule decided in XDP (README.md "Flows"). A packet
 *  without a flow (a non-first fragment) matches none of them, `stateless` included. */
export function flowHolds(r: Rule, f: FlowView): boolean {
  if (band(r) === 'flag') return true;
  const fl = r.flow;
  const needs = fl?.direction !== undefined || fl?.state !== undefined || r.flowbits.length > 0;
  if (!f.flow) return !needs;
  if (fl?.state === 'established' && !f.established) return false;
  if (fl?.state === 'not_established' && f.established) return false;
  if (fl?.direction === 'to_server' && !f.toServer) return false;
  if (fl?.direction === 'to_client' && f.toServer) return false;
  for (const op of r.flowbits) {
    if (op.op === 'isset' && !op.names.some((n) => f.bits.has(n))) return false;
    if (op.op === 'isnotset' && !op.names.some((n) => !f.bits.has(n))) return false;
  }
  return true;
}

/** Does the packet (a well-formed IP packet) satisfy the rule's header: protocol, addresses, ports, header keywords, flow? */
export function headerMatches(r: Rule, p: DecodedPacket, flow: FlowView = NO_FLOW): boolean {
  if (p.family === 0) return false;
  if (spareNeighbourDiscovery(r, p)) return false;
  if (!flowHolds(r, flow)) return false;
  const proto = r.protocol;
  if (proto.family === 'ipv4' && p.family !== 4) return false;
  if (proto.family === 'ipv6' && p.family !== 6) return false;
  if (proto.ipProto !== null && !proto.ipProto.includes(p.l4Proto)) return false;
  if (!conditionsHold(r.header, p)) return false;
  return endpointsMatch(r, p, false) || (r.direction === '<>' && endpointsMatch(r, p, true));
}

/** Addresses and ports, the packet's source against the rule's source (or, swapped, its destination). */
function endpointsMatch(r: Rule, p: DecodedPacket, swap: boolean): boolean {
  const fam = p.family as 4 | 6;
  const [src, dst, sp, dp] = swap ? [r.dst, r.src, r.dstPorts, r.srcPorts] : [r.src, r.dst, r.srcPorts, r.dstPorts];
  if (!addrInSet(src, fam, p.src) || !addrInSet(dst, fam, p.dst)) return false;
  if (sp.any && dp.any) return true;
  // Suricata: a rule with ports matches only TCP/UDP (SCTP) packets whose ports were read.
  if (!hasPorts(p)) return false;
  return portInSet(sp, p.sport) && portInSet(dp, p.dport);
}

function hasPorts(p: DecodedPacket): boolean {
  return p.hasL4 && (p.l4Proto === 6 || p.l4Proto === 17);
}

function isIcmp(p: DecodedPacket): boolean {
  return p.hasL4 && ((p.family === 4 && p.l4Proto === 1) || (p.family === 6 && p.l4Proto === 58));
}

/** The header keywords: each one present must hold. */
function conditionsHold(h: HeaderMatch, p: DecodedPacket): boolean {
  if (h.flags && !(p.hasL4 && p.l4Proto === 6 && tcpFlagsMatch(h.flags, p.tcpFlags))) return false;
  if (h.fragbits && !(p.family === 4 && fragbitsMatch(h.fragbits, p.fragBits))) return false;
  if (h.itype && !(isIcmp(p) && uintMatches(h.itype, p.icmpType))) return false;
  if (h.icode && !(isIcmp(p) && uintMatches(h.icode, p.icmpCode))) return false;
  if (h.icmpId !== undefined && !(isIcmp(p) && p.icmpId === h.icmpId)) return false;
  if (h.icmpSeq !== undefined && !(isIcmp(p) && p.icmpSeq === h.icmpSeq)) return false;
  if (h.ttl && !uintMatches(h.ttl, p.ttl)) return false;
  if (h.dsize && !(p.hasL4 && uintMatches(h.dsize, p.dsize))) return false;
  if (h.ipProto) {
    for (const c of h.ipProto) {
      const v = p.l4Proto;
      const ok = c.mode === 'eq' ? v === c.value : c.mode === 'ne' ? v !== c.value : c.mode === 'lt' ? v < c.value : v > c.value;
      if (!ok) return false;
    }
  }
  if (h.sameip && p.src !== p.dst) return false;
  if (h.ipopts !== undefined) {
    if (p.family !== 4) return false;
    if (h.ipopts === 'any' ? !p.ipOpts : !p.ipOptTypes.includes(IPOPT_CODES[h.ipopts])) return false;
  }
  return true;
}

/** Every rule the packet matches, in load order (throws on a rule the reference does not model). */
export function matchingRules(rules: readonly Rule[], p: DecodedPacket, flow: FlowView = NO_FLOW): Rule[] {
  const out: Rule[] = [];
  for (const r of rules) {
    const why = unmodelled(r);
    if (why) throw new Error(`reference evaluator: sid ${r.meta.sid} uses ${why}, which it does not model`);
    if (headerMatches(r, p, flow)) out.push(r);
  }
  return out;
}

function decision(verdict: Verdict, reason: ReferenceReason, winner: Rule | null, alerts: number[], dpi: boolean, malformed = false): Decision {
  const flags = (malformed ? DECISION_FLAGS.malformed : 0) | (alerts.length ? DECISION_FLAGS.alert : 0) | (dpi ? DECISION_FLAGS.dpi : 0);
  return { verdict, reason, sigId: winner?.meta.sid ?? 0, alerts, dpi, flags, winner };
}

/** The decision for a packet that never reaches the rules: malformed or not IP. */
export function unparsedDecision(p: DecodedPacket, opts: EvaluateOptions = {}): Decision | null {
  if (isMalformed(p.reason)) return decision(opts.malformedPolicy === 'pass' ? 'pass' : 'drop', p.reason, null, [], false, true);
  if (p.reason === 'non_ip') return decision('pass', 'non_ip', null, [], false);
  return null;
}

/**
 * The XDP half's decision for one packet against a ruleset (no flow state: see ReferenceEngine).
 *  - malformed: the malformed policy, no rule evaluated; non-IP: pass.
 *  - the matching rules apply in the action order (band, priority, sid, gid, load order) up to
 *    and including the first pass rule; the rest do nothing (Suricata's PacketAlertFinalize).
 *  - every applied drop/reject/alert rule without noalert raises an alert; the verdict is drop or
 *    reject by the first applied drop/reject rule, else pass (rule_pass by the pass rule that ended
 *    it, else rule_alert). With the default order (pass first) a matching pass rule is the only
 *    one applied: pass, no alert, no DPI.
 *  - payload rules (band flag) never drop or alert here: their header half matching sends a packet
 *    that is passed (not dropped or rejected) to DPI.
 */
export function evaluate(rules: readonly Rule[], p: DecodedPacket, opts: EvaluateOptions = {}, flow: FlowView = NO_FLOW): Decision {
  const early = unparsedDecision(p, opts);
  if (early) return early;
  const order = opts.actionOrder ?? DEFAULT_ACTION_ORDER;
  // threshold / detection_filter (threshold.ts): outcome 0 unmatches a rule, 2 silences it
  // Rules are inspected in rank order and inspection stops at the first pass rule that matches
  // (Suricata: a pass "skips to the end of all rules" for the packet): rules after it count no
  // threshold. With the default order pass rules rank first, so a passed packet counts only the
  // pass rules before it.
  const outcome = new Map<Rule, number>();
  const matched: Rule[] = [];
  for (const r of [...matchingRules(rules, p, flow)].sort((a, b) => compareRules(a, b, order))) {
    if (hasThreshold(r) && band(r) !== 'flag') {
      if (!opts.thresholds) throw new Error(`reference evaluator: sid ${r.meta.sid} uses threshold/detection_filter: use ReferenceEngine (it keeps the counters)`);
      const o = opts.thresholds(r, p);
      outcome.set(r, o);
      if (o === 0) continue;
    }
    matched.push(r);
    if (band(r) === 'pass') break;
  }
  // matched: in rank order, ending at the first pass rule if one matched
  if (matched.length === 0) return decision('pass', p.frag === 'non_first' ? 'fragment' : 'pass_default', null, [], false);
  const last = matched[matched.length - 1];
  const pass = band(last) === 'pass' ? last : null;
  const applied = pass ? matched.slice(0, -1) : matched;
  const alerts = [...new Set(applied.filter((r) => band(r) !== 'flag' && !r.noalert && outcome.get(r) !== 2).map((r) => r.meta.sid))].sort((a, b) => a - b);
  const dropper = applied.find((r) => band(r) === 'drop' || band(r) === 'reject');
  if (dropper) {
    const drop = band(dropper) === 'drop';
    return decision(drop ? 'drop' : 'reject', drop ? 'rule_drop' : 'rule_reject', dropper, alerts, false);
  }
  if (pass) return decision('pass', 'rule_pass', pass, alerts, false);
  const best = matched[0];
  if (band(best) === 'flag') return decision('pass', 'rule_flag', best, [], true);
  return decision('pass', 'rule_alert', best, alerts, matched.some((r) => band(r) === 'flag'));
}
