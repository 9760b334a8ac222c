// The pure pipeline: rule text → lex → parse → resolve → validate → lower, then the checks that
// span rules (duplicate sids, flowbits never set). No I/O here; load.ts reads files.
import type { Diagnostic } from './diagnostics.ts';
import type { FlowbitOp, Rule } from './ir.ts';
import type { FlowbitsValue } from './keywords/flowbits.ts';
import { lexRule, splitRules } from './lex.ts';
import { Interner, lowerRule } from './lower.ts';
import { parseRule, type ParsedRule } from './parse.ts';
import { Resolver } from './resolve.ts';
import { validateRule, type Resolved, type ValidRule } from './validate.ts';
import { DEFAULT_VARS, mergeVars, type VarConfig } from './vars.ts';

export interface CompileOptions {
  /** Variables on top of Suricata's defaults. */
  vars?: Partial<VarConfig>;
  /** Report unsupported keywords, protocols and actions as errors instead of warnings. */
  strict?: boolean;
}

export interface SkippedRule {
  file: string;
  line: number;
  sid?: number;
  /** The unsupported keywords (or `proto:x`, `action:x`) that made fwctl skip it. */
  reasons: string[];
}

export interface RulesetSummary {
  /** Rules found (comments and blank lines excluded). */
  total: number;
  loaded: number;
  skipped: number;
  /** Rules with errors: neither loaded nor skipped. */
  invalid: number;
  /** Skipped rules per unsupported keyword (a rule counts once under each keyword it uses). */
  skippedByKeyword: Record<string, number>;
  errors: number;
  warnings: number;
}

export interface RulesetResult {
  rules: Rule[];
  skipped: SkippedRule[];
  diagnostics: Diagnostic[];
  summary: RulesetSummary;
}

interface RuleRecord {
  parsed: ParsedRule;
  valid?: ValidRule;
  sid?: number;
  gid: number;
}

function resolveHeader(p: ParsedRule, resolver: Resolver): Resolved {
  const rep = p.report;
  return {
    src: p.srcAddr && resolver.address(p.srcAddr, rep),
    srcPorts: p.srcPort && resolver.port(p.srcPort, rep),
    dst: p.dstAddr && resolver.address(p.dstAddr, rep),
    dstPorts: p.dstPort && resolver.port(p.dstPort, rep),
  };
}

const numberOpt = (p: ParsedRule, name: string): number | undefined => p.parsed.find((o) => o.def.name === name)?.value as number | undefined;

/** Compiles rule texts into IR. Pure: the same input always gives the same result. */
export function compileRuleText(sources: Array<{ file: string; text: string }>, opts: CompileOptions = {}): RulesetResult {
  const resolver = new Resolver(mergeVars(DEFAULT_VARS, opts.vars));
  const strict = opts.strict ?? false;
  const records: RuleRecord[] = [];
  for (const s of sources) {
    for (const src of splitRules(s.file, s.text)) {
      const parsed = parseRule(lexRule(src, strict));
      const resolved = resolveHeader(parsed, resolver);
      const valid = validateRule(parsed, resolved);
      records.push({ parsed, valid, sid: numberOpt(parsed, 'sid'), gid: numberOpt(parsed, 'gid') ?? 1 });
    }
  }
  checkDuplicateSids(records);

  const interner = new Interner();
  const rules: Rule[] = [];
  const skipped: SkippedRule[] = [];
  const loaded: Array<{ rule: Rule; rec: RuleRecord }> = [];
  let invalid = 0;
  for (const rec of records) {
    const rep = rec.parsed.report;
    if (rep.hasErrors) invalid++;
    else if (rep.unsupported.length > 0) {
      skipped.push({ file: rec.parsed.src.file, line: rec.parsed.src.line, ...(rec.sid !== undefined ? { sid: rec.sid } : {}), reasons: [...rep.unsupported] });
    } else if (rec.valid) {
      const rule = lowerRule(rec.valid, rules.length, interner);
      rules.push(rule);
      loaded.push({ rule, rec });
    } else invalid++;
  }
  checkFlowbits(loaded);

  const diagnostics = records.flatMap((r) => r.parsed.report.diagnostics);
  const skippedByKeyword: Record<string, number> = {};
  for (const s of skipped) for (const k of s.reasons) skippedByKeyword[k] = (skippedByKeyword[k] ?? 0) + 1;
  return {
    rules,
    skipped,
    diagnostics,
    summary: {
      total: records.length,
      loaded: rules.length,
      skipped: skipped.length,
      invalid,
      skippedByKeyword,
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    },
  };
}

/** A later rule with the same gid:sid as an earlier (valid or skipped) one is an error. */
function checkDuplicateSids(records: RuleRecord[]): void {
  const first = new Map<string, RuleRecord>();
  for (const rec of records) {
    if (rec.sid === undefined || rec.parsed.report.hasErrors) continue;
    const key = `${rec.gid}:${rec.sid}`;
    const prev = first.get(key);
    if (!prev) {
      first.set(key, rec);
      continue;
    }
    const at = rec.parsed.parsed.find((o) => o.def.name === 'sid')!.raw.valueSpan;
    const where = prev.parsed.src.file === rec.parsed.src.file ? `line ${prev.parsed.src.line}` : `${prev.parsed.src.file}:${prev.parsed.src.line}`;
    rec.parsed.report.report('E_DUPLICATE_SID', `duplicate sid ${rec.sid}${rec.gid !== 1 ? ` (gid ${rec.gid})` : ''}: already used at ${where}`, at);
  }
}

/** isset of a flowbit no loaded rule sets (or toggles) can never match: warn. */
function checkFlowbits(loaded: Array<{ rule: Rule; rec: RuleRecord }>): void {
  const set = new Set<string>();
  for (const { rule } of loaded) for (const f of rule.flowbits) if (f.op === 'set' || f.op === 'toggle') f.names.forEach((n) => set.add(n));
  for (const { rule, rec } of loaded) {
    for (const o of rec.valid!.ruleOptions) {
      if (o.def.name !== 'flowbits') continue;
      const v = o.value as FlowbitsValue;
      if (v === 'noalert' || v.op !== 'isset') continue;
      if (!v.names.some((n) => set.has(n))) {
        const names = v.names.join('|');
        rec.parsed.report.report('W_FLOWBIT_NEVER_SET', `flowbit "${names}" is checked (isset) but no loaded rule sets it; sid ${rule.meta.sid} can never match`, o.raw.valueSpan);
      }
    }
  }
}

export type { FlowbitOp };
