// Suricata's threshold.config (`threshold-file`): per-sid tuning kept apart from the rules. Pure:
// text in, entries and diagnostics out (parseThresholdConfig); entries applied to the IR rules
// (applyThresholdConfig, in threshold-config-apply.ts). Lines, as Suricata writes them:
//   threshold    gen_id G, sig_id S, type limit|threshold|both, track T, count N, seconds T
//   event_filter (the same as threshold)
//   suppress     gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDRESS]
//   rate_filter  gen_id G, sig_id S, track T, count N, seconds T, new_action A, timeout T
// `#` starts a comment line; a line ending with `\` continues on the next. Settings may come in any
// order (Suricata wants the order above). ip takes what a rule's address does: an address, a CIDR,
// a [list], a $VAR, negation.
import { RuleSource, Reporter, span, type Diagnostic, type Segment, type Span } from './diagnostics.ts';
import type { AddressSet, Threshold, Track } from './ir.ts';
import { TRACKS } from './keywords/track.ts';
import { Resolver } from './resolve.ts';
import { closest } from './suggest.ts';
import { parseAddress } from './syntax/addrport.ts';

/** Where an entry was written (its directive word), for diagnostics raised when it is applied. */
export interface EntryAt {
  file: string;
  line: number;
  col: number;
  length: number;
  lineText: string;
}

interface Ids {
  /** 0: every gid. */
  gid: number;
  /** 0: every rule (of the gid). */
  sid: number;
  at: EntryAt;
}

export type SuppressTrack = 'by_src' | 'by_dst' | 'by_either';

export type ThresholdConfigEntry =
  | (Ids & { kind: 'threshold' | 'event_filter'; threshold: Threshold })
  | (Ids & { kind: 'suppress'; by?: { track: SuppressTrack; ip: AddressSet; text: string } })
  | (Ids & { kind: 'rate_filter'; track: Track; count: number; seconds: number; newAction: string; timeout: number });

export interface ThresholdConfigResult {
  entries: ThresholdConfigEntry[];
  diagnostics: Diagnostic[];
}

const KEYS = {
  threshold: ['gen_id', 'sig_id', 'type', 'track', 'count', 'seconds'],
  event_filter: ['gen_id', 'sig_id', 'type', 'track', 'count', 'seconds'],
  suppress: ['gen_id', 'sig_id', 'track', 'ip'],
  rate_filter: ['gen_id', 'sig_id', 'track', 'count', 'seconds', 'new_action', 'timeout'],
} as const;
type Directive = keyof typeof KEYS;

/** Suricata's rate_filter actions (sdrop and log parse there but do nothing). */
export const NEW_ACTIONS = ['alert', 'drop', 'pass', 'reject', 'sdrop', 'log'] as const;

interface Field {
  key: string;
  keySpan: Span;
  value: string;
  valueSpan: Span;
}

/** Physical lines joined where they end with `\`, as RuleSources (positions map back). */
function logicalLines(file: string, text: string): RuleSource[] {
  const lines = text.split(/\r?\n/);
  const out: RuleSource[] = [];
  let buf = '';
  let segs: Segment[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    segs.push({ at: buf.length, line: i + 1, col: 0 });
    const cont = /\\\s*$/.test(l);
    buf += cont ? `${l.replace(/\\\s*$/, '')} ` : l;
    if (cont && i + 1 < lines.length) continue;
    out.push(new RuleSource(file, buf, segs, lines));
    buf = '';
    segs = [];
  }
  return out;
}

/** Splits `a b, c [d,e]` at the commas outside brackets; each part trimmed, with its span. */
function splitFields(text: string, from: number): Array<{ text: string; span: Span }> {
  const out: Array<{ text: string; span: Span }> = [];
  let depth = 0;
  let start = from;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    out.push({ text: t, span: span(start + lead, start + lead + t.length) });
  };
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth <= 0) {
      push(i);
      start = i + 1;
    }
  }
  push(text.length);
  return out;
}

function uint(rep: Reporter, f: Field, min: number): number | undefined {
  if (/^\d{1,10}$/.test(f.value) && Number(f.value) >= min && Number(f.value) <= 0xffffffff) return Number(f.value);
  rep.report('E_THRESHOLD_CONFIG_VALUE', `${f.key} must be a number from ${min} to 4294967295, not "${f.value}"`, f.valueSpan);
  return undefined;
}

function oneOf<T extends string>(rep: Reporter, f: Field, allowed: readonly T[]): T | undefined {
  if ((allowed as readonly string[]).includes(f.value)) return f.value as T;
  const hint = closest(f.value, allowed);
  rep.report('E_THRESHOLD_CONFIG_VALUE', `${f.key} must be one of ${allowed.join(', ')}, not "${f.value}"${hint ? `; did you mean ${hint}?` : ''}`, f.valueSpan, hint);
  return undefined;
}

