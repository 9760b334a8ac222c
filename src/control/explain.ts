// Why a rule's header does or does not match a packet, field by field, with the reference
// evaluator's matching primitives (src/rules/reference match.ts). `explainRule(r, p).matches`
// equals `headerMatches(r, p)` (test/trace-explain.test.ts checks it on random rules and packets);
// the field list says which conditions failed, for `fwctl trace`.
import type { AddressSet, PortSet, Rule, UintMatch } from '../rules/index.ts';
import { addrInSet, type DecodedPacket, fragbitsMatch, IPOPT_CODES, portInSet, tcpFlagsMatch, uintMatches } from '../rules/reference/index.ts';

export interface FieldCheck {
  field: string;
  ok: boolean;
  /** What the rule wants and what the packet has, e.g. "port 80 not in 23". */
  detail: string;
}

export interface RuleExplanation {
  matches: boolean;
  /** Every field the rule constrains; the failed ones first. */
  fields: FieldCheck[];
  /** Failed fields. */
  failed: number;
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };
const protoName = (n: number) => PROTO_NAMES[n] ?? `ip proto ${n}`;

function setText(s: AddressSet): string {
  if (s.any) return 'any';
  const all = [...s.v4, ...s.v6].map((c) => `${c.addr}/${c.prefix}`);
  return all.length > 4 ? `[${all.slice(0, 4).join(',')},... ${all.length} blocks]` : all.length === 1 ? all[0] : `[${all.join(',')}]`;
}

