// The IR as one line of normalized rule-like text: what golden tests compare, and a readable dump
// for operators. Defaults are left out (gid 1, rev 0, priority 3, empty lists).
import type { AddressSet, ByteJumpMatch, ByteTestMatch, ContentMatch, PayloadItem, PcreMatch, PortSet, Rule, UintMatch } from './ir.ts';
import { FRAG_BITS, TCP_FLAG_BITS } from './ir.ts';

export function printAddress(a: AddressSet): string {
  if (a.any) return 'any';
  const all = [...a.v4, ...a.v6].map((c) => `${c.addr}/${c.prefix}`);
  return all.length === 1 ? all[0] : `[${all.join(',')}]`;
}

export function printPorts(p: PortSet): string {
  if (p.any) return 'any';
  const all = p.ranges.map(([a, b]) => (a === b ? `${a}` : b === 65535 ? `${a}:` : a === 0 ? `:${b}` : `${a}:${b}`));
  return all.length === 1 ? all[0] : `[${all.join(',')}]`;
}

export function printUint(u: UintMatch): string {
  switch (u.mode) {
    case 'eq': return `${u.a}`;
    case 'ne': return `!${u.a}`;
    case 'lt': return `<${u.a}`;
    case 'lte': return `<=${u.a}`;
    case 'gt': return `>${u.a}`;
    case 'gte': return `>=${u.a}`;
    case 'range': return `${u.a}<>${u.b}`;
    case 'notrange': return `!${u.a}<>${u.b}`;
    case 'mask': return `&${u.a}=${u.b}`;
    case 'notmask': return `&${u.a}!=${u.b}`;
  }
}

/** Bytes as content text: printable ASCII as is, the rest as |hex| blocks. */
export function printBytes(b: Uint8Array): string {
  let out = '';
  let hex: string[] = [];
  const flush = () => {
    if (hex.length) out += `|${hex.join(' ')}|`;
    hex = [];
  };
  for (const x of b) {
    if (x >= 0x20 && x < 0x7f && x !== 0x22 && x !== 0x7c && x !== 0x5c && x !== 0x3b) {
      flush();
      out += String.fromCharCode(x);
    } else hex.push(x.toString(16).padStart(2, '0').toUpperCase());
  }
  flush();
  return out;
}

const modeChar = { exact: '', all: '+', any: '*', not: '!' } as const;

function letters(bits: number, table: Record<string, number>): string {
  return Object.entries(table).filter(([, b]) => bits & b).map(([l]) => l).join('');
}

function printContent(c: ContentMatch): string {
  const parts = [`content:${c.negated ? '!' : ''}"${printBytes(c.bytes)}"`];
  if (c.nocase) parts.push('nocase');
  if (c.offset !== undefined) parts.push(`offset:${c.offset}`);
  if (c.depth !== undefined) parts.push(`depth:${c.depth}`);
  if (c.distance !== undefined) parts.push(`distance:${c.distance}`);
  if (c.within !== undefined) parts.push(`within:${c.within}`);
  if (c.endsWith) parts.push('endswith');
  if (c.fastPattern) parts.push(`fast_pattern${c.fastPattern.only ? ':only' : c.fastPattern.chop ? `:${c.fastPattern.chop.offset},${c.fastPattern.chop.length}` : ''}`);
  return parts.join(' ');
}

function printPcre(p: PcreMatch): string {
  const f = [
    [p.caseless, 'i'], [p.dotall, 's'], [p.multiline, 'm'], [p.extended, 'x'], [p.anchored, 'A'],
    [p.dollarEndOnly, 'E'], [p.ungreedy, 'G'], [p.relative, 'R'],
  ].filter(([on]) => on).map(([, c]) => c).join('');
  return `pcre:${p.negated ? '!' : ''}"/${p.source}/${f}"`;
}

function byteOpts(b: ByteTestMatch | ByteJumpMatch): string[] {
  const o: string[] = [];
  if (b.relative) o.push('relative');
  if (b.endian === 'little') o.push('little');
  if (b.string) o.push(`string ${b.string}`);
  if (b.dce) o.push('dce');
  if (b.bitmask !== undefined) o.push(`bitmask 0x${b.bitmask.toString(16)}`);
  return o;
}

