// Events out of XDP: fw_event records from the fw_events ring, decoded, consumed (live or per
// replayed packet), counted, and written as Suricata EVE JSON. See README.md.
export { type AbWhyLabel, decodeEvent, decodeRecord, type EventActionLabel, type EventTypeLabel, type FwEvent } from './decode.ts';
export { type EveBlock, eveBlock, formatEveBlock } from './eve-block.ts';
export { EventConsumer, type EventSink } from './consumer.ts';
export { readEventStats, type EventStats } from './stats.ts';
export { monotonicToWallOffsetNs } from './clock.ts';
export { eveAddress, eveAlert, type EveAlert, type EveAlertBody, type EveOptions, eveTimestamp, formatEveAlert } from './eve.ts';
export { CLASSTYPE_DESCRIPTIONS, protoName } from './eve-names.ts';
export { flowId } from './flow-id.ts';
export { IfaceNames } from './iface.ts';
export { type AlertRuleInfo, RuleTable, type RuleTableOptions } from './rules.ts';
export { liveEveAlerts, type LiveEveOptions } from './live.ts';
