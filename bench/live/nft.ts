// IR rules -> nftables scripts, and reading their counters back. Pure except readNftCounters.
// Only what the benchmark's rules use is translated (addresses, ports, protocol, action drop);
// anything else throws, so no engine ever runs a weaker ruleset than the others.
//
//   linear:  one nft rule per IR rule, in order, each with a counter, in one base chain, as an
//            operator writes a ruleset by hand (lists become anonymous sets).
//   sets:    the rules folded into interval sets, one lookup per rule shape (nftSets).
import type { AddressSet, PortSet, Rule } from '../../src/rules/index.ts';

export type NftHook = { kind: 'prerouting' } | { kind: 'ingress'; device: string };

export const NFT_TABLE = 'fwctl_bench';

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp' };

function list(xs: string[]): string {
  return xs.length === 1 ? xs[0] : `{ ${xs.join(', ')} }`;
}

function portText(p: PortSet): string[] {
  return p.ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
}

function cidrs(s: AddressSet, fam: 'v4' | 'v6'): string[] {
  return s[fam].map((c) => ((fam === 'v4' && c.prefix === 32) || (fam === 'v6' && c.prefix === 128) ? c.addr : `${c.addr}/${c.prefix}`));
}

/** Throws when a rule uses more than addresses, ports and protocol, or is not a drop. */
export function assertTranslatable(r: Rule): void {
  const header = Object.entries(r.header).filter(([, v]) => v !== undefined).map(([k]) => k);
  const extra = [...header, ...(r.flow ? ['flow'] : []), ...(r.payload.length ? ['payload'] : []), ...(r.streamSize.length ? ['stream_size'] : []),
    ...(r.flowbits.length ? ['flowbits'] : []), ...(r.direction === '<>' ? ['<>'] : [])];
  if (r.action !== 'drop') extra.push(`action ${r.action}`);
  if (r.protocol.ipProto && r.protocol.ipProto.some((p) => !(p in PROTO_NAMES))) extra.push(`protocol ${r.protocol.name}`);
  if (extra.length > 0) throw new Error(`sid ${r.meta.sid}: bench/live translates addresses, ports, tcp/udp/ip and drop only, not ${extra.join(', ')}`);
}

/** The families a rule applies to, with the address matches for each ('' = no match needed). */
function families(r: Rule): Array<{ fam: 'v4' | 'v6' | 'any'; src: string[]; dst: string[] }> {
  if (r.src.any && r.dst.any && r.protocol.family === 'any') return [{ fam: 'any', src: [], dst: [] }];
  const out: Array<{ fam: 'v4' | 'v6' | 'any'; src: string[]; dst: string[] }> = [];
  for (const fam of ['v4', 'v6'] as const) {
    if (r.protocol.family !== 'any' && r.protocol.family !== (fam === 'v4' ? 'ipv4' : 'ipv6')) continue;
    if ((!r.src.any && r.src[fam].length === 0) || (!r.dst.any && r.dst[fam].length === 0)) continue;
    out.push({ fam, src: r.src.any ? [] : cidrs(r.src, fam), dst: r.dst.any ? [] : cidrs(r.dst, fam) });
  }
  return out;
}

/** One IR rule as nft rule lines (one per address family it needs). */
export function nftRuleLines(r: Rule): string[] {
  assertTranslatable(r);
  const protos = r.protocol.ipProto;
  const hasPorts = !r.srcPorts.any || !r.dstPorts.any;
  if (hasPorts && (!protos || protos.length !== 1)) throw new Error(`sid ${r.meta.sid}: ports need exactly one of tcp/udp`);
  return families(r).map(({ fam, src, dst }) => {
    const ip = fam === 'v6' ? 'ip6' : 'ip';
    const m: string[] = [];
    if (fam === 'v4' && src.length === 0 && dst.length === 0) m.push('meta nfproto ipv4');
    if (fam === 'v6' && src.length === 0 && dst.length === 0) m.push('meta nfproto ipv6');
    if (src.length) m.push(`${ip} saddr ${list(src)}`);
    if (dst.length) m.push(`${ip} daddr ${list(dst)}`);
    if (hasPorts) {
      const p = PROTO_NAMES[protos![0]];
      if (!r.srcPorts.any) m.push(`${p} sport ${list(portText(r.srcPorts))}`);
      if (!r.dstPorts.any) m.push(`${p} dport ${list(portText(r.dstPorts))}`);
    } else if (protos) {
      m.push(`meta l4proto ${list(protos.map((n) => PROTO_NAMES[n]))}`);
    }
    return `${m.join(' ')} counter drop`;
  });
}

