// Address and port groups as the rule header writes them (CIDRs, ranges, variables, nested lists,
// negation), as data: fast-check arbitraries, the text they print as, and their membership by plain
// set algebra over the items as written (Suricata's rule: a list is the union of its plain items
// minus the union of its negated ones; all addresses when it has only negated ones). That last part
// is independent of src/rules, so a test can check the compiler's resolved sets against it.
import fc from 'fast-check';

export type Family = 4 | 6;

export type AddrTerm =
  | { t: 'cidr'; family: Family; net: bigint; prefix: number }
  | { t: 'range'; family: Family; lo: bigint; hi: bigint }
  | { t: 'var'; name: 'HOME_NET' | 'EXTERNAL_NET' }
  | { t: 'list'; items: Array<{ neg: boolean; term: AddrTerm }> };
export type AddrSpec = { any: true } | { any: false; neg: boolean; term: AddrTerm };

export type PortTerm =
  | { t: 'port'; v: number }
  | { t: 'range'; lo: number; hi: number }
  | { t: 'var'; name: 'HTTP_PORTS' }
  | { t: 'list'; items: Array<{ neg: boolean; term: PortTerm }> };
export type PortSpec = { any: true } | { any: false; neg: boolean; term: PortTerm };

/** The variables generated rules use, passed to compileRuleText as `vars`. */
export const GEN_VARS = {
  addressGroups: { HOME_NET: '[198.18.0.0/16,2001:2::/56]', EXTERNAL_NET: '!$HOME_NET' },
  portGroups: { HTTP_PORTS: '[80,8080]' },
};
const HOME: AddrTerm = {
  t: 'list',
  items: [
    { neg: false, term: { t: 'cidr', family: 4, net: 0xc6120000n, prefix: 16 } },
    { neg: false, term: { t: 'cidr', family: 6, net: 0x20010002n << 96n, prefix: 56 } },
  ],
};
const HTTP: PortTerm = { t: 'list', items: [{ neg: false, term: { t: 'port', v: 80 } }, { neg: false, term: { t: 'port', v: 8080 } }] };

const BITS = { 4: 32, 6: 128 } as const;
/** 198.18.0.0/15 and 2001:2::/48: the benchmarking ranges every generated block lies in. */
export const BENCH = { 4: { net: 0xc6120000n, prefix: 15 }, 6: { net: 0x20010002n << 96n, prefix: 48 } } as const;

/** Hosts many rules and packets share, so that rules overlap and packets hit several rules. */
export const HOT_HOSTS: Record<Family, bigint[]> = {
  4: ['198.18.0.1', '198.18.0.2', '198.18.0.200', '198.18.1.1', '198.18.3.77', '198.19.0.1', '198.19.128.9', '198.18.255.254']
    .map((s) => BigInt(s.split('.').reduce((v, o) => v * 256 + Number(o), 0))),
  6: [0x1n, 0x2n, 0xc8n, 0x10001n, (1n << 64n) | 5n, (0xffn << 72n) | 9n, (0x1234n << 64n) | 0xabcdn, (1n << 80n) - 2n]
    .map((x) => BENCH[6].net | x),
};

export const HOT_PORTS = [0, 1, 22, 53, 80, 123, 443, 1023, 1024, 1025, 8080, 49152, 65534, 65535];

export function mask(family: Family, prefix: number): bigint {
  const bits = BITS[family];
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** An address in the benchmark range: a hot host most of the time. */
export function arbHost(family: Family): fc.Arbitrary<bigint> {
  const b = BENCH[family];
  const span = (1n << BigInt(BITS[family] - b.prefix)) - 1n;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOT_HOSTS[family]) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: span }).map((x) => b.net | x) },
  );
}

