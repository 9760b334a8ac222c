// Classifier rulesets on a datapath: write a plan into the idle generation, flip one index, roll
// back, unload, read the per-rule counters. State lives in the maps only (bpf/lib/cls_maps.h), so
// another process (fwctl on the pins) sees and changes the same thing. See README.md "Rulesets".
//
// Atomicity: packets read fw_cls_active[0] once and use only that generation. applyRuleset writes
// every map of the other generation, then its fw_cls_cfg entry, then flips the index (one u32
// update), then updates fw_cls_barrier, which returns only after an RCU grace period: no packet
// still runs on the generation just left, so it is intact for a rollback and free to overwrite on
// the next load. A failure before the flip leaves the running generation untouched.
import { ClsFeature, FW_CLS_CFG, FW_COUNTER, MapName } from '../abi/index.ts';
import type { BpfMap } from '../native/index.ts';
import type { ClassifierPlan } from '../rules/plan/index.ts';
import { CHUNK, type ClassifierCapacity, ClsMaps, IMAGE_MAPS, type ImageMap, withClsMaps } from './cls-maps.ts';
import type { DatapathHandle } from './handle.ts';

/** Every enum fw_cls_feature bit the object knows. */
const ALL_FEATURES = Object.values(ClsFeature).reduce((a, b) => a | b, 0);

export { type ClassifierCapacity } from './cls-maps.ts';

export interface GenerationInfo {
  index: 0 | 1;
  /** IR rules in the generation. */
  ruleCount: number;
  /** CLOCK_MONOTONIC ns when it was written. */
  loadedAtNs: bigint;
  tag: number;
}

/** The steps of applyRuleset, in order; each map step writes that map's image. */
export type ApplyStep = 'check' | ImageMap | 'counters' | 'cfg' | 'flip' | 'barrier';

export type ApplyErrorCode =
  /** The plan needs more of a map than one generation holds: reopen the datapath with a larger `classifier` capacity. */
  | 'E_APPLY_CAPACITY'
  /** A map write failed (the cause carries the errno). */
  | 'E_APPLY_MAP'
  /** The maps hold something this code did not write (another version?). */
  | 'E_APPLY_STATE';

export class ApplyError extends Error {
  readonly code: ApplyErrorCode;
  readonly step: ApplyStep;

  constructor(code: ApplyErrorCode, step: ApplyStep, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApplyError';
    this.code = code;
    this.step = step;
  }
}

export interface ApplyOptions {
  /** Stored with the generation (fwctl: its load number). Default 0. */
  tag?: number;
  /** Called after each step with the generation being written (tests: packets between steps). */
  onStep?: (step: ApplyStep, index: 0 | 1) => void;
}

