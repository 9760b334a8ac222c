// Random packets as data (a PacketSpec, built into a frame with src/packets), biased to hit a
// ruleset: most packets are aimed at one rule (addresses and ports drawn from its sets, protocol,
// flags, ICMP type, TTL, size near its conditions), the rest are random. IPv4 and IPv6, TCP, UDP,
// ICMP/ICMPv6 and other protocols, VLAN tags, IPv4 options, IPv6 extension headers, fragments, and a
// few truncated or corrupted frames. Addresses come from the rules or from 198.18.0.0/15 and
// 2001:2::/48. Nothing is sent: these frames go to BPF_PROG_TEST_RUN and the reference.
import fc from 'fast-check';

import { ether, type Packet, type TcpOption } from '../../src/packets/index.ts';
import type { AddressSet, PortSet, Rule, UintMatch } from '../../src/rules/index.ts';
import { parseAddr } from '../../src/rules/reference/index.ts';
import { addrText, arbHost, type Family, HOT_PORTS, mask } from './sets.ts';

export type L4Spec =
  | { kind: 'tcp'; sport: number; dport: number; flags: number; payload: number; /** 4-byte option words (0-10) */ optWords?: number }
  | { kind: 'udp'; sport: number; dport: number; payload: number }
  | { kind: 'icmp'; type: number; code: number; id: number; seq: number; payload: number }
  | { kind: 'other'; proto: number; payload: number };

export interface PacketSpec {
  /** VLAN ids, outermost first (3 tags exceed the datapath's depth). */
  vlans: number[];
  family: Family;
  src: bigint;
  dst: bigint;
  ttl: number;
  tos: number;
  /** IPv4 DF and reserved bits. */
  df: boolean;
  rb: boolean;
  frag: 'none' | 'first' | 'non_first';
  /** Offset of a non-first fragment in 8-byte units; whether more fragments follow it. */
  fragOffset: number;
  fragMore: boolean;
  fragId: number;
  /** IPv4 option bytes (padded by the builder). */
  ipOptions: number[];
  /** IPv6 extension headers before the fragment header and L4. */
  exts: Array<'hop' | 'dst' | 'routing'>;
  l4: L4Spec;
  /** Malformed variants: keep only the first `cut` bytes; overwrite one byte. */
  cut?: number;
  poke?: { at: number; value: number };
}

export interface GeneratedPacket {
  spec: PacketSpec;
  frame: Buffer;
}

const IPOPT = { eol: 0, nop: 1, rr: 7, ts: 68, sec: 130, lsrr: 131, lsrre: 131, esec: 133, satid: 136, ssrr: 137 } as const;

/** The option bytes of one IPv4 option of type t (minimal valid TLV). */
function optionBytes(t: number): number[] {
  if (t === 0 || t === 1) return [t];
  return [t, 4, 0, 0];
}