/** The fields of one line, checked against the directive's keys; undefined after an error. */
function fields(rep: Reporter, directive: Directive, text: string, from: number): Map<string, Field> | undefined {
  const keys: readonly string[] = KEYS[directive];
  const out = new Map<string, Field>();
  for (const p of splitFields(text, from)) {
    const m = /^([A-Za-z_]+)(?:\s+(.*))?$/s.exec(p.text);
    if (!m) {
      rep.report('E_THRESHOLD_CONFIG_SYNTAX', `${directive}: expected \`setting value\`, got "${p.text}"`, p.span.start === p.span.end ? span(p.span.start, p.span.start) : p.span);
      return undefined;
    }
    const key = m[1];
    const keySpan = span(p.span.start, p.span.start + key.length);
    if (!keys.includes(key)) {
      const hint = closest(key, keys);
      rep.report('E_THRESHOLD_CONFIG_SYNTAX', `${directive}: unknown setting "${key}" (${keys.join(', ')})${hint ? `; did you mean ${hint}?` : ''}`, keySpan, hint);
      return undefined;
    }
    if (out.has(key)) {
      rep.report('E_THRESHOLD_CONFIG_SYNTAX', `${directive}: "${key}" given twice`, keySpan);
      return undefined;
    }
    const value = (m[2] ?? '').trim();
    if (value === '') {
      rep.report('E_THRESHOLD_CONFIG_SYNTAX', `${directive}: "${key}" needs a value`, keySpan);
      return undefined;
    }
    const vStart = p.span.start + p.text.indexOf(value, key.length);
    out.set(key, { key, keySpan, value, valueSpan: span(vStart, vStart + value.length) });
  }
  const required = directive === 'suppress' ? ['gen_id', 'sig_id'] : keys;
  const absent = required.filter((k) => !out.has(k));
  if (directive === 'suppress' && out.has('track') !== out.has('ip')) absent.push(out.has('track') ? 'ip' : 'track');
  if (absent.length) {
    rep.report('E_THRESHOLD_CONFIG_SYNTAX', `${directive}: missing ${absent.join(', ')}`, span(text.trimEnd().length, text.trimEnd().length));
    return undefined;
  }
  return out;
}

function ip(rep: Reporter, resolver: Resolver, f: Field): AddressSet | undefined {
  const { node, errors } = parseAddress(f.value);
  const base = f.valueSpan.start;
  for (const e of errors) rep.report('E_BAD_ADDRESS', `ip: ${e.message}`, span(base + e.at.start, base + e.at.end));
  if (!node || errors.length) return undefined;
  return resolver.address({ node, base, span: f.valueSpan }, rep);
}

function entry(rep: Reporter, resolver: Resolver, src: RuleSource): ThresholdConfigEntry | undefined {
  const text = src.text;
  const m = /^(\s*)(\S+)/.exec(text);
  if (!m) return undefined;
  const dStart = m[1].length;
  const word = m[2];
  const dSpan = span(dStart, dStart + word.length);
  if (!(word in KEYS)) {
    const hint = closest(word, Object.keys(KEYS));
    rep.report('E_THRESHOLD_CONFIG_SYNTAX', `unknown threshold.config directive "${word}" (threshold, event_filter, suppress, rate_filter)${hint ? `; did you mean ${hint}?` : ''}`, dSpan, hint);
    return undefined;
  }
  const directive = word as Directive;
  const f = fields(rep, directive, text, dSpan.end);
  if (!f) return undefined;
  const pos = src.at(dSpan);
  const at: EntryAt = { file: src.file, line: pos.line, col: pos.col, length: pos.length, lineText: pos.lineText };
  const gid = uint(rep, f.get('gen_id')!, 0);
  const sid = uint(rep, f.get('sig_id')!, 0);
  if (directive === 'suppress') {
    if (!f.has('track')) return gid === undefined || sid === undefined ? undefined : { kind: 'suppress', gid, sid, at };
    const track = oneOf<SuppressTrack>(rep, f.get('track')!, ['by_src', 'by_dst', 'by_either']);
    const set = ip(rep, resolver, f.get('ip')!);
    if (gid === undefined || sid === undefined || !track || !set) return undefined;
    return { kind: 'suppress', gid, sid, at, by: { track, ip: set, text: f.get('ip')!.value } };
  }
  const track = oneOf<Track>(rep, f.get('track')!, TRACKS);
  const count = uint(rep, f.get('count')!, 1);
  const seconds = uint(rep, f.get('seconds')!, 1);
  if (directive === 'rate_filter') {
    const newAction = oneOf(rep, f.get('new_action')!, NEW_ACTIONS);
    const timeout = uint(rep, f.get('timeout')!, 1);
    if (gid === undefined || sid === undefined || !track || count === undefined || seconds === undefined || !newAction || timeout === undefined) return undefined;
    return { kind: 'rate_filter', gid, sid, at, track, count, seconds, newAction, timeout };
  }
  const type = oneOf(rep, f.get('type')!, ['limit', 'threshold', 'both'] as const);
  if (gid === undefined || sid === undefined || !track || count === undefined || seconds === undefined || !type) return undefined;
  return { kind: directive, gid, sid, at, threshold: { type, track, count, seconds } };
}

/**
 * Parses a threshold.config text. `resolver` resolves `$VAR`s in `ip` (the ruleset's, so the
 * variables are the rules' own). Every problem is a diagnostic; a line with one gives no entry.
 */
export function parseThresholdConfig(file: string, text: string, resolver: Resolver, strict = false): ThresholdConfigResult {
  const entries: ThresholdConfigEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const src of logicalLines(file, text)) {
    const t = src.text.trim();
    if (t === '' || t.startsWith('#')) continue;
    const rep = new Reporter(src, strict);
    const e = entry(rep, resolver, src);
    if (e && !rep.hasErrors) entries.push(e);
    diagnostics.push(...rep.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  return { entries, diagnostics };
}
