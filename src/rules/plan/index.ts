// The classifier planner: IR rules -> the map images of one classifier generation. Pure. See
// README.md for the model.
export { PlanError, type PlanErrorCode } from './errors.ts';
export type { ClassifierPlan, MapImage, PlanConfig, PlanOptions, PlanRule, PlanStats } from './types.ts';
export { planRuleset } from './plan.ts';