export function buildFrame(s: PacketSpec): Buffer {
  let p: Packet = ether();
  for (const id of s.vlans) p = p.vlan(id);
  const l4Proto = s.l4.kind === 'tcp' ? 6 : s.l4.kind === 'udp' ? 17 : s.l4.kind === 'icmp' ? (s.family === 4 ? 1 : 58) : s.l4.proto;
  const src = addrText(s.family, s.src);
  const dst = addrText(s.family, s.dst);
  if (s.family === 4) {
    p = p.ipv4({
      src, dst, ttl: s.ttl, tos: s.tos, df: s.df, reservedFlag: s.rb, id: s.fragId,
      mf: s.frag === 'first' || (s.frag === 'non_first' && s.fragMore), fragOffset: s.frag === 'non_first' ? s.fragOffset : 0,
      proto: l4Proto, options: s.ipOptions.length ? Buffer.from(s.ipOptions) : undefined,
    });
  } else {
    p = p.ipv6({ src, dst, hopLimit: s.ttl, trafficClass: s.tos, nextHeader: s.exts.length || s.frag !== 'none' ? undefined : l4Proto });
    s.exts.forEach((e, i) => {
      // The last header before raw bytes names their protocol (nothing can be inferred from them).
      const nextHeader = i === s.exts.length - 1 && s.frag === 'none' && s.l4.kind === 'other' ? l4Proto : undefined;
      p = e === 'hop' ? p.hopByHop({ nextHeader })
        : e === 'dst' ? p.destOpts({ options: [{ type: 1, data: Buffer.alloc(4) }], nextHeader })
        : p.routing({ addresses: [dst], segmentsLeft: 0, nextHeader });
    });
    if (s.frag !== 'none') {
      p = p.fragment({ offset: s.frag === 'non_first' ? s.fragOffset : 0, m: s.frag === 'first' || s.fragMore, id: s.fragId, nextHeader: l4Proto });
    }
  }
  const body = Buffer.alloc(s.l4.payload, 0x61);
  if (s.frag === 'non_first' || s.l4.kind === 'other') p = p.payload(body);
  else if (s.l4.kind === 'tcp') {
    const options = Array.from({ length: s.l4.optWords ?? 0 }, (): TcpOption => ({ kind: 'mss', value: 1460 }));
    p = p.tcp({ sport: s.l4.sport, dport: s.l4.dport, flags: s.l4.flags, options }).payload(body);
  }
  else if (s.l4.kind === 'udp') p = p.udp({ sport: s.l4.sport, dport: s.l4.dport }).payload(body);
  else if (s.family === 4) p = p.icmp({ type: s.l4.type, code: s.l4.code, rest: ((s.l4.id << 16) | s.l4.seq) >>> 0 }).payload(body);
  else {
    const nd = s.l4.type === 135 || s.l4.type === 136;
    p = p.icmpv6({ type: s.l4.type, code: s.l4.code, rest: ((s.l4.id << 16) | s.l4.seq) >>> 0, target: nd ? dst : undefined }).payload(body);
  }
  let frame = p.build();
  if (s.poke && s.poke.at < frame.length) {
    frame = Buffer.from(frame);
    frame[s.poke.at] = s.poke.value;
  }
  if (s.cut !== undefined && s.cut < frame.length) frame = frame.subarray(0, Math.max(14, s.cut));
  return frame;
}

// ---- pieces ----

const arbPort = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...HOT_PORTS) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) });
const arbFlagsByte = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01, 0x00, 0xc2, 0x29, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

/** A value that satisfies a uint condition (or a neighbour of one when none is in range). */
function satisfying(m: UintMatch, max: number): number {
  const { a, b = 0 } = m;
  const low = a & -a;
  const v = m.mode === 'eq' || m.mode === 'lte' || m.mode === 'gte' || m.mode === 'notrange' ? a
    : m.mode === 'ne' ? (a === max ? a - 1 : a + 1)
    : m.mode === 'lt' ? a - 1
    : m.mode === 'gt' ? a + 1
    : m.mode === 'range' ? a + 1
    : m.mode === 'mask' ? b
    : low ? b ^ low : b | ((~a & max) & -(~a & max));
  return Math.max(0, Math.min(max, v));
}

/** Values a uint condition is decided at: mostly one inside it, else its bounds and their neighbours. */
function near(m: UintMatch | undefined, max: number): fc.Arbitrary<number> {
  if (!m) return fc.integer({ min: 0, max });
  const vs = [m.a - 1, m.a, m.a + 1, ...(m.b === undefined ? [] : [m.b - 1, m.b, m.b + 1])];
  if (m.mode === 'mask' || m.mode === 'notmask') vs.push(m.b ?? 0, (m.b ?? 0) | (~m.a & max));
  const ok = vs.filter((v) => v >= 0 && v <= max);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(satisfying(m, max)) },
    { weight: 3, arbitrary: fc.constantFrom(...(ok.length ? ok : [0])) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max }) },
  );
}

function arbInSet(s: AddressSet, fam: Family): fc.Arbitrary<bigint> {
  const blocks = fam === 4 ? s.v4 : s.v6;
  if (s.any || blocks.length === 0) return arbHost(fam);
  const bits = fam === 4 ? 32 : 128;
  return fc.tuple(fc.nat(blocks.length - 1), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 3 }), arbHost(fam))
    .map(([i, r, edge, hot]) => {
      const c = blocks[i];
      const net = parseAddr(c.addr);
      const span = (1n << BigInt(bits - c.prefix)) - 1n;
      if (edge === 3 && (hot & mask(fam, c.prefix)) === net) return hot;
      return net | (edge === 0 ? 0n : edge === 1 ? span : r & span);
    });
}

function arbPortIn(s: PortSet): fc.Arbitrary<number> {
  if (s.any) return arbPort;
  return fc.tuple(fc.nat(s.ranges.length - 1), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 2 })).map(([i, r, edge]) => {
    const [lo, hi] = s.ranges[i];
    return edge === 0 ? lo : edge === 1 ? hi : lo + (r % (hi - lo + 1));
  });
}

