// planRuleset: IR rules -> the map images of one classifier generation (README.md).
//  1. normalize: bands, ranks, per-field ranges, the rare keywords (normalize.ts).
//  2. slots: internal rules (`<>` twice): the pass rules first in rank order (the walk stops at the
//     first pass match: it wins), then the others by wildcard signature, each signature starting a
//     64-slot block, so a block holds rules of one shape.
//  3. classes: an interval sweep per field (classes.ts); addresses: one sweep per family over both
//     sides, a piece's (source class, destination class) pair is its address class, and the pieces
//     become the trie (trie.ts).
//  4. bitmaps: every final field class's row over the slots, and its 64-slot block summary.
import { ClsFeature, ClsFin, type ClsFinName, ClsLayout, ClsRuleFlag, FW_CLS_RULE, FW_CLS_SKIP, MapName } from '../../abi/index.ts';
import type { Rule } from '../ir.ts';
import { DEFAULT_ACTION_ORDER, passFirst } from '../action-order.ts';
import { V4_MAX, V6_MAX } from '../net/ip.ts';
import { ClassTable, type Event, NumEvents, rangeEvents, sweep, zobrist } from './classes.ts';
import { PlanError } from './errors.ts';
import { writeFlowResidual } from './flow.ts';
import { writeThresholdResidual } from './threshold.ts';
import { FIELD_DOMAIN, type NRule, normalize, type Side, VALUE_FIELDS, type ValueField } from './normalize.ts';
import { type Interval, TrieBuilder } from './trie.ts';
import type { ClassifierPlan, MapImage, PlanOptions, PlanRule } from './types.ts';

/** Slots the bitmaps can address: FW_CLS_MAX_SUM summary words of 64 blocks of 64 slots. */
export const MAX_SLOTS = ClsLayout.max_sum * 64 * 64;
export const DEFAULT_MAX_RULES = 65536;

/** One slot's rule: a rule, or the swapped half of a `<>` rule. */
interface Internal {
  n: NRule;
  swap: boolean;
  sig: number;
  /** Sort key inside a signature: rules alike sit in the same 64-slot blocks. */
  cluster: number[];
}

const FIN_ORDER: readonly ClsFinName[] = ['src', 'dst', 'pf', 'icmp', 'ttl', 'dsize', 'sport', 'dport'];

function sideOf(it: Internal, dst: boolean): Side {
  return dst !== it.swap ? it.n.dst : it.n.src;
}

function fieldOf(it: Internal, f: ValueField) {
  if (it.swap && f === 'sport') return it.n.fields.dport;
  if (it.swap && f === 'dport') return it.n.fields.sport;
  return it.n.fields[f];
}

function signature(it: Internal): number {
  const s = sideOf(it, false);
  const d = sideOf(it, true);
  let sig = (s.any ? 0 : 1 << ClsFin.src) | (d.any ? 0 : 1 << ClsFin.dst);
  for (const f of VALUE_FIELDS) if (fieldOf(it, f)) sig |= 1 << ClsFin[f];
  return sig;
}

/** log2 of the addresses a side covers, by family (0 for none): broad sets ($EXTERNAL_NET, negations)
 *  apart from narrow ones (host lists). */
function breadth(x: Side): number {
  const size = (rs: Array<[bigint, bigint]>) => rs.reduce((a, [lo, hi]) => a + (hi - lo + 1n), 0n);
  return size(x.v4).toString(2).length + size(x.v6).toString(2).length;
}

/**
 * A block that survives the summaries but holds no match needs two of its rules to each accept a
 * different field of the packet. Rules alike share blocks: by breadth and identity of their
 * address sets (the IR interns equal sets), then by their first port. So a block of rules toward
 * $HOME_NET from $EXTERNAL_NET does not also hold a rule from a host list.
 */
