// Stage 3, resolve: address and port expressions (with $VARIABLES, nested lists and negation) →
// exact sets. Variables are parsed and resolved once per ruleset and cached; an undefined
// variable, a cycle or a malformed value is reported at the `$VAR` in the rule.
import { span, type Reporter } from './diagnostics.ts';
import type { AddressSet, Cidr, PortSet } from './ir.ts';
import { formatV4, formatV6, V4_MAX, V6_MAX } from './net/ip.ts';
import { complement, isFull, normalize, subtract, toBlocks, type Range } from './net/ranges.ts';
import type { Located } from './parse.ts';
import { closest } from './suggest.ts';
import { parseAddress, parsePort, type AddrNode, type PortNode } from './syntax/addrport.ts';
import type { VarConfig } from './vars.ts';

interface AddrRanges {
  v4: Range[];
  v6: Range[];
}

const ALL_ADDR: AddrRanges = { v4: [[0n, V4_MAX]], v6: [[0n, V6_MAX]] };
const PORT_MAX = 65535n;

/** Why a variable could not be resolved. */
type VarFailure = { code: 'E_UNDEFINED_VAR' | 'E_VAR_CYCLE' | 'E_BAD_VAR_VALUE'; message: string; suggestion?: string };
type Resolved<T> = { ok: T } | { fail: VarFailure };

/** Resolves variables of one configuration; shared by all rules of a ruleset. */
export class Resolver {
  private readonly addrCache = new Map<string, Resolved<AddrRanges>>();
  private readonly portCache = new Map<string, Resolved<Range[]>>();
  private readonly addrSets = new Map<string, AddressSet>();
  private readonly portSets = new Map<string, PortSet>();
  /** Successful resolutions by the header word's text: headers repeat a handful of spellings. */
  private readonly addrByText = new Map<string, AddressSet>();
  private readonly portByText = new Map<string, PortSet>();

  constructor(readonly vars: VarConfig) {}

  private addrVar(name: string, stack: string[]): Resolved<AddrRanges> {
    const cached = this.addrCache.get(name);
    if (cached) return cached;
    if (stack.includes(name)) {
      return { fail: { code: 'E_VAR_CYCLE', message: `variable cycle: ${[...stack.slice(stack.indexOf(name)), name].map((n) => '$' + n).join(' → ')}` } };
    }
    const text = this.vars.addressGroups[name];
    let r: Resolved<AddrRanges>;
    if (text === undefined) {
      const isPort = name in this.vars.portGroups;
      const hint = isPort ? undefined : closest(name, Object.keys(this.vars.addressGroups));
      r = {
        fail: {
          code: 'E_UNDEFINED_VAR',
          message: isPort ? `$${name} is a port variable, used here as an address` : `undefined address variable $${name}${hint ? `; did you mean $${hint}?` : ''}`,
          suggestion: hint ? `$${hint}` : undefined,
        },
      };
    } else {
      const { node, errors } = parseAddress(text);
      if (!node) r = { fail: { code: 'E_BAD_VAR_VALUE', message: `variable $${name} = "${text}": ${errors[0]?.message ?? 'bad address'}` } };
      else r = this.addrNode(node, [...stack, name], () => {});
    }
    // Cycles are only final for the outermost variable; do not cache a partial failure mid-stack.
    if (stack.length === 0 || !('fail' in r && r.fail.code === 'E_VAR_CYCLE')) this.addrCache.set(name, r);
    return r;
  }

  private portVar(name: string, stack: string[]): Resolved<Range[]> {
    const cached = this.portCache.get(name);
    if (cached) return cached;
    if (stack.includes(name)) {
      return { fail: { code: 'E_VAR_CYCLE', message: `variable cycle: ${[...stack.slice(stack.indexOf(name)), name].map((n) => '$' + n).join(' → ')}` } };
    }
    const text = this.vars.portGroups[name];
    let r: Resolved<Range[]>;
    if (text === undefined) {
      const isAddr = name in this.vars.addressGroups;
      const hint = isAddr ? undefined : closest(name, Object.keys(this.vars.portGroups));
      r = {
        fail: {
          code: 'E_UNDEFINED_VAR',
          message: isAddr ? `$${name} is an address variable, used here as a port` : `undefined port variable $${name}${hint ? `; did you mean $${hint}?` : ''}`,
          suggestion: hint ? `$${hint}` : undefined,
        },
      };
    } else {
      const { node, errors } = parsePort(text);
      if (!node) r = { fail: { code: 'E_BAD_VAR_VALUE', message: `variable $${name} = "${text}": ${errors[0]?.message ?? 'bad port'}` } };
      else r = this.portNode(node, [...stack, name], () => {});
    }
    if (stack.length === 0 || !('fail' in r && r.fail.code === 'E_VAR_CYCLE')) this.portCache.set(name, r);
    return r;
  }

