// fwctl status: what an instance enforces now and how full it is. Read-only; works for any pinned
// instance (one not loaded by `fwctl load` shows no interfaces, metadata or management access).
import { blockCount, setCount } from '../addrset/index.ts';
import { activeGeneration, flowSummary, type FlowSummary, pinDir } from '../datapath/index.ts';
import { readEventStats } from '../events/index.ts';
import { RateLimitError, readAutoblockCounters, readLimitCounters, readRateLimits } from '../ratelimit/index.ts';
import { type ActionOrder, DEFAULT_ACTION_ORDER } from '../rules/index.ts';
import { currentNetns } from './iface.ts';
import { readJson } from './files.ts';
import { dirOf, openPinned, readInstance, type Where } from './instance.ts';
import { type MapFill, mapFills } from './maps.ts';
import { readGeneration } from './meta.ts';
import { describeMgmt } from './mgmt.ts';
import { alive } from './proc.ts';
import { ConfirmState, files, type GenerationMeta, type Mgmt, RollbackRecord } from './state.ts';

export interface GenerationStatus {
  index: 0 | 1;
  tag: number;
  ruleCount: number;
  loadedAt: string | null;
  files: string[];
  hash: string | null;
  byAction: Record<string, number>;
  byBand: Record<string, number>;
  forced: boolean;
  /** --action-scope the generation was loaded with (src/rules/action-scope.ts). */
  actionScope: 'flow' | 'suricata';
  /** --action-order the generation was loaded with (src/rules/action-order.ts). */
  actionOrder: ActionOrder;
  /** False when the state directory holds no metadata of this generation (or another load's). */
  metadata: boolean;
}

export interface StatusReport {
  instance: string;
  pinDir: string;
  stateDir: string;
  loadedByFwctl: boolean;
  interfaces: Array<{ name: string; mode: string; attached: string; ours: boolean | null; progId: number; here: boolean }>;
  active: GenerationStatus | null;
  /** The generation a rollback returns to. */
  rollbackTo: GenerationStatus | null;
  confirm: { deadline: string; remainingS: number; guardedTag: number; watchdogAlive: boolean } | null;
  lastRollback: RollbackRecord | null;
  mgmt: (Mgmt & { description: string }) | null;
  addressSets: Record<'allow' | 'deny' | 'block', { v4: number; v6: number }>;
  events: { emitted: number; suppressed: number; lost: number };
  maps: MapFill[];
  /** The flow table: fill and evictions per table, counters, live flows by state. */
  flows: FlowSummary;
  /** Rate limits and the scan / flood detectors (src/ratelimit); null for an instance pinned
   *  without them. */
  rateLimits: RateLimitStatus | null;
}

export interface RateLimitStatus {
  limits: Array<{ id: number; passed: number; exceeded: number; blocked: number }>;
  scan: boolean;
  flood: boolean;
  monitor: boolean;
  detected: Record<string, number>;
}

function rateLimitStatus(dp: Parameters<typeof readRateLimits>[0]): RateLimitStatus | null {
  try {
    const cfg = readRateLimits(dp);
    return {
      limits: readLimitCounters(dp), scan: cfg.detectors.scan !== null, flood: cfg.detectors.flood !== null,
      monitor: cfg.detectors.monitor, detected: readAutoblockCounters(dp),
    };
  } catch (e) {
    if (e instanceof RateLimitError) return null;
    throw e;
  }
}

function genStatus(meta: GenerationMeta | null, index: 0 | 1, tag: number, ruleCount: number): GenerationStatus {
  const ok = meta !== null && meta.tag === tag;
  const byBand: Record<string, number> = {};
  if (ok) for (const r of meta.rules) byBand[r.band] = (byBand[r.band] ?? 0) + 1;
  return {
    index, tag, ruleCount, loadedAt: ok ? meta.loadedAt : null, files: ok ? meta.files.map((f) => f.path) : [], hash: ok ? meta.hash : null,
    byAction: ok ? meta.byAction : {}, byBand, forced: ok ? meta.forced : false,
    actionScope: ok ? meta.actionScope ?? 'flow' : 'flow', actionOrder: [...(ok && meta.actionOrder ? meta.actionOrder : DEFAULT_ACTION_ORDER)],
    metadata: ok,
  };
}

export function status(w: Where): StatusReport {
  const dir = dirOf(w);
  const dp = openPinned(w.instance, 'status');
  try {
    const st = readInstance(dir);
    const here = currentNetns();
    const interfaces = (st?.interfaces ?? []).map((i) => {
      if (i.netns !== here) return { name: i.name, mode: i.mode, attached: 'unknown', ours: null, progId: 0, here: false };
      try {
        const a = dp.attachState(i.name);
        return { name: i.name, mode: i.mode, attached: a.mode, ours: a.ours, progId: a.progId, here: true };
      } catch {
        return { name: i.name, mode: i.mode, attached: 'absent', ours: false, progId: 0, here: true };
      }
    });
    const gen = activeGeneration(dp);
    let active: GenerationStatus | null = null;
    let rollbackTo: GenerationStatus | null = null;
    if (gen) {
      active = genStatus(readGeneration(dir, gen.index), gen.index, gen.tag, gen.ruleCount);
      const other = (1 - gen.index) as 0 | 1;
      const om = readGeneration(dir, other);
      if (om) rollbackTo = genStatus(om, other, om.tag, om.rules.length);
    }
    const c = readJson(files.confirm(dir), ConfirmState);
    const ev = readEventStats(dp.eventStats);
    const allow = setCount(dp, 'allow');
    const deny = setCount(dp, 'deny');
    return {
      instance: w.instance, pinDir: pinDir(w.instance), stateDir: dir, loadedByFwctl: st !== null, interfaces, active, rollbackTo,
      confirm: c
        ? { deadline: new Date(c.deadline).toISOString(), remainingS: Math.max(0, Math.round((c.deadline - Date.now()) / 100) / 10), guardedTag: c.guarded.tag, watchdogAlive: alive(c.pid, c.startTime) }
        : null,
      lastRollback: readJson(files.rollback(dir), RollbackRecord),
      mgmt: st ? { ...st.mgmt, description: describeMgmt(st.mgmt) } : null,
      addressSets: { allow: { v4: allow.v4, v6: allow.v6 }, deny: { v4: deny.v4, v6: deny.v6 }, block: blockCount(dp) },
      events: { emitted: Number(ev.emitted), suppressed: Number(ev.suppressed), lost: Number(ev.lost) },
      maps: mapFills(dp.dir),
      flows: flowSummary(dp),
      rateLimits: rateLimitStatus(dp),
    };
  } finally {
    dp.close();
  }
}
