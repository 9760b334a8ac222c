// Rule -> the planner's form: each final field as `null` (any: also covers a value the packet
// lacks) or sorted disjoint inclusive ranges of its domain; addresses as ranges per family; the
// rare keywords kept apart (checked per visit in BPF); band and rank as the reference orders them.
import { type ClsBandName, ClsFragMode, ClsIpopt, ClsLayout, ClsRuleFlag, ClsScope, EventAction, RejectKind } from '../../abi/index.ts';
import { type ActionOrder, band, compareRules, DEFAULT_ACTION_ORDER, orderConflict } from '../action-order.ts';
import { type ActionScopePolicy, verdictFlows } from '../action-scope.ts';
import { flowbitNumbers, flowResidual, type FlowResidual, refuseFlow } from './flow.ts';
import { thresholdResidual, type ThresholdResidual } from './threshold.ts';
import type { AddressSet, PortSet, Rule, TcpFlagsMatch, UintMatch } from '../ir.ts';
import { parseV4, parseV6, V4_MAX, V6_MAX } from '../net/ip.ts';
import { PlanError } from './errors.ts';

export type Ranges = Array<[number, number]>;
export type AddrRanges = Array<[bigint, bigint]>;

/** Addresses of one side: ranges per family (an empty list: no address of that family). */
export interface Side {
  any: boolean;
  v4: AddrRanges;
  v6: AddrRanges;
}

/** The fields of fw_cls_fld, in ClsFin order after the two addresses. */
export const VALUE_FIELDS = ['pf', 'icmp', 'ttl', 'dsize', 'sport', 'dport'] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

/** Each value field's domain size and offset in fw_cls_fld. */
export const FIELD_DOMAIN: Record<ValueField, { size: number; off: number }> = {
  pf: { size: 256 * ClsLayout.dom_flags, off: ClsLayout.off_pf },
  icmp: { size: ClsLayout.dom_u16, off: ClsLayout.off_icmp },
  ttl: { size: 256, off: ClsLayout.off_ttl },
  dsize: { size: ClsLayout.dom_u16, off: ClsLayout.off_dsize },
  sport: { size: ClsLayout.dom_u16, off: ClsLayout.off_sport },
  dport: { size: ClsLayout.dom_u16, off: ClsLayout.off_dport },
};

export interface Residual {
  flags: number;
  fragMode: number;
  fragBits: number;
  ipopt: number;
  icmpId: number;
  icmpSeq: number;
  /** fw_cls_rule.flow and the flowbit masks (flow.ts). */
  flow: FlowResidual;
  /** fw_cls_rule.thr_*: threshold / detection_filter (threshold.ts). */
  thresh: ThresholdResidual;
}

/** One rule, normalized. A `<>` rule becomes two internal rules (the second with sides swapped). */
export interface NRule {
  rule: Rule;
  band: ClsBandName;
  /** Position in the reference's order (band, priority, sid, gid, id): the lowest matching wins. */
  rank: number;
  action: number;
  rejectKind: number;
  src: Side;
  dst: Side;
  fields: Record<ValueField, Ranges | null>;
  residual: Residual;
  bidir: boolean;
  /** enum fw_cls_scope under the plan's action-scope policy (src/rules/action-scope.ts). */
  scope: number;
}

const SCOPE_OF = { tcp: ClsScope.flow, any: ClsScope.flow_any, packet: ClsScope.packet } as const;

/** The reference's band (src/rules/action-order.ts): a rule XDP cannot decide alone (payload,
 *  tcp-stream) is FLAG; flowbits alone do not need DPI: the flow table holds them. */
export const bandOf: (r: Rule) => ClsBandName = band;

/** Refuses what XDP cannot decide alone yet (issue 5: flow state and rates), never weakening it. */
function checkSupported(r: Rule, band: ClsBandName, order: ActionOrder): void {
  if (band === 'flag') return;
  refuseFlow(r);
  const conflict = orderConflict(r, order);
  if (conflict) {
    throw new PlanError('E_PLAN_UNSUPPORTED',
      `sid ${r.meta.sid} (${r.source.file}:${r.source.line}): \`${conflict}\` with the action order ${order.join(',')} is not supported (a pass that is not first makes the classifier visit matches Suricata never applies)`,
      { sid: r.meta.sid, keyword: conflict.split(' ')[0] });
  }
  const kw = r.streamSize.length ? 'stream_size' : null;
  if (kw) {
    throw new PlanError('E_PLAN_UNSUPPORTED',
      `sid ${r.meta.sid} (${r.source.file}:${r.source.line}): \`${kw}\` on a rule XDP decides alone is not supported yet (needs the stream reassembly of the DPI worker)`,
      { sid: r.meta.sid, keyword: kw });
  }
}

const full = (max: number): Ranges => [[0, max]];