/** A block of at least minPrefix bits, inside `within` (a block of withinPrefix bits) when given. */
function arbCidr(family: Family, minPrefix: number, within?: { net: bigint; prefix: number }): fc.Arbitrary<AddrTerm> {
  const max = BITS[family];
  const prefixes = family === 4 ? [16, 20, 24, 24, 28, 30, 31, 32, 32] : [48, 56, 64, 64, 96, 112, 120, 127, 128, 128];
  const ok = prefixes.filter((p) => p >= minPrefix && p <= max);
  const host = within === undefined
    ? arbHost(family)
    : fc.bigInt({ min: 0n, max: (1n << BigInt(max - within.prefix)) - 1n }).map((x) => within.net | x);
  return fc.record({ host, prefix: ok.length ? fc.constantFrom(...ok) : fc.constant(max) })
    .map(({ host: h, prefix }) => ({ t: 'cidr', family, net: h & mask(family, prefix), prefix }));
}

function arbRange(family: Family): fc.Arbitrary<AddrTerm> {
  return fc.tuple(arbHost(family), fc.integer({ min: 1, max: 300 })).map(([lo, n]) => {
    const top = BENCH[family].net | ((1n << BigInt(BITS[family] - BENCH[family].prefix)) - 1n);
    const hi = lo + BigInt(n) > top ? top : lo + BigInt(n);
    return { t: 'range', family, lo, hi };
  });
}

/**
 * A list that is never empty: plain items (blocks, ranges, variables, a nested list), and
 * negated blocks carved out of the first plain block, each at most an eighth of it, four at most.
 */
function arbList(depth: number, vars: boolean, fam?: Family): fc.Arbitrary<AddrTerm> {
  return fc.record({
    family: fam ? fc.constant(fam) : fc.constantFrom<Family>(4, 6),
    extra: fc.array(arbPlainTerm(depth + 1, vars, fam), { maxLength: 2 }),
    carve: fc.integer({ min: 0, max: 3 }),
    nestedNeg: fc.boolean(),
  }).chain(({ family, extra, carve, nestedNeg }) => {
    const minPrefix = family === 4 ? 16 : 48;
    return arbCidr(family, minPrefix).chain((first) => {
      const f = first as Extract<AddrTerm, { t: 'cidr' }>;
      const room = BITS[family] - f.prefix;
      if (room < 3 || carve === 0) return fc.constant<AddrTerm>({ t: 'list', items: [{ neg: false, term: first }, ...extra.map((term) => ({ neg: false, term }))] });
      const holes = fc.array(arbCidr(family, f.prefix + 3, f), { minLength: 1, maxLength: Math.min(carve, 4) });
      return holes.map((hs): AddrTerm => {
        const negs = nestedNeg && hs.length > 1
          ? [{ neg: true, term: { t: 'list', items: hs.map((term) => ({ neg: false, term })) } as AddrTerm }]
          : hs.map((term) => ({ neg: true, term }));
        return { t: 'list', items: [{ neg: false, term: first }, ...extra.map((term) => ({ neg: false, term })), ...negs] };
      });
    });
  });
}

/**
 * A term that is never empty. Without `vars` its addresses all lie in the benchmark ranges, so
 * its negation is never empty either (with them, `![$HOME_NET,$EXTERNAL_NET]` would be).
 */
function arbPlainTerm(depth: number, vars: boolean, fam?: Family): fc.Arbitrary<AddrTerm> {
  const families = fam ? fc.constant(fam) : fc.constantFrom<Family>(4, 6);
  const leaves = [
    { weight: 6, arbitrary: families.chain((f) => arbCidr(f, f === 4 ? 15 : 48)) },
    { weight: 1, arbitrary: families.chain(arbRange) },
  ];
  if (vars) leaves.push({ weight: 1, arbitrary: fc.constantFrom<AddrTerm>({ t: 'var', name: 'HOME_NET' }, { t: 'var', name: 'EXTERNAL_NET' }) });
  if (depth >= 2) return fc.oneof(...leaves);
  return fc.oneof(...leaves, { weight: 2, arbitrary: arbList(depth, vars, fam) });
}

