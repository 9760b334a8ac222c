// The benchmark's ruleset and traffic, chosen so that every engine does the same work: N drop rules
// on addresses, ports and protocol (ClassBench-style: one CIDR or `any` per side, one port or
// range or `any` per side, tcp/udp/ip), then one catch-all drop. The traffic is UDP between
// addresses and ports no rule names, so in every engine every packet is checked against all N
// rules and dropped by the last one: the worst case of a linear chain, and the common case of a
// firewall whose rules name what to stop while most traffic matches none of them.
//
// Rules take their addresses and ports from one part of the benchmark range and the traffic from
// another (below), and no rule is `any` on every field, so no rule can match the traffic;
// checkTraffic() confirms it with the reference evaluator.
import { compileRuleText, type Rule } from '../../src/rules/index.ts';
import { decodeFrame, evaluate, headerMatches } from '../../src/rules/reference/index.ts';
import { type Flow, udpFrame } from './packets.ts';

/** Where rules point: sources in 198.18.0.0/16, destinations in 198.19.0.0/17, ports 1..32767. */
const RULE_SRC = [198, 18];
const RULE_DST = [198, 19];
const RULE_PORT_MAX = 32767;
/** Where the traffic is: 198.19.128.0/18 -> 198.19.192.0/18, ports 32768..65535. */
const TRAFFIC_SRC = '198.19.128.0';
const TRAFFIC_DST = '198.19.192.0';

/** Above every rule's sid: among matching drops the lowest sid decides (Suricata's order), so the
 *  catch-all decides only what no other rule matches, as the last rule of a chain does. */
export const CATCH_ALL_SID = 4_999_999;
export const FIRST_SID = 4_000_000;

/** mulberry32, seedable (the same seed gives the same ruleset and traffic). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cidr(rnd: () => number, [a, b]: number[], maxHalf: boolean): string {
  const bits = [16, 20, 24, 24, 28, 32, 32][Math.floor(rnd() * 7)];
  // Destinations stay in the lower half of 198.19/16 (the traffic uses the upper half).
  const span = bits === 16 && maxHalf ? 17 : bits;
  const host = Math.floor(rnd() * 65536) & (maxHalf ? 0x7fff : 0xffff);
  const n = (((a << 24) | (b << 16) | host) >>> 0) & (span === 0 ? 0 : (~0 << (32 - span)) >>> 0);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${span}`;
}

function port(rnd: () => number): string {
  const v = rnd();
  if (v < 0.4) return 'any';
  const p = 1 + Math.floor(rnd() * (RULE_PORT_MAX - 1));
  if (v < 0.75) return String(p);
  return `${p}:${Math.min(RULE_PORT_MAX, p + 1 + Math.floor(rnd() * 2000))}`;
}

/** The rule lines: `count` drop rules, then the catch-all (noalert: nftables and iptables log
 *  nothing either). */
export function ruleLines(count: number, seed: number): string[] {
  const rnd = prng(seed);
  const out: string[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const v = rnd();
    const proto = v < 0.45 ? 'udp' : v < 0.85 ? 'tcp' : 'ip';
    const src = rnd() < 0.3 ? 'any' : cidr(rnd, RULE_SRC, false);
    const dst = rnd() < 0.3 ? 'any' : cidr(rnd, RULE_DST, true);
    const sp = proto === 'ip' ? 'any' : port(rnd);
    const dp = proto === 'ip' ? 'any' : port(rnd);
    if (src === 'any' && dst === 'any' && sp === 'any' && dp === 'any') continue; // would match everything
    const header = `${proto} ${src} ${sp} -> ${dst} ${dp}`;
    if (seen.has(header)) continue; // a ruleset holds no rule twice
    seen.add(header);
    const sid = FIRST_SID + out.length;
    out.push(`drop ${header} (msg:"bench live ${sid}"; sid:${sid}; rev:1;)`);
  }
  out.push(`drop ip any any -> any any (msg:"bench live catch-all"; noalert; sid:${CATCH_ALL_SID}; rev:1;)`);
  return out;
}

/** Compiles the lines into IR with the project's front end; any diagnostic is a bug here. */
export function compileRules(lines: string[]): Rule[] {
  const r = compileRuleText([{ file: 'bench-live.rules', text: `${lines.join('\n')}\n` }], { strict: true });
  if (r.diagnostics.length > 0 || r.skipped.length > 0 || r.rules.length !== lines.length) {
    const first = r.diagnostics[0];
    throw new Error(`bench ruleset did not compile cleanly (${r.rules.length}/${lines.length} rules)${first ? `: ${first.code} ${first.message}` : ''}`);
  }
  return r.rules;
}

