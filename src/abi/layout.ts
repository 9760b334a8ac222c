// The structs of bpf/include/fwctl_abi.h: size and every member's offset and size, in declaration
// order. Codecs (codec.ts) read through the `off` tables; test/abi.test.ts checks each layout
// against the object's BTF, so a change on one side without the other fails a test.

import { EventBatch } from './enums.ts';

export interface Member {
  readonly name: string;
  readonly offset: number;
  /** Bytes; for an array, the whole array. */
  readonly size: number;
}

export interface StructLayout<N extends string = string> {
  readonly cName: string;
  readonly size: number;
  readonly members: readonly Member[];
  /** Member name -> offset. */
  readonly off: Readonly<Record<N, number>>;
}

type Spec = readonly (readonly [name: string, size: number])[];

/** Lays out members C-style (each aligned to its own size, arrays to their element) and checks the
 *  result is the size the header states, so a typo here fails at import rather than in a test. */
function layout<const S extends Spec>(cName: string, size: number, spec: S, elem: Record<string, number> = {}):
    StructLayout<S[number][0]> {
  const members: Member[] = [];
  let at = 0;
  for (const [name, sz] of spec) {
    const align = elem[name] ?? sz;
    at = Math.ceil(at / align) * align;
    members.push({ name, offset: at, size: sz });
    at += sz;
  }
  if (at !== size) throw new Error(`abi: ${cName} lays out to ${at} bytes, header says ${size}`);
  const off = Object.fromEntries(members.map((m) => [m.name, m.offset])) as Record<S[number][0], number>;
  return Object.freeze({ cName, size, members: Object.freeze(members), off: Object.freeze(off) });
}

/** Per-CPU counter: the value of fw_reason_stats. */
export const FW_COUNTER = layout('fw_counter', 16, [['packets', 8], ['bytes', 8]]);

/** The 32-byte XDP metadata area of a test run. */
export const FW_META = layout('fw_meta', 32, [
  ['ts_ns', 8], ['magic', 4], ['sig_id', 4], ['verdict', 2], ['reason', 2], ['flags', 4], ['_pad', 8],
], { _pad: 4 });

/** The parsed packet (fw_dbg_pkt value). */
export const FW_PKT = layout('fw_pkt', 104, [
  ['ts_ns', 8], ['saddr', 16], ['daddr', 16], ['tcp_seq', 4], ['tcp_ack', 4], ['frag_id', 4],
  ['l3_proto', 2], ['l3_off', 2], ['l4_off', 2], ['payload_off', 2], ['ip_len', 2], ['dsize', 2],
  ['sport', 2], ['dport', 2], ['tcp_win', 2], ['icmp_id', 2], ['icmp_seq', 2], ['frag_off', 2],
  ['vlan_id', 4], ['family', 1], ['l4_proto', 1], ['tcp_flags', 1], ['icmp_type', 1], ['icmp_code', 1],
  ['ttl', 1], ['tos', 1], ['vlan_depth', 1], ['ext_depth', 1], ['ext_seen', 1], ['frag', 1],
  ['frag_flags', 1], ['has_l4', 1], ['ip_opts', 1], ['tcp_wscale', 1], ['_pad', 1], ['ifindex', 4], ['frame_len', 4],
], { saddr: 4, daddr: 4, vlan_id: 2, _pad: 1 });

/** LPM trie keys of the address sets: prefix length, then the address in network order. */
export const FW_LPM_V4 = layout('fw_lpm_v4', 8, [['prefixlen', 4], ['addr', 4]]);
export const FW_LPM_V6 = layout('fw_lpm_v6', 20, [['prefixlen', 4], ['addr', 16]], { addr: 4 });

/** fw_block.reason bytes (FW_BLOCK_REASON_LEN). */
export const BLOCK_REASON_LEN = 40;
/** fw_block.expires_ns of a block without a TTL (FW_BLOCK_NEVER). */
export const BLOCK_NEVER = 0xffffffffffffffffn;

/** Value of the dynamic block list (fw_block4/fw_block6). */
export const FW_BLOCK = layout('fw_block', 72, [
  ['expires_ns', 8], ['added_ns', 8], ['hits', 8], ['prefixlen', 4], ['source', 1], ['_pad', 3],
  ['reason', BLOCK_REASON_LEN],
], { _pad: 1, reason: 1 });

