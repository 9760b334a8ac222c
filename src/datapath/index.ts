// Load, pin, run and attach the XDP datapath. See README.md.
export { Datapath, DEFAULT_OBJECT, PINNED_NAMES, type DatapathOptions } from './datapath.ts';
export { PinnedDatapath } from './pinned.ts';
export { DatapathHandle, type AttachMode, type AttachState } from './handle.ts';
export { MapSource, type MissingMap } from './map-source.ts';
export { MAX_TEST_FRAME, MIN_TEST_FRAME, PacketRunner, type RunResult, type XdpAction } from './runner.ts';
export { readReasonCounters, diffReasonCounters, type ReasonCounters } from './counters.ts';
export { BPFFS_ROOT, bpffsMounted, ensureBpffs, pinDir, checkInstance } from './bpffs.ts';
export {
  activeGeneration, ApplyError, applyRuleset, capacityFor, classifierCapacity, clearRuleset, flipGeneration, idleGeneration,
  planNeeds, readRuleCounters, type ApplyErrorCode, type ApplyOptions, type ApplyStep, type ClassifierCapacity,
  type GenerationInfo, type RuleCounter,
} from './ruleset.ts';
export {
  clearFlows, decodeFlow, type FlowConfig, type FlowEndpoint, type FlowEntry, type FlowStats, type FlowTableCount, type FlowTableName,
  flowSummary, flowSummaryText, type FlowSummary, readFlowConfig, readFlows, readFlowStats, setFlowConfig,
} from './flows.ts';
