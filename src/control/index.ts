// The operator layer under fwctl's instance commands. See README.md.
export { ControlError, type Step } from './errors.ts';
export { DEFAULT_INSTANCE, type Where } from './instance.ts';
export { compileRuleFiles, assertNoErrors, recompile, type CompiledRuleset, type CompileRequest } from './compile.ts';
export { loadRuleset, planOf, type LoadReport, type LoadRequest } from './load.ts';
export { rollback, type RollbackReport } from './rollback.ts';
export { confirm, type ConfirmReport } from './confirm.ts';
export { unload, type UnloadReport } from './unload.ts';
export { status, type StatusReport } from './status.ts';
export { stats, type StatsReport } from './stats.ts';
export { trace, type TraceReport, type TraceRequest } from './trace.ts';
export { checkLockout, type LockoutReport, type LockoutViolation } from './lockout.ts';
export { describeMgmt, mergeMgmt, parseMgmtSpec, parseMgmtTo } from './mgmt.ts';
export { ruleTableOf, readGeneration } from './meta.ts';
export { STATE_ROOT, stateDir } from './files.ts';
export { DEFAULT_MGMT, type Mgmt } from './state.ts';
