// Random rules as Suricata rule TEXT, covering every header field kind the XDP half decides, and
// compiled through the real front end (compileRuleText) with an assertion that nothing was
// refused: the rulesets the differential tests feed to both the reference and the datapath.
//
//   fc.assert(fc.property(arbRuleset({ maxRules: 200 }), (rs) => { const rules = compileRuleset(rs); ... }))
import fc from 'fast-check';

import { compileRuleText, type Rule } from '../../src/rules/index.ts';
import { addrSpecText, arbAddrSpec, arbPortSpec, GEN_VARS, portSpecText, type AddrSpec, type Family, type PortSpec } from './sets.ts';

export interface RuleSpec {
  action: 'alert' | 'pass' | 'drop' | 'reject' | 'rejectsrc' | 'rejectdst' | 'rejectboth';
  proto: string;
  src: AddrSpec;
  sp: PortSpec;
  dir: '->' | '<>';
  dst: AddrSpec;
  dp: PortSpec;
  /** Options as written, without sid (added when printed). */
  options: string[];
}

export interface GeneratedRuleset {
  specs: RuleSpec[];
  text: string;
  /** Sid of specs[i] is firstSid + i. */
  firstSid: number;
}

export interface RulesetOptions {
  minRules?: number;
  maxRules?: number;
  /** Fraction of rules with a payload match (needs DPI). Default 0.1. */
  dpiFraction?: number;
  /** fast-check's size for the rule count; default 'max' (counts spread over the whole range). */
  size?: fc.SizeForArbitrary;
  /** Fraction of rules with `flow` options, and half as many with flowbits (default 0: rules
   *  that a packet's decision never depends on flow state for, as the stateless tests need). */
  flowFraction?: number;
}

const FLOW_OPTIONS = ['established', 'not_established', 'stateless', 'to_server', 'to_client', 'from_client', 'from_server',
  'established,to_server', 'established,to_client', 'not_established,to_server', 'to_client,not_established',
  'established,from_server,no_stream', 'stateless,to_server'];
const FLOWBIT_NAMES = ['fa', 'fb', 'fc'];

/** flow and flowbits options: each flowbit name at most once per rule (isset x with isnotset x is an error). */
function arbFlowOptions(fraction: number): fc.Arbitrary<string[]> {
  const n = Math.round(fraction * 1000);
  const flow = fc.integer({ min: 0, max: 999 }).chain((x) => (x < n ? fc.constantFrom(...FLOW_OPTIONS).map((o) => [`flow:${o};`]) : fc.constant([] as string[])));
  type Op = [string, string[]];
  const op: fc.Arbitrary<Op> = fc.tuple(fc.constantFrom('set', 'unset', 'toggle', 'isset', 'isnotset', 'isset', 'isnotset'), fc.subarray(FLOWBIT_NAMES, { minLength: 1, maxLength: 2 }));
  const none: Op[] = [];
  const bits = fc.integer({ min: 0, max: 999 }).chain((x): fc.Arbitrary<Op[]> => (x < n / 2 ? fc.array(op, { minLength: 1, maxLength: 2 }) : fc.constant(none)))
    .map((ops) => {
      const used = new Set<string>();
      const out: string[] = [];
      for (const [o, names0] of ops) {
        const names = o === 'isset' || o === 'isnotset' ? names0 : names0.slice(0, 1);
        if (names.some((x) => used.has(x))) continue;
        names.forEach((x) => used.add(x));
        out.push(`flowbits:${o},${names.join('|')};`);
      }
      return out;
    });
  return fc.tuple(flow, bits).map(([a, b]) => [...a, ...b]);
}

const PORTLESS = new Set(['icmp', 'icmpv4', 'icmpv6']);
const TCP_LIKE = new Set(['tcp', 'tcp-pkt', 'ip', 'ipv4', 'ipv6', 'ip6', 'pkthdr']);
const ICMP_LIKE = new Set(['icmp', 'icmpv4', 'icmpv6', 'ip', 'ipv4', 'ipv6', 'ip6', 'pkthdr']);

const arbProto = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('tcp', 'udp', 'ip') },
  { weight: 3, arbitrary: fc.constantFrom('icmp', 'icmpv4', 'icmpv6', 'ipv4', 'ipv6') },
  { weight: 1, arbitrary: fc.constantFrom('tcp-pkt', 'ip6', 'pkthdr', 'sctp', 'tcp-stream') },
);

const arbAction = fc.oneof(
  { weight: 5, arbitrary: fc.constant('alert' as const) },
  { weight: 3, arbitrary: fc.constant('drop' as const) },
  { weight: 2, arbitrary: fc.constant('pass' as const) },
  { weight: 2, arbitrary: fc.constantFrom('reject' as const, 'rejectsrc' as const, 'rejectdst' as const, 'rejectboth' as const) },
);