function clusterOf(it: Internal, ids: Map<object, number>): number[] {
  const id = (o: object) => {
    let v = ids.get(o);
    if (v === undefined) ids.set(o, (v = ids.size));
    return v;
  };
  const s = sideOf(it, false);
  const d = sideOf(it, true);
  const dport = fieldOf(it, 'dport');
  const src = it.swap ? it.n.rule.dst : it.n.rule.src;
  const dst = it.swap ? it.n.rule.src : it.n.rule.dst;
  return [breadth(s), id(src), breadth(d), id(dst), dport ? dport[0][0] : -1];
}

function compareCluster(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function planRuleset(rules: Rule[], opts: PlanOptions = {}): ClassifierPlan {
  const t0 = performance.now();
  const maxRules = opts.maxRules ?? DEFAULT_MAX_RULES;
  if (rules.length > maxRules) {
    throw new PlanError('E_PLAN_TOO_MANY_RULES', `${rules.length} rules, at most ${maxRules}`);
  }
  const order = opts.actionOrder ?? DEFAULT_ACTION_ORDER;
  const norm = normalize(rules, opts.actionScope, order);

  // 2. slots
  const internal: Internal[] = [];
  const ids = new Map<object, number>();
  for (const n of norm) {
    for (const swap of n.bidir ? [false, true] : [false]) {
      const it: Internal = { n, swap, sig: 0, cluster: [] };
      // The pass rules first, in rank order, one group: the walk stops at the first pass match
      // (when pass is first in the action order; otherwise the walk sees every match).
      it.sig = n.band === 'pass' && passFirst(order) ? -1 : signature(it);
      it.cluster = clusterOf(it, ids);
      internal.push(it);
    }
  }
  internal.sort((a, b) => a.sig - b.sig || (a.sig < 0 ? 0 : compareCluster(a.cluster, b.cluster)) || a.n.rank - b.n.rank ||
    Number(a.swap) - Number(b.swap));
  const slotOf: Array<Internal | null> = [];
  let signatures = 0;
  for (let i = 0; i < internal.length; i++) {
    if (i === 0 || internal[i].sig !== internal[i - 1].sig) {
      signatures++;
      while (slotOf.length % 64) slotOf.push(null);
    }
    slotOf.push(internal[i]);
  }
  while (slotOf.length % 64 || slotOf.length === 0) slotOf.push(null);
  const nslots = slotOf.length;
  if (nslots > MAX_SLOTS) {
    throw new PlanError('E_PLAN_TOO_MANY_RULES',
      `${rules.length} rules take ${nslots} slots (${internal.length} internal rules in ${signatures} shapes), at most ${MAX_SLOTS}`);
  }
  const nwords = nslots / 64;
  let nsum = 1;
  while (nsum * 64 < nwords) nsum *= 2;
  const w32 = nslots / 32;

  // 3. classes of the value fields
  const z = zobrist(2 * nslots);
  const fld = new Uint32Array(ClsLayout.fld_chunks * ClsLayout.c32);
  const tables: Partial<Record<ClsFinName, ClassTable>> = {};
  for (const f of VALUE_FIELDS) {
    const { size, off } = FIELD_DOMAIN[f];
    const events = new NumEvents();
    slotOf.forEach((it, slot) => {
      if (!it) return;
      events.ranges(slot, fieldOf(it, f) ?? [[0, size - 1]], size - 1);
    });
    const t = new ClassTable(nslots);
    events.sweep(size - 1, nslots, z, (lo, hi, bm, h) => {
      fld.fill(t.intern(bm, 0, h), off + lo, off + hi + 1);
    });
    tables[f] = t;
  }

  // 3b. address classes and the trie
  const S = new ClassTable(nslots);
  const D = new ClassTable(nslots);
  const pairs = new Map<number, number>();
  const proj: number[] = [];
  const trie = new TrieBuilder();
  for (const fam of [4, 6] as const) {
    const max = fam === 4 ? V4_MAX : V6_MAX;
    const iv: Interval[] = [];
    const emit = (lo: bigint, hi: bigint, bm: Uint32Array, h0: number, h1: number) => {
      const s = S.intern(bm, 0, h0);
      const d = D.intern(bm, w32, h1);
      const key = s * 4294967296 + d;
      let a = pairs.get(key);
      if (a === undefined) {
        a = proj.length / 2;
        pairs.set(key, a);
        proj.push(s, d);
      }
      const last = iv[iv.length - 1];
      if (last && last.cls === a) last.hi = hi;
      else iv.push({ lo, hi, cls: a });
    };
    if (fam === 4) {
      // IPv4 fits the packed number sweep.
      const events = new NumEvents();
      slotOf.forEach((it, slot) => {
        if (!it) return;
        for (const dst of [false, true]) {
          events.ranges((dst ? nslots : 0) + slot, sideOf(it, dst).v4.map(([lo, hi]) => [Number(lo), Number(hi)] as [number, number]), 0xffffffff);
        }
      });
      events.sweep(0xffffffff, 2 * nslots, z, (lo, hi, bm, h0, h1) => emit(BigInt(lo), BigInt(hi), bm, h0, h1), nslots);
    } else {
      const events: Array<Event<bigint>> = [];
      slotOf.forEach((it, slot) => {
        if (!it) return;
        for (const dst of [false, true]) rangeEvents(events, (dst ? nslots : 0) + slot, sideOf(it, dst).v6, max, 1n);
      });
      sweep(events, max, 2 * nslots, z, 1n, emit, nslots);
    }
    trie.add(fam, iv);
  }
  tables.src = S;
  tables.dst = D;

  // 4. bitmaps and summaries
  const fbase: number[] = [];
  let rows = 0;
  for (const f of FIN_ORDER) {
    fbase.push(rows);
    rows += tables[f]!.n;
  }
  const bmWords = rows * nwords;
  const sumWords = rows * nsum;
  const bm = new Uint32Array(roundUp(bmWords, ClsLayout.c64) * 2);
  const sum = new Uint32Array(roundUp(sumWords, ClsLayout.c64) * 2);
  FIN_ORDER.forEach((f, fi) => {
    const t = tables[f]!;
    for (let c = 0; c < t.n; c++) {
      const row = fbase[fi] + c;
      const src = t.row(c);
      bm.set(src, row * w32);
      for (let j = 0; j < nwords; j++) {
        if (src[2 * j] | src[2 * j + 1]) sum[(row * nsum + (j >> 6)) * 2 + ((j & 63) >> 5)] |= 1 << (j & 31);
      }
    }
  });

  // the rule slots
  const rule = Buffer.alloc(nslots * FW_CLS_RULE.size);
  const slotRule = new Int32Array(nslots).fill(-1);
  const firstSlot = new Map<NRule, number>();
  const planRules = new Map<NRule, PlanRule>();
  const R = FW_CLS_RULE.off;
  let features = passFirst(order) ? 0 : ClsFeature.pass_late;
  slotOf.forEach((it, slot) => {
    const at = slot * FW_CLS_RULE.size;
    if (!it) {
      rule.writeUInt32LE(0xffffffff, at + R.rule_id);
      rule.writeUInt32LE(0xffffffff, at + R.rank);
      rule.writeUInt32LE(slot, at + R.twin);
      return;
    }
    const n = it.n;
    slotRule[slot] = n.rule.id;
    let pr = planRules.get(n);
    if (!pr) planRules.set(n, (pr = { ruleId: n.rule.id, sid: n.rule.meta.sid, gid: n.rule.meta.gid, band: n.band, slots: [] }));
    pr.slots.push(slot);
    rule.writeUInt32LE(n.rule.id, at + R.rule_id);
    rule.writeUInt32LE(n.rule.meta.sid >>> 0, at + R.sid);
    rule.writeUInt32LE(n.rank, at + R.rank);
    rule.writeUInt32LE(slot, at + R.twin);
    rule.writeUInt8(ClsBandNum[n.band], at + R.band);
    rule.writeUInt8(n.action, at + R.action);
    rule.writeUInt8(n.rejectKind, at + R.reject_kind);
    let flags = n.residual.flags;
    if (n.bidir) {
      const other = firstSlot.get(n);
      if (other === undefined) firstSlot.set(n, slot);
      else {
        // the swapped half (sorted after its first half at equal rank) reports only if the first did not match
        const [first, second] = it.swap ? [other, slot] : [slot, other];
        rule.writeUInt32LE(second, first * FW_CLS_RULE.size + R.twin);
        rule.writeUInt32LE(first, second * FW_CLS_RULE.size + R.twin);
        const sAt = second * FW_CLS_RULE.size + R.flags;
        rule.writeUInt8(rule.readUInt8(sAt) | ClsRuleFlag.twin2, sAt);
        if (second === slot) flags |= ClsRuleFlag.twin2;
      }
    }
    if (flags & ClsRuleFlag.ipopts) features |= ClsFeature.ipopts;
    rule.writeUInt8(flags, at + R.flags);
    rule.writeUInt8(n.residual.fragMode, at + R.frag_mode);
    rule.writeUInt8(n.residual.fragBits, at + R.frag_bits);
    rule.writeUInt8(n.residual.ipopt, at + R.ipopt);
    rule.writeUInt16LE(n.residual.icmpId, at + R.icmp_id);
    rule.writeUInt16LE(n.residual.icmpSeq, at + R.icmp_seq);
    writeFlowResidual(rule, at, n.residual.flow);
    rule.writeUInt8(n.scope, at + R.scope);
    features |= writeThresholdResidual(rule, at, n.residual.thresh);
  });

  // images
  const skip = Buffer.alloc(trie.skips.length * FW_CLS_SKIP.size);
  trie.skips.forEach((s, k) => {
    const at = k * FW_CLS_SKIP.size;
    Buffer.from(s.mask).copy(skip, at + FW_CLS_SKIP.off.mask);
    Buffer.from(s.val).copy(skip, at + FW_CLS_SKIP.off.val);
    skip.writeUInt32LE(s.next, at + FW_CLS_SKIP.off.next);
    skip.writeUInt32LE(s.miss, at + FW_CLS_SKIP.off.miss);
    skip.writeUInt32LE(s.depth, at + FW_CLS_SKIP.off.depth);
  });
  const u8 = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const images: Record<string, MapImage> = {};
  const put = (map: string, count: number, data: Buffer) => {
    images[map] = { map, count, data };
  };
  put(MapName.clsRoot, ClsLayout.root_chunks, u8(trie.root));
  put(MapName.clsNode, trie.nnode, u8(trie.nodes.slice()));
  put(MapName.clsSkip, trie.skips.length, skip);
  put(MapName.clsProj, proj.length / 2, u8(Uint32Array.from(proj)));
  put(MapName.clsFld, ClsLayout.fld_chunks, u8(fld));
  put(MapName.clsSum, sum.length / 2 / ClsLayout.c64, u8(sum));
  put(MapName.clsBm, bm.length / 2 / ClsLayout.c64, u8(bm));
  put(MapName.clsRule, nslots, rule);
  const bytes = Object.values(images).reduce((a, i) => a + i.data.length, 0);

  const classes = Object.fromEntries(FIN_ORDER.map((f) => [f, tables[f]!.n])) as Record<ClsFinName, number>;
  return {
    cfg: { nslots, nwords, nsum, fbase, features, ruleCount: rules.length },
    images,
    rules: norm.map((n) => planRules.get(n)!),
    slotRule,
    stats: {
      rules: rules.length, internal: internal.length, slots: nslots, classes: { ...classes, addr: proj.length / 2 },
      trie: { nodes: trie.nnode, skips: trie.skips.length }, signatures, bytes, ms: performance.now() - t0,
    },
  };
}

const ClsBandNum = { pass: 0, drop: 1, reject: 2, alert: 3, flag: 4 } as const;

function roundUp(n: number, m: number): number {
  return Math.max(m, Math.ceil(n / m) * m);
}