  /** Resolves an address AST; `onVar` learns which variable node failed (for the position). */
  private addrNode(n: AddrNode, stack: string[], onFail: (n: AddrNode, f: VarFailure) => void): Resolved<AddrRanges> {
    switch (n.kind) {
      case 'any':
        return { ok: ALL_ADDR };
      case 'ip':
        return { ok: n.family === 4 ? { v4: [n.range], v6: [] } : { v4: [], v6: [n.range] } };
      case 'var': {
        const r = this.addrVar(n.name, stack);
        if ('fail' in r) onFail(n, r.fail);
        return r;
      }
      case 'not': {
        const r = this.addrNode(n.inner, stack, onFail);
        if ('fail' in r) return r;
        return { ok: { v4: complement(r.ok.v4, V4_MAX), v6: complement(r.ok.v6, V6_MAX) } };
      }
      case 'list': {
        // Collect, then normalize once: lists of hundreds of addresses are common (botcc, ciarmy).
        const pos: AddrRanges = { v4: [], v6: [] };
        const neg: AddrRanges = { v4: [], v6: [] };
        let anyPos = false;
        for (const it of n.items) {
          const negated = it.kind === 'not';
          const r = this.addrNode(negated ? it.inner : it, stack, onFail);
          if ('fail' in r) return r;
          const into = negated ? neg : pos;
          anyPos ||= !negated;
          for (const x of r.ok.v4) into.v4.push(x);
          for (const x of r.ok.v6) into.v6.push(x);
        }
        const base = anyPos ? pos : ALL_ADDR;
        return {
          ok: { v4: subtract(normalize(base.v4), normalize(neg.v4)), v6: subtract(normalize(base.v6), normalize(neg.v6)) },
        };
      }
    }
  }

  private portNode(n: PortNode, stack: string[], onFail: (n: PortNode, f: VarFailure) => void): Resolved<Range[]> {
    switch (n.kind) {
      case 'any':
        return { ok: [[0n, PORT_MAX]] };
      case 'range':
        return { ok: [[BigInt(n.lo), BigInt(n.hi)]] };
      case 'var': {
        const r = this.portVar(n.name, stack);
        if ('fail' in r) onFail(n, r.fail);
        return r;
      }
      case 'not': {
        const r = this.portNode(n.inner, stack, onFail);
        return 'fail' in r ? r : { ok: complement(r.ok, PORT_MAX) };
      }
      case 'list': {
        const pos: Range[] = [];
        const neg: Range[] = [];
        let anyPos = false;
        for (const it of n.items) {
          const negated = it.kind === 'not';
          const r = this.portNode(negated ? it.inner : it, stack, onFail);
          if ('fail' in r) return r;
          anyPos ||= !negated;
          for (const x of r.ok) (negated ? neg : pos).push(x);
        }
        return { ok: subtract(normalize(anyPos ? pos : [[0n, PORT_MAX]]), normalize(neg)) };
      }
    }
  }

  /** The rule's address set, interned; reports problems and returns undefined on failure. */
  address(loc: Located<AddrNode>, rep: Reporter): AddressSet | undefined {
    const text = rep.src.text.slice(loc.span.start, loc.span.end);
    const hit = this.addrByText.get(text);
    if (hit) return hit;
    const set = this.resolveAddress(loc, rep);
    if (set) this.addrByText.set(text, set);
    return set;
  }

  private resolveAddress(loc: Located<AddrNode>, rep: Reporter): AddressSet | undefined {
    let failedAt: { n: AddrNode; f: VarFailure } | undefined;
    const r = this.addrNode(loc.node, [], (n, f) => {
      failedAt ??= { n, f };
    });
    if ('fail' in r) {
      const at = failedAt ? span(loc.base + failedAt.n.at.start, loc.base + failedAt.n.at.end) : loc.span;
      rep.report(r.fail.code, r.fail.message, at, r.fail.suggestion);
      return undefined;
    }
    if (r.ok.v4.length === 0 && r.ok.v6.length === 0) {
      rep.report('E_EMPTY_ADDRESS', 'address matches nothing: its negations remove every address', loc.span);
      return undefined;
    }
    return this.internAddr(r.ok);
  }

  port(loc: Located<PortNode>, rep: Reporter): PortSet | undefined {
    const text = rep.src.text.slice(loc.span.start, loc.span.end);
    const hit = this.portByText.get(text);
    if (hit) return hit;
    const set = this.resolvePort(loc, rep);
    if (set) this.portByText.set(text, set);
    return set;
  }

  private resolvePort(loc: Located<PortNode>, rep: Reporter): PortSet | undefined {
    let failedAt: { n: PortNode; f: VarFailure } | undefined;
    const r = this.portNode(loc.node, [], (n, f) => {
      failedAt ??= { n, f };
    });
    if ('fail' in r) {
      const at = failedAt ? span(loc.base + failedAt.n.at.start, loc.base + failedAt.n.at.end) : loc.span;
      rep.report(r.fail.code, r.fail.message, at, r.fail.suggestion);
      return undefined;
    }
    if (r.ok.length === 0) {
      rep.report('E_EMPTY_PORT', 'port matches nothing: its negations remove every port', loc.span);
      return undefined;
    }
    return this.internPort(r.ok);
  }

  private internAddr(a: AddrRanges): AddressSet {
    let key = '';
    for (const r of a.v4) key += `${Number(r[0])}-${Number(r[1])},`;
    key += '|';
    for (const r of a.v6) key += `${r[0].toString(16)}-${r[1].toString(16)},`;
    let s = this.addrSets.get(key);
    if (!s) {
      const cidrs = (rs: Range[], bits: number, fmt: (v: bigint) => string): Cidr[] =>
        toBlocks(rs, bits).map(([base, prefix]) => ({ addr: fmt(base), prefix }));
      s = { any: isFull(a.v4, V4_MAX) && isFull(a.v6, V6_MAX), v4: cidrs(a.v4, 32, formatV4), v6: cidrs(a.v6, 128, formatV6) };
      this.addrSets.set(key, s);
    }
    return s;
  }

  private internPort(rs: Range[]): PortSet {
    const key = rs.map((r) => `${r[0]}-${r[1]}`).join(',');
    let s = this.portSets.get(key);
    if (!s) {
      s = { any: isFull(rs, PORT_MAX), ranges: rs.map((r) => [Number(r[0]), Number(r[1])] as [number, number]) };
      this.portSets.set(key, s);
    }
    return s;
  }
}