/** Values v in [0, max] with uintMatches(m, v), as ranges (Suricata's comparisons). */
export function uintRanges(m: UintMatch, max: number): Ranges {
  const { a } = m;
  const b = m.b ?? 0;
  const clip = (lo: number, hi: number): Ranges => (lo > hi || hi < 0 || lo > max ? [] : [[Math.max(0, lo), Math.min(max, hi)]]);
  switch (m.mode) {
    case 'eq': return clip(a, a);
    case 'ne': return [...clip(0, a - 1), ...clip(a + 1, max)];
    case 'lt': return clip(0, a - 1);
    case 'lte': return clip(0, a);
    case 'gt': return clip(a + 1, max);
    case 'gte': return clip(a, max);
    case 'range': return clip(a + 1, b - 1);
    case 'notrange': return [...clip(0, a), ...clip(b, max)].filter((r, i, rs) => i === 0 || r[0] > rs[i - 1][1]);
    case 'mask':
    case 'notmask': {
      const out: Ranges = [];
      for (let v = 0; v <= max; v++) {
        if (((v & a) === b) === (m.mode === 'mask')) add(out, v);
      }
      return out;
    }
  }
}

function add(out: Ranges, v: number): void {
  const last = out[out.length - 1];
  if (last && last[1] === v - 1) last[1] = v;
  else out.push([v, v]);
}

/** Suricata 7 FlagsMatch over every flag byte (reference match.ts tcpFlagsMatch). */
function flagsValues(m: TcpFlagsMatch): Ranges {
  const out: Ranges = [];
  for (let p = 0; p < 256; p++) {
    let ok: boolean;
    if (m.flags === 0 && p !== 0) ok = m.mode === 'not';
    else {
      const f = p & ~m.ignore & 0xff;
      ok = m.mode === 'any' ? (f & m.flags) !== 0 : m.mode === 'all' ? (f & m.flags) === m.flags
        : m.mode === 'not' ? (f & m.flags) !== m.flags : f === m.flags;
    }
    if (ok) add(out, p);
  }
  return out;
}

function protocols(r: Rule): number[] | null {
  const list = r.protocol.ipProto;
  const conds = r.header.ipProto ?? [];
  if (list === null && conds.length === 0) return null;
  const out: number[] = [];
  for (const v of list ?? Array.from({ length: 256 }, (_, i) => i)) {
    if (v < 0 || v > 255) throw new PlanError('E_PLAN_INVALID_RULE', `sid ${r.meta.sid}: IP protocol ${v}`, { sid: r.meta.sid, keyword: 'ip_proto' });
    const ok = conds.every((c) => (c.mode === 'eq' ? v === c.value : c.mode === 'ne' ? v !== c.value : c.mode === 'lt' ? v < c.value : v > c.value));
    if (ok) out.push(v);
  }
  return [...new Set(out)].sort((x, y) => x - y);
}

function pfRanges(r: Rule): Ranges | null {
  const protos = protocols(r);
  const flags = r.header.flags ? flagsValues(r.header.flags) : null;
  if (!protos && !flags) return null;
  const D = ClsLayout.dom_flags;
  const out: Ranges = [];
  for (const p of protos ?? Array.from({ length: 256 }, (_, i) => i)) {
    if (!flags) out.push([p * D, p * D + D - 1]);
    else for (const [lo, hi] of flags) out.push([p * D + lo, p * D + hi]);
  }
  return merge(out);
}

function icmpRanges(r: Rule): Ranges | null {
  const { itype, icode } = r.header;
  if (!itype && !icode) return null;
  const types = itype ? uintRanges(itype, 255) : full(255);
  const codes = icode ? uintRanges(icode, 255) : full(255);
  const out: Ranges = [];
  for (const [tlo, thi] of types) {
    for (let t = tlo; t <= thi; t++) for (const [clo, chi] of codes) out.push([(t << 8) | clo, (t << 8) | chi]);
  }
  return merge(out);
}

function merge(rs: Ranges): Ranges {
  rs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of rs) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function portRanges(s: PortSet): Ranges {
  return s.any ? full(65535) : s.ranges.map(([lo, hi]) => [lo, hi]);
}

function side(r: Rule, s: AddressSet): Side {
  const fam = r.protocol.family;
  const conv = (cidrs: Array<{ addr: string; prefix: number }>, bits: 32 | 128): AddrRanges => cidrs.map((c) => {
    const base = bits === 32 ? parseV4(c.addr) : parseV6(c.addr);
    if (base === undefined || c.prefix < 0 || c.prefix > bits) {
      throw new PlanError('E_PLAN_INVALID_RULE', `sid ${r.meta.sid}: address ${c.addr}/${c.prefix}`, { sid: r.meta.sid });
    }
    const size = 1n << BigInt(bits - c.prefix);
    const lo = (base / size) * size;
    return [lo, lo + size - 1n];
  });
  const v4: AddrRanges = s.any ? [[0n, V4_MAX]] : conv(s.v4, 32);
  const v6: AddrRanges = s.any ? [[0n, V6_MAX]] : conv(s.v6, 128);
  return {
    any: s.any && fam === 'any',
    v4: fam === 'ipv6' ? [] : v4,
    v6: fam === 'ipv4' ? [] : v6,
  };
}

