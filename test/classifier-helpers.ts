// A datapath with the classifier, wired for tests: open with deterministic events (one bucket,
// flood guard off), load IR rules through the planner, run a frame and collect exactly that
// packet's alerts from fw_events.
import { Datapath, type DatapathOptions, type RunResult, applyRuleset, type ApplyOptions, type GenerationInfo } from '../src/datapath/index.ts';
import { EventConsumer, type FwEvent } from '../src/events/index.ts';
import type { Rule } from '../src/rules/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { type ClassifierPlan, type PlanOptions, planRuleset } from '../src/rules/plan/index.ts';

export interface Observed extends RunResult {
  alerts: number[];
  events: FwEvent[];
}

export class ClassifierRig {
  readonly dp: Datapath;
  readonly events: EventConsumer;
  plan: ClassifierPlan | null = null;
  /** Options every load plans with (the action scope, for one). */
  planOptions: PlanOptions = {};

  constructor(opts: DatapathOptions = {}) {
    this.dp = Datapath.open({ eventCpu: 0, eventRateLimit: false, ...opts });
    this.events = new EventConsumer(this.dp.events);
  }

  load(rules: Rule[], opts?: ApplyOptions): GenerationInfo {
    this.plan = planRuleset(rules, this.planOptions);
    return applyRuleset(this.dp, this.plan, opts);
  }

  /** Compiles rule text (no diagnostics allowed) and loads it; returns the rules. */
  loadText(text: string): Rule[] {
    const r = compileRuleText([{ file: 'test.rules', text }]);
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    if (errs.length) throw new Error(errs.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
    this.load(r.rules);
    return r.rules;
  }

  run(frame: Uint8Array, tsNs = 1000n): Observed {
    const r = { ...this.dp.runPacket(frame, tsNs) };
    const events: FwEvent[] = [];
    this.events.drain((e) => events.push(e));
    return { ...r, alerts: events.map((e) => e.sid), events };
  }

  close(): void {
    this.events.close();
    this.dp.close();
  }
}
