// Lockout protection: would this ruleset drop or reject the management access? A TCP SYN from the
// management source to the box's management port, in each family the access is configured for,
// must not be dropped or rejected.
//
// "From anywhere" cannot be tried address by address, so the check works on address ranges: for
// each destination (a box address) and each source-port region (the ephemeral range 1024-65535 an
// SSH client uses, cut at every boundary of the rules' port sets, so that inside a region every
// rule answers alike), the sources a drop or reject rule would take are the union of those rules'
// source sets (for `<>` rules, also the swapped side), the sources a pass rule would save the union
// of theirs, and the management prefix minus the saved, intersected with the taken, is what would
// be locked out. A source found there is then put to the reference evaluator (src/rules/reference)
// as a synthesized SYN: its verdict and winning rule are what is reported (and a disagreement
// would not be reported as a lockout). Only pass, drop and reject rules can change whether a SYN is
// dropped (alert and payload rules rank after drop). A rule's other conditions (flags, ttl, dsize,
// ...) are asked of a template SYN (TTL 64, no payload) by the reference evaluator. Conditions no
// single packet shows count as met where a SYN could meet them (flow:to_server, stateless;
// thresholds) and as unmet where it cannot (flow:established, to_client, only_stream): the check
// errs towards refusing. Without the box's addresses, destinations are regions as well.
import { ether } from '../packets/index.ts';
import type { AddressSet, PortSet, Rule } from '../rules/index.ts';
import { band, type DecodedPacket, decodeFrame, evaluate, headerMatches } from '../rules/reference/index.ts';
import { addrToBig, bigToAddr, bits, cidrRange, describeRange, type Fam, familyOf, prefixRange, type Range } from './net.ts';
import type { Mgmt } from './state.ts';

export interface LockoutViolation {
  sid: number;
  msg: string;
  action: string;
  file: string;
  line: number;
  verdict: 'drop' | 'reject';
  /** The SYN the reference evaluator refused, and the sources and ports it stands for. */
  packet: { family: Fam; src: string; sport: number; dst: string; dport: number };
  sources: string;
  sourcePorts: string;
  /** In words: `sid 7 (drop, site.rules:2, "no ssh") would drop the management access: a TCP SYN
   *  from 198.18.3.0/24 port 1024-65535 to 198.18.1.1 port 22`. */
  message: string;
}

export interface LockoutReport {
  /** (destination, source-port region) pairs checked. */
  checked: number;
  families: Fam[];
  /** The destinations tried ('any IPv4' / 'any IPv6' when the box's addresses were unknown). */
  destinations: string[];
  violation: LockoutViolation | null;
}

const EPHEMERAL: Range = { lo: 1024n, hi: 65535n };
/** (destinations × port regions × rules) above this and the check gives up (the load is refused
 *  unless --force; --mgmt-to or --iface narrow it). */
export const LOCKOUT_MAX_WORK = 50_000_000;

/** The rule as a SYN sees it: flow and rate conditions a SYN could meet removed, or null when a
 *  SYN to the server can never match it. */
function asSynRule(r: Rule): Rule | null {
  const f = r.flow;
  if (f && (f.direction === 'to_client' || f.state === 'established' || f.stream === 'only' || f.frag === 'only')) return null;
  if (!f && !r.threshold && !r.detectionFilter) return r;
  return { ...r, flow: undefined, threshold: undefined, detectionFilter: undefined };
}

const ANY_ADDR: AddressSet = { any: true, v4: [], v6: [] };
const ANY_PORT: PortSet = { any: true, ranges: [[0, 65535]] };

function addrRanges(set: AddressSet, fam: Fam): Range[] {
  if (set.any) return [{ lo: 0n, hi: (1n << BigInt(bits(fam))) - 1n }];
  return (fam === 4 ? set.v4 : set.v6).map((c) => cidrRange(c.addr, c.prefix, fam));
}

function portRanges(p: PortSet): Range[] {
  return p.any ? [{ lo: 0n, hi: 65535n }] : p.ranges.map(([lo, hi]) => ({ lo: BigInt(lo), hi: BigInt(hi) }));
}

