// Shared helpers of the rule tests, in esbuild's one-line style:
//   expectRule(t, 'content:"a"; nocase;', 'alert tcp any any -> any any (sid:1; payload{content:"a" nocase}; dpi(...))')
//   expectDiags(t, text, ['E_UNKNOWN_KEYWORD 1:40+7 ~content'])
import type { ExecutionContext } from 'ava';
import { compileRuleText, type CompileOptions, type RulesetResult } from '../../src/rules/index.ts';
import type { Diagnostic } from '../../src/rules/diagnostics.ts';
import { printRule } from '../../src/rules/print.ts';

export function compile(text: string, opts?: CompileOptions): RulesetResult {
  return compileRuleText([{ file: 't.rules', text }], opts);
}

/** A diagnostic as `CODE line:col+length`, with ` ~suggestion` when there is one. */
export function brief(d: Diagnostic): string {
  return `${d.code} ${d.line}:${d.col}+${d.length}${d.suggestion ? ` ~${d.suggestion}` : ''}`;
}

/** Wraps options into a rule with a default header, adding sid:1 unless given. */
export function rule(options: string, header = 'alert tcp any any -> any any'): string {
  return `${header} (${options}${/\bsid\s*:/.test(options) ? '' : ' sid:1;'})`;
}

/** Compiles one rule (options, or a whole rule when it starts with an action) and compares its printed IR. */
export function expectRule(t: ExecutionContext, input: string, printed: string, opts?: CompileOptions): void {
  const text = /^(alert|drop|pass|reject\w*)\s/.test(input) ? input : rule(input);
  const r = compile(text, opts);
  t.deepEqual(r.diagnostics.map(brief), [], `unexpected diagnostics for ${text}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  t.is(r.rules.length, 1, text);
  if (r.rules[0]) t.is(printRule(r.rules[0]), printed, text);
}

export function expectDiags(t: ExecutionContext, text: string, expected: string[], opts?: CompileOptions): RulesetResult {
  const r = compile(text, opts);
  t.deepEqual(r.diagnostics.map(brief), expected, r.diagnostics.map((d) => `${brief(d)}: ${d.message}`).join('\n'));
  return r;
}