/** Value of fw_aset_lock: the process holding a set's writer lock. */
export const FW_ASET_OWNER = layout('fw_aset_owner', 16, [['pid', 4], ['_pad', 4], ['start_time', 8]]);

/** One record of the fw_events ring buffer (an alert). */
export const FW_EVENT = layout('fw_event', 96, [
  ['ts_ns', 8], ['saddr', 16], ['daddr', 16], ['sid', 4], ['rule_idx', 4], ['ifindex', 4], ['pkt_len', 4],
  ['sport', 2], ['dport', 2], ['vlan_id', 4], ['type', 1], ['action', 1], ['verdict', 1], ['family', 1],
  ['l4_proto', 1], ['tcp_flags', 1], ['icmp_type', 1], ['icmp_code', 1], ['vlan_depth', 1], ['has_l4', 1],
  ['_pad', 6], ['expires_ns', 8], ['block_why', 4], ['block_id', 4],
], { saddr: 4, daddr: 4, vlan_id: 2, _pad: 1 });

/** One alert after the first of a record (fw_event_alerts.alerts[i]). */
export const FW_EVENT_ALERT = layout('fw_event_alert', 12, [['sid', 4], ['rule_idx', 4], ['action', 1], ['_pad', 3]], { _pad: 1 });

/** A packet's alerts, one ring record: the fw_event header (the packet, its first alert), then
 *  `more` fw_event_alert entries; the record is offsetof(alerts) + more * 12 bytes long. */
export const FW_EVENT_ALERTS = layout('fw_event_alerts', 272, [
  ['ev', FW_EVENT.size], ['more', 4], ['_pad', 4], ['alerts', (EventBatch.batch - 1) * FW_EVENT_ALERT.size],
], { ev: 8, alerts: 4 });

/** The flood guard's per-CPU token bucket (fw_event_bucket value). */
export const FW_EVENT_BUCKET = layout('fw_event_bucket', 24, [
  ['tokens', 8], ['last_ns', 8], ['primed', 4], ['_pad', 4],
]);

/** Slots of fw_event_stats (FW_EVENT_STAT_SLOTS): room for stats appended later. */
export const EVENT_STAT_SLOTS = 8;
/** cfg_event_cpu value: the running CPU's slot (FW_EVENT_CPU_LOCAL). */
export const EVENT_CPU_LOCAL = 0xffffffff;


/** Classifier generation parameters (fw_cls_cfg value, by generation). */
export const FW_CLS_CFG = layout('fw_cls_cfg', 104, [
  ['loaded', 4], ['nslots', 4], ['nwords', 4], ['nsum', 4], ['fbase', 32], ['base_root', 4], ['base_fld', 4],
  ['base_proj', 4], ['base_rule', 4], ['base_sum', 4], ['base_bm', 4], ['base_node', 4], ['base_skip', 4],
  ['features', 4], ['rule_count', 4],
  ['epoch', 4], ['tag', 4], ['loaded_at_ns', 8],
], { fbase: 4 });

/** Chunks of 256 u32 / 32 u64 (the array maps' values). */
export const FW_CLS_C32 = layout('fw_cls_c32', 1024, [['e', 1024]], { e: 4 });
export const FW_CLS_C64 = layout('fw_cls_c64', 256, [['e', 256]], { e: 8 });

/** A path-compressed run of the address trie. */
export const FW_CLS_SKIP = layout('fw_cls_skip', 48, [
  ['mask', 16], ['val', 16], ['next', 4], ['miss', 4], ['depth', 4], ['_pad', 4],
], { mask: 8, val: 8 });

/** Address class -> source-side and destination-side classes. */
export const FW_CLS_PROJ = layout('fw_cls_proj', 8, [['s', 4], ['d', 4]]);

/** One rule slot of the classifier. */
export const FW_CLS_RULE = layout('fw_cls_rule', 96, [
  ['rule_id', 4], ['sid', 4], ['rank', 4], ['twin', 4], ['band', 1], ['action', 1], ['reject_kind', 1], ['flags', 1],
  ['frag_mode', 1], ['frag_bits', 1], ['ipopt', 1], ['flow', 1], ['icmp_id', 2], ['icmp_seq', 2], ['thr_count', 4],
  ['fb_all', 8], ['fb_any', 8], ['fb_none', 8], ['fb_notany', 8], ['fb_set', 8], ['fb_unset', 8], ['fb_toggle', 8],
  ['thr_seconds', 4], ['thr_type', 1], ['thr_track', 1], ['scope', 1], ['_pad3', 1],
]);

