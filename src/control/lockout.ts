// Lockout protection: would this ruleset drop or reject the management access? The question is
// put to the reference evaluator (src/rules/reference) with synthesized TCP SYNs from the
// management source to the box's management port, in each family the access is configured for.
//
// "From anywhere" cannot be tried address by address, so the sources are split into regions:
// every boundary of every rule address set that could decide such a SYN cuts the management
// prefix, and within one region every rule sees the same answer, so one SYN per region (from its
// first address) stands for all of it. The same is done for source ports (the ephemeral range
// 1024-65535 an SSH client uses) and, when the box's addresses are not known, for destinations.
// Only pass, drop and reject rules can change whether a SYN is dropped (alert and payload rules
// rank after drop), so only they are evaluated. Conditions the XDP half cannot see on one packet
// count as met where a SYN could meet them (flow:to_server, stateless; thresholds), and as unmet
// where it cannot (flow:established, to_client, only_stream): the check errs towards refusing.
import { ether } from '../packets/index.ts';
import type { AddressSet, PortSet, Rule } from '../rules/index.ts';
import { band, decodeFrame, evaluate } from '../rules/reference/index.ts';
import { bigToAddr, bits, cidrRange, describeRange, type Fam, familyOf, prefixRange, type Range } from './net.ts';
import type { Mgmt } from './state.ts';

export interface LockoutViolation {
  sid: number;
  msg: string;
  action: string;
  file: string;
  line: number;
  verdict: 'drop' | 'reject';
  /** The SYN that was refused, and the regions it stands for. */
  packet: { family: Fam; src: string; sport: number; dst: string; dport: number };
  sources: string;
  sourcePorts: string;
  /** Rule actions, in words: "sid 1000010 (drop) drops a TCP SYN from 198.18.0.10:1024 to 198.18.1.1:22". */
  message: string;
}

export interface LockoutReport {
  /** SYNs evaluated. */
  checked: number;
  families: Fam[];
  /** The destinations tried per family ('any' when the box's addresses were unknown and regions were used). */
  destinations: string[];
  violation: LockoutViolation | null;
}

const EPHEMERAL: Range = { lo: 1024n, hi: 65535n };
/** More SYNs than this and the check gives up (the caller refuses, naming --mgmt and --force). */
export const LOCKOUT_MAX_PACKETS = 2_000_000;

/** The rule as the check evaluates it: flow and rate conditions a SYN could meet removed, or null
 *  when a SYN to the server can never match it. */
function asSynRule(r: Rule): Rule | null {
  const f = r.flow;
  if (f) {
    if (f.direction === 'to_client' || f.state === 'established' || f.stream === 'only' || f.frag === 'only') return null;
  }
  if (!f && !r.threshold && !r.detectionFilter) return r;
  return { ...r, flow: undefined, threshold: undefined, detectionFilter: undefined };
}

function familyOk(r: Rule, fam: Fam): boolean {
  return r.protocol.family === 'any' || r.protocol.family === (fam === 4 ? 'ipv4' : 'ipv6');
}

function ranges(set: AddressSet, fam: Fam): Range[] {
  if (set.any) return [{ lo: 0n, hi: (1n << BigInt(bits(fam))) - 1n }];
  return (fam === 4 ? set.v4 : set.v6).map((c) => cidrRange(c.addr, c.prefix, fam));
}

function portRanges(p: PortSet): Range[] {
  return p.any ? [{ lo: 0n, hi: 65535n }] : p.ranges.map(([lo, hi]) => ({ lo: BigInt(lo), hi: BigInt(hi) }));
}

/** Cuts `within` at every boundary of `sets`: the regions in which membership never changes. */
function regions(within: readonly Range[], sets: ReadonlyArray<readonly Range[]>): Range[] {
  const out: Range[] = [];
  for (const w of within) {
    const cuts = new Set<bigint>([w.lo, w.hi + 1n]);
    for (const s of sets) {
      for (const r of s) {
        if (r.lo > w.lo && r.lo <= w.hi) cuts.add(r.lo);
        if (r.hi + 1n > w.lo && r.hi + 1n <= w.hi) cuts.add(r.hi + 1n);
      }
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i + 1 < sorted.length; i++) out.push({ lo: sorted[i], hi: sorted[i + 1] - 1n });
  }
  return out;
}

function inAny(v: bigint, sets: ReadonlyArray<readonly Range[]>): boolean {
  return sets.some((s) => s.some((r) => v >= r.lo && v <= r.hi));
}

function syn(fam: Fam, src: string, sport: number, dst: string, dport: number): Buffer {
  const eth = ether({});
  const ip = fam === 4 ? eth.ipv4({ src, dst, ttl: 64 }) : eth.ipv6({ src, dst, hopLimit: 64 });
  return ip.tcp({ sport, dport, flags: 'S' }).build();
}

