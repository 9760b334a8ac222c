// The flow keywords and flowbits of a header rule -> fw_cls_rule.flow and the fb_* masks, checked
// per visit against the packet's flow (bpf/lib/flow.h flow_residual). Flowbit names get bit
// numbers per ruleset (sorted names of the rules XDP decides, at most 64).
import { ClsFlowFlag, type ClsBandName, FW_CLS_RULE } from '../../abi/index.ts';
import type { Rule } from '../ir.ts';
import { PlanError } from './errors.ts';

export const MAX_FLOWBITS = 64;

export interface FlowResidual {
  /** fw_cls_rule.flow (ClsFlowFlag bits). */
  flags: number;
  all: bigint;
  any: bigint;
  none: bigint;
  notany: bigint;
  set: bigint;
  unset: bigint;
  toggle: bigint;
}

const ZERO: FlowResidual = { flags: 0, all: 0n, any: 0n, none: 0n, notany: 0n, set: 0n, unset: 0n, toggle: 0n };

/** Bit number of every flowbit name the rules use (sorted by name), or PlanError past 64. */
export function flowbitNumbers(rules: readonly Rule[]): Map<string, number> {
  const names = [...new Set(rules.flatMap((r) => r.flowbits.flatMap((f) => f.names)))].sort();
  if (names.length > MAX_FLOWBITS) {
    const r = rules.find((x) => x.flowbits.some((f) => f.names.includes(names[MAX_FLOWBITS])))!;
    throw new PlanError('E_PLAN_UNSUPPORTED',
      `sid ${r.meta.sid} (${r.source.file}:${r.source.line}): more than ${MAX_FLOWBITS} flowbit names on rules XDP decides (${names.length})`,
      { sid: r.meta.sid, keyword: 'flowbits' });
  }
  return new Map(names.map((n, i) => [n, i]));
}

/** Refuses the flow options XDP cannot decide: only_stream and only_frag (no reassembly here). */
export function refuseFlow(r: Rule): void {
  const f = r.flow;
  if (!f) return;
  const what = f.stream === 'only' ? 'only_stream' : f.frag === 'only' ? 'only_frag' : null;
  if (what) {
    throw new PlanError('E_PLAN_UNSUPPORTED',
      `sid ${r.meta.sid} (${r.source.file}:${r.source.line}): \`flow:${what}\` needs reassembly, which XDP does not do`,
      { sid: r.meta.sid, keyword: 'flow' });
  }
}

/** A rule's flow conditions and flowbit masks (flag-band rules: none, the DPI worker's business). */
export function flowResidual(r: Rule, band: ClsBandName, bits: ReadonlyMap<string, number>): FlowResidual {
  if (band === 'flag' || (!r.flow && r.flowbits.length === 0)) return ZERO;
  const out: FlowResidual = { ...ZERO };
  const f = r.flow;
  if (f?.state === 'established') out.flags |= ClsFlowFlag.established;
  if (f?.state === 'not_established') out.flags |= ClsFlowFlag.not_established;
  if (f?.state === 'stateless') out.flags |= ClsFlowFlag.stateless;
  if (f?.direction === 'to_server') out.flags |= ClsFlowFlag.to_server;
  if (f?.direction === 'to_client') out.flags |= ClsFlowFlag.to_client;
  const mask = (names: string[]) => names.reduce((m, n) => m | (1n << BigInt(bits.get(n)!)), 0n);
  for (const op of r.flowbits) {
    const m = mask(op.names);
    switch (op.op) {
      case 'set': out.set |= m; break;
      case 'unset': out.unset |= m; break;
      case 'toggle': out.toggle ^= m; break;
      case 'isset':
        if (op.names.length === 1) out.all |= m;
        else if (out.any) throw twoGroups(r, 'isset');
        else out.any = m;
        break;
      case 'isnotset':
        if (op.names.length === 1) out.none |= m;
        else if (out.notany) throw twoGroups(r, 'isnotset');
        else out.notany = m;
        break;
    }
  }
  if (r.flowbits.length) out.flags |= ClsFlowFlag.flowbits;
  return out;
}

function twoGroups(r: Rule, op: string): PlanError {
  return new PlanError('E_PLAN_UNSUPPORTED',
    `sid ${r.meta.sid} (${r.source.file}:${r.source.line}): two \`flowbits:${op}\` groups with \`|\` in one rule (XDP holds one)`,
    { sid: r.meta.sid, keyword: 'flowbits' });
}

/** Writes the flow byte and the seven masks of one fw_cls_rule slot at `at`. */
export function writeFlowResidual(buf: Buffer, at: number, f: FlowResidual): void {
  const R = FW_CLS_RULE.off;
  buf.writeUInt8(f.flags, at + R.flow);
  buf.writeBigUInt64LE(f.all, at + R.fb_all);
  buf.writeBigUInt64LE(f.any, at + R.fb_any);
  buf.writeBigUInt64LE(f.none, at + R.fb_none);
  buf.writeBigUInt64LE(f.notany, at + R.fb_notany);
  buf.writeBigUInt64LE(f.set, at + R.fb_set);
  buf.writeBigUInt64LE(f.unset, at + R.fb_unset);
  buf.writeBigUInt64LE(f.toggle, at + R.fb_toggle);
}