/** An address group; its blocks are of family `fam` when given (variables hold both families). */
export function arbAddrSpec(fam?: Family, narrow = false): fc.Arbitrary<AddrSpec> {
  if (narrow) return arbPlainTerm(1, false, fam).map((term): AddrSpec => ({ any: false, neg: false, term }));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<AddrSpec>({ any: true }) },
    { weight: 6, arbitrary: arbPlainTerm(0, true, fam).map((term): AddrSpec => ({ any: false, neg: false, term })) },
    { weight: 1, arbitrary: arbPlainTerm(1, false, fam).map((term): AddrSpec => ({ any: false, neg: true, term })) },
  );
}

const arbPortValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOT_PORTS) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) });

function arbPortLeaf(): fc.Arbitrary<PortTerm> {
  return fc.oneof(
    { weight: 5, arbitrary: arbPortValue.map((v): PortTerm => ({ t: 'port', v })) },
    { weight: 3, arbitrary: fc.tuple(arbPortValue, arbPortValue).map(([a, b]): PortTerm => ({ t: 'range', lo: Math.min(a, b), hi: Math.max(a, b) })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }).map((lo): PortTerm => ({ t: 'range', lo, hi: 65535 })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 65534 }).map((hi): PortTerm => ({ t: 'range', lo: 0, hi })) },
    { weight: 1, arbitrary: fc.constant<PortTerm>({ t: 'var', name: 'HTTP_PORTS' }) },
  );
}

/** A port list that is never empty: holes are single ports or short ranges strictly inside a wide first range. */
function arbPortList(): fc.Arbitrary<PortTerm> {
  return fc.record({
    lo: fc.integer({ min: 0, max: 60000 }),
    width: fc.integer({ min: 30, max: 5000 }),
    extra: fc.array(arbPortLeaf(), { maxLength: 2 }),
    holes: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 8 })), { maxLength: 2 }),
  }).map(({ lo, width, extra, holes }): PortTerm => {
    const hi = Math.min(65535, lo + width);
    const items: Array<{ neg: boolean; term: PortTerm }> = [{ neg: false, term: { t: 'range', lo, hi } }, ...extra.map((term) => ({ neg: false, term }))];
    for (const [at, w] of holes) {
      const a = lo + 1 + Math.floor(at * (hi - lo - 12));
      items.push({ neg: true, term: w === 0 ? { t: 'port', v: a } : { t: 'range', lo: a, hi: a + w } });
    }
    return { t: 'list', items };
  });
}

export function arbPortSpec(): fc.Arbitrary<PortSpec> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant<PortSpec>({ any: true }) },
    { weight: 4, arbitrary: arbPortLeaf().map((term): PortSpec => ({ any: false, neg: false, term })) },
    { weight: 2, arbitrary: arbPortList().map((term): PortSpec => ({ any: false, neg: false, term })) },
    { weight: 1, arbitrary: arbPortLeaf().filter(notAll).map((term): PortSpec => ({ any: false, neg: true, term })) },
  );
}

function notAll(t: PortTerm): boolean {
  return !(t.t === 'range' && t.lo === 0 && t.hi === 65535);
}

// ---- text ----