export function printItem(i: PayloadItem): string {
  switch (i.kind) {
    case 'content':
      return printContent(i);
    case 'pcre':
      return printPcre(i);
    case 'byte_test':
      return `byte_test:${[i.bytes, `${i.negated ? '!' : ''}${i.op}`, i.value, i.offset, ...byteOpts(i)].join(',')}`;
    case 'byte_jump': {
      const o = [i.bytes, i.offset, ...byteOpts(i)];
      if (i.multiplier !== 1) o.push(`multiplier ${i.multiplier}`);
      if (i.align) o.push('align');
      if (i.from !== 'current') o.push(`from_${i.from}`);
      if (i.postOffset) o.push(`post_offset ${i.postOffset}`);
      return `byte_jump:${o.join(',')}`;
    }
    case 'isdataat':
      return `isdataat:${i.negated ? '!' : ''}${i.offset}${i.relative ? ',relative' : ''}`;
    case 'length':
      return `length:${printUint(i.cond)}`;
  }
}

export function printRule(r: Rule): string {
  const o: string[] = [];
  const m = r.meta;
  if (m.msg) o.push(`msg:"${m.msg.replace(/[\\";]/g, (c) => `\\${c}`)}"`);
  o.push(`sid:${m.sid}`);
  if (m.gid !== 1) o.push(`gid:${m.gid}`);
  if (m.rev !== 0) o.push(`rev:${m.rev}`);
  if (m.classtype) o.push(`classtype:${m.classtype}`);
  if (m.priority !== 3) o.push(`priority:${m.priority}`);
  for (const ref of m.references) o.push(`reference:${ref.system},${ref.id}`);
  if (m.metadata.length) o.push(`metadata:${m.metadata.map(([k, v]) => `${k} ${v}`.trim()).join(', ')}`);
  if (m.target) o.push(`target:${m.target}`);
  if (r.noalert) o.push('noalert');
  if (r.app && r.app !== r.protocol.name) o.push(`app:${r.app}`);
  const h = r.header;
  if (h.flags) o.push(`flags:${modeChar[h.flags.mode]}${letters(h.flags.flags, TCP_FLAG_BITS) || '0'}${h.flags.ignore ? `,${letters(h.flags.ignore, TCP_FLAG_BITS)}` : ''}`);
  if (h.fragbits) o.push(`fragbits:${modeChar[h.fragbits.mode]}${letters(h.fragbits.bits, FRAG_BITS)}`);
  if (h.itype) o.push(`itype:${printUint(h.itype)}`);
  if (h.icode) o.push(`icode:${printUint(h.icode)}`);
  if (h.icmpId !== undefined) o.push(`icmp_id:${h.icmpId}`);
  if (h.icmpSeq !== undefined) o.push(`icmp_seq:${h.icmpSeq}`);
  if (h.ttl) o.push(`ttl:${printUint(h.ttl)}`);
  if (h.dsize) o.push(`dsize:${printUint(h.dsize)}`);
  for (const p of h.ipProto ?? []) o.push(`ip_proto:${{ eq: '', ne: '!', lt: '<', gt: '>' }[p.mode]}${p.value}`);
  if (h.sameip) o.push('sameip');
  if (h.ipopts) o.push(`ipopts:${h.ipopts}`);
  if (r.flow) {
    const f = r.flow;
    const parts = [f.direction, f.state, f.stream && `${f.stream}_stream`, f.frag && `${f.frag}_frag`].filter(Boolean);
    o.push(`flow:${parts.join(',')}`);
  }
  for (const f of r.flowbits) o.push(`flowbits:${f.op},${f.names.join('|')}`);
  if (r.threshold) {
    const t = r.threshold;
    o.push(`threshold:type ${t.type},track ${t.track},count ${t.count},${t.seconds !== undefined ? `seconds ${t.seconds}` : `multiplier ${t.multiplier}`}`);
  }
  if (r.detectionFilter) {
    const d = r.detectionFilter;
    o.push(`detection_filter:track ${d.track},count ${d.count},seconds ${d.seconds}`);
  }
  for (const s of r.streamSize) o.push(`stream_size:${s.side},${s.op},${s.value}`);
  for (const b of r.payload) o.push(`${b.buffer}{${b.items.map(printItem).join('; ')}}`);
  if (r.needsDpi) o.push(`dpi(${r.dpiReasons.join(',')})`);
  const head = [r.action, r.protocol.name, printAddress(r.src), printPorts(r.srcPorts), r.direction, printAddress(r.dst), printPorts(r.dstPorts)];
  return `${head.join(' ')} (${o.join('; ')})`;
}
