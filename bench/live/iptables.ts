// IR rules -> an iptables-restore script for the raw table's PREROUTING chain (the same netfilter
// hook and priority as the nftables chain), and reading its counters back. Pure. One iptables rule
// per IR rule when each side has one address (the benchmark's rules); a list is expanded into one
// rule per combination, as `iptables -s a,b -d c,d` itself does. IPv4 only (IPv6 would be
// ip6tables), drop only, addresses/ports/protocol only (assertTranslatable).
import type { PortSet, Rule } from '../../src/rules/index.ts';
import type { ChainCounters } from './nft.ts';
import { assertTranslatable } from './nft.ts';

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp' };

function portArgs(flag: 'sport' | 'dport', p: PortSet): string {
  if (p.any) return '';
  const text = p.ranges.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`));
  if (text.length === 1) return ` --${flag} ${text[0]}`;
  return ` -m multiport --${flag}s ${text.join(',')}`;
}

export function iptablesRuleLines(r: Rule): string[] {
  assertTranslatable(r);
  if (r.protocol.family === 'ipv6' || (!r.src.any && r.src.v4.length === 0) || (!r.dst.any && r.dst.v4.length === 0)) {
    throw new Error(`sid ${r.meta.sid}: bench/live's iptables translation is IPv4 only`);
  }
  const protos = r.protocol.ipProto;
  const hasPorts = !r.srcPorts.any || !r.dstPorts.any;
  if (hasPorts && (!protos || protos.length !== 1)) throw new Error(`sid ${r.meta.sid}: ports need exactly one of tcp/udp`);
  const srcs = r.src.any ? [''] : r.src.v4.map((c) => ` -s ${c.addr}/${c.prefix}`);
  const dsts = r.dst.any ? [''] : r.dst.v4.map((c) => ` -d ${c.addr}/${c.prefix}`);
  const ps = protos ? protos.map((p) => ` -p ${PROTO_NAMES[p]}`) : [''];
  const ports = `${portArgs('sport', r.srcPorts)}${portArgs('dport', r.dstPorts)}`;
  const out: string[] = [];
  for (const s of srcs) for (const d of dsts) for (const p of ps) out.push(`-A PREROUTING${s}${d}${p}${ports} -j DROP`);
  return out;
}

/** The whole iptables-restore input (replaces the raw table of the namespace it runs in). */
export function iptablesScript(rules: Rule[]): { script: string; iptRules: number; owner: number[] } {
  const owner: number[] = [];
  const lines = rules.flatMap((r, i) => iptablesRuleLines(r).map((l) => (owner.push(i), l)));
  return { script: `*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${lines.join('\n')}\nCOMMIT\n`, iptRules: lines.length, owner };
}

/** Sums the PREROUTING counters of `iptables-save -c -t raw` output. */
export function iptablesCounters(save: string): ChainCounters {
  const each: bigint[] = [];
  for (const line of save.split('\n')) {
    const m = /^\[(\d+):(\d+)\] -A PREROUTING /.exec(line);
    if (m) each.push(BigInt(m[1]));
  }
  return { total: each.reduce((a, b) => a + b, 0n), last: each.at(-1) ?? 0n, rules: each.length, each };
}
