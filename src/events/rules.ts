// What EVE prints about a rule, looked up from a record's rule index and sid.
import type { RuleMeta } from '../rules/ir.ts';
import { CLASSTYPE_DESCRIPTIONS } from './eve-names.ts';

export interface AlertRuleInfo {
  gid: number;
  sid: number;
  rev: number;
  /** The rule's msg (EVE alert.signature). */
  msg: string;
  /** The classtype's description (alert.category); '' without a classtype, as Suricata writes. */
  category: string;
  /** The rule's priority (alert.severity). */
  severity: number;
  /** False when the table had no rule for the record (the placeholder: rev 0, msg ''). */
  known: boolean;
}

export interface RuleTableOptions {
  /** classtype -> description, for a site's own classification.config (merged over the defaults). */
  classifications?: Readonly<Record<string, string>>;
}

/**
 * The loaded ruleset's metadata, by index (IR Rule.id, what fw_event.rule_idx carries) and by sid.
 * A record is matched by index when that rule has the record's sid; otherwise by sid (a record
 * emitted under a previous ruleset generation whose indices differ), else a placeholder.
 */
export class RuleTable {
  readonly #byIndex: Array<AlertRuleInfo | undefined> = [];
  readonly #bySid = new Map<number, AlertRuleInfo>();
  /** Lookups that found no rule. */
  misses = 0;

  static fromRules(rules: ReadonlyArray<{ id: number; meta: RuleMeta }>, o: RuleTableOptions = {}): RuleTable {
    const t = new RuleTable();
    const classes = { ...CLASSTYPE_DESCRIPTIONS, ...o.classifications };
    for (const r of rules) {
      const m = r.meta;
      const info: AlertRuleInfo = {
        gid: m.gid, sid: m.sid, rev: m.rev, msg: m.msg,
        category: m.classtype ? (classes[m.classtype] ?? m.classtype) : '',
        severity: m.priority, known: true,
      };
      t.#byIndex[r.id] = info;
      if (!t.#bySid.has(m.sid)) t.#bySid.set(m.sid, info);
    }
    return t;
  }

  lookup(ruleIdx: number, sid: number): AlertRuleInfo {
    const byIdx = this.#byIndex[ruleIdx];
    if (byIdx && byIdx.sid === sid) return byIdx;
    const bySid = this.#bySid.get(sid);
    if (bySid) return bySid;
    this.misses++;
    return { gid: 1, sid, rev: 0, msg: '', category: '', severity: 3, known: false };
  }
}
