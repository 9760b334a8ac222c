// threshold.config entries applied to the IR rules, as Suricata does (util-threshold-config.c and
// docs/configuration/global-thresholds), in file order. Pure: new Rule objects, inputs untouched.
//   threshold / event_filter  with a sig_id: replaces the rule's threshold or detection_filter;
//                             with sig_id 0: sets it on the rules (of the gen_id) that have neither
//   suppress                  without ip: the rules alert never (noalert; they still act)
//                             with track + ip: each rule is split into rules whose address sets are
//                             the parts inside the set and outside it (as before). Inside, Suricata's
//                             threshold check suppresses the match, so neither alert nor action
//                             (PacketAlertFinalize applies actions only to kept alerts): the part
//                             becomes `alert` + noalert, which still sets its flowbits
//   rate_filter               new_action equal to the rule's action changes nothing; any other
//                             cannot be decided in XDP: the rule is skipped with a warning
// gen_id 0 matches every gid. Rule ids are renumbered (a split adds rules).
import { CODES, STRICT_TWIN, type Code } from '../errors.ts';
import type { RulesetResult, SkippedRule } from './compile.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { AddressSet, Cidr, Rule } from './ir.ts';
import { formatV4, formatV6, parseV4, parseV6, V4_MAX, V6_MAX } from './net/ip.ts';
import { isFull, normalize, subtract, toBlocks, type Range } from './net/ranges.ts';
import type { EntryAt, ThresholdConfigEntry, ThresholdConfigResult } from './threshold-config.ts';

interface Ranges {
  v4: Range[];
  v6: Range[];
}

function ranges(cidrs: readonly Cidr[], bits: number, parse: (s: string) => bigint | undefined): Range[] {
  return cidrs.map((c) => {
    const base = parse(c.addr)!;
    return [base, base + (1n << BigInt(bits - c.prefix)) - 1n] as const;
  });
}

function toRanges(a: AddressSet): Ranges {
  return { v4: ranges(a.v4, 32, parseV4), v6: ranges(a.v6, 128, parseV6) };
}

/** Address sets made here, interned by value (the IR wants equal sets to be one object). */
class Sets {
  readonly #byKey = new Map<string, AddressSet>();