/** v in one of the sorted, disjoint ranges (binary search). */
function contains(rs: readonly Range[], v: bigint): boolean {
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (v < rs[mid].lo) hi = mid - 1;
    else if (v > rs[mid].hi) lo = mid + 1;
    else return true;
  }
  return false;
}

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorted, disjoint, merged union of ranges. */
function union(parts: ReadonlyArray<readonly Range[]>): Range[] {
  const all = parts.flat().slice().sort((a, b) => cmp(a.lo, b.lo));
  const out: Range[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r.lo <= last.hi + 1n) {
      if (r.hi > last.hi) last.hi = r.hi;
    } else out.push({ lo: r.lo, hi: r.hi });
  }
  return out;
}

function intersect(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = a[i].lo > b[j].lo ? a[i].lo : b[j].lo;
    const hi = a[i].hi < b[j].hi ? a[i].hi : b[j].hi;
    if (lo <= hi) out.push({ lo, hi });
    if (a[i].hi < b[j].hi) i++;
    else j++;
  }
  return out;
}

function subtract(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let j = 0;
  for (const r of a) {
    let lo = r.lo;
    while (j < b.length && b[j].hi < lo) j++;
    let k = j;
    while (k < b.length && b[k].lo <= r.hi) {
      if (b[k].lo > lo) out.push({ lo, hi: b[k].lo - 1n });
      lo = b[k].hi + 1n;
      k++;
    }
    if (lo <= r.hi) out.push({ lo, hi: r.hi });
  }
  return out;
}