export interface RuleCounter {
  ruleId: number;
  packets: bigint;
  bytes: bigint;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

interface Cfg {
  loaded: number;
  nslots: number;
  baseRule: number;
  ruleCount: number;
  epoch: number;
  tag: number;
  loadedAtNs: bigint;
}

function readCfg(m: ClsMaps, index: 0 | 1): Cfg {
  const v = m.map(MapName.clsCfg).lookup(u32(index));
  if (!v) throw new ApplyError('E_APPLY_STATE', 'check', `fw_cls_cfg has no entry ${index}`);
  const o = FW_CLS_CFG.off;
  return {
    loaded: v.readUInt32LE(o.loaded), nslots: v.readUInt32LE(o.nslots), baseRule: v.readUInt32LE(o.base_rule),
    ruleCount: v.readUInt32LE(o.rule_count), epoch: v.readUInt32LE(o.epoch), tag: v.readUInt32LE(o.tag),
    loadedAtNs: v.readBigUInt64LE(o.loaded_at_ns),
  };
}

function readActive(m: ClsMaps): 0 | 1 {
  const v = m.map(MapName.clsActive).lookup(u32(0));
  return ((v ? v.readUInt32LE(0) : 0) & 1) as 0 | 1;
}

function info(index: 0 | 1, c: Cfg): GenerationInfo | null {
  return c.loaded ? { index, ruleCount: c.ruleCount, loadedAtNs: c.loadedAtNs, tag: c.tag } : null;
}

/** Flips the active index, then waits until no packet still runs on the old generation. */
function flip(m: ClsMaps, index: 0 | 1, onStep?: ApplyOptions['onStep']): void {
  try {
    m.map(MapName.clsActive).update(u32(0), u32(index));
  } catch (e) {
    throw new ApplyError('E_APPLY_MAP', 'flip', `flipping fw_cls_active to ${index}: ${(e as Error).message}`, e);
  }
  onStep?.('flip', index);
  try {
    // A map-in-map update returns after synchronize_rcu(): every program run that could have
    // read the old index has finished.
    m.map(MapName.clsBarrier).update(u32(0), u32(m.map(MapName.clsActive).fd));
  } catch (e) {
    throw new ApplyError('E_APPLY_MAP', 'barrier', `waiting for running programs (fw_cls_barrier): ${(e as Error).message}`, e);
  }
  onStep?.('barrier', index);
}

/** Writes `count` entries of `data` (value-size each) at [base, base + count) of an array map. */
function writeRange(map: BpfMap, base: number, data: Buffer, count: number): void {
  const vs = map.valueBufferSize;
  const BATCH = 4096;
  for (let at = 0; at < count; at += BATCH) {
    const n = Math.min(BATCH, count - at);
    const keys = Buffer.alloc(4 * n);
    for (let i = 0; i < n; i++) keys.writeUInt32LE(base + at + i, 4 * i);
    map.updateBatch(keys, data.subarray(at * vs, (at + n) * vs), n);
  }
}

/** The generation's bases: where its part of each map starts. */
function bases(m: ClsMaps, index: 0 | 1): Record<ImageMap, number> {
  return Object.fromEntries(IMAGE_MAPS.map((name) => [name, index * m.half(name)])) as Record<ImageMap, number>;
}

/** Entries each map of one generation holds (what a plan may use). */
export function classifierCapacity(dp: DatapathHandle): ClassifierCapacity {
  return withClsMaps(dp, (m) => m.capacity());
}

/** How much of each map a plan needs, in the same units as ClassifierCapacity. */
export function planNeeds(plan: ClassifierPlan): ClassifierCapacity {
  return Object.fromEntries(IMAGE_MAPS.map((name) => [name, plan.images[name]?.count ?? 0])) as ClassifierCapacity;
}

/** Datapath.open's `classifier` option for a plan, with `headroom` (default 1.5x, so the next
 *  ruleset of about the same size fits too) over what it needs. Never below the object's defaults
 *  is the caller's choice: this gives the need. */
export function capacityFor(plan: ClassifierPlan, headroom = 1.5): {
  slots: number; nodes: number; skips: number; addrClasses: number; bmChunks: number; sumChunks: number;
} {
  const n = planNeeds(plan);
  const up = (x: number, min = 1) => Math.max(min, Math.ceil(x * headroom));
  return {
    slots: Math.min(131072, up(n[MapName.clsRule], 64)), nodes: up(n[MapName.clsNode]), skips: up(n[MapName.clsSkip]),
    addrClasses: up(n[MapName.clsProj]), bmChunks: up(n[MapName.clsBm]), sumChunks: up(n[MapName.clsSum]),
  };
}

/**
 * Writes the plan into the inactive generation, then makes it active with one index flip, and
 * returns it. On any failure (capacity, a map write) throws ApplyError {code, step, cause}; the
 * running generation is untouched.
 */
export function applyRuleset(dp: DatapathHandle, plan: ClassifierPlan, opts: ApplyOptions = {}): GenerationInfo {
  return withClsMaps(dp, (m) => {
    const active = readActive(m);
    const target = (1 - active) as 0 | 1;
    const cur = readCfg(m, active);
    const old = readCfg(m, target);
    const cap = m.capacity();
    for (const name of IMAGE_MAPS) {
      const need = plan.images[name]?.count ?? 0;
      if (need > cap[name]) {
        throw new ApplyError('E_APPLY_CAPACITY', 'check',
          `${name} needs ${need} entries, one generation holds ${cap[name]}: reopen the datapath with a larger classifier capacity`);
      }
    }
    if (m.half(MapName.clsHits) !== cap[MapName.clsRule]) {
      throw new ApplyError('E_APPLY_STATE', 'check', 'fw_cls_hits and fw_cls_rule differ in size');
    }
    opts.onStep?.('check', target);
    const base = bases(m, target);
    for (const name of IMAGE_MAPS) {
      const img = plan.images[name];
      if (!img || img.count === 0) continue;
      try {
        writeRange(m.map(name), base[name], img.data, img.count);
      } catch (e) {
        throw new ApplyError('E_APPLY_MAP', name, `writing ${name}: ${(e as Error).message}`, e);
      }
      opts.onStep?.(name, target);
    }
    const nslots = plan.cfg.nslots;
    try {
      const hits = m.map(MapName.clsHits);
      writeRange(hits, base[MapName.clsRule], Buffer.alloc(nslots * hits.valueBufferSize), nslots);
    } catch (e) {
      throw new ApplyError('E_APPLY_MAP', 'counters', `zeroing the rule counters: ${(e as Error).message}`, e);
    }
    opts.onStep?.('counters', target);
    const epoch = (Math.max(cur.epoch, old.epoch) + 1) >>> 0;
    const tag = (opts.tag ?? 0) >>> 0;
    const loadedAtNs = process.hrtime.bigint();
    const cfg = encodeCfg(plan, base, epoch, tag, loadedAtNs);
    try {
      m.map(MapName.clsCfg).update(u32(target), cfg);
    } catch (e) {
      throw new ApplyError('E_APPLY_MAP', 'cfg', `writing fw_cls_cfg: ${(e as Error).message}`, e);
    }
    opts.onStep?.('cfg', target);
    flip(m, target, opts.onStep);
    return { index: target, ruleCount: plan.cfg.ruleCount, loadedAtNs, tag };
  });
}

function encodeCfg(plan: ClassifierPlan, base: Record<ImageMap, number>, epoch: number, tag: number, loadedAtNs: bigint): Buffer {
  const b = Buffer.alloc(FW_CLS_CFG.size);
  const o = FW_CLS_CFG.off;
  const c = plan.cfg;
  b.writeUInt32LE(1, o.loaded);
  b.writeUInt32LE(c.nslots, o.nslots);
  b.writeUInt32LE(c.nwords, o.nwords);
  b.writeUInt32LE(c.nsum, o.nsum);
  c.fbase.forEach((v, i) => b.writeUInt32LE(v, o.fbase + 4 * i));
  b.writeUInt32LE(base[MapName.clsRoot], o.base_root);
  b.writeUInt32LE(base[MapName.clsFld], o.base_fld);
  b.writeUInt32LE(base[MapName.clsProj], o.base_proj);
  b.writeUInt32LE(base[MapName.clsRule], o.base_rule);
  b.writeUInt32LE(base[MapName.clsSum] * CHUNK[MapName.clsSum]!, o.base_sum);
  b.writeUInt32LE(base[MapName.clsBm] * CHUNK[MapName.clsBm]!, o.base_bm);
  b.writeUInt32LE(base[MapName.clsNode], o.base_node);
  b.writeUInt32LE(base[MapName.clsSkip], o.base_skip);
  b.writeUInt32LE(c.features & ALL_FEATURES, o.features);
  b.writeUInt32LE(c.ruleCount, o.rule_count);
  b.writeUInt32LE(epoch, o.epoch);
  b.writeUInt32LE(tag, o.tag);
  b.writeBigUInt64LE(loadedAtNs, o.loaded_at_ns);
  return b;
}

/** The generation packets use, or null when no ruleset is loaded (every packet passes, pass_default). */
export function activeGeneration(dp: DatapathHandle): GenerationInfo | null {
  return withClsMaps(dp, (m) => {
    const a = readActive(m);
    return info(a, readCfg(m, a));
  });
}

/** The other generation (what flipGeneration would make active), or null when it holds no ruleset. */
export function idleGeneration(dp: DatapathHandle): GenerationInfo | null {
  return withClsMaps(dp, (m) => {
    const i = (1 - readActive(m)) as 0 | 1;
    return info(i, readCfg(m, i));
  });
}

/** Makes generation `index` active (a rollback to the other, still intact generation). */
export function flipGeneration(dp: DatapathHandle, index: 0 | 1): void {
  if (index !== 0 && index !== 1) throw new RangeError(`flipGeneration: index must be 0 or 1, not ${String(index)}`);
  withClsMaps(dp, (m) => flip(m, index));
}

/**
 * Unloads the ruleset: the idle generation becomes an empty one and is flipped in, so every packet
 * passes again; the generation that was running stays intact (flipGeneration brings it back).
 */
export function clearRuleset(dp: DatapathHandle): void {
  withClsMaps(dp, (m) => {
    const target = (1 - readActive(m)) as 0 | 1;
    const cur = readCfg(m, readActive(m));
    const old = readCfg(m, target);
    const b = Buffer.alloc(FW_CLS_CFG.size);
    b.writeUInt32LE((Math.max(cur.epoch, old.epoch) + 1) >>> 0, FW_CLS_CFG.off.epoch);
    b.writeBigUInt64LE(process.hrtime.bigint(), FW_CLS_CFG.off.loaded_at_ns);
    try {
      m.map(MapName.clsCfg).update(u32(target), b);
    } catch (e) {
      throw new ApplyError('E_APPLY_MAP', 'cfg', `writing fw_cls_cfg: ${(e as Error).message}`, e);
    }
    flip(m, target);
  });
}

/** Packets and bytes per rule of the active generation, summed over CPUs (and both halves of `<>`
 *  rules), in slot order of first appearance. Empty when no ruleset is loaded. */
export function readRuleCounters(dp: DatapathHandle): RuleCounter[] {
  return withClsMaps(dp, (m) => {
    const a = readActive(m);
    const c = readCfg(m, a);
    if (!c.loaded) return [];
    const rules = readRange(m.map(MapName.clsRule), c.baseRule, c.nslots);
    const hits = readRange(m.map(MapName.clsHits), c.baseRule, c.nslots);
    const hm = m.map(MapName.clsHits);
    const stride = alignedCounter();
    const cpus = hm.valueBufferSize / stride;
    const byRule = new Map<number, RuleCounter>();
    const rs = m.map(MapName.clsRule).info.valueSize;
    for (let slot = 0; slot < c.nslots; slot++) {
      const ruleId = rules.readUInt32LE(slot * rs);
      if (ruleId === 0xffffffff) continue;
      let e = byRule.get(ruleId);
      if (!e) byRule.set(ruleId, (e = { ruleId, packets: 0n, bytes: 0n }));
      const at = slot * hm.valueBufferSize;
      for (let cpu = 0; cpu < cpus; cpu++) {
        e.packets += hits.readBigUInt64LE(at + cpu * stride + FW_COUNTER.off.packets);
        e.bytes += hits.readBigUInt64LE(at + cpu * stride + FW_COUNTER.off.bytes);
      }
    }
    return [...byRule.values()];
  });
}

const alignedCounter = (): number => Math.ceil(FW_COUNTER.size / 8) * 8;

/** Entries [base, base + n) of an array map (per-CPU maps: valueBufferSize each). */
function readRange(map: BpfMap, base: number, n: number): Buffer {
  const vb = map.valueBufferSize;
  const out = Buffer.alloc(n * vb);
  let got = 0;
  let cursor: Buffer | null = base === 0 ? null : u32(base - 1);
  while (got < n) {
    const want = Math.min(4096, n - got);
    const keys = Buffer.alloc(4 * want);
    const values = out.subarray(got * vb, (got + want) * vb);
    const r = map.lookupBatch({ keys, values, count: want, cursor });
    got += r.count;
    if (r.done || r.count === 0) break;
    cursor = r.cursor;
  }
  if (got < n) throw new ApplyError('E_APPLY_STATE', 'check', `${map.name}: read ${got} of ${n} entries from ${base}`);
  return out;
}
