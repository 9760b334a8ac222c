// The live lab: three namespaces, the XDP datapath on the gateway, real traffic, a report. See README.md.
export { runLab, type LabOptions } from './lab.ts';
export { cleanupLab, cleanupLine, type CleanupReport } from './cleanup.ts';
export { checkLabName, labNameFor, labPlan, LAB_NAME, ownedBy, type LabPlan } from './plan.ts';
export { addrsetExpect, loadLabPolicy, readSetHits, type AppliedPolicy, type Expectation, type ExpectedOutcome, type SetHits } from './policy.ts';
export { BASELINE, describeProbe, listenersFor, probesOf, type Probe, type ProbeSpec, type Proto } from './probes.ts';
export { renderText, type LabReport, type ProbeRecord } from './report.ts';
export { LabError } from './sh.ts';
export { LAB_STATE_DIR, loadState, ownerAlive, removeState, statePath, type LabState } from './state.ts';
export { judge, PASSING_REASONS, type Observed, type ProbeResult } from './traffic.ts';
