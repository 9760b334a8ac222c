// The rule front half's public API: text in, IR and diagnostics out.
//   compileRuleText(sources, {vars, strict})          pure
//   loadRuleFiles(paths, {vars, strict, varFiles})    reads files, then compileRuleText
//   parseVarAssignments(["HOME_NET=[...]"]), loadVarsFile(path), parseVarsJson(text)
export { compileRuleText, type CompileOptions, type RulesetResult, type RulesetSummary, type SkippedRule } from './compile.ts';
export { loadRuleFiles, loadVarsFile, type LoadOptions } from './load.ts';
export { DEFAULT_VARS, mergeVars, parseVarAssignments, parseVarsJson, VarConfigError, type VarConfig } from './vars.ts';
export type { Diagnostic } from './diagnostics.ts';
export type * from './ir.ts';
export { BUFFERS, TCP_FLAG_BITS, FRAG_BITS } from './ir.ts';
export { formatDiagnostic } from './format.ts';