export function addrText(family: Family, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

function addrTermText(t: AddrTerm): string {
  switch (t.t) {
    case 'cidr': return t.prefix === BITS[t.family] ? addrText(t.family, t.net) : `${addrText(t.family, t.net)}/${t.prefix}`;
    case 'range': return `${addrText(t.family, t.lo)}-${addrText(t.family, t.hi)}`;
    case 'var': return `$${t.name}`;
    case 'list': return `[${t.items.map((i) => (i.neg ? '!' : '') + addrTermText(i.term)).join(',')}]`;
  }
}

export function addrSpecText(s: AddrSpec): string {
  return s.any ? 'any' : (s.neg ? '!' : '') + addrTermText(s.term);
}

function portTermText(t: PortTerm): string {
  switch (t.t) {
    case 'port': return String(t.v);
    case 'range': return t.lo === 0 && t.hi !== 65535 && t.hi > 0 ? `:${t.hi}` : t.hi === 65535 && t.lo > 0 ? `${t.lo}:` : t.lo === t.hi ? String(t.lo) : `${t.lo}:${t.hi}`;
    case 'var': return `$${t.name}`;
    case 'list': return `[${t.items.map((i) => (i.neg ? '!' : '') + portTermText(i.term)).join(',')}]`;
  }
}

export function portSpecText(s: PortSpec): string {
  return s.any ? 'any' : (s.neg ? '!' : '') + portTermText(s.term);
}

// ---- membership by set algebra ----

function inAddrTerm(t: AddrTerm, family: Family, a: bigint): boolean {
  switch (t.t) {
    case 'cidr': return t.family === family && (a & mask(family, t.prefix)) === t.net;
    case 'range': return t.family === family && a >= t.lo && a <= t.hi;
    case 'var': return t.name === 'HOME_NET' ? inAddrTerm(HOME, family, a) : !inAddrTerm(HOME, family, a);
    case 'list': return listHolds(t.items, (x) => inAddrTerm(x, family, a));
  }
}

function listHolds<T>(items: Array<{ neg: boolean; term: T }>, has: (t: T) => boolean): boolean {
  const plain = items.filter((i) => !i.neg);
  return (plain.length === 0 || plain.some((i) => has(i.term))) && !items.some((i) => i.neg && has(i.term));
}

export function inAddrSpec(s: AddrSpec, family: Family, a: bigint): boolean {
  return s.any || inAddrTerm(s.term, family, a) !== s.neg;
}

function inPortTerm(t: PortTerm, p: number): boolean {
  switch (t.t) {
    case 'port': return p === t.v;
    case 'range': return p >= t.lo && p <= t.hi;
    case 'var': return inPortTerm(HTTP, p);
    case 'list': return listHolds(t.items, (x) => inPortTerm(x, p));
  }
}

export function inPortSpec(s: PortSpec, p: number): boolean {
  return s.any || inPortTerm(s.term, p) !== s.neg;
}

/** Addresses worth probing a spec with: its own block edges (±1), hot hosts, the variables' edges. */
export function addrProbes(s: AddrSpec, family: Family): bigint[] {
  const out = new Set<bigint>(HOT_HOSTS[family]);
  const top = (1n << BigInt(BITS[family])) - 1n;
  const add = (v: bigint) => { if (v >= 0n && v <= top) out.add(v); };
  const walk = (t: AddrTerm) => {
    if (t.t === 'cidr' && t.family === family) {
      const last = t.net | (top ^ mask(family, t.prefix));
      [t.net - 1n, t.net, t.net + 1n, last - 1n, last, last + 1n].forEach(add);
    } else if (t.t === 'range' && t.family === family) [t.lo - 1n, t.lo, t.hi, t.hi + 1n].forEach(add);
    else if (t.t === 'var') walk(HOME);
    else if (t.t === 'list') t.items.forEach((i) => walk(i.term));
  };
  if (!s.any) walk(s.term);
  return [...out];
}

export function portProbes(s: PortSpec): number[] {
  const out = new Set<number>(HOT_PORTS);
  const walk = (t: PortTerm) => {
    const add = (...vs: number[]) => vs.forEach((v) => v >= 0 && v <= 65535 && out.add(v));
    if (t.t === 'port') add(t.v - 1, t.v, t.v + 1);
    else if (t.t === 'range') add(t.lo - 1, t.lo, t.hi, t.hi + 1);
    else if (t.t === 'var') walk(HTTP);
    else t.items.forEach((i) => walk(i.term));
  };
  if (!s.any) walk(s.term);
  return [...out];
}