function familiesOf(r: Rule): Family[] {
  if (r.protocol.family === 'ipv4') return [4];
  if (r.protocol.family === 'ipv6') return [6];
  const has = (s: AddressSet, f: Family) => s.any || (f === 4 ? s.v4 : s.v6).length > 0;
  const fams = ([4, 6] as Family[]).filter((f) => has(r.src, f) && has(r.dst, f));
  return fams.length ? fams : [4, 6];
}

/** Mostly flags that satisfy the rule's condition (with noise where it allows), sometimes anything. */
function arbFlagsFor(r: Rule): fc.Arbitrary<number> {
  const f = r.header.flags;
  if (!f) return arbFlagsByte;
  return fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 5 }), arbFlagsByte).map(([noise, how, any]) => {
    if (how >= 4) return any;
    if (how === 3) return f.flags & noise;
    const lowest = f.flags & -f.flags;
    switch (f.mode) {
      case 'exact': return f.flags | (how === 0 ? 0 : noise & f.ignore);
      case 'all': return f.flags | (how === 0 ? 0 : noise);
      case 'any': return lowest | (noise & ~f.flags & 0xff);
      case 'not': return (noise | f.flags) & ~lowest & 0xff;
    }
  });
}

const arbOtherProto = fc.constantFrom(47, 50, 132, 59, 2, 89, 103);

interface Shape {
  vlans: number[];
  frag: PacketSpec['frag'];
  fragOffset: number;
  fragMore: boolean;
  fragId: number;
  exts: PacketSpec['exts'];
  df: boolean;
  rb: boolean;
  tos: number;
  payload: number;
  broken: { cut?: number; poke?: { at: number; value: number } };
}

const arbShape: fc.Arbitrary<Shape> = fc.record({
  vlans: fc.oneof(
    { weight: 40, arbitrary: fc.constant<number[]>([]) },
    { weight: 6, arbitrary: fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 3, maxLength: 3 }) },
  ),
  frag: fc.oneof(
    { weight: 17, arbitrary: fc.constant('none' as const) },
    { weight: 2, arbitrary: fc.constant('first' as const) },
    { weight: 2, arbitrary: fc.constant('non_first' as const) },
  ),
  fragOffset: fc.integer({ min: 1, max: 1000 }),
  fragMore: fc.boolean(),
  fragId: fc.integer({ min: 0, max: 0xffff }),
  exts: fc.oneof(
    { weight: 30, arbitrary: fc.constant<PacketSpec['exts']>([]) },
    { weight: 6, arbitrary: fc.array(fc.constantFrom('hop' as const, 'dst' as const, 'routing' as const), { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom('hop' as const, 'dst' as const, 'routing' as const), { minLength: 7, maxLength: 9 }) },
  ),
  df: fc.boolean(),
  rb: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  tos: fc.constantFrom(0, 0, 0, 0x28, 0xb8),
  payload: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0, 1, 4, 8, 20, 64, 100, 512) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 1400 }) },
  ),
  broken: fc.oneof(
    { weight: 30, arbitrary: fc.constant<Shape['broken']>({}) },
    { weight: 1, arbitrary: fc.integer({ min: 14, max: 120 }).map((cut): Shape['broken'] => ({ cut })) },
    { weight: 1, arbitrary: fc.record({ at: fc.integer({ min: 12, max: 80 }), value: fc.integer({ min: 0, max: 255 }) }).map((poke): Shape['broken'] => ({ poke })) },
  ),
});

function assemble(family: Family, src: bigint, dst: bigint, ttl: number, l4: L4Spec, sh: Shape, ipOptions: number[]): PacketSpec {
  return {
    vlans: sh.vlans, family, src, dst, ttl, tos: sh.tos, df: sh.df, rb: sh.rb, frag: sh.frag, fragOffset: sh.fragOffset,
    fragMore: sh.fragMore, fragId: sh.fragId, ipOptions: family === 4 ? ipOptions : [], exts: family === 6 ? sh.exts : [], l4,
    ...sh.broken,
  };
}