/** The flow table (bpf/lib/flow.h): key (the ABI's fw_flow_key function builds it), value, config. */
export const FW_FLOW_KEY = layout('fw_flow_key', 44, [
  ['addr', 32], ['port', 4], ['vlan', 4], ['family', 1], ['proto', 1], ['_pad', 2],
], { addr: 4, port: 2, vlan: 2 });
/** One side's TCP sequence space (fw_flow.win[i]). */
export const FW_FLOW_WIN = layout('fw_flow_win', 16, [
  ['end', 4], ['maxend', 4], ['maxwin', 4], ['scale', 1], ['known', 1], ['_pad', 2],
]);
export const FW_FLOW = layout('fw_flow', 88, [
  ['first_ns', 8], ['last_ns', 8], ['flowbits', 8], ['pkts', 16], ['sid', 4], ['epoch', 4],
  ['state', 1], ['client', 1], ['verdict', 1], ['fin', 1], ['nowin', 1], ['_pad', 3], ['win', 2 * FW_FLOW_WIN.size],
], { pkts: 8, win: 4, _pad: 1 });
export const FW_FLOW_CFG = layout('fw_flow_cfg', 136, [['timeout_ns', 128], ['midstream', 4], ['invalid', 4]], { timeout_ns: 8 });

/** SYN cookies (bpf/lib/syncookie.h): a protected service's key and its settings + estimate. */
export const FW_SC_KEY = layout('fw_sc_key', 20, [['addr', 16], ['port', 2], ['family', 1], ['_pad', 1]], { addr: 4 });
export const FW_SC_SVC = layout('fw_sc_svc', 64, [
  ['window_ns', 8], ['threshold', 4], ['mode', 1], ['wscale', 1], ['mss', 2], ['win_start_ns', 8], ['win_syn', 4],
  ['win_done', 4], ['prev_half_open', 4], ['cookie_on', 4], ['syn_answered', 8], ['ack_valid', 8], ['ack_invalid', 8],
]);

/** Threshold / detection_filter counters (bpf/lib/cls_thresh.h). */
export const FW_THR_KEY = layout('fw_thr_key', 48, [
  ['rule_id', 4], ['epoch', 4], ['addr', 32], ['port', 4], ['family', 1], ['proto', 1], ['track', 1], ['_pad', 1],
], { addr: 4, port: 2 });
export const FW_THR_STATE = layout('fw_thr_state', 24, [['tv1_ns', 8], ['seq', 8], ['count', 4], ['result', 4]]);

/** Rate limits and automatic blocks (bpf/lib/ratelimit.h, autoblock.h). */
export const FW_RL_CTL = layout('fw_rl_ctl', 48, [
  ['nlimits', 4], ['ab_flags', 4], ['scan_ports', 4], ['_pad', 4], ['scan_window_ns', 8], ['flood_packets', 8],
  ['flood_window_ns', 8], ['block_ns', 8],
]);
export const FW_RL_LIMIT = layout('fw_rl_limit', 56, [
  ['id', 4], ['flags', 4], ['track', 1], ['prefix4', 1], ['prefix6', 1], ['_pad', 1], ['sid', 4], ['pps', 8],
  ['pburst', 8], ['bps', 8], ['bburst', 8], ['block_ns', 8],
]);
export const FW_RL_KEY = layout('fw_rl_key', 28, [['id', 4], ['sid', 4], ['addr', 16], ['family', 1], ['_pad', 3]], { addr: 4, _pad: 1 });
export const FW_RL_BUCKET = layout('fw_rl_bucket', 24, [['ptokens', 8], ['btokens', 8], ['last_ns', 8]]);
export const FW_RL_STAT = layout('fw_rl_stat', 24, [['passed', 8], ['exceeded', 8], ['blocked', 8]]);
export const FW_AB_KEY = layout('fw_ab_key', 20, [['addr', 16], ['family', 1], ['_pad', 3]], { addr: 4, _pad: 1 });
export const FW_AB_SRC = layout('fw_ab_src', 32, [
  ['scan_start', 8], ['flood_start', 8], ['flood_count', 8], ['scan_count', 4], ['_pad', 4],
]);
export const FW_AB_PORT_KEY = layout('fw_ab_port_key', 32, [
  ['addr', 16], ['win', 8], ['port', 2], ['family', 1], ['proto', 1], ['_pad', 4],
], { addr: 4 });
/** Rate limit slots (FW_RL_MAX) and fw_ab_stats slots (FW_AB_STAT_SLOTS). */
export const RL_MAX = 16;
export const AB_STAT_SLOTS = 8;