/** Suricata's unsigned comparison syntaxes over [0, max], with values drawn from `hot` most of the time. */
export function arbUint(max: number, hot: number[]): fc.Arbitrary<string> {
  const v = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hot) }, { weight: 1, arbitrary: fc.integer({ min: 0, max }) });
  return fc.tuple(v, v, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 255 })).map(([a, b, form, m]) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    switch (form) {
      case 0: return String(a);
      case 1: return `=${a}`;
      case 2: return `!${a}`;
      case 3: return a === 0 ? '<1' : `<${a}`;
      case 4: return `<=${a}`;
      case 5: return a === max ? `>${max - 1}` : `>${a}`;
      case 6: return a === 0 ? '>=1' : `>=${a}`;
      case 7: return hi - lo >= 2 ? `${lo}<>${hi}` : `${Math.min(lo, max - 2)}<>${Math.min(lo, max - 2) + 2}`;
      case 8: return hi - lo >= 2 ? `${lo}-${hi}` : `!${lo}`;
      case 9: return hi - lo >= 2 ? `!${lo}<>${hi}` : `<=${hi}`;
      case 10: return `&${m & max}=${a & m & max}`;
      default: return `&${m & max}!=${a & m & max}`;
    }
  });
}

const FLAG_LETTERS = 'FSRPAUCE';

function letters(mask: number, from: string): string {
  return [...from].filter((_, i) => mask & (1 << i)).join('');
}

const arbFlags = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom('', '+', '*', '!'), fc.boolean(), fc.integer({ min: 0, max: 19 }))
  .map(([set, ign, mod, suffix, shape]) => {
    // Mostly one or two flags (SYN, SYN+ACK, ...) like real rules; sometimes many, sometimes none.
    const common = [0x02, 0x12, 0x10, 0x01, 0x04, 0x11, 0x18, 0x29, 0xc2];
    const bits = shape < 12 ? common[set % common.length] : set;
    const f = shape === 19 || bits === 0 ? '0' : letters(bits, FLAG_LETTERS);
    const body = suffix ? `${f}${mod}` : `${mod}${f}`;
    const ignBits = ign & ~bits & 0xff;
    const ignore = shape % 4 === 0 && ignBits ? `,${letters(ignBits, FLAG_LETTERS)}` : '';
    return `flags:${body}${ignore};`;
  });

const arbFragbits = fc.tuple(fc.integer({ min: 1, max: 7 }), fc.constantFrom('', '+', '*', '!'))
  .map(([bits, mod]) => `fragbits:${mod}${letters(bits, 'MDR')};`);

const ICMP_TYPES = [0, 3, 5, 8, 11, 13, 14, 17, 128, 129, 133, 135, 136];
const arbIpProto = fc.tuple(
  fc.oneof(fc.constantFrom(1, 6, 17, 47, 50, 58, 59, 132), fc.integer({ min: 0, max: 255 })),
  fc.constantFrom('', '!', '<', '>'),
  fc.boolean(),
).map(([n, mod, named]) => {
  const names: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'ipv6-icmp' };
  const v = mod === '<' && n === 0 ? 1 : mod === '>' && n === 255 ? 254 : n;
  return `ip_proto:${mod}${named && names[v] ? names[v] : v};`;
});

/** Header keywords that can match the protocol (none of Suricata's "never matches" combinations). */
function arbHeaderOptions(proto: string, dpi: boolean): fc.Arbitrary<string[]> {
  const kw: Array<fc.Arbitrary<string>> = [
    fc.constant('__none__'),
    arbFragbits,
    arbUint(255, [1, 2, 32, 63, 64, 65, 128, 255]).map((v) => `ttl:${v};`),
    arbIpProto,
    fc.constant('sameip;'),
    fc.constantFrom('rr', 'eol', 'nop', 'ts', 'sec', 'esec', 'lsrr', 'lsrre', 'ssrr', 'satid', 'any').map((o) => `ipopts:${o};`),
  ];
  if (!dpi) kw.push(arbUint(65535, [0, 1, 4, 8, 20, 64, 100, 512, 1400]).map((v) => `dsize:${v};`));
  if (TCP_LIKE.has(proto)) kw.push(arbFlags, arbFlags);
  if (ICMP_LIKE.has(proto)) {
    kw.push(
      arbUint(255, ICMP_TYPES).map((v) => `itype:${v};`),
      arbUint(255, [0, 1, 3, 4, 13]).map((v) => `icode:${v};`),
      fc.constantFrom(0, 1, 5, 1234, 65535).map((v) => `icmp_id:${v};`),
      fc.constantFrom(0, 1, 6, 4321, 65535).map((v) => `icmp_seq:${v};`),
    );
  }
  // Each keyword once (ip_proto may repeat, as in Suricata).
  return fc.uniqueArray(fc.oneof({ weight: 4, arbitrary: fc.constant('__none__') }, ...kw), {
    maxLength: 4,
    selector: (s) => (s.startsWith('ip_proto') ? s : s.slice(0, s.indexOf(':') > 0 ? s.indexOf(':') : s.length)),
  }).map((xs) => xs.filter((x) => x !== '__none__'));
}

/** The address family of a rule's blocks: mostly one (following an ipv4/ipv6 protocol), sometimes mixed. */
function arbFamily(proto: string): fc.Arbitrary<Family | undefined> {
  if (proto === 'ipv4' || proto === 'icmpv4') return fc.constant(4);
  if (proto === 'ipv6' || proto === 'ip6' || proto === 'icmpv6') return fc.constant(6);
  return fc.oneof({ weight: 9, arbitrary: fc.constantFrom<Family>(4, 6) }, { weight: 1, arbitrary: fc.constant(undefined) });
}

