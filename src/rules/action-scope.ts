// What a rule's deciding drop/reject/pass applies to: the packet alone, or its flow too.
//
// Two policies (`--action-scope`):
//   flow      (default, docs/rule-language.md "Flow verdicts"): every header rule that decides a
//             TCP packet decides its flow: a drop drops the rest of it, a pass passes the rest
//             unclassified. The firewall's reading: what was refused once stays refused. UDP and
//             ICMP flows keep no verdict.
//   suricata  Suricata 7/8's action scope (rules/rule-types "Action Scope", detect-engine-alert.c
//             FlowApplySignatureActions): only IP-only and like-IP-only rules (and app-layer,
//             protocol-detection and stream matches, which are the DPI worker's) act on the flow,
//             of whatever protocol; a packet rule (ports, TCP flags, ttl, dsize, flow keywords...)
//             acts on its packet, and the flow's later packets are inspected as if nothing happened.
import type { Rule } from './ir.ts';

export type ActionScopePolicy = 'flow' | 'suricata';
export const ACTION_SCOPE_POLICIES: readonly ActionScopePolicy[] = ['flow', 'suricata'];

/** Suricata's signature type for a header rule, as far as the action scope goes: 'ip_only' for a
 *  rule Suricata's SignatureIsIPOnly accepts (or like-IP-only: the same with negated addresses,
 *  which fwctl resolves away), else 'pkt'. IP-only means: no payload or app-layer part, both ports
 *  any, no flow keyword, no header keyword past addresses and protocol, and flowbits only `set`
 *  (the one flowbits command Suricata lets an IP-only rule keep). threshold, detection_filter and
 *  noalert live outside the match list and do not change the type. */
export function suricataRuleType(r: Rule): 'ip_only' | 'pkt' {
  // flowbits count among the DPI reasons (the worker needs them too) but the flow table holds them
  if (r.dpiReasons.some((k) => k !== 'flowbits') || r.app || r.payload.length || r.streamSize.length) return 'pkt';
  if (!r.srcPorts.any || !r.dstPorts.any) return 'pkt';
  if (r.flow) return 'pkt';
  if (Object.values(r.header).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0))) return 'pkt';
  if (r.flowbits.some((op) => op.op !== 'set')) return 'pkt';
  return 'ip_only';
}

/** Which flows keep the rule's deciding verdict under `policy`: 'tcp' (the flow policy: every
 *  rule, on TCP flows), 'any' (suricata: an IP-only rule, on a flow of any protocol, as Suricata
 *  drops or passes a UDP or ICMP flow too), or null (the packet alone). */
export function verdictFlows(r: Rule, policy: ActionScopePolicy = 'flow'): 'tcp' | 'any' | null {
  if (policy === 'flow') return 'tcp';
  return suricataRuleType(r) === 'ip_only' ? 'any' : null;
}
