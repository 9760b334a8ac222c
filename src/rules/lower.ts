// Stage 5, lower: a validated rule → IR. Each keyword lowers its own value; this file assembles
// the pieces, fills defaults (gid 1, rev 0, priority from the classtype), decides which rules need
// the DPI worker, and interns values that many rules share (flow; protocols come from one table).
import type { BufferMatch, ContentMatch, FlowMatch, PayloadItem, Rule } from './ir.ts';
import { CLASSIFICATIONS } from './keywords/classifications.ts';
import type { ModifierKeyword, PayloadKeyword, RuleDraft, RuleKeyword } from './keywords/types.ts';
import type { ValidRule } from './validate.ts';

/** Interning tables shared by the rules of one ruleset. */
export class Interner {
  private readonly flows = new Map<string, FlowMatch>();

  flow(f: FlowMatch): FlowMatch {
    const k = `${f.direction ?? ''}|${f.state ?? ''}|${f.stream ?? ''}|${f.frag ?? ''}`;
    let v = this.flows.get(k);
    if (!v) this.flows.set(k, (v = f));
    return v;
  }
}

export function lowerRule(v: ValidRule, id: number, interner: Interner): Rule {
  const p = v.parsed;
  const draft: RuleDraft = { meta: { references: [], metadata: [] }, header: {}, flowbits: [], streamSize: [], noalert: false };
  const reasons = new Set<string>();
  for (const o of v.ruleOptions) {
    const def = o.def as RuleKeyword<unknown>;
    def.lower(o.value, draft);
    if (def.needsDpi) reasons.add(def.name);
  }
  const payload: BufferMatch[] = v.buffers.map((g) => ({
    buffer: g.buffer,
    items: g.items.map((it): PayloadItem => {
      const def = it.opt.def as PayloadKeyword<unknown>;
      reasons.add(def.name);
      if (g.buffer !== 'payload') reasons.add(g.buffer);
      const item = def.lower(it.opt.value);
      for (const m of it.modifiers) (m.def as ModifierKeyword<unknown>).lower(m.value, item as ContentMatch);
      return item;
    }),
  }));
  if (v.app) reasons.add(`app:${v.app}`);
  const m = draft.meta;
  const meta: Rule['meta'] = {
    sid: m.sid!,
    gid: m.gid ?? 1,
    rev: m.rev ?? 0,
    msg: m.msg ?? '',
    priority: m.priority ?? (m.classtype ? CLASSIFICATIONS[m.classtype] : undefined) ?? 3,
    references: m.references,
    metadata: m.metadata,
  };
  if (m.classtype !== undefined) meta.classtype = m.classtype;
  if (m.target) meta.target = m.target;
  const rule: Rule = {
    id,
    action: p.action!,
    noalert: draft.noalert,
    protocol: p.proto!.proto,
    app: v.app,
    src: v.src,
    srcPorts: v.srcPorts,
    direction: p.direction!,
    dst: v.dst,
    dstPorts: v.dstPorts,
    meta,
    header: draft.header,
    flowbits: draft.flowbits,
    streamSize: draft.streamSize,
    payload,
    needsDpi: reasons.size > 0,
    dpiReasons: [...reasons],
    source: { file: p.src.file, line: p.src.line, text: p.src.text.trim() },
  };
  if (draft.flow) rule.flow = interner.flow(draft.flow);
  if (draft.threshold) rule.threshold = draft.threshold;
  if (draft.detectionFilter) rule.detectionFilter = draft.detectionFilter;
  return rule;
}