export const ABI_STRUCTS: readonly StructLayout[] = [
  FW_COUNTER, FW_META, FW_PKT, FW_LPM_V4, FW_LPM_V6, FW_BLOCK, FW_ASET_OWNER, FW_EVENT, FW_EVENT_ALERT, FW_EVENT_ALERTS, FW_EVENT_BUCKET,
  FW_CLS_CFG, FW_CLS_C32, FW_CLS_C64, FW_CLS_SKIP, FW_CLS_PROJ, FW_CLS_RULE, FW_FLOW_KEY, FW_FLOW, FW_FLOW_CFG,
  FW_FLOW_WIN, FW_SC_KEY, FW_SC_SVC,
  FW_THR_KEY, FW_THR_STATE, FW_RL_CTL, FW_RL_LIMIT, FW_RL_KEY, FW_RL_BUCKET, FW_RL_STAT, FW_AB_KEY, FW_AB_SRC, FW_AB_PORT_KEY,
];

/** The XDP context a test run passes (struct xdp_md, uapi): what ctx_in holds. */
export const XDP_MD = layout('xdp_md', 24, [
  ['data', 4], ['data_end', 4], ['data_meta', 4], ['ingress_ifindex', 4], ['rx_queue_index', 4],
  ['egress_ifindex', 4],
]);

/** fw_meta.magic written by userspace: "this area is a fw_meta". */
export const FW_META_MAGIC = 0x4d57461f;
/** fw_meta.magic after the program wrote its result. */
export const FW_META_MAGIC_DONE = 0x4d57462f;

/** Map names (FW_MAP_*), as opened and pinned. */
export const MapName = {
  reasonStats: 'fw_reason_stats',
  dbgPkt: 'fw_dbg_pkt',
  aset4: 'fw_aset4',
  aset6: 'fw_aset6',
  allow4A: 'fw_allow4_a',
  allow4B: 'fw_allow4_b',
  allow6A: 'fw_allow6_a',
  allow6B: 'fw_allow6_b',
  deny4A: 'fw_deny4_a',
  deny4B: 'fw_deny4_b',
  deny6A: 'fw_deny6_a',
  deny6B: 'fw_deny6_b',
  block4: 'fw_block4',
  block6: 'fw_block6',
  asetCount: 'fw_aset_count',
  asetLock: 'fw_aset_lock',
  events: 'fw_events',
  eventStats: 'fw_event_stats',
  eventBucket: 'fw_event_bucket',
  clsActive: 'fw_cls_active',
  clsBarrier: 'fw_cls_barrier',
  clsCfg: 'fw_cls_cfg',
  clsRoot: 'fw_cls_root',
  clsNode: 'fw_cls_node',
  clsSkip: 'fw_cls_skip',
  clsProj: 'fw_cls_proj',
  clsFld: 'fw_cls_fld',
  clsSum: 'fw_cls_sum',
  clsBm: 'fw_cls_bm',
  clsRule: 'fw_cls_rule',
  clsHits: 'fw_cls_hits',
  flowHalf: 'fw_flow_half',
  flowEst: 'fw_flow_est',
  flowStats: 'fw_flow_stats',
  flowCfg: 'fw_flow_cfg',
  scSvc: 'fw_sc_svc',
  scCount: 'fw_sc_count',
  scStats: 'fw_sc_stats',
  thrState: 'fw_thr_state',
  rlCtl: 'fw_rl_ctl',
  rlCfg: 'fw_rl_cfg',
  rlState: 'fw_rl_state',
  rlStats: 'fw_rl_stats',
  abState: 'fw_ab_state',
  abPorts: 'fw_ab_ports',
  abStats: 'fw_ab_stats',
} as const;

/** The XDP program's function name in the object. */
export const PROG_NAME = 'fw_xdp';

/** Knob names (`const volatile` globals in .rodata). */
export const Knob = {
  malformedPolicy: 'cfg_malformed_policy',
  debugPkt: 'cfg_debug_pkt',
  eventRate: 'cfg_event_rate',
  eventBurst: 'cfg_event_burst',
  eventRatelimit: 'cfg_event_ratelimit',
  eventCpu: 'cfg_event_cpu',
} as const;
