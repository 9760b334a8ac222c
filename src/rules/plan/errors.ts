// Why a ruleset cannot become a classifier plan. The code is stable (scripts and `fwctl -o json`
// read it); the message names the rule (sid) and the keyword or limit.

export type PlanErrorCode =
  /** More rules (or rule slots) than the classifier holds (`maxRules`, or the 131072-slot bitmap limit). */
  | 'E_PLAN_TOO_MANY_RULES'
  /** A rule decided in XDP uses something XDP cannot decide alone yet (flow, threshold, detection_filter). */
  | 'E_PLAN_UNSUPPORTED'
  /** A rule the planner cannot read (a value out of its domain): a bug upstream, reported rather than weakened. */
  | 'E_PLAN_INVALID_RULE';

export class PlanError extends Error {
  readonly code: PlanErrorCode;
  /** The rule at fault, when one is. */
  readonly sid?: number;
  readonly keyword?: string;

  constructor(code: PlanErrorCode, message: string, where: { sid?: number; keyword?: string } = {}) {
    super(message);
    this.name = 'PlanError';
    this.code = code;
    this.sid = where.sid;
    this.keyword = where.keyword;
  }
}