export function arbRuleSpec(dpiFraction = 0.1, flowFraction = 0): fc.Arbitrary<RuleSpec> {
  return arbProto.chain((proto) => arbFamily(proto).map((fam) => ({ proto, fam }))).chain(({ proto, fam }) => fc.record({
    action: arbAction,
    proto: fc.constant(proto),
    fam: fc.constant(fam),
    dpi: fc.integer({ min: 0, max: 9999 }).map((x) => x < dpiFraction * 10000),
    meta: fc.tuple(fc.option(fc.integer({ min: 1, max: 4 }), { freq: 3 }), fc.integer({ min: 0, max: 19 })),
    src: arbAddrSpec(fam),
    sp: arbPortSpec(),
    dir: fc.oneof({ weight: 4, arbitrary: fc.constant('->' as const) }, { weight: 1, arbitrary: fc.constant('<>' as const) }),
    dst: arbAddrSpec(fam),
    dp: arbPortSpec(),
    content: fc.constantFrom('GET ', '|00 01|', 'admin', 'x'),
  })).chain((r) => fc.tuple(arbHeaderOptions(r.proto, r.dpi), arbAddrSpec(r.fam, true), arbAddrSpec(r.fam, true), arbFlowOptions(flowFraction)).map(([hdr, ps, pd, fl]): RuleSpec => {
    // ICMP keywords with ports could never match (Suricata: ports need TCP/UDP): keep those apart.
    const portless = PORTLESS.has(r.proto) || hdr.some((o) => /^(itype|icode|icmp_id|icmp_seq):/.test(o));
    // A pass rule exempts what it matches from everything else: keep them narrow (both addresses
    // given), or a large ruleset would pass nearly every packet.
    const [src, dst] = r.action === 'pass' ? [ps, pd] : [r.src, r.dst];
    const options = [...hdr, ...fl];
    if (r.dpi) options.push(`content:"${r.content}";`);
    if (r.meta[0] !== null) options.push(`priority:${r.meta[0]};`);
    if (r.meta[1] === 0) options.push('noalert;');
    return {
      action: r.action, proto: r.proto, src, sp: portless ? { any: true } : r.sp, dir: r.dir, dst,
      dp: portless ? { any: true } : r.dp, options,
    };
  }));
}

export function ruleText(s: RuleSpec, sid: number): string {
  return `${s.action} ${s.proto} ${addrSpecText(s.src)} ${portSpecText(s.sp)} ${s.dir} ${addrSpecText(s.dst)} ${portSpecText(s.dp)} (${[...s.options, `sid:${sid};`].join(' ')})`;
}

export function arbRuleset(o: RulesetOptions = {}): fc.Arbitrary<GeneratedRuleset> {
  return fc.array(arbRuleSpec(o.dpiFraction ?? 0.1, o.flowFraction ?? 0), { minLength: o.minRules ?? 1, maxLength: o.maxRules ?? 50, size: o.size ?? 'max' })
    .map((specs) => {
      // a flowbit tested but never set is a compile warning: a SYN rule sets it
      const set = new Set(specs.flatMap((s) => s.options.flatMap((x) => /^flowbits:set,(.+);$/.exec(x)?.[1] ?? [])));
      const tested = new Set(specs.flatMap((s) => s.options.flatMap((x) => /^flowbits:isset,(.+);$/.exec(x)?.[1].split('|') ?? [])));
      for (const n of [...tested].filter((x) => !set.has(x)).sort()) {
        specs = [...specs, {
          action: 'alert', proto: 'tcp', src: { any: true }, sp: { any: true }, dir: '->', dst: { any: true }, dp: { any: true },
          options: ['flags:S;', `flowbits:set,${n};`, 'flowbits:noalert;'],
        }];
      }
      return { specs, firstSid: 1000, text: specs.map((s, i) => ruleText(s, 1000 + i)).join('\n') };
    });
}

/** Compiles a generated ruleset; throws (failing the test) on any error, warning or skipped rule. */
export function compileRuleset(rs: GeneratedRuleset): Rule[] {
  const res = compileRuleText([{ file: 'gen.rules', text: rs.text }], { vars: GEN_VARS });
  const problems = res.diagnostics.map((d) => `${d.line}: ${d.code} ${d.message}\n  ${d.lineText}`);
  if (problems.length || res.skipped.length || res.rules.length !== rs.specs.length) {
    throw new Error(`generated ruleset did not compile cleanly (${res.rules.length}/${rs.specs.length} rules):\n${problems.join('\n')}`);
  }
  return res.rules;
}

/** One sample of a ruleset of n rules (fast-check's generator outside a property, for benches and big cases). */
export function sampleRuleset(n: number, seed: number, dpiFraction = 0.1): GeneratedRuleset {
  return fc.sample(arbRuleset({ minRules: n, maxRules: n, dpiFraction }), { numRuns: 1, seed })[0];
}
