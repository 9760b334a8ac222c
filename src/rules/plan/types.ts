// The classifier plan: what src/datapath/ruleset.ts writes into one generation of the classifier
// maps (bpf/lib/cls_maps.h). Pure data, independent of the generation it will land in: every index
// in the images is relative to the generation's bases (fw_cls_cfg.base_*).
import type { ClsBandName, ClsFinName } from '../../abi/index.ts';
import type { ActionOrder } from '../action-order.ts';
import type { ActionScopePolicy } from '../action-scope.ts';

/** One map's image for one generation: `count` entries of the map's value size, in `data`. */
export interface MapImage {
  /** The map (FW_MAP_CLS_*). */
  map: string;
  /** Map entries (chunks for the chunked maps) this image fills, from the generation's base. */
  count: number;
  /** count * value size bytes, host byte order. */
  data: Buffer;
}

/** The generation's parameters (fw_cls_cfg without the bases, which the loader sets). */
export interface PlanConfig {
  nslots: number;
  nwords: number;
  nsum: number;
  /** First bitmap row of each final field (ClsFin order). */
  fbase: number[];
  /** ClsFeature bits. */
  features: number;
  /** IR rules in the plan. */
  ruleCount: number;
}

/** One IR rule as the classifier holds it. */
export interface PlanRule {
  /** IR Rule.id (the events' rule_idx, readRuleCounters' ruleId). */
  ruleId: number;
  sid: number;
  gid: number;
  band: ClsBandName;
  /** Its slots: one, or two for a `<>` rule. */
  slots: number[];
}

export interface PlanStats {
  rules: number;
  /** Internal rules (`<>` rules count twice). */
  internal: number;
  /** Rule slots, block padding included. */
  slots: number;
  /** Classes per final field, and address classes (trie leaves). */
  classes: Record<ClsFinName, number> & { addr: number };
  trie: { nodes: number; skips: number };
  /** Rule signatures (shapes), each starting a 64-slot block. */
  signatures: number;
  /** Bytes of all images. */
  bytes: number;
  /** Time spent planning, milliseconds. */
  ms: number;
}

export interface ClassifierPlan {
  cfg: PlanConfig;
  /** By map name: fw_cls_root, fw_cls_node, fw_cls_skip, fw_cls_proj, fw_cls_fld, fw_cls_sum, fw_cls_bm, fw_cls_rule. */
  images: Record<string, MapImage>;
  /** The rules, in IR order. */
  rules: PlanRule[];
  /** Slot -> IR Rule.id, -1 for a padding slot. */
  slotRule: Int32Array;
  stats: PlanStats;
}

export interface PlanOptions {
  /** Refuse more rules than this (E_PLAN_TOO_MANY_RULES); default 65536. */
  maxRules?: number;
  /** What a deciding drop/reject/pass of a TCP packet applies to (src/rules/action-scope.ts);
   *  default 'flow'. */
  actionScope?: ActionScopePolicy;
  /** The order matching rules decide in (src/rules/action-order.ts); default pass, drop, reject, alert. */
  actionOrder?: ActionOrder;
}