/** A packet aimed at rule r: inside its sets, near its conditions (and so often just outside them). */
export function arbAimed(r: Rule): fc.Arbitrary<PacketSpec> {
  const h = r.header;
  return fc.record({
    family: fc.constantFrom(...familiesOf(r)),
    swap: r.direction === '<>' ? fc.boolean() : fc.constant(false),
    shape: arbShape,
    ttl: near(h.ttl, 255),
    dsize: near(h.dsize, 1400),
    flags: arbFlagsFor(r),
    itype: near(h.itype, 255),
    icode: near(h.icode, 255),
    id: h.icmpId !== undefined ? fc.oneof({ weight: 3, arbitrary: fc.constant(h.icmpId) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) }) : fc.integer({ min: 0, max: 65535 }),
    seq: h.icmpSeq !== undefined ? fc.oneof({ weight: 3, arbitrary: fc.constant(h.icmpSeq) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) }) : fc.integer({ min: 0, max: 65535 }),
    idType: fc.integer({ min: 0, max: 9 }),
    fragPick: fc.nat(),
    protoPick: fc.nat(),
    other: arbOtherProto,
    sport: arbPortIn(r.srcPorts),
    dport: arbPortIn(r.dstPorts),
    opt: fc.constantFrom(...Object.values(IPOPT)),
    same: fc.integer({ min: 0, max: 3 }),
  }).chain((v) => fc.tuple(arbInSet(v.swap ? r.dst : r.src, v.family), arbInSet(v.swap ? r.src : r.dst, v.family)).map(([src, dst]) => {
    const icmp = v.family === 4 ? 1 : 58;
    const eq = h.ipProto?.find((c) => c.mode === 'eq')?.value;
    const ported = !r.srcPorts.any || !r.dstPorts.any;
    const wide = ported ? [6, 17] : [6, 17, icmp, 6, 17, icmp, v.other];
    const allowed = (x: number) => (h.ipProto ?? []).every((c) => (c.mode === 'ne' ? x !== c.value : c.mode === 'lt' ? x < c.value : c.mode === 'gt' ? x > c.value : true));
    const listed = (eq !== undefined ? [eq] : r.protocol.ipProto ?? wide).filter((x) => x !== (v.family === 4 ? 58 : 1));
    let candidates = listed.filter(allowed).length ? listed.filter(allowed) : listed.length ? listed : [icmp];
    // Keywords that need an L4 header of one protocol: use it (when the rule allows it) 3 times in 4.
    const needs = h.flags ? 6 : h.itype || h.icode || h.icmpId !== undefined || h.icmpSeq !== undefined ? icmp : undefined;
    if (needs !== undefined && candidates.includes(needs) && v.protoPick % 4 !== 0) candidates = [needs];
    const proto = candidates[v.protoPick % candidates.length];
    // An icmp_id / icmp_seq rule needs a type that carries them.
    const idTypes = v.family === 4 ? [8, 0, 13, 14, 15, 16, 17, 18] : [128, 129];
    const itype = (h.icmpId !== undefined || h.icmpSeq !== undefined) && !h.itype && v.idType < 8 ? idTypes[v.idType % idTypes.length] : v.itype;
    const [sport, dport] = v.swap ? [v.dport, v.sport] : [v.sport, v.dport];
    const l4: L4Spec = proto === 6 ? { kind: 'tcp', sport, dport, flags: v.flags, payload: v.dsize }
      : proto === 17 ? { kind: 'udp', sport, dport, payload: v.dsize }
      : proto === icmp ? { kind: 'icmp', type: itype, code: v.icode, id: v.id, seq: v.seq, payload: v.dsize }
      : { kind: 'other', proto, payload: v.dsize };
    const sh = { ...v.shape };
    const fb = r.header.fragbits;
    if (fb && v.fragPick % 5 !== 0) {
      // Bits that satisfy the mode: exact; + (these and one more); * (one of these); ! (one missing).
      const lowest = fb.bits & -fb.bits;
      const others = [0x8000, 0x4000, 0x2000].filter((b) => !(fb.bits & b));
      const bitsOut = fb.mode === 'exact' ? fb.bits
        : fb.mode === 'all' ? fb.bits | (others[v.fragPick % Math.max(1, others.length)] ?? 0)
        : fb.mode === 'any' ? lowest
        : fb.bits & ~lowest;
      sh.df = (bitsOut & 0x4000) !== 0;
      sh.rb = (bitsOut & 0x8000) !== 0;
      const mf = (bitsOut & 0x2000) !== 0;
      // M is the more-fragments bit: a first fragment, or a middle one; without it, whole or the last one.
      if (mf) {
        if (sh.frag === 'none') sh.frag = 'first';
        sh.fragMore = true;
      } else if (sh.frag === 'first') sh.frag = 'none';
      else sh.fragMore = false;
    }
    const want = r.header.ipopts;
    const ipOptions = want !== undefined && want !== 'any' ? optionBytes(IPOPT[want as keyof typeof IPOPT])
      : want === 'any' || v.same === 0 ? optionBytes(v.opt) : [];
    return assemble(v.family, src, r.header.sameip && v.same !== 3 ? src : dst, v.ttl, l4, sh, ipOptions);
  }));
}