function portsText(s: PortSet): string {
  if (s.any) return 'any';
  const all = s.ranges.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`));
  return all.length > 6 ? `[${all.slice(0, 6).join(',')},... ${all.length} ranges]` : all.length === 1 ? all[0] : `[${all.join(',')}]`;
}

function uintText(m: UintMatch): string {
  switch (m.mode) {
    case 'eq': return `${m.a}`;
    case 'ne': return `!${m.a}`;
    case 'lt': return `<${m.a}`;
    case 'lte': return `<=${m.a}`;
    case 'gt': return `>${m.a}`;
    case 'gte': return `>=${m.a}`;
    case 'range': return `${m.a}<>${m.b}`;
    case 'notrange': return `!${m.a}<>${m.b}`;
    case 'mask': return `&${m.a}=${m.b}`;
    case 'notmask': return `&${m.a}!=${m.b}`;
  }
}

const FLAG_LETTERS = 'FSRPAUEC';
function flagsText(v: number): string {
  let s = '';
  for (let i = 0; i < 8; i++) if (v & (1 << i)) s += FLAG_LETTERS[i];
  return s || '0';
}

function hasPorts(p: DecodedPacket): boolean {
  return p.hasL4 && (p.l4Proto === 6 || p.l4Proto === 17);
}

function isIcmp(p: DecodedPacket): boolean {
  return p.hasL4 && ((p.family === 4 && p.l4Proto === 1) || (p.family === 6 && p.l4Proto === 58));
}

function endpointChecks(r: Rule, p: DecodedPacket, swap: boolean): FieldCheck[] {
  const fam = p.family as 4 | 6;
  const [src, dst, sp, dp] = swap ? [r.dst, r.src, r.dstPorts, r.srcPorts] : [r.src, r.dst, r.srcPorts, r.dstPorts];
  const tag = swap ? ' (<> swapped)' : '';
  const out: FieldCheck[] = [];
  const a = (field: string, set: AddressSet, v: bigint, text: string) => {
    if (set.any) return;
    const ok = addrInSet(set, fam, v);
    out.push({ field: field + tag, ok, detail: `${text} ${ok ? 'in' : 'not in'} ${setText(set)}` });
  };
  a('src', src, p.src, p.srcText);
  a('dst', dst, p.dst, p.dstText);
  if (!(sp.any && dp.any)) {
    if (!hasPorts(p)) {
      out.push({ field: 'ports' + tag, ok: false, detail: `the rule names ports; the packet has no TCP/UDP header (${protoName(p.l4Proto)}${p.frag === 'non_first' ? ', non-first fragment' : ''})` });
    } else {
      const pp = (field: string, set: PortSet, v: number) => {
        if (set.any) return;
        const ok = portInSet(set, v);
        out.push({ field: field + tag, ok, detail: `${v} ${ok ? 'in' : 'not in'} ${portsText(set)}` });
      };
      pp('src_port', sp, p.sport);
      pp('dst_port', dp, p.dport);
    }
  }
  return out;
}

/** The header conditions (everything but addresses and ports), one check each. */
function conditionChecks(r: Rule, p: DecodedPacket): FieldCheck[] {
  const h = r.header;
  const out: FieldCheck[] = [];
  const push = (field: string, ok: boolean, detail: string) => out.push({ field, ok, detail });
  if (h.flags) {
    const tcp = p.hasL4 && p.l4Proto === 6;
    const want = `${{ exact: '', all: '+', any: '*', not: '!' }[h.flags.mode]}${flagsText(h.flags.flags)}${h.flags.ignore ? `,${flagsText(h.flags.ignore)}` : ''}`;
    push('flags', tcp && tcpFlagsMatch(h.flags, p.tcpFlags), tcp ? `flags:${want} vs ${flagsText(p.tcpFlags)}` : `flags:${want} needs a TCP header`);
  }
  if (h.fragbits) {
    push('fragbits', p.family === 4 && fragbitsMatch(h.fragbits, p.fragBits), p.family === 4 ? `fragbits ${h.fragbits.mode} 0x${h.fragbits.bits.toString(16)} vs 0x${p.fragBits.toString(16)}` : 'fragbits needs IPv4');
  }
  const icmp = isIcmp(p);
  if (h.itype) push('itype', icmp && uintMatches(h.itype, p.icmpType), icmp ? `itype:${uintText(h.itype)} vs ${p.icmpType}` : `itype:${uintText(h.itype)} needs an ICMP header`);
  if (h.icode) push('icode', icmp && uintMatches(h.icode, p.icmpCode), icmp ? `icode:${uintText(h.icode)} vs ${p.icmpCode}` : `icode:${uintText(h.icode)} needs an ICMP header`);
  if (h.icmpId !== undefined) push('icmp_id', icmp && p.icmpId === h.icmpId, `icmp_id:${h.icmpId} vs ${icmp ? (p.icmpId ?? 'none') : 'no ICMP header'}`);
  if (h.icmpSeq !== undefined) push('icmp_seq', icmp && p.icmpSeq === h.icmpSeq, `icmp_seq:${h.icmpSeq} vs ${icmp ? (p.icmpSeq ?? 'none') : 'no ICMP header'}`);
  if (h.ttl) push('ttl', uintMatches(h.ttl, p.ttl), `ttl:${uintText(h.ttl)} vs ${p.ttl}`);
  if (h.dsize) push('dsize', p.hasL4 && uintMatches(h.dsize, p.dsize), p.hasL4 ? `dsize:${uintText(h.dsize)} vs ${p.dsize}` : `dsize:${uintText(h.dsize)} needs an L4 header`);
  if (h.ipProto) {
    const v = p.l4Proto;
    const ok = h.ipProto.every((c) => (c.mode === 'eq' ? v === c.value : c.mode === 'ne' ? v !== c.value : c.mode === 'lt' ? v < c.value : v > c.value));
    const want = h.ipProto.map((c) => `${{ eq: '', ne: '!', lt: '<', gt: '>' }[c.mode]}${c.value}`).join(',');
    push('ip_proto', ok, `ip_proto:${want} vs ${v}`);
  }
  if (h.sameip) push('sameip', p.src === p.dst, `sameip: ${p.srcText} ${p.src === p.dst ? '=' : '≠'} ${p.dstText}`);
  if (h.ipopts !== undefined) {
    const ok = p.family === 4 && (h.ipopts === 'any' ? p.ipOpts : p.ipOptTypes.includes(IPOPT_CODES[h.ipopts]));
    push('ipopts', ok, p.family === 4 ? `ipopts:${h.ipopts} vs [${p.ipOptTypes.join(',')}]` : 'ipopts needs IPv4');
  }
  return out;
}

/** Field-by-field: does the rule's header match the (well-formed IP) packet? */
export function explainRule(r: Rule, p: DecodedPacket): RuleExplanation {
  const fields: FieldCheck[] = [];
  if (p.family === 0) {
    fields.push({ field: 'packet', ok: false, detail: 'not an IP packet the rules see' });
    return { matches: false, fields, failed: 1 };
  }
  const proto = r.protocol;
  const famOk = !(proto.family === 'ipv4' && p.family !== 4) && !(proto.family === 'ipv6' && p.family !== 6);
  if (proto.family !== 'any') fields.push({ field: 'family', ok: famOk, detail: `${proto.name} needs IPv${proto.family === 'ipv4' ? 4 : 6}, the packet is IPv${p.family}` });
  if (proto.ipProto !== null) {
    const ok = proto.ipProto.includes(p.l4Proto);
    fields.push({ field: 'proto', ok, detail: `${proto.name} ${ok ? 'matches' : 'is not'} ${protoName(p.l4Proto)}` });
  }
  fields.push(...conditionChecks(r, p));
  const fwd = endpointChecks(r, p, false);
  let ends = fwd;
  if (r.direction === '<>' && fwd.some((f) => !f.ok)) {
    const rev = endpointChecks(r, p, true);
    const fails = (l: FieldCheck[]) => l.filter((f) => !f.ok).length;
    if (fails(rev) < fails(fwd)) ends = rev;
  }
  fields.push(...ends);
  const failed = fields.filter((f) => !f.ok).length;
  fields.sort((a, b) => Number(a.ok) - Number(b.ok));
  return { matches: failed === 0, fields, failed };
}
