// Stage 1, lex: file text → logical rules → header words and raw options.
//
// As Suricata's rule loader: a line whose first non-blank character is `#` is a comment (so a
// commented-out rule is a comment), blank lines are skipped, and a line ending in `\` continues on
// the next one (the backslash is dropped, nothing is inserted). Within a rule the header is the text
// before the first `(`, split on blanks outside `[...]`; the options run to the last `)`. An option
// is `name;` or `name:value;`, and the value ends at the first `;` not escaped by a backslash —
// quotes do not protect a `;`, exactly as in Suricata.
import { Reporter, RuleSource, span, type Segment, type Span } from './diagnostics.ts';

export interface Word {
  text: string;
  span: Span;
}

export interface RawOption {
  /** Lowercased keyword name. */
  name: string;
  nameSpan: Span;
  /** The value with surrounding blanks trimmed, or null for `name;`. */
  value: string | null;
  valueSpan: Span;
  /** Name through the terminating `;`. */
  span: Span;
}

export interface LexedRule {
  src: RuleSource;
  report: Reporter;
  header: Word[];
  /** The whole header, for diagnostics about it as a whole. */
  headerSpan: Span;
  /** null when the rule has no `(`. */
  options: RawOption[] | null;
}

/** Splits a file into logical rules (continuations joined), skipping comments and blank lines. */
export function splitRules(file: string, text: string): RuleSource[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const out: RuleSource[] = [];
  let parts: string[] = [];
  let segments: Segment[] = [];
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (segments.length === 0) {
      const lead = line.length - line.trimStart().length;
      const body = line.slice(lead);
      if (body === '' || body.startsWith('#')) continue;
    }
    const trimmed = line.trimEnd();
    const continued = trimmed.endsWith('\\');
    const piece = continued ? trimmed.slice(0, -1) : line;
    segments.push({ at, line: i + 1, col: 0 });
    parts.push(piece);
    at += piece.length;
    if (!continued || i === lines.length - 1) {
      out.push(new RuleSource(file, parts.join(''), segments, lines, continued));
      parts = [];
      segments = [];
      at = 0;
    }
  }
  return out;
}

const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\f';

/** Splits one logical rule into header words and raw options, reporting shape errors. */
export function lexRule(src: RuleSource, strict: boolean): LexedRule {
  const report = new Reporter(src, strict);
  const t = src.text;
  let start = 0;
  while (start < t.length && isBlank(t[start])) start++;
  const open = t.indexOf('(', start);
  const headerEnd = open < 0 ? t.length : open;
  const header = splitHeader(t, start, headerEnd);
  let headerTo = headerEnd;
  while (headerTo > start && isBlank(t[headerTo - 1])) headerTo--;
  const headerSpan = span(start, headerTo);
  if (open < 0) {
    report.report('E_MISSING_OPTIONS', 'rule has no option list: expected "(" after the header', span(t.trimEnd().length, t.trimEnd().length));
    return { src, report, header, headerSpan, options: null };
  }
  let close = t.lastIndexOf(')');
  let optEnd: number;
  if (close < open) {
    const end = t.trimEnd().length;
    const why = src.continuedAtEof ? 'the file ends inside a rule continued with "\\"' : 'option list is not closed: expected ")" at the end of the rule';
    report.report('E_UNTERMINATED_RULE', why, span(end, end));
    optEnd = end;
    close = -1;
  } else {
    optEnd = close;
    let trail = close + 1;
    while (trail < t.length && isBlank(t[trail])) trail++;
    if (trail < t.length) {
      report.report('E_TRAILING_TEXT', 'unexpected text after the closing ")"', span(trail, t.trimEnd().length));
    }
  }
  const options = splitOptions(t, open + 1, optEnd, report);
  return { src, report, header, headerSpan, options };
}

function splitHeader(t: string, from: number, to: number): Word[] {
  const words: Word[] = [];
  let i = from;
  while (i < to) {
    while (i < to && isBlank(t[i])) i++;
    if (i >= to) break;
    const s = i;
    let depth = 0;
    while (i < to && (depth > 0 || !isBlank(t[i]))) {
      if (t[i] === '[') depth++;
      else if (t[i] === ']') depth = Math.max(0, depth - 1);
      i++;
    }
    if (depth > 0) {
      // A list left open: split on blanks instead, so the address/port parser reports the open list.
      i = s;
      while (i < to && !isBlank(t[i])) i++;
    }
    let e = i;
    while (e > s && isBlank(t[e - 1])) e--;
    words.push({ text: t.slice(s, e), span: span(s, e) });
  }
  return words;
}

function splitOptions(t: string, from: number, to: number, report: Reporter): RawOption[] {
  const out: RawOption[] = [];
  let i = from;
  for (;;) {
    while (i < to && isBlank(t[i])) i++;
    if (i >= to) break;
    const nameStart = i;
    while (i < to && t[i] !== ':' && t[i] !== ';') i++;
    let nameEnd = i;
    while (nameEnd > nameStart && isBlank(t[nameEnd - 1])) nameEnd--;
    const name = t.slice(nameStart, nameEnd).toLowerCase();
    let value: string | null = null;
    let valueSpan = span(i, i);
    let terminated = false;
    if (i < to && t[i] === ':') {
      i++;
      const vs = i;
      while (i < to && t[i] !== ';') {
        if (t[i] === '\\' && i + 1 < to) i++;
        i++;
      }
      let a = vs;
      let b = i;
      while (a < b && isBlank(t[a])) a++;
      while (b > a && isBlank(t[b - 1])) b--;
      value = t.slice(a, b);
      valueSpan = span(a, b);
    }
    if (i < to && t[i] === ';') {
      terminated = true;
      i++;
    }
    const optSpan = span(nameStart, i);
    if (name === '') {
      report.report('E_OPTION_SYNTAX', 'option has no keyword name', span(nameStart, Math.max(nameStart + 1, i)));
      continue;
    }
    if (!terminated) {
      report.report('E_OPTION_SYNTAX', `option "${name}" is not terminated by ";"`, span(nameStart, i));
    }
    out.push({ name, nameSpan: span(nameStart, nameEnd), value, valueSpan, span: optSpan });
  }
  return out;
}