/** A packet with no aim: benchmark addresses, hot ports, any protocol. */
export function arbRandomPacket(): fc.Arbitrary<PacketSpec> {
  return fc.record({
    family: fc.constantFrom<Family>(4, 6),
    shape: arbShape,
    ttl: fc.oneof(fc.constantFrom(1, 64, 128, 255), fc.integer({ min: 0, max: 255 })),
    kind: fc.constantFrom('tcp', 'tcp', 'udp', 'udp', 'icmp', 'other'),
    other: arbOtherProto,
    sport: arbPort,
    dport: arbPort,
    flags: arbFlagsByte,
    itype: fc.oneof(fc.constantFrom(0, 3, 8, 11, 13, 128, 129, 135), fc.integer({ min: 0, max: 255 })),
    icode: fc.integer({ min: 0, max: 5 }),
    id: fc.integer({ min: 0, max: 65535 }),
    seq: fc.integer({ min: 0, max: 65535 }),
    opt: fc.option(fc.constantFrom(...Object.values(IPOPT)), { freq: 5 }),
    optWords: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }) }),
  }).chain((v) => fc.tuple(arbHost(v.family), arbHost(v.family)).map(([src, dst]) => {
    const p = v.shape.payload;
    const l4: L4Spec = v.kind === 'tcp' ? { kind: 'tcp', sport: v.sport, dport: v.dport, flags: v.flags, payload: p, optWords: v.optWords }
      : v.kind === 'udp' ? { kind: 'udp', sport: v.sport, dport: v.dport, payload: p }
      : v.kind === 'icmp' ? { kind: 'icmp', type: v.itype, code: v.icode, id: v.id, seq: v.seq, payload: p }
      : { kind: 'other', proto: v.other, payload: p };
    return assemble(v.family, src, dst, v.ttl, l4, v.shape, v.opt === null ? [] : optionBytes(v.opt));
  }));
}

export interface PacketOptions {
  /** Share of packets aimed at a rule (default 0.8). */
  aimed?: number;
}

/** A packet for this ruleset: aimed at one of its rules most of the time, random otherwise. */
export function arbPacketSpec(rules: readonly Rule[], o: PacketOptions = {}): fc.Arbitrary<PacketSpec> {
  const aimed = Math.round((o.aimed ?? 0.8) * 100);
  if (rules.length === 0 || aimed === 0) return arbRandomPacket();
  return fc.oneof(
    { weight: aimed, arbitrary: fc.nat(rules.length - 1).chain((i) => arbAimed(rules[i])) },
    { weight: 100 - aimed, arbitrary: arbRandomPacket() },
  );
}

export function arbPacket(rules: readonly Rule[], o: PacketOptions = {}): fc.Arbitrary<GeneratedPacket> {
  return arbPacketSpec(rules, o).map((spec) => ({ spec, frame: buildFrame(spec) }));
}

/**
 * A sequence of packets in which some reuse an earlier TCP packet's endpoints, either way round,
 * so that flows recur (for the "a drop drops the rest of the TCP flow" rule).
 */