/** `count` (a power of two) distinct UDP flows from the traffic part of the range. */
export function trafficFlows(count: number, seed: number): Flow[] {
  const rnd = prng(seed ^ 0x5eed);
  const seen = new Set<string>();
  const flows: Flow[] = [];
  const host = (base: string) => {
    const [a, b, c] = base.split('.').map(Number);
    const h = Math.floor(rnd() * (64 * 256));
    return `${a}.${b}.${c + (h >>> 8)}.${h & 255}`;
  };
  while (flows.length < count) {
    const f = { saddr: host(TRAFFIC_SRC), daddr: host(TRAFFIC_DST), sport: 32768 + Math.floor(rnd() * 32768), dport: 32768 + Math.floor(rnd() * 32768) };
    const key = `${f.saddr} ${f.sport} ${f.daddr} ${f.dport}`;
    if (seen.has(key)) continue;
    seen.add(key);
    flows.push(f);
  }
  return flows;
}

/**
 * Checks with the reference evaluator that every flow is dropped by the catch-all and matched by
 * no other rule: the premise that each engine walks every rule. Throws otherwise.
 */
export function checkTraffic(rules: Rule[], flows: Flow[]): void {
  const mac = '02:00:00:00:00:01';
  for (const f of flows) {
    const d = evaluate(rules, decodeFrame(udpFrame(f, mac, mac)));
    if (d.verdict !== 'drop' || d.sigId !== CATCH_ALL_SID) {
      throw new Error(`flow ${JSON.stringify(f)} is decided by sid ${d.sigId} (${d.verdict}), not by the catch-all alone`);
    }
  }
}

export interface HitTraffic {
  flows: Flow[];
  /** Per IR rule index: how many of the flows that rule decides (the reference evaluator's winner,
   *  which is also the first match of a chain: every rule is a drop and sids ascend). */
  winners: number[];
  /** Per IR rule index: how many of the flows match it (what a per-rule counter that counts every
   *  matching rule shows, as fwctl's does). */
  matches: number[];
}

function dotted(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * `count` (a power of two) UDP flows that hit rules: each is built inside one rule (udp and ip
 * rules, spread evenly over the ruleset); it may match earlier rules too. The verification run
 * sends them and compares every engine's per-rule counters with `winners` or `matches`.
 */
export function hitFlows(rules: Rule[], count: number, seed: number): HitTraffic {
  const rnd = prng(seed ^ 0x417);
  const hittable = rules.slice(0, -1).map((r, i) => ({ r, i })).filter(({ r }) => !r.protocol.ipProto || r.protocol.ipProto.includes(17));
  if (hittable.length === 0) throw new Error('no udp or ip rule to verify with');
  const pickIn = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const addr = (s: Rule['src'], fallback: string) => {
    if (s.any) return fallback;
    const c = s.v4[Math.floor(rnd() * s.v4.length)];
    const lo = Number(c.addr.split('.').reduce((n, p) => n * 256 + Number(p), 0));
    return dotted(pickIn(lo, lo + 2 ** (32 - c.prefix) - 1));
  };
  const port = (p: Rule['srcPorts']) => {
    if (p.any) return pickIn(32768, 65535);
    const [lo, hi] = p.ranges[Math.floor(rnd() * p.ranges.length)];
    return pickIn(lo, hi);
  };
  const traffic = trafficFlows(count, seed);
  const flows: Flow[] = [];
  const winners = new Array<number>(rules.length).fill(0);
  const matches = new Array<number>(rules.length).fill(0);
  const mac = '02:00:00:00:00:01';
  for (let k = 0; k < count; k++) {
    const { r } = hittable[Math.floor((k * hittable.length) / count)];
    const f: Flow = { saddr: addr(r.src, traffic[k].saddr), daddr: addr(r.dst, traffic[k].daddr), sport: port(r.srcPorts), dport: port(r.dstPorts) };
    const pkt = decodeFrame(udpFrame(f, mac, mac));
    const d = evaluate(rules, pkt);
    if (d.verdict !== 'drop' || !d.winner || !headerMatches(r, pkt)) throw new Error(`hit flow ${JSON.stringify(f)} built for sid ${r.meta.sid} does not match it`);
    winners[d.winner.id]++;
    rules.forEach((x, i) => { if (headerMatches(x, pkt)) matches[i]++; });
    flows.push(f);
  }
  return { flows, winners, matches };
}