function chainHead(hook: NftHook): string {
  return hook.kind === 'prerouting'
    ? 'type filter hook prerouting priority raw; policy accept;'
    : `type filter hook ingress device "${hook.device}" priority 0; policy accept;`;
}

function tableHead(hook: NftHook): string {
  return hook.kind === 'prerouting' ? `table inet ${NFT_TABLE}` : `table netdev ${NFT_TABLE}`;
}

/** The linear translation: every rule in order (the last IR rule is the catch-all). */
export function nftLinear(rules: Rule[], hook: NftHook): { script: string; nftRules: number; owner: number[] } {
  const owner: number[] = [];
  const lines = rules.flatMap((r, i) => nftRuleLines(r).map((l) => (owner.push(i), l)));
  return { script: `${tableHead(hook)} {\n  chain c {\n    ${chainHead(hook)}\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`, nftRules: lines.length, owner };
}

type Field = 'proto' | 'saddr' | 'sport' | 'daddr' | 'dport';
const FIELDS: Record<Field, { type: string; expr: string }> = {
  proto: { type: 'inet_proto', expr: 'meta l4proto' },
  saddr: { type: 'ipv4_addr', expr: 'ip saddr' },
  sport: { type: 'inet_service', expr: 'th sport' },
  daddr: { type: 'ipv4_addr', expr: 'ip daddr' },
  dport: { type: 'inet_service', expr: 'th dport' },
};

/** One set element: its text and its box (inclusive [lo, hi] per field), for the overlap check. */
interface Elem {
  text: string;
  box: Array<[number, number]>;
}