const IPOPT: Record<string, number> = {
  eol: ClsIpopt.eol, nop: ClsIpopt.nop, rr: ClsIpopt.rr, ts: ClsIpopt.ts, sec: ClsIpopt.sec, lsrr: ClsIpopt.lsrr,
  lsrre: ClsIpopt.lsrr, esec: ClsIpopt.esec, satid: ClsIpopt.satid, ssrr: ClsIpopt.ssrr, any: ClsIpopt.any,
};

/** FRAG_BITS (frag_off layout: R 0x8000, D 0x4000, M 0x2000) -> fw_pkt.frag_flags (MF 1, DF 2, RB 4). */
function fragFlags(bits: number): number {
  return (bits & 0x2000 ? 1 : 0) | (bits & 0x4000 ? 2 : 0) | (bits & 0x8000 ? 4 : 0);
}

function residual(r: Rule, band: ClsBandName, bits: ReadonlyMap<string, number>): Residual {
  const h = r.header;
  let flags = 0;
  const out: Residual = { flags: 0, fragMode: 0, fragBits: 0, ipopt: 0, icmpId: 0, icmpSeq: 0, flow: flowResidual(r, band, bits),
    thresh: thresholdResidual(r) };
  if (r.noalert) flags |= ClsRuleFlag.noalert;
  // ARP and IPv6 neighbour discovery are never dropped by a header rule unless it names them (itype).
  if ((band === 'drop' || band === 'reject') && !h.itype) flags |= ClsRuleFlag.not_nd;
  if (h.sameip) flags |= ClsRuleFlag.sameip;
  if (h.icmpId !== undefined) {
    flags |= ClsRuleFlag.icmp_id;
    out.icmpId = h.icmpId;
  }
  if (h.icmpSeq !== undefined) {
    flags |= ClsRuleFlag.icmp_seq;
    out.icmpSeq = h.icmpSeq;
  }
  if (h.fragbits) {
    flags |= ClsRuleFlag.fragbits;
    out.fragMode = ClsFragMode[h.fragbits.mode];
    out.fragBits = fragFlags(h.fragbits.bits);
  }
  if (h.ipopts !== undefined) {
    const o = IPOPT[h.ipopts];
    if (o === undefined) throw new PlanError('E_PLAN_INVALID_RULE', `sid ${r.meta.sid}: ipopts ${h.ipopts}`, { sid: r.meta.sid, keyword: 'ipopts' });
    flags |= ClsRuleFlag.ipopts;
    out.ipopt = o;
  }
  out.flags = flags;
  return out;
}

const REJECT_KIND: Record<string, number> = {
  reject: RejectKind.src, rejectsrc: RejectKind.src, rejectdst: RejectKind.dst, rejectboth: RejectKind.both,
};

export function normalize(rules: readonly Rule[], actionScope: ActionScopePolicy = 'flow', actionOrder: ActionOrder = DEFAULT_ACTION_ORDER): NRule[] {
  const order = [...rules].sort((a, b) => compareRules(a, b, actionOrder));
  const rank = new Map<Rule, number>(order.map((r, i) => [r, i]));
  const bits = flowbitNumbers(rules.filter((r) => bandOf(r) !== 'flag'));
  return rules.map((r) => {
    const band = bandOf(r);
    checkSupported(r, band, actionOrder);
    const ports = !(r.srcPorts.any && r.dstPorts.any);
    const fields: Record<ValueField, Ranges | null> = {
      pf: pfRanges(r),
      icmp: icmpRanges(r),
      ttl: r.header.ttl ? uintRanges(r.header.ttl, 255) : null,
      dsize: r.header.dsize ? uintRanges(r.header.dsize, 65535) : null,
      // A rule with ports needs a TCP/UDP header read: NONE stays outside both port sets.
      sport: ports ? portRanges(r.srcPorts) : null,
      dport: ports ? portRanges(r.dstPorts) : null,
    };
    return {
      rule: r, band, rank: rank.get(r)!, action: EventAction[r.action === 'pass' || r.action === 'drop' || r.action === 'alert' ? r.action : 'reject'],
      rejectKind: REJECT_KIND[r.action] ?? RejectKind.src,
      src: side(r, r.src), dst: side(r, r.dst), fields, residual: residual(r, band, bits), bidir: r.direction === '<>',
      scope: SCOPE_OF[verdictFlows(r, actionScope) ?? 'packet'],
    };
  });
}
