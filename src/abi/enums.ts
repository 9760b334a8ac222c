// The enums of bpf/include/fwctl_abi.h. Each is a const object keyed by the name userspace prints
// (JSON output, logs): the C enumerator with its prefix stripped, lower-cased. test/abi.test.ts
// checks every name and value against the object's BTF, in both directions.

/** One C enum: its BTF name, the prefix its enumerators share, and name -> value. */
export interface CEnum<V extends Record<string, number> = Record<string, number>> {
  readonly cName: string;
  readonly prefix: string;
  readonly values: V;
}

function cEnum<const V extends Record<string, number>>(cName: string, prefix: string, values: V): CEnum<V> {
  return { cName, prefix, values: Object.freeze(values) };
}

/** Why a packet got its verdict: append-only, indexes the per-CPU counters. */
export const Reason = {
  pass_default: 0,
  non_ip: 1,
  malformed_eth: 2,
  malformed_vlan: 3,
  vlan_depth: 4,
  malformed_ipv4: 5,
  malformed_ipv6: 6,
  ipv6_ext_depth: 7,
  malformed_ipv6_ext: 8,
  malformed_tcp: 9,
  malformed_udp: 10,
  malformed_icmp: 11,
  malformed_icmpv6: 12,
  fragment: 13,
  rule_pass: 14,
  rule_drop: 15,
  rule_reject: 16,
  rule_alert: 17,
  rule_flag: 18,
  deny_list: 19,
  allow_list: 20,
  dyn_block: 21,
  flow_drop: 22,
  rate_limit: 23,
  syncookie: 24,
  flow_invalid: 25,
} as const;
export type ReasonName = keyof typeof Reason;
/** A reason as printed: its name, or `unknown_<n>` for a number from a newer object. */
export type ReasonLabel = ReasonName | `unknown_${number}`;
/** FW_REASON__MAX: one past the last reason. */
export const REASON_MAX = 26;
/** Slots of fw_reason_stats (FW_REASON_SLOTS): room for reasons appended later. */
export const REASON_SLOTS = 64;

/** Reasons that mean "the parser could not read a header": they follow cfg_malformed_policy. */
export const MALFORMED_REASONS: readonly ReasonName[] = [
  'malformed_eth', 'malformed_vlan', 'vlan_depth', 'malformed_ipv4', 'malformed_ipv6', 'ipv6_ext_depth',
  'malformed_ipv6_ext', 'malformed_tcp', 'malformed_udp', 'malformed_icmp', 'malformed_icmpv6',
];

export const Verdict = { pass: 0, drop: 1, reject: 2 } as const;
export type VerdictName = keyof typeof Verdict;
export type VerdictLabel = VerdictName | `unknown_${number}`;
export const VERDICT_MAX = 3;

/** fw_meta.flags bits. */
export const Flag = { malformed: 1, alert: 2, dpi: 4, syncookie: 8, cookie_ack: 16, synproxy: 32 } as const;
export type FlagName = keyof typeof Flag;

export const MalformedPolicy = { pass: 0, drop: 1 } as const;
export type MalformedPolicyName = keyof typeof MalformedPolicy;

export const Family = { none: 0, ipv4: 4, ipv6: 6 } as const;
export type FamilyName = keyof typeof Family;

export const Frag = { none: 0, first: 1, non_first: 2 } as const;
export type FragName = keyof typeof Frag;

/** fw_pkt.frag_flags bits (Suricata fragbits M, D, R). */
export const FragFlag = { mf: 1, df: 2, rb: 4 } as const;

/** fw_pkt.ext_seen bits: the IPv6 extension headers in the chain. */
export const ExtBit = { hop: 1, routing: 2, frag: 4, dstopts: 8, ah: 16, esp: 32, none: 64 } as const;
export type ExtName = keyof typeof ExtBit;

/** fw_pkt.tcp_flags bits, as on the wire. */
export const TcpFlag = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ece: 64, cwr: 128 } as const;
export type TcpFlagName = keyof typeof TcpFlag;

/** How a reject rule answers (enum fw_reject_kind): rejectsrc, rejectdst, rejectboth. */
export const RejectKind = { src: 0, dst: 1, both: 2 } as const;
export type RejectKindName = keyof typeof RejectKind;

/** The address sets (enum fw_aset_kind): the slot of a static set in fw_aset4/6, a lock key. */
export const AsetKind = { allow: 0, deny: 1, block: 2 } as const;
export type AsetKindName = keyof typeof AsetKind;
export const ASET_KIND_MAX = 3;

/** Slots of fw_aset_count (enum fw_aset_slot): kind * 2 + is_v6. */
export const AsetSlot = { allow4: 0, allow6: 1, deny4: 2, deny6: 3, block4: 4, block6: 5 } as const;
export const ASET_SLOT_MAX = 6;

