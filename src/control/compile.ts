// Rule files → IR, keeping what a generation must remember to be compiled again exactly: the
// text of every file and the variables given (trace recompiles them; same text, same IR ids).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import {
  ACTION_SCOPE_POLICIES, type ActionOrder, type ActionScopePolicy, DEFAULT_ACTION_ORDER, isDefaultOrder, parseActionOrder, compileRuleText, loadVarsFile, mergeVars, parseVarAssignments, type RulesetResult, type VarConfig,
  VarConfigError,
} from '../rules/index.ts';
import { ControlError } from './errors.ts';

export interface CompileRequest {
  files: readonly string[];
  /** --var NAME=VALUE */
  vars?: readonly string[];
  /** --vars FILE (JSON) */
  varFiles?: readonly string[];
  strict?: boolean;
  /** --threshold-config FILE (Suricata's threshold.config) */
  thresholdConfig?: string;
  /** --action-scope flow|suricata (src/rules/action-scope.ts); default flow */
  actionScope?: string;
  /** --action-order pass,drop,reject,alert in some order (src/rules/action-order.ts) */
  actionOrder?: string;
}

export interface CompiledRuleset {
  result: RulesetResult;
  /** The rule files as read (file as given, absolute path, text). */
  sources: Array<{ file: string; path: string; text: string }>;
  /** The variables given (vars files, then --var), without Suricata's defaults. */
  vars: VarConfig;
  strict: boolean;
  /** The threshold.config as read (file as given, text), when one was given. */
  thresholdConfig?: { file: string; text: string };
  /** What a deciding verdict of a TCP packet applies to (the plan's actionScope). */
  actionScope: ActionScopePolicy;
  /** The order matching rules decide in (the plan's actionOrder). */
  actionOrder: ActionOrder;
  /** sha256 over the texts, the variables and strictness (and the threshold.config, and the action
   *  scope when it is not the default). */
  hash: string;
}

function fileError(e: unknown): ControlError | null {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : null;
  return why ? new ControlError('E_CLI_FILE', 'check', 'invalid', `cannot read ${err.path ?? 'file'}: ${why}`) : null;
}

export function rulesetHash(sources: ReadonlyArray<{ file: string; text: string }>, vars: VarConfig, strict: boolean, thresholdConfig?: { file: string; text: string },
  actionScope: ActionScopePolicy = 'flow', actionOrder: ActionOrder = DEFAULT_ACTION_ORDER): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ vars, strict }));
  for (const s of sources) h.update(`\0${s.file}\0${s.text}`);
  if (thresholdConfig) h.update(`\0threshold-config\0${thresholdConfig.file}\0${thresholdConfig.text}`);
  if (actionScope !== 'flow') h.update(`\0action-scope\0${actionScope}`);
  if (!isDefaultOrder(actionOrder)) h.update(`\0action-order\0${actionOrder.join(',')}`);
  return h.digest('hex');
}

/** --action-order's value, checked (an input error says what is wrong). */
export function parseActionOrderOption(v: string | undefined): ActionOrder {
  if (v === undefined) return DEFAULT_ACTION_ORDER;
  const o = parseActionOrder(v);
  if (o instanceof Error) throw new ControlError('E_CLI_BAD_VALUE', 'args', 'invalid', `--action-order: ${o.message}`);
  return o;
}

/** --action-scope's value, checked (an input error names the choices). */
export function parseActionScope(v: string | undefined): ActionScopePolicy {
  if (v === undefined) return 'flow';
  if ((ACTION_SCOPE_POLICIES as readonly string[]).includes(v)) return v as ActionScopePolicy;
  throw new ControlError('E_CLI_BAD_VALUE', 'args', 'invalid', `--action-scope takes ${ACTION_SCOPE_POLICIES.join(' or ')}, not "${v}"`);
}

/** Reads and compiles. Unreadable files and bad variables are input errors (step check). */
export async function compileRuleFiles(req: CompileRequest): Promise<CompiledRuleset> {
  if (req.files.length === 0) throw new ControlError('E_CLI_MISSING_ARGUMENT', 'args', 'invalid', 'at least one rule FILE is needed');
  const actionScope = parseActionScope(req.actionScope);
  const actionOrder = parseActionOrderOption(req.actionOrder);
  let vars: VarConfig;
  let sources: CompiledRuleset['sources'];
  let thresholdConfig: CompiledRuleset['thresholdConfig'];
  try {
    const fileVars = await Promise.all((req.varFiles ?? []).map(loadVarsFile));
    vars = mergeVars(...fileVars, parseVarAssignments([...(req.vars ?? [])]));
    sources = await Promise.all(req.files.map(async (file) => ({ file, path: resolve(file), text: await readFile(file, 'utf8') })));
    if (req.thresholdConfig !== undefined) thresholdConfig = { file: req.thresholdConfig, text: await readFile(req.thresholdConfig, 'utf8') };
  } catch (e) {
    if (e instanceof VarConfigError) throw new ControlError(e.code, 'check', 'invalid', e.message);
    throw fileError(e) ?? e;
  }
  const strict = req.strict ?? false;
  const result = compileRuleText(sources.map((s) => ({ file: s.file, text: s.text })), { vars, strict, ...(thresholdConfig ? { thresholdConfig } : {}) });
  return {
    result, sources, vars, strict, ...(thresholdConfig ? { thresholdConfig } : {}), actionScope, actionOrder,
    hash: rulesetHash(sources, vars, strict, thresholdConfig, actionScope, actionOrder),
  };
}

/** Compiles a stored generation again (gen-N.rules.json). */
export function recompile(stored: {
  sources: ReadonlyArray<{ file: string; text: string }>; vars: VarConfig; strict: boolean; thresholdConfig?: { file: string; text: string };
}): RulesetResult {
  return compileRuleText(stored.sources.map((s) => ({ file: s.file, text: s.text })), {
    vars: stored.vars, strict: stored.strict, ...(stored.thresholdConfig ? { thresholdConfig: stored.thresholdConfig } : {}),
  });
}

/** The check step's verdict: any error diagnostic refuses the ruleset. */
export function assertNoErrors(c: CompiledRuleset): void {
  const s = c.result.summary;
  if (s.errors > 0) {
    throw new ControlError('E_RULES', 'check', 'invalid', `${s.errors} error${s.errors === 1 ? '' : 's'} in ${c.sources.map((x) => x.file).join(', ')}; nothing was changed`, {
      diagnostics: c.result.diagnostics,
    });
  }
}
