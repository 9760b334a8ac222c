// planRuleset: the planner's entry (being written: see the next commits).
import type { Rule } from '../ir.ts';
import { PlanError } from './errors.ts';
import type { ClassifierPlan, PlanOptions } from './types.ts';

export function planRuleset(rules: Rule[], opts: PlanOptions = {}): ClassifierPlan {
  void rules;
  void opts;
  throw new PlanError('E_PLAN_UNSUPPORTED', 'planRuleset: the planner is not committed yet');
}