/** fw_block.source (enum fw_block_source). */
export const BlockSource = { manual: 0, auto: 1 } as const;
export type BlockSourceName = keyof typeof BlockSource;

/** fw_event.type (enum fw_event_type): 0 is never written. */
export const EventType = { alert: 1, dpi_flag: 2, block: 3 } as const;
export type EventTypeName = keyof typeof EventType;

/** fw_event.action (enum fw_event_action): the rule's action, in Suricata's order (lower wins). */
export const EventAction = { pass: 0, drop: 1, reject: 2, alert: 3 } as const;
export type EventActionName = keyof typeof EventAction;

/** Slots of fw_event_stats (enum fw_event_stat). */
export const EventStat = { emitted: 0, suppressed: 1, lost: 2 } as const;
export type EventStatName = keyof typeof EventStat;
export const EVENT_STAT_MAX = 3;
/** Alerts per fw_event_alerts record at most (enum fw_event_batch). */
export const EventBatch = { batch: 15 } as const;


/** Classifier action bands (enum fw_cls_band): Suricata's order, a lower band wins; flag = needs DPI. */
export const ClsBand = { pass: 0, drop: 1, reject: 2, alert: 3, flag: 4 } as const;
export type ClsBandName = keyof typeof ClsBand;
export const CLS_BAND_MAX = 5;

/** The classifier's final fields (enum fw_cls_fin), each a row group of the bitmaps. */
export const ClsFin = { src: 0, dst: 1, pf: 2, icmp: 3, ttl: 4, dsize: 5, sport: 6, dport: 7 } as const;
export type ClsFinName = keyof typeof ClsFin;
export const CLS_FIN_MAX = 8;

/** Layout constants of the classifier maps (enum fw_cls_layout; bpf/include/fwctl_abi.h). */
export const ClsLayout = {
  c32: 256, c64: 32, none_flags: 256, dom_flags: 257, none_u16: 65536, dom_u16: 65537,
  off_pf: 0, off_icmp: 65792, off_ttl: 131329, off_dsize: 131585, off_sport: 197122, off_dport: 262659,
  fld_entries: 328196, fld_chunks: 1283, root_entries: 131072, root_chunks: 512, max_sum: 32,
} as const;

/** Address trie entry types (enum fw_cls_ent), in an entry's top two bits. */
export const ClsEnt = { leaf: 0, node: 1, skip: 2 } as const;

/** fw_cls_rule.flags bits (enum fw_cls_rule_flag). */
export const ClsRuleFlag = {
  twin2: 1, noalert: 2, not_nd: 4, sameip: 8, icmp_id: 16, icmp_seq: 32, fragbits: 64, ipopts: 128,
} as const;

/** fw_cls_rule.frag_mode (enum fw_cls_frag_mode). */
export const ClsFragMode = { exact: 0, all: 1, any: 2, not: 3 } as const;

/** fw_cls_rule.ipopt: option bit numbers (enum fw_cls_ipopt); any = the header has options. */
export const ClsIpopt = { eol: 0, nop: 1, rr: 2, ts: 3, sec: 4, lsrr: 5, esec: 6, satid: 7, ssrr: 8, any: 15 } as const;

/** fw_cls_cfg.features bits (enum fw_cls_feature). */
export const ClsFeature = { ipopts: 1, thresh: 2, pass_late: 4 } as const;

/** fw_cls_rule.flow bits (enum fw_cls_flow_flag): flow keywords and flowbits of a rule. */
export const ClsFlowFlag = {
  established: 1, not_established: 2, to_server: 4, to_client: 8, stateless: 16, flowbits: 32,
} as const;

/** fw_flow.state (enum fw_flow_state). */
export const FlowState = {
  new: 0, syn_sent: 1, syn_recv: 2, established: 3, fin_wait: 4, closing: 5, time_wait: 6, closed: 7, untracked: 8,
} as const;
export type FlowStateName = keyof typeof FlowState;
export const FLOW_STATE_MAX = 9;

/** fw_flow.verdict (enum fw_flow_verdict). */
export const FlowVerdict = { v_none: 0, v_drop: 1, v_pass: 2 } as const;

/** Slots of fw_flow_cfg.timeout_ns (enum fw_flow_timeout) and their defaults in seconds (Suricata's flow-timeouts). */
export const FlowTimeout = {
  tcp_new: 0, tcp_est: 1, tcp_closed: 2, udp_new: 3, udp_est: 4, icmp_new: 5, icmp_est: 6, other_new: 7, other_est: 8,
} as const;
export const FLOW_TIMEOUT_MAX = 9;
export const FLOW_TIMEOUT_DEFAULT_S: Record<keyof typeof FlowTimeout, number> = {
  tcp_new: 60, tcp_est: 600, tcp_closed: 60, udp_new: 30, udp_est: 300, icmp_new: 30, icmp_est: 300, other_new: 30, other_est: 300,
};