  constructor(rules: readonly Rule[]) {
    for (const r of rules) for (const s of [r.src, r.dst]) if (!this.#byKey.has(key(s))) this.#byKey.set(key(s), s);
  }

  make(r: Ranges): AddressSet | null {
    const v4 = normalize(r.v4);
    const v6 = normalize(r.v6);
    if (v4.length === 0 && v6.length === 0) return null;
    const cidrs = (rs: Range[], bits: number, fmt: (v: bigint) => string): Cidr[] => toBlocks(rs, bits).map(([b, prefix]) => ({ addr: fmt(b), prefix }));
    const s: AddressSet = { any: isFull(v4, V4_MAX) && isFull(v6, V6_MAX), v4: cidrs(v4, 32, formatV4), v6: cidrs(v6, 128, formatV6) };
    const k = key(s);
    const hit = this.#byKey.get(k);
    if (hit) return hit;
    this.#byKey.set(k, s);
    return s;
  }

  inside(a: AddressSet, s: AddressSet): AddressSet | null {
    const x = toRanges(a);
    const y = toRanges(s);
    return this.make({ v4: subtract(x.v4, subtract(x.v4, y.v4)), v6: subtract(x.v6, subtract(x.v6, y.v6)) });
  }

  outside(a: AddressSet, s: AddressSet): AddressSet | null {
    const x = toRanges(a);
    const y = toRanges(s);
    return this.make({ v4: subtract(x.v4, y.v4), v6: subtract(x.v6, y.v6) });
  }
}

function key(s: AddressSet): string {
  return `${s.v4.map((c) => `${c.addr}/${c.prefix}`).join(',')}|${s.v6.map((c) => `${c.addr}/${c.prefix}`).join(',')}`;
}

function diag(code: Code, at: EntryAt, message: string, strict: boolean): Diagnostic {
  const c = strict ? (STRICT_TWIN[code] ?? code) : code;
  return { code: c, severity: CODES[c].severity, message, file: at.file, line: at.line, col: at.col, length: at.length, lineText: at.lineText };
}

function applies(e: ThresholdConfigEntry, r: Rule): boolean {
  return (e.gid === 0 || e.gid === r.meta.gid) && (e.sid === 0 || e.sid === r.meta.sid);
}

function name(e: ThresholdConfigEntry): string {
  return `${e.kind} gen_id ${e.gid}, sig_id ${e.sid}`;
}

/** The parts of rule `r` a `suppress ... track T, ip S` makes; the suppressed ones neither alert nor act. */
function split(r: Rule, track: 'by_src' | 'by_dst' | 'by_either', set: AddressSet, sets: Sets): Array<Rule> {
  const parts: Rule[] = [];
  const add = (src: AddressSet | null, dst: AddressSet | null, suppressed: boolean) => {
    if (src && dst) parts.push(suppressed ? { ...r, src, dst, action: 'alert', noalert: true } : { ...r, src, dst });
  };
  if (track === 'by_src') {
    add(sets.inside(r.src, set), r.dst, true);
    add(sets.outside(r.src, set), r.dst, false);
  } else if (track === 'by_dst') {
    add(r.src, sets.inside(r.dst, set), true);
    add(r.src, sets.outside(r.dst, set), false);
  } else {
    const srcOut = sets.outside(r.src, set);
    add(sets.inside(r.src, set), r.dst, true);
    add(srcOut, sets.inside(r.dst, set), true);
    add(srcOut, sets.outside(r.dst, set), false);
  }
  return parts;
}

/** Applies the entries to a compiled ruleset; its diagnostics and summary include the config's. */
export function applyThresholdConfig(result: RulesetResult, tc: ThresholdConfigResult, strict = false): RulesetResult {
  let work: Rule[] = result.rules.map((r) => ({ ...r }));
  const sets = new Sets(work);
  const diagnostics = [...result.diagnostics, ...tc.diagnostics];
  /** Rules (by their source position) skipped because an entry cannot be applied exactly. */
  const refused = new Map<string, SkippedRule>();
  const refuse = (r: Rule, e: ThresholdConfigEntry, why: string) => {
    const k = `${r.source.file}:${r.source.line}`;
    if (!refused.has(k)) {
      refused.set(k, { file: r.source.file, line: r.source.line, sid: r.meta.sid, reasons: [`threshold.config:${e.kind}`] });
      diagnostics.push(diag('W_UNSUPPORTED_THRESHOLD_CONFIG', e.at, `${name(e)}: ${why}; sid ${r.meta.sid} is skipped`, strict));
    }
  };
  for (const e of tc.entries) {
    let hits = 0;
    const next: Rule[] = [];
    for (const r of work) {
      if (!applies(e, r)) {
        next.push(r);
        continue;
      }
      hits++;
      if (e.kind === 'threshold' || e.kind === 'event_filter') {
        if (e.sid !== 0 || (!r.threshold && !r.detectionFilter)) {
          const { detectionFilter: _, ...rest } = r;
          next.push({ ...rest, threshold: e.threshold });
        } else next.push(r);
      } else if (e.kind === 'suppress') {
        if (!e.by) next.push({ ...r, noalert: true });
        else if (r.direction === '<>' && e.by.track !== 'by_either') {
          refuse(r, e, `track ${e.by.track} on a rule with \`<>\` (either side may be the packet's source) is not supported (by_either is)`);
          next.push(r);
        } else next.push(...split(r, e.by.track, e.by.ip, sets));
      } else if (e.kind === 'rate_filter' && e.newAction !== r.action) {
        refuse(r, e, `new_action ${e.newAction} on a rule whose action is ${r.action} changes the action at a rate, which XDP cannot decide yet (only new_action ${r.action} is accepted)`);
        next.push(r);
      } else next.push(r);
    }
    work = next;
    if (hits === 0) diagnostics.push(diag('W_THRESHOLD_CONFIG_NO_RULE', e.at, `${name(e)}: no loaded rule has ${e.sid === 0 ? (e.gid === 0 ? 'any sid' : `gid ${e.gid}`) : `${e.gid === 0 ? '' : `gid ${e.gid} `}sid ${e.sid}`}`, false));
  }
  const rules = work.filter((r) => !refused.has(`${r.source.file}:${r.source.line}`)).map((r, id) => ({ ...r, id }));
  const skipped = [...result.skipped, ...refused.values()];
  const skippedByKeyword = { ...result.summary.skippedByKeyword };
  for (const s of refused.values()) for (const k of s.reasons) skippedByKeyword[k] = (skippedByKeyword[k] ?? 0) + 1;
  const added = diagnostics.slice(result.diagnostics.length);
  return {
    rules,
    skipped,
    diagnostics,
    summary: {
      ...result.summary,
      loaded: result.summary.loaded - refused.size,
      skipped: skipped.length,
      skippedByKeyword,
      errors: result.summary.errors + added.filter((d) => d.severity === 'error').length,
      warnings: result.summary.warnings + added.filter((d) => d.severity === 'warning').length,
    },
  };
}
