// The suricata-verify conformance cases (../shared/conformance/suricata-verify, README there):
// each case's pcap replayed through the real XDP program with its rules and vars, alerts counted
// per sid and compared with expected.json. A case is
//   passed       every expected count (and total) met;
//   failed       counts differ, with nothing known to explain it;
//   unsupported  it needs what fwctl does not do yet (a skipped keyword, DPI, a threshold.config entry
//                it cannot apply, a rule an action-order override refuses, ...): the reason is given, and if it ran,
//                its differences.
// A case's threshold.config is applied to its rules (--threshold-config), and its action-order and
// Suricata's action scope (--action-order, --action-scope suricata).
// Captures may carry bad checksums: the parser never checks them (checksum_validation: none).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { eveAlert, RuleTable } from '../events/index.ts';
import {
  type ActionOrder, DEFAULT_ACTION_ORDER, loadRuleFiles, orderConflict, parseActionOrder, type Rule, type RulesetResult,
} from '../rules/index.ts';
import { band } from '../rules/reference/index.ts';
import { setFlowConfig } from '../datapath/index.ts';
import { openRuleDatapath, replayWithRules } from './alerts.ts';

export const CONFORMANCE_ROOT = new URL('../../../shared/conformance/suricata-verify/', import.meta.url).pathname;

interface ExpectedEntry {
  sid?: number;
  count: number;
  match?: Record<string, unknown>;
  derived_from_total?: boolean;
}

export interface ConformanceCase {
  name: string;
  dir: string;
  tier: number;
  ipsMode: boolean;
  expected: ExpectedEntry[];
  expectedTotal: ExpectedEntry[];
  actionOrder: string[] | null;
  thresholdConfig: boolean;
  /** Suricata ran with stream.midstream=true: the flow table picks up TCP flows without a SYN. */
  midstream: boolean;
}

export interface CountDiff {
  sid: number | null;
  expected: number;
  got: number;
  match?: Record<string, unknown>;
}

export interface CaseResult {
  name: string;
  tier: number;
  status: 'passed' | 'failed' | 'unsupported';
  /** Why a case is unsupported or failed. */
  reason: string | null;
  diffs: CountDiff[];
  /** Alerts per sid, when it ran. */
  alerts: Record<string, number> | null;
  packets: number;
  notes: string[];
  ms: number;
}

/** The cases under `root`, found by walking the tree (a case is a folder with test.rules). */
export function findCases(root: string = CONFORMANCE_ROOT): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (!statSync(p).isDirectory()) continue;
      if (existsSync(join(p, 'test.rules'))) out.push(readCase(root, p));
      else walk(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

function readCase(root: string, dir: string): ConformanceCase {
  const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
    tier?: number; ips_mode?: boolean; expected?: ExpectedEntry[]; expected_total_alerts?: ExpectedEntry[];
    config_overrides?: Record<string, unknown>; engine_args?: string;
  };
  const ms = e.config_overrides?.['stream.midstream'];
  const order = e.config_overrides?.['action-order'];
  return {
    name: relative(root, dir), dir, tier: e.tier ?? 0, ipsMode: e.ips_mode === true, expected: e.expected ?? [],
    expectedTotal: e.expected_total_alerts ?? [], actionOrder: Array.isArray(order) ? (order as string[]) : null,
    thresholdConfig: existsSync(join(dir, 'threshold.config')),
    midstream: /stream\.midstream=(true|yes|1)\b/.test(e.engine_args ?? '') || ms === true || ms === 'true' || ms === 'yes',
  };
}

/** The case's action-order (suricata.yaml), checked; the default when it has none. */
function orderOf(c: ConformanceCase): ActionOrder | Error {
  return c.actionOrder ? parseActionOrder(c.actionOrder.join(',')) : DEFAULT_ACTION_ORDER;
}

