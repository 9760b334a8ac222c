// threshold and detection_filter of a rule XDP decides alone: the fw_cls_rule fields that
// bpf/lib/cls_thresh.h reads (thr_type, thr_track, thr_count, thr_seconds). Suricata's semantics
// (src/rules/reference/threshold.ts states them); backoff is refused, and so are counts and
// windows the rule table cannot hold.
import { ClsFeature, FW_CLS_RULE, ThrTrack, ThrType } from '../../abi/index.ts';
import type { Rule } from '../ir.ts';
import { PlanError } from './errors.ts';

export interface ThresholdResidual {
  type: number;
  track: number;
  count: number;
  seconds: number;
}

const NONE: ThresholdResidual = { type: ThrType.none, track: 0, count: 0, seconds: 0 };

/** The rule's thr_* fields (type none without either keyword). */
export function thresholdResidual(r: Rule): ThresholdResidual {
  const t = r.threshold;
  const d = r.detectionFilter;
  if (!t && !d) return NONE;
  if (t?.type === 'backoff') {
    throw new PlanError('E_PLAN_UNSUPPORTED',
      `sid ${r.meta.sid} (${r.source.file}:${r.source.line}): \`threshold: type backoff\` on a rule XDP decides alone is not supported (limit, threshold, both are)`,
      { sid: r.meta.sid, keyword: 'threshold' });
  }
  const type = d ? ThrType.detection : ThrType[t!.type as 'limit' | 'threshold' | 'both'];
  const src = (d ?? t)!;
  return { type, track: ThrTrack[src.track], count: src.count, seconds: src.seconds ?? 0 };
}

/** Writes the fields into slot `at` of a fw_cls_rule image; returns the ClsFeature bits it needs. */
export function writeThresholdResidual(rule: Buffer, at: number, t: ThresholdResidual): number {
  const R = FW_CLS_RULE.off;
  rule.writeUInt8(t.type, at + R.thr_type);
  rule.writeUInt8(t.track, at + R.thr_track);
  rule.writeUInt32LE(t.count >>> 0, at + R.thr_count);
  rule.writeUInt32LE(t.seconds >>> 0, at + R.thr_seconds);
  return t.type === ThrType.none ? 0 : ClsFeature.thresh;
}
