// The only I/O of the pipeline: read rule files and vars files, then hand the text to the pure
// compiler. A file that cannot be read is a runtime failure (thrown), not a rule diagnostic.
import { readFile } from 'node:fs/promises';
import { compileRuleText, type RulesetResult } from './compile.ts';
import { mergeVars, parseVarsJson, type VarConfig } from './vars.ts';

export interface LoadOptions {
  /** Variables that override everything else (--var). */
  vars?: Partial<VarConfig>;
  strict?: boolean;
  /** JSON vars files ({"address-groups": {...}, "port-groups": {...}}), applied in order. */
  varFiles?: string[];
  /** Suricata's threshold.config file, applied to the compiled rules. */
  thresholdConfig?: string;
}

export async function loadVarsFile(path: string): Promise<VarConfig> {
  return parseVarsJson(await readFile(path, 'utf8'), path);
}

export async function loadRuleFiles(paths: string[], opts: LoadOptions = {}): Promise<RulesetResult> {
  const fileVars = await Promise.all((opts.varFiles ?? []).map(loadVarsFile));
  const sources = await Promise.all(paths.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
  const thresholdConfig = opts.thresholdConfig === undefined ? undefined : { file: opts.thresholdConfig, text: await readFile(opts.thresholdConfig, 'utf8') };
  return compileRuleText(sources, { vars: mergeVars(...fileVars, opts.vars), strict: opts.strict, ...(thresholdConfig ? { thresholdConfig } : {}) });
}