/** A dotted path of an EVE record ("alert.action"), undefined when absent. */
function field(rec: Record<string, unknown>, path: string): unknown {
  let v: unknown = rec;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Fields of a `match` that fwctl's EVE records carry (the rest cannot be checked). */
const CHECKABLE = /^(src_ip|src_port|dest_ip|dest_port|proto|pcap_cnt|vlan|icmp_type|icmp_code|alert\.(action|gid|signature_id|rev|signature|category|severity))$/;

function skippedReason(r: RulesetResult, sid: number): string | null {
  const s = r.skipped.find((x) => x.sid === sid);
  return s ? `sid ${sid} is skipped (${s.reasons.join(', ')})` : null;
}

/** Why the case cannot be decided by fwctl today, before running it; null when it can run. */
function blocker(c: ConformanceCase, r: RulesetResult, bySid: Map<number, Rule>, order: ActionOrder | Error): string | null {
  if (order instanceof Error) return `its action-order cannot be applied: ${order.message}`;
  for (const x of r.rules) {
    const conflict = orderConflict(x, order);
    if (conflict) return `action-order ${order.join(', ')}: sid ${x.meta.sid} uses ${conflict}, which fwctl refuses under that order`;
  }
  if (r.summary.errors > 0) return `test.rules${c.thresholdConfig ? ' with threshold.config' : ''} has ${r.summary.errors} errors`;
  for (const e of [...c.expected]) {
    if (e.sid === undefined || e.count === 0) continue;
    const skipped = skippedReason(r, e.sid);
    if (skipped) return skipped;
    const rule = bySid.get(e.sid);
    if (!rule) return `sid ${e.sid} is not a rule of test.rules (an engine event)`;
    if (band(rule) === 'flag') return `sid ${e.sid} needs DPI (${rule.dpiReasons.join(', ') || rule.protocol.name})`;
  }
  return null;
}

/** What could explain differing counts of a case that ran. */
function explanations(c: ConformanceCase, r: RulesetResult, reasons: Record<string, number>): string[] {
  const out: string[] = [];
  const xdp = r.rules.filter((x) => band(x) !== 'flag');
  const dpi = r.rules.filter((x) => band(x) === 'flag' && x.action !== 'pass');
  if (dpi.length) out.push(`rules that need DPI do not alert yet (sid ${dpi.map((x) => x.meta.sid).slice(0, 5).join(', ')})`);
  if ((reasons.fragment ?? 0) > 0) out.push('the capture has IP fragments: Suricata reassembles them, XDP matches each fragment alone');
  if (!c.ipsMode && xdp.some((x) => x.action !== 'alert' && x.action !== 'pass')) out.push('IDS mode (Suricata lets drop rules only alert) is not modelled: XDP is always inline');
  const unchecked = [...c.expected, ...c.expectedTotal].flatMap((e) => Object.keys(e.match ?? {}).filter((k) => !CHECKABLE.test(k)));
  if (unchecked.length) out.push(`the expected counts select on fields fwctl's EVE does not have (${[...new Set(unchecked)].join(', ')})`);
  const dpiPass = r.rules.filter((x) => band(x) === 'flag' && x.action === 'pass');
  if (dpiPass.length) out.push(`pass rules that need DPI cannot silence alerts yet (sid ${dpiPass.map((x) => x.meta.sid).slice(0, 5).join(', ')})`);
  const skippedPass = r.skipped.length ? `${r.skipped.length} rule(s) skipped: ${r.skipped.slice(0, 3).map((s) => `${s.sid ?? `line ${s.line}`} (${s.reasons.join(', ')})`).join('; ')}` : null;
  if (skippedPass) out.push(skippedPass);
  return out;
}

export async function runCase(c: ConformanceCase): Promise<CaseResult> {
  const t0 = performance.now();
  const varsFile = join(c.dir, 'vars.json');
  const result: CaseResult = { name: c.name, tier: c.tier, status: 'unsupported', reason: null, diffs: [], alerts: null, packets: 0, notes: [], ms: 0 };
  const done = () => {
    result.ms = Math.round(performance.now() - t0);
    return result;
  };
  const r = await loadRuleFiles([join(c.dir, 'test.rules')], {
    varFiles: existsSync(varsFile) ? [varsFile] : [], ...(c.thresholdConfig ? { thresholdConfig: join(c.dir, 'threshold.config') } : {}),
  });
  const bySid = new Map<number, Rule>();
  for (const rule of r.rules) if (!bySid.has(rule.meta.sid)) bySid.set(rule.meta.sid, rule);
  const order = orderOf(c);
  const block = blocker(c, r, bySid, order);
  if (block || order instanceof Error) {
    result.reason = block;
    return done();
  }
  let dp;
  try {
    // Suricata's action scope: only IP-only rules decide a flow (src/rules/action-scope.ts).
    dp = openRuleDatapath(r.rules, {}, { actionScope: 'suricata', actionOrder: order });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    result.reason = `the ruleset cannot be loaded: ${err.code ? `${err.code}: ` : ''}${String(err.message).replaceAll(`${c.dir}/`, '')}`;
    return done();
  }
  if (c.midstream) setFlowConfig(dp, { midstream: true });
  const table = RuleTable.fromRules(r.rules);
  const records: Array<Record<string, unknown>> = [];
  let reasons: Record<string, number> = {};
  try {
    const totals = replayWithRules(dp, join(c.dir, 'input.pcap'), {
      rules: r.rules, actionOrder: order,
      onAlert: (e, pcapCnt) => records.push(eveAlert(e, table, { pcapCnt }) as unknown as Record<string, unknown>),
    });
    result.packets = totals.packets;
    reasons = totals.reasons;
    result.alerts = totals.alerts.bySid;
    if (totals.alerts.suppressed || totals.alerts.lost) result.notes.push(`alerts suppressed ${totals.alerts.suppressed}, lost ${totals.alerts.lost}`);
  } finally {
    dp.close();
  }
  const count = (sid: number | undefined, match: Record<string, unknown> | undefined): number => {
    const keys = Object.keys(match ?? {}).filter((k) => CHECKABLE.test(k));
    const unchecked = Object.keys(match ?? {}).filter((k) => !CHECKABLE.test(k));
    if (unchecked.length) result.notes.push(`match fields not checked (not in fwctl's EVE): ${unchecked.join(', ')}`);
    return records.filter((rec) => (sid === undefined || field(rec, 'alert.signature_id') === sid) && keys.every((k) => field(rec, k) === match?.[k])).length;
  };
  for (const e of c.expected) {
    const got = count(e.sid, e.match);
    if (got !== e.count) result.diffs.push({ sid: e.sid ?? null, expected: e.count, got, ...(e.match ? { match: e.match } : {}) });
  }
  for (const e of c.expectedTotal) {
    const got = count(undefined, e.match);
    if (got !== e.count) result.diffs.push({ sid: null, expected: e.count, got, ...(e.match ? { match: e.match } : {}) });
  }
  result.notes = [...new Set(result.notes)];
  if (result.diffs.length === 0) {
    result.status = 'passed';
    return done();
  }
  const why = explanations(c, r, reasons);
  result.status = why.length ? 'unsupported' : 'failed';
  result.reason = why.length ? why.join('; ') : 'alert counts differ';
  return done();
}