/**
 * Checks `rules` against the management access `mgmt`; `boxAddrs` are the addresses of the
 * instance's interfaces (used when mgmt.to is empty). Returns the first refused SYN, if any.
 */
export function checkLockout(rules: readonly Rule[], mgmt: Mgmt, boxAddrs: readonly string[]): LockoutReport {
  const report: LockoutReport = { checked: 0, families: [], destinations: [], violation: null };
  const fromByFam = new Map<Fam, Range[]>();
  for (const p of mgmt.from) {
    const { fam, range } = prefixRange(p);
    fromByFam.set(fam, [...(fromByFam.get(fam) ?? []), range]);
  }
  const port = mgmt.port;
  for (const fam of [4, 6] as const) {
    const from = fromByFam.get(fam);
    if (!from) continue;
    report.families.push(fam);
    const toList = (mgmt.to.length ? mgmt.to : boxAddrs).filter((a) => familyOf(a) === fam);
    // The rules that can decide a SYN to `port` in this family.
    const relevant: Rule[] = [];
    for (const r of rules) {
      const b = band(r);
      if (b !== 'pass' && b !== 'drop' && b !== 'reject') continue;
      if (!familyOk(r, fam) || (r.protocol.ipProto !== null && !r.protocol.ipProto.includes(6))) continue;
      if (r.direction === '->' && !portRanges(r.dstPorts).some((x) => x.lo <= BigInt(port) && BigInt(port) <= x.hi)) continue;
      const s = asSynRule(r);
      if (s) relevant.push(s);
    }
    // Sets that decide the source (the rule's source; for <> also its destination, swapped).
    const srcSets = relevant.flatMap((r) => (r.direction === '<>' ? [ranges(r.src, fam), ranges(r.dst, fam)] : [ranges(r.src, fam)]));
    const dropSrcSets = relevant.filter((r) => band(r) !== 'pass').flatMap((r) => (r.direction === '<>' ? [ranges(r.src, fam), ranges(r.dst, fam)] : [ranges(r.src, fam)]));
    const sportSets = relevant.flatMap((r) => (r.direction === '<>' ? [portRanges(r.srcPorts), portRanges(r.dstPorts)] : [portRanges(r.srcPorts)]));
    const srcRegions = regions(from, srcSets).filter((g) => inAny(g.lo, dropSrcSets));
    const sportRegions = regions([EPHEMERAL], sportSets);
    let dsts: Array<{ addr: string; region?: Range }>;
    if (toList.length > 0) dsts = toList.map((addr) => ({ addr }));
    else {
      const dstSets = relevant.flatMap((r) => (r.direction === '<>' ? [ranges(r.dst, fam), ranges(r.src, fam)] : [ranges(r.dst, fam)]));
      dsts = regions(ranges({ any: true, v4: [], v6: [] }, fam), dstSets).map((g) => ({ addr: bigToAddr(g.lo, fam), region: g }));
    }
    report.destinations.push(...(toList.length > 0 ? toList : [fam === 4 ? 'any IPv4' : 'any IPv6']));
    if (relevant.length === 0) continue;
    const total = srcRegions.length * sportRegions.length * dsts.length;
    if (report.checked + total > LOCKOUT_MAX_PACKETS) {
      throw new Error(`the lockout check would need ${total} SYNs (more than ${LOCKOUT_MAX_PACKETS}); narrow the management access with --mgmt/--mgmt-to`);
    }
    for (const dst of dsts) {
      for (const g of srcRegions) {
        const src = bigToAddr(g.lo, fam);
        for (const pr of sportRegions) {
          const sport = Number(pr.lo);
          report.checked++;
          const d = evaluate(relevant, decodeFrame(syn(fam, src, sport, dst.addr, port)));
          if (d.verdict !== 'drop' && d.verdict !== 'reject') continue;
          const w = d.winner as Rule;
          const sources = describeRange(g, fam);
          const sourcePorts = pr.lo === pr.hi ? String(pr.lo) : `${pr.lo}-${pr.hi}`;
          const dstText = dst.region ? describeRange(dst.region, fam) : dst.addr;
          const hostPort = (a: string, p: number | string) => (fam === 6 ? `[${a}]:${p}` : `${a}:${p}`);
          report.violation = {
            sid: w.meta.sid, msg: w.meta.msg, action: w.action, file: w.source.file, line: w.source.line, verdict: d.verdict,
            packet: { family: fam, src, sport, dst: dst.addr, dport: port }, sources, sourcePorts,
            message:
              `sid ${w.meta.sid} (${w.action}, ${w.source.file}:${w.source.line}${w.meta.msg ? `, "${w.meta.msg}"` : ''}) would ` +
              `${d.verdict} the management access: a TCP SYN from ${hostPort(sources, sourcePorts)} to ${hostPort(dstText, port)}`,
          };
          return report;
        }
      }
    }
  }
  return report;
}