export function arbPacketSequence(rules: readonly Rule[], o: PacketOptions & { minLength?: number; maxLength?: number; sessions?: boolean } = {}): fc.Arbitrary<GeneratedPacket[]> {
  return fc.array(fc.tuple(arbPacketSpec(rules, o), fc.integer({ min: 0, max: 9 }), fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 99 })), {
    minLength: o.minLength ?? 1,
    maxLength: o.maxLength ?? 40,
    size: 'max',
  }).map((items) => {
    const out: PacketSpec[] = [];
    for (const [spec, reuse, pick, reverse, sess] of items) {
      const tcps = out.filter((s) => s.l4.kind === 'tcp');
      let s = spec;
      // sessions: a TCP conversation (handshake, data both ways, FIN or RST teardown, cut short at
      // random), or a UDP / ICMP echo answer to an earlier packet
      if (o.sessions && sess < 15 && spec.l4.kind === 'tcp') {
        out.push(...tcpConversation(spec, sess));
        continue;
      }
      if (o.sessions && sess < 40 && spec.l4.kind !== 'tcp') {
        const prev = out.filter((x) => x.l4.kind === spec.l4.kind && x.family === spec.family);
        if (prev.length) {
          out.push(answer(prev[pick % prev.length]));
          continue;
        }
      }
      if (reuse < 4 && tcps.length && spec.l4.kind === 'tcp') {
        const prev = tcps[pick % tcps.length];
        const pl4 = prev.l4 as Extract<L4Spec, { kind: 'tcp' }>;
        s = {
          ...spec, family: prev.family, src: reverse ? prev.dst : prev.src, dst: reverse ? prev.src : prev.dst, frag: 'none',
          cut: undefined, poke: undefined,
          l4: { ...spec.l4, sport: reverse ? pl4.dport : pl4.sport, dport: reverse ? pl4.sport : pl4.dport },
        };
      }
      out.push(s);
    }
    return out.map((spec) => ({ spec, frame: buildFrame(spec) }));
  });
}

const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

/** The other side's packet of the same flow (addresses, ports, VLANs swapped; an echo reply). */
function answer(p: PacketSpec): PacketSpec {
  const l4: L4Spec = p.l4.kind === 'udp' ? { ...p.l4, sport: p.l4.dport, dport: p.l4.sport }
    : p.l4.kind === 'icmp' && (p.l4.type === 8 || p.l4.type === 128) ? { ...p.l4, type: p.l4.type === 8 ? 0 : 129 }
    : p.l4;
  return { ...p, src: p.dst, dst: p.src, frag: 'none', cut: undefined, poke: undefined, l4 };
}

/** A TCP conversation on spec's 5-tuple: SYN, SYN-ACK, ACK, data, then FIN/FIN or a RST; `n`
 *  picks where it stops and how it ends. */
function tcpConversation(spec: PacketSpec, n: number): PacketSpec[] {
  const l4 = spec.l4 as Extract<L4Spec, { kind: 'tcp' }>;
  const c: PacketSpec = { ...spec, frag: 'none', cut: undefined, poke: undefined };
  const pkt = (fromClient: boolean, flags: number, payload = 0): PacketSpec => ({
    ...c, src: fromClient ? c.src : c.dst, dst: fromClient ? c.dst : c.src,
    l4: { ...l4, sport: fromClient ? l4.sport : l4.dport, dport: fromClient ? l4.dport : l4.sport, flags, payload },
  });
  const all = [
    pkt(true, SYN), pkt(false, SYN | ACK), pkt(true, ACK), pkt(true, PSH | ACK, 10), pkt(false, ACK), pkt(false, PSH | ACK, 20),
    ...(n % 3 === 0 ? [pkt(false, RST | ACK)] : [pkt(true, FIN | ACK), pkt(false, ACK), pkt(false, FIN | ACK), pkt(true, ACK)]),
  ];
  return all.slice(0, 2 + (n % (all.length - 1)));
}

/** A short description of a packet for failure messages. */
export function describe(s: PacketSpec): string {
  const l4 = s.l4.kind === 'tcp' || s.l4.kind === 'udp' ? `${s.l4.kind} ${s.l4.sport}->${s.l4.dport}${s.l4.kind === 'tcp' ? ` flags 0x${s.l4.flags.toString(16)}` : ''}`
    : s.l4.kind === 'icmp' ? `icmp ${s.l4.type}/${s.l4.code} id ${s.l4.id} seq ${s.l4.seq}` : `proto ${s.l4.proto}`;
  const extra = [
    s.vlans.length ? `vlan ${s.vlans.join('.')}` : '', s.frag !== 'none' ? `frag ${s.frag}` : '', s.ipOptions.length ? `ipopts ${s.ipOptions.join(',')}` : '',
    s.exts.length ? `exts ${s.exts.join(',')}` : '', s.cut !== undefined ? `cut ${s.cut}` : '', s.poke ? `poke ${s.poke.at}=${s.poke.value}` : '',
  ].filter(Boolean).join(' ');
  return `${addrText(s.family, s.src)} -> ${addrText(s.family, s.dst)} ttl ${s.ttl} ${l4} payload ${s.l4.payload} ${extra}`.trim();
}
