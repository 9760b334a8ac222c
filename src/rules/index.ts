// The rule front half's public API: text in, IR and diagnostics out.
//   compileRuleText(sources, {vars, strict})          pure
//   loadRuleFiles(paths, {vars, strict, varFiles})    reads files, then compileRuleText
//   parseVarAssignments(["HOME_NET=[...]"]), loadVarsFile(path), parseVarsJson(text)
//   {thresholdConfig: {file, text}} in either: Suricata's threshold.config applied to the result
export { compileRuleText, type CompileOptions, type RulesetResult, type RulesetSummary, type SkippedRule } from './compile.ts';
export { loadRuleFiles, loadVarsFile, type LoadOptions } from './load.ts';
export { DEFAULT_VARS, mergeVars, parseVarAssignments, parseVarsJson, VarConfigError, type VarConfig } from './vars.ts';
export type { Diagnostic } from './diagnostics.ts';
export type * from './ir.ts';
export { BUFFERS, TCP_FLAG_BITS, FRAG_BITS } from './ir.ts';
export { formatDiagnostic } from './format.ts';
// Suricata's threshold.config: CompileOptions.thresholdConfig / LoadOptions.thresholdConfig apply it.
export { parseThresholdConfig, type ThresholdConfigEntry, type ThresholdConfigResult } from './threshold-config.ts';
export { applyThresholdConfig } from './threshold-config-apply.ts';
export {
  type ActionOrder, DEFAULT_ACTION_ORDER, isDefaultOrder, orderConflict, parseActionOrder, passFirst,
} from './action-order.ts';
export { ACTION_SCOPE_POLICIES, suricataRuleType, type ActionScopePolicy, verdictFlows } from './action-scope.ts';
