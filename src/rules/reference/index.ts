// The reference evaluator: the XDP half's rule semantics in the plainest code, the oracle of the
// differential tests. Not used on any packet path.
//   const eng = new ReferenceEngine(compileRuleText(...).rules);
//   eng.run(frame, tsNs)   → {verdict, reason, sigId, alerts, dpi, flags, winner}
//   evaluate(rules, decodeFrame(frame))   the same without flow state
export { decodeFrame, formatV6, ipv4OptionTypes, ICMP4_ID_TYPES, ICMP6_ID_TYPES, IPV6_EXT_MAX_DEPTH, isMalformed,
  VLAN_MAX_DEPTH, type DecodedPacket, type DecodeOptions, type Frag } from './decode.ts';
export { band, compareRules, DECISION_FLAGS, evaluate, flowHolds, headerMatches, matchingRules, unmodelled, unparsedDecision, type Band,
  type Decision, type EvaluateOptions, type Verdict } from './evaluate.ts';
export { ReferenceEngine, tcpFlowKey, type EngineOptions } from './engine.ts';
export { DEFAULT_TIMEOUTS, type Flow, type FlowOptions, type FlowState, FlowTable, type FlowTimeouts, type FlowView, flowKey, NO_FLOW } from './flows.ts';
export { addrInSet, fragbitsMatch, IPOPT_CODES, parseAddr, portInSet, tcpFlagsMatch, uintMatches } from './match.ts';
export { MALFORMED_REASONS, REFERENCE_REASONS, type DecodeReason, type MalformedReason, type ReferenceReason } from './reasons.ts';
export { hasThreshold, ThresholdTable, type ThresholdOutcome } from './threshold.ts';