/** Cuts `within` at every boundary of `sets`: the regions in which membership never changes. */
function regions(within: Range, sets: ReadonlyArray<readonly Range[]>): Range[] {
  const cuts = new Set<bigint>([within.lo, within.hi + 1n]);
  for (const s of sets) {
    for (const r of s) {
      if (r.lo > within.lo && r.lo <= within.hi) cuts.add(r.lo);
      if (r.hi + 1n > within.lo && r.hi + 1n <= within.hi) cuts.add(r.hi + 1n);
    }
  }
  const sorted = [...cuts].sort(cmp);
  const out: Range[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push({ lo: sorted[i], hi: sorted[i + 1] - 1n });
  return out;
}

function syn(fam: Fam, src: string, sport: number, dst: string, dport: number): DecodedPacket {
  const eth = ether({});
  const ip = fam === 4 ? eth.ipv4({ src, dst, ttl: 64 }) : eth.ipv6({ src, dst, hopLimit: 64 });
  return decodeFrame(ip.tcp({ sport, dport, flags: 'S' }).build());
}

/** A rule reduced to what the range arithmetic needs. */
interface Cand {
  rule: Rule;
  saves: boolean;
  src: Range[];
  dst: Range[];
  sp: Range[];
  dp: Range[];
  both: boolean;
  sameip: boolean;
}

/**
 * Checks `rules` against the management access `mgmt`; `boxAddrs` are the addresses of the
 * instance's interfaces (used when mgmt.to is empty). Returns the first refused SYN, if any.
 * Throws when the check would take too long (see LOCKOUT_MAX_WORK).
 */
export function checkLockout(rules: readonly Rule[], mgmt: Mgmt, boxAddrs: readonly string[]): LockoutReport {
  const report: LockoutReport = { checked: 0, families: [], destinations: [], violation: null };
  const fromByFam = new Map<Fam, Range[]>();
  for (const p of mgmt.from) {
    const { fam, range } = prefixRange(p);
    fromByFam.set(fam, [...(fromByFam.get(fam) ?? []), range]);
  }
  const port = BigInt(mgmt.port);
  for (const fam of [4, 6] as const) {
    const fromList = fromByFam.get(fam);
    if (!fromList) continue;
    const from = union([fromList]);
    report.families.push(fam);
    const toList = (mgmt.to.length ? mgmt.to : boxAddrs).filter((a) => familyOf(a) === fam);
    report.destinations.push(...(toList.length > 0 ? toList : [fam === 4 ? 'any IPv4' : 'any IPv6']));
    // The template SYN for every condition that is not an address or a port.
    const template = fam === 4 ? syn(4, '198.18.0.1', 40000, '198.18.0.2', mgmt.port) : syn(6, '2001:2::1', 40000, '2001:2::2', mgmt.port);
    const synRules: Rule[] = [];
    const cands: Cand[] = [];
    for (const r of rules) {
      const b = band(r);
      if (b !== 'pass' && b !== 'drop' && b !== 'reject') continue;
      const s = asSynRule(r);
      if (!s) continue;
      const bare: Rule = { ...s, src: ANY_ADDR, dst: ANY_ADDR, srcPorts: ANY_PORT, dstPorts: ANY_PORT, direction: '->', header: { ...s.header, sameip: undefined } };
      if (!headerMatches(bare, template)) continue;
      synRules.push(s);
      cands.push({
        rule: s, saves: b === 'pass', src: addrRanges(s.src, fam), dst: addrRanges(s.dst, fam), sp: portRanges(s.srcPorts),
        dp: portRanges(s.dstPorts), both: s.direction === '<>', sameip: s.header.sameip === true,
      });
    }
    if (cands.length === 0) continue;
    const sportRegions = regions(EPHEMERAL, cands.flatMap((c) => (c.both ? [c.sp, c.dp] : [c.sp])));
    const dsts: Array<{ addr: bigint; region?: Range }> = toList.length > 0
      ? toList.map((a) => ({ addr: addrToBig(a) }))
      : regions({ lo: 0n, hi: (1n << BigInt(bits(fam))) - 1n }, cands.flatMap((c) => (c.both ? [c.dst, c.src] : [c.dst]))).map((g) => ({ addr: g.lo, region: g }));
    const work = dsts.length * sportRegions.length * cands.length;
    if (work > LOCKOUT_MAX_WORK) {
      throw new Error(`the lockout check is too large (${dsts.length} destinations × ${sportRegions.length} port regions × ${cands.length} rules); ` +
        "give the box's addresses with --mgmt-to (or --iface) or narrow --mgmt");
    }
    for (const dst of dsts) {
      for (const pr of sportRegions) {
        report.checked++;
        const sp = pr.lo;
        const taken: Range[][] = [];
        const saved: Range[][] = [];
        for (const c of cands) {
          const parts: Range[][] = [];
          if (contains(c.dst, dst.addr) && contains(c.dp, port) && contains(c.sp, sp)) parts.push(c.src);
          if (c.both && contains(c.src, dst.addr) && contains(c.sp, port) && contains(c.dp, sp)) parts.push(c.dst);
          if (parts.length === 0) continue;
          const srcs = c.sameip ? intersect(union(parts), [{ lo: dst.addr, hi: dst.addr }]) : union(parts);
          (c.saves ? saved : taken).push(srcs);
        }
        if (taken.length === 0) continue;
        const lockedOut = subtract(intersect(from, union(taken)), union(saved));
        for (const g of lockedOut) {
          const src = bigToAddr(g.lo, fam);
          const dstText = bigToAddr(dst.addr, fam);
          const d = evaluate(synRules, syn(fam, src, Number(sp), dstText, mgmt.port));
          if (d.verdict !== 'drop' && d.verdict !== 'reject') continue;
          const w = d.winner as Rule;
          const sources = describeRange(g, fam);
          const sourcePorts = pr.lo === pr.hi ? String(pr.lo) : `${pr.lo}-${pr.hi}`;
          const where = dst.region ? describeRange(dst.region, fam) : dstText;
          report.violation = {
            sid: w.meta.sid, msg: w.meta.msg, action: w.action, file: w.source.file, line: w.source.line, verdict: d.verdict,
            packet: { family: fam, src, sport: Number(sp), dst: dstText, dport: mgmt.port }, sources, sourcePorts,
            message:
              `sid ${w.meta.sid} (${w.action}, ${w.source.file}:${w.source.line}${w.meta.msg ? `, "${w.meta.msg}"` : ''}) would ` +
              `${d.verdict} the management access: a TCP SYN from ${sources} port ${sourcePorts} to ${where} port ${mgmt.port}`,
          };
          return report;
        }
      }
    }
  }
  return report;
}