/** fw_flow_cfg.midstream (enum fw_flow_midstream). */
export const FlowMidstream = { off: 0, on: 1 } as const;
/** fw_flow_cfg.invalid (enum fw_flow_invalid). */
export const FlowInvalid = { pass: 0, drop: 1 } as const;
/** fw_pkt.tcp_wscale without the option (enum fw_wscale). */
export const Wscale = { none: 0xff } as const;

/** Slots of fw_flow_stats (enum fw_flow_stat); enter + FlowState: transitions into that state. */
export const FlowStat = {
  created: 0, half_insert: 1, half_delete: 2, est_insert: 3, est_delete: 4, promoted: 5, expired: 6, reused: 7,
  invalid: 8, insert_failed: 9, verdict_drop: 10, verdict_pass: 11, no_flow: 12, enter: 16,
} as const;
export const FLOW_STAT_SLOTS = 32;

/** fw_sc_svc.mode (enum fw_sc_mode): auto = while the half-open estimate exceeds the threshold. */
export const ScMode = { auto: 0, always: 1 } as const;
export type ScModeName = keyof typeof ScMode;

/** Slots of fw_sc_stats (enum fw_sc_stat). */
export const ScStat = {
  syn_answered: 0, syn_passed: 1, syn_slow: 2, syn_bad_csum: 3, ack_valid: 4, ack_invalid: 5, ack_conntrack: 6,
  mode_on: 7, ct_reopened: 8,
} as const;
export type ScStatName = keyof typeof ScStat;
export const SC_STAT_MAX = 9;
export const SC_STAT_SLOTS = 16;

/** fw_cls_rule.thr_type (enum fw_thr_type): Suricata threshold types and detection_filter. */
export const ThrType = { none: 0, limit: 1, threshold: 2, both: 3, detection: 4 } as const;
export type ThrTypeName = keyof typeof ThrType;
/** fw_cls_rule.thr_track (enum fw_thr_track). */
export const ThrTrack = { by_src: 0, by_dst: 1, by_rule: 2, by_both: 3, by_flow: 4 } as const;
export type ThrTrackName = keyof typeof ThrTrack;
/** fw_cls_rule.scope (enum fw_cls_scope): whether a deciding verdict is stored on the TCP flow. */
export const ClsScope = { flow: 0, packet: 1, flow_any: 2 } as const;

/** fw_rl_limit.track (enum fw_rl_track). */
export const RlTrack = { src: 0, prefix: 1, rule: 2 } as const;
export type RlTrackName = keyof typeof RlTrack;
/** fw_rl_limit.flags (enum fw_rl_flag). */
export const RlFlag = { monitor: 1 } as const;
/** fw_rl_ctl.ab_flags (enum fw_ab_flag). */
export const AbFlag = { scan: 1, flood: 2, monitor: 4 } as const;
/** fw_event.block_why (enum fw_ab_why). */
export const AbWhy = { rate_limit: 1, scan: 2, flood: 3 } as const;
export type AbWhyName = keyof typeof AbWhy;
/** Slots of fw_ab_stats (enum fw_ab_stat). */
export const AbStat = { scan: 0, flood: 1, rl_block: 2, block_failed: 3 } as const;
export type AbStatName = keyof typeof AbStat;
export const AB_STAT_MAX = 4;

