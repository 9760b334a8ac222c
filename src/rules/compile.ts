// The pure pipeline: rule text → lex → parse → resolve → validate → lower, then the checks that
// span rules (duplicate sids, flowbits never set). No I/O here; load.ts reads files.
import type { Diagnostic, Reporter, Span } from './diagnostics.ts';
import type { Rule } from './ir.ts';
import type { FlowbitsValue } from './keywords/flowbits.ts';
import { lexRule, splitRules } from './lex.ts';
import { Interner, lowerRule } from './lower.ts';
import { parseRule, type ParsedOption, type ParsedRule } from './parse.ts';
import { Resolver } from './resolve.ts';
import { parseThresholdConfig } from './threshold-config.ts';
import { applyThresholdConfig } from './threshold-config-apply.ts';
import { validateRule, type Resolved } from './validate.ts';
import { DEFAULT_VARS, mergeVars, type VarConfig } from './vars.ts';

export interface CompileOptions {
  /** Variables on top of Suricata's defaults. */
  vars?: Partial<VarConfig>;
  /** Report unsupported keywords, protocols and actions as errors instead of warnings. */
  strict?: boolean;
  /** Suricata's threshold.config (threshold-file), applied to the compiled rules (threshold-config.ts). */
  thresholdConfig?: { file: string; text: string };
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

/** What is kept of a rule once it has gone through the pipeline (the AST is dropped at once). */
interface RuleRecord {
  report: Reporter;
  file: string;
  line: number;
  sid?: number;
  rule?: Rule;
  /** Positions of the rule's `flowbits:isset` options, for the never-set check. */
  issets: Array<{ names: string[]; span: Span }>;
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

function optionValue(p: ParsedRule, name: string): ParsedOption | undefined {
  for (const o of p.parsed) if (o.def.name === name) return o;
  return undefined;
}

/** Compiles rule texts into IR. Pure: the same input always gives the same result. */
export function compileRuleText(sources: Array<{ file: string; text: string }>, opts: CompileOptions = {}): RulesetResult {
  const resolver = new Resolver(mergeVars(DEFAULT_VARS, opts.vars));
  const interner = new Interner();
  const strict = opts.strict ?? false;
  const records: RuleRecord[] = [];
  const rules: Rule[] = [];
  const sids = new Map<string, { file: string; line: number }>();
  for (const s of sources) {
    for (const src of splitRules(s.file, s.text)) {
      const parsed = parseRule(lexRule(src, strict));
      const valid = validateRule(parsed, resolveHeader(parsed, resolver));
      const rep = parsed.report;
      const sidOpt = optionValue(parsed, 'sid');
      const rec: RuleRecord = { report: rep, file: src.file, line: src.line, issets: [] };
      if (sidOpt) rec.sid = sidOpt.value as number;
      if (sidOpt && !rep.hasErrors) checkDuplicateSid(parsed, sidOpt, sids);
      if (valid && !rep.hasErrors && rep.unsupported.length === 0) {
        rec.rule = lowerRule(valid, rules.length, interner);
        rules.push(rec.rule);
        for (const o of valid.ruleOptions) {
          const v = o.def.name === 'flowbits' ? (o.value as FlowbitsValue) : undefined;
          if (v && v !== 'noalert' && v.op === 'isset') rec.issets.push({ names: v.names, span: o.raw.valueSpan });
        }
      }
      records.push(rec);
    }
  }
  checkFlowbits(records);

  const skipped: SkippedRule[] = [];
  let invalid = 0;
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  let warnings = 0;
  for (const rec of records) {
    const rep = rec.report;
    if (rep.hasErrors) invalid++;
    else if (rep.unsupported.length > 0) {
      skipped.push({ file: rec.file, line: rec.line, ...(rec.sid !== undefined ? { sid: rec.sid } : {}), reasons: [...rep.unsupported] });
    }
    for (const d of rep.diagnostics) {
      diagnostics.push(d);
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
    }
  }
  const skippedByKeyword: Record<string, number> = {};
  for (const s of skipped) for (const k of s.reasons) skippedByKeyword[k] = (skippedByKeyword[k] ?? 0) + 1;
  const result: RulesetResult = {
    rules,
    skipped,
    diagnostics,
    summary: { total: records.length, loaded: rules.length, skipped: skipped.length, invalid, skippedByKeyword, errors, warnings },
  };
  const tc = opts.thresholdConfig;
  return tc ? applyThresholdConfig(result, parseThresholdConfig(tc.file, tc.text, resolver, strict), strict) : result;
}

/** A later rule with the same gid:sid as an earlier (loaded or skipped) one is an error. */
function checkDuplicateSid(p: ParsedRule, sidOpt: ParsedOption, seen: Map<string, { file: string; line: number }>): void {
  const sid = sidOpt.value as number;
  const gid = (optionValue(p, 'gid')?.value as number | undefined) ?? 1;
  const key = `${gid}:${sid}`;
  const prev = seen.get(key);
  if (!prev) {
    seen.set(key, { file: p.src.file, line: p.src.line });
    return;
  }
  const where = prev.file === p.src.file ? `line ${prev.line}` : `${prev.file}:${prev.line}`;
  p.report.report('E_DUPLICATE_SID', `duplicate sid ${sid}${gid !== 1 ? ` (gid ${gid})` : ''}: already used at ${where}`, sidOpt.raw.valueSpan);
}

/** isset of a flowbit no loaded rule sets (or toggles) can never match: warn. */
function checkFlowbits(records: RuleRecord[]): void {
  const set = new Set<string>();
  for (const r of records) for (const f of r.rule?.flowbits ?? []) if (f.op === 'set' || f.op === 'toggle') for (const n of f.names) set.add(n);
  for (const r of records) {
    for (const i of r.issets) {
      if (i.names.some((n) => set.has(n))) continue;
      r.report.report('W_FLOWBIT_NEVER_SET', `flowbit "${i.names.join('|')}" is checked (isset) but no loaded rule sets it; sid ${r.sid} can never match`, i.span);
    }
  }
}