function v4(addr: string): number {
  return addr.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function cidrBox(addr: string, prefix: number): [number, number] {
  const lo = v4(addr);
  return [lo, lo + 2 ** (32 - prefix) - 1];
}

const overlaps = (a: Elem, b: Elem): boolean => a.box.every(([lo, hi], i) => lo <= b.box[i][1] && b.box[i][0] <= hi);
const contains = (a: Elem, b: Elem): boolean => a.box.every(([lo, hi], i) => lo <= b.box[i][0] && b.box[i][1] <= hi);
const volume = (e: Elem): number => e.box.reduce((v, [lo, hi]) => v * (hi - lo + 1), 1);

/**
 * The set translation, as an operator folds a long chain of drops: the rules are grouped by shape
 * (which fields they name: protocol, source, source port, destination, destination port), each
 * shape is one interval set (a concatenation when it has several fields) and one lookup rule; the
 * catch-all stays a rule. nftables refuses overlapping elements in a set, so an element that
 * overlaps one already placed goes to a second set of the same shape, and so on (layers); one
 * inside another is left out. Valid only because every rule has the same verdict. IPv4 only.
 */
export function nftSets(rules: Rule[], hook: NftHook): { script: string; nftRules: number; elements: number; sets: number } {
  const last = rules[rules.length - 1];
  if (!(last.src.any && last.dst.any && last.srcPorts.any && last.dstPorts.any && !last.protocol.ipProto)) {
    throw new Error('the set translation expects the last rule to be the catch-all');
  }
  const shapes = new Map<string, { fields: Field[]; elems: Elem[]; layers: Elem[][] }>();
  for (const r of rules.slice(0, -1)) {
    assertTranslatable(r);
    if (families(r).some((f) => f.fam === 'v6') || r.protocol.family === 'ipv6') throw new Error(`sid ${r.meta.sid}: the set translation is IPv4 only`);
    const protos = r.protocol.ipProto;
    const fields: Field[] = [];
    if (protos) fields.push('proto');
    if (!r.src.any) fields.push('saddr');
    if (!r.srcPorts.any) fields.push('sport');
    if (!r.dst.any) fields.push('daddr');
    if (!r.dstPorts.any) fields.push('dport');
    const values: Record<Field, Array<{ text: string; box: [number, number] }>> = {
      proto: (protos ?? []).map((p) => ({ text: PROTO_NAMES[p], box: [p, p] })),
      saddr: r.src.v4.map((c) => ({ text: `${c.addr}/${c.prefix}`, box: cidrBox(c.addr, c.prefix) })),
      daddr: r.dst.v4.map((c) => ({ text: `${c.addr}/${c.prefix}`, box: cidrBox(c.addr, c.prefix) })),
      sport: r.srcPorts.ranges.map(([a, b]) => ({ text: a === b ? String(a) : `${a}-${b}`, box: [a, b] })),
      dport: r.dstPorts.ranges.map(([a, b]) => ({ text: a === b ? String(a) : `${a}-${b}`, box: [a, b] })),
    };
    const key = fields.join('.');
    let shape = shapes.get(key);
    if (!shape) shapes.set(key, (shape = { fields, elems: [], layers: [] }));
    // Every combination of the rule's lists is one element.
    let elems: Elem[] = [{ text: '', box: [] }];
    for (const f of fields) {
      elems = elems.flatMap((e) => values[f].map((v) => ({ text: e.text ? `${e.text} . ${v.text}` : v.text, box: [...e.box, v.box] })));
    }
    shape.elems.push(...elems);
  }
  // Largest first: an element inside one already placed drops nothing more and is left out (the
  // same element twice included); one that only overlaps goes to the first layer it fits.
  for (const shape of shapes.values()) {
    const kept: Elem[] = [];
    for (const e of shape.elems.sort((a, b) => volume(b) - volume(a))) {
      if (kept.some((x) => contains(x, e))) continue;
      kept.push(e);
      const layer = shape.layers.find((l) => !l.some((x) => overlaps(x, e)));
      if (layer) layer.push(e);
      else shape.layers.push([e]);
    }
  }
  const sets: string[] = [];
  const chain: string[] = [];
  let elements = 0;
  for (const { fields, layers } of shapes.values()) {
    layers.forEach((layer, li) => {
      const name = `s_${fields.join('_')}_${li}`;
      sets.push(`  set ${name} {\n    type ${fields.map((f) => FIELDS[f].type).join(' . ')}\n    flags interval\n    elements = {\n` +
        `${layer.map((e) => `      ${e.text},\n`).join('')}    }\n  }\n`);
      const ports = fields.includes('sport') || fields.includes('dport');
      // th reads the transport header of any protocol: the lookup runs on TCP and UDP only.
      chain.push(`${ports ? 'meta l4proto { tcp, udp } ' : ''}${fields.map((f) => FIELDS[f].expr).join(' . ')} @${name} counter drop`);
      elements += layer.length;
    });
  }
  chain.push('counter drop');
  const script = `${tableHead(hook)} {\n${sets.join('')}  chain c {\n    ${chainHead(hook)}\n${chain.map((l) => `    ${l}\n`).join('')}  }\n}\n`;
  return { script, nftRules: chain.length, elements, sets: sets.length };
}

export interface ChainCounters {
  /** Packets counted by every rule of the chain. */
  total: bigint;
  /** Packets counted by the chain's last rule (the catch-all). */
  last: bigint;
  rules: number;
  /** Each rule's packets, in chain order. */
  each: bigint[];
}

/** Sums the counters of `nft -j list table ...` output (one chain). */
export function nftCounters(json: string): ChainCounters {
  const doc = JSON.parse(json) as { nftables: Array<Record<string, { expr?: Array<Record<string, { packets?: number }>> }>> };
  const each: bigint[] = [];
  for (const item of doc.nftables) {
    const rule = item.rule;
    if (!rule) continue;
    let c = 0n;
    for (const e of rule.expr ?? []) if (e.counter && typeof e.counter.packets === 'number') c += BigInt(e.counter.packets);
    each.push(c);
  }
  return { total: each.reduce((a, b) => a + b, 0n), last: each.at(-1) ?? 0n, rules: each.length, each };
}