/** Every enum of the ABI header, for the BTF check. */
export const ABI_ENUMS: readonly CEnum[] = [
  cEnum('fw_reason', 'FW_REASON_', { ...Reason, _max: REASON_MAX }),
  cEnum('fw_verdict', 'FW_VERDICT_', { ...Verdict, _max: VERDICT_MAX }),
  cEnum('fw_flag', 'FW_FLAG_', Flag),
  cEnum('fw_malformed_policy', 'FW_MALFORMED_', MalformedPolicy),
  cEnum('fw_family', 'FW_FAMILY_', Family),
  cEnum('fw_frag', 'FW_FRAG_', Frag),
  cEnum('fw_frag_flag', 'FW_FRAGF_', FragFlag),
  cEnum('fw_ext_bit', 'FW_EXT_', ExtBit),
  cEnum('fw_tcp_flag', 'FW_TCP_', TcpFlag),
  cEnum('fw_aset_kind', 'FW_ASET_', { ...AsetKind, _max: ASET_KIND_MAX }),
  cEnum('fw_aset_slot', 'FW_ASET_SLOT_', { ...AsetSlot, _max: ASET_SLOT_MAX }),
  cEnum('fw_block_source', 'FW_BLOCK_', BlockSource),
  cEnum('fw_reject_kind', 'FW_REJECT_', RejectKind),
  cEnum('fw_event_type', 'FW_EVENT_', EventType),
  cEnum('fw_event_action', 'FW_EVENT_ACTION_', EventAction),
  cEnum('fw_event_stat', 'FW_EVENT_STAT_', { ...EventStat, _max: EVENT_STAT_MAX }),
  cEnum('fw_event_batch', 'FW_EVENT_', EventBatch),
  cEnum('fw_sc_mode', 'FW_SC_MODE_', ScMode),
  cEnum('fw_sc_stat', 'FW_SC_STAT_', { ...ScStat, _max: SC_STAT_MAX }),
  cEnum('fw_cls_band', 'FW_CLS_BAND_', { ...ClsBand, _max: CLS_BAND_MAX }),
  cEnum('fw_cls_fin', 'FW_CLS_FIN_', { ...ClsFin, _max: CLS_FIN_MAX }),
  cEnum('fw_cls_layout', 'FW_CLS_', ClsLayout),
  cEnum('fw_cls_ent', 'FW_CLS_ENT_', ClsEnt),
  cEnum('fw_cls_rule_flag', 'FW_CLS_RF_', ClsRuleFlag),
  cEnum('fw_cls_frag_mode', 'FW_CLS_FRAG_', ClsFragMode),
  cEnum('fw_cls_ipopt', 'FW_CLS_IPOPT_', ClsIpopt),
  cEnum('fw_cls_feature', 'FW_CLS_FEAT_', ClsFeature),
  cEnum('fw_thr_type', 'FW_THR_', ThrType),
  cEnum('fw_thr_track', 'FW_THR_', ThrTrack),
  cEnum('fw_rl_track', 'FW_RL_TRACK_', RlTrack),
  cEnum('fw_rl_flag', 'FW_RL_F_', RlFlag),
  cEnum('fw_ab_flag', 'FW_AB_F_', AbFlag),
  cEnum('fw_ab_why', 'FW_AB_WHY_', AbWhy),
  cEnum('fw_ab_stat', 'FW_AB_STAT_', { ...AbStat, _max: AB_STAT_MAX }),
  cEnum('fw_cls_flow_flag', 'FW_CLS_FL_', ClsFlowFlag),
  cEnum('fw_cls_scope', 'FW_CLS_SCOPE_', ClsScope),
  cEnum('fw_flow_state', 'FW_FLOW_', { ...FlowState, state__max: FLOW_STATE_MAX }),
  cEnum('fw_flow_verdict', 'FW_FLOW_', FlowVerdict),
  cEnum('fw_flow_timeout', 'FW_FLOW_TO_', { ...FlowTimeout, _max: FLOW_TIMEOUT_MAX }),
  cEnum('fw_flow_midstream', 'FW_FLOW_MIDSTREAM_', FlowMidstream),
  cEnum('fw_flow_invalid', 'FW_FLOW_INVALID_', FlowInvalid),
  cEnum('fw_wscale', 'FW_WSCALE_', Wscale),
  cEnum('fw_flow_stat', 'FW_FLOW_STAT_', { ...FlowStat, _max: FLOW_STAT_SLOTS }),
];

/** The C enumerator for a TS name: ('FW_REASON_', 'malformed_tcp') -> FW_REASON_MALFORMED_TCP;
 *  '_max' stands for the `__MAX` sentinel. */
export function cEnumeratorName(prefix: string, name: string): string {
  return name === '_max' ? `${prefix}_MAX` : prefix + name.toUpperCase();
}

const REASON_BY_VALUE: readonly string[] = invert(Reason, REASON_SLOTS);
const VERDICT_BY_VALUE: readonly string[] = invert(Verdict, 256);

function invert(values: Record<string, number>, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < size; i++) out.push(`unknown_${i}`);
  for (const [name, v] of Object.entries(values)) out[v] = name;
  return out;
}

/** The name of a reason number; `unknown_<n>` for a number this build does not know (a newer
 *  object). No allocation for known values: this runs per packet. */
export function reasonName(n: number): ReasonLabel {
  return (REASON_BY_VALUE[n] ?? `unknown_${n}`) as ReasonLabel;
}

export function verdictName(n: number): VerdictLabel {
  return (VERDICT_BY_VALUE[n] ?? `unknown_${n}`) as VerdictLabel;
}

/** Names of the bits set in `bits` (flags, tcp flags, ext headers). */
export function bitNames<K extends string>(bits: number, table: Readonly<Record<K, number>>): K[] {
  const out: K[] = [];
  for (const [name, bit] of Object.entries(table) as Array<[K, number]>) if (bits & bit) out.push(name);
  return out;
}
