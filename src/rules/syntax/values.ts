// Helpers every keyword's value parser shares: quotes, comma lists, content strings, Suricata's
// unsigned comparisons. They take a ValueCtx so errors land on the exact characters at fault.
import type { Code } from '../../errors.ts';
import type { Span } from '../diagnostics.ts';
import type { UintMatch } from '../ir.ts';

/** A keyword's value as the parse stage hands it to the keyword: text plus position helpers. */
export interface ValueCtx {
  /** The value, blanks trimmed ('' when written `name:;`). */
  readonly text: string;
  readonly span: Span;
  /** Report an error on part of the value (offsets relative to `text`) or all of it. */
  error(code: Code, message: string, at?: Part, suggestion?: string): void;
  /** Record a Suricata feature fwctl cannot evaluate yet: the rule is skipped. */
  unsupported(feature: string, message: string, at?: Part): void;
}

/** A piece of a value: its text and offsets relative to the value's start. */
export interface Part {
  text: string;
  start: number;
  end: number;
}

export function whole(v: ValueCtx): Part {
  return { text: v.text, start: 0, end: v.text.length };
}

export function trimPart(p: Part): Part {
  const lead = p.text.length - p.text.trimStart().length;
  const t = p.text.trim();
  return { text: t, start: p.start + lead, end: p.start + lead + t.length };
}

/** Splits on `sep` (not escaped by `\`), trimming each piece. */
export function splitPart(p: Part, sep = ','): Part[] {
  const out: Part[] = [];
  let s = 0;
  for (let i = 0; i <= p.text.length; i++) {
    if (i < p.text.length && p.text[i] === '\\') {
      i++;
      continue;
    }
    if (i === p.text.length || p.text[i] === sep) {
      out.push(trimPart({ text: p.text.slice(s, i), start: p.start + s, end: p.start + i }));
      s = i + 1;
    }
  }
  return out;
}

/** Splits "word rest" at the first blank. */
export function splitWord(p: Part): [Part, Part] {
  const m = /\s/.exec(p.text);
  if (!m) return [p, { text: '', start: p.end, end: p.end }];
  const head = { text: p.text.slice(0, m.index), start: p.start, end: p.start + m.index };
  return [head, trimPart({ text: p.text.slice(m.index), start: p.start + m.index, end: p.end })];
}

/** Finds the closing quote of a string starting at `open` (which holds `"`), skipping `\x` escapes. */
function closingQuote(t: string, open: number): number {
  for (let i = open + 1; i < t.length; i++) {
    if (t[i] === '\\') i++;
    else if (t[i] === '"') return i;
  }
  return -1;
}

/**
 * The inside of a quoted value. `mandatory` quotes report E_QUOTES when absent; optional quotes
 * return the part as is. Text after the closing quote is an error.
 */
export function unquote(v: ValueCtx, p: Part, mandatory: boolean): Part | undefined {
  if (!p.text.startsWith('"')) {
    if (mandatory) {
      v.error('E_QUOTES', 'value must be enclosed in double quotes', p);
      return undefined;
    }
    return p;
  }
  const close = closingQuote(p.text, 0);
  if (close < 0) {
    v.error('E_QUOTES', 'quoted value is not closed', { text: '"', start: p.start, end: p.start + 1 });
    return undefined;
  }
  if (close !== p.text.length - 1) {
    v.error('E_QUOTES', 'unexpected text after the closing quote', { text: p.text.slice(close + 1), start: p.start + close + 1, end: p.end });
    return undefined;
  }
  return { text: p.text.slice(1, close), start: p.start + 1, end: p.start + close };
}

/** Resolves `\"`, `\;`, `\\`, `\:` (the escapes Suricata allows in strings); other escapes are kept as written. */
export function unescapeText(s: string): string {
  return s.replace(/\\([\\";:])/g, '$1');
}

const HEX = /^[0-9a-fA-F]$/;

/** Decodes a content string: escapes, `|hex|` blocks. Errors are reported; returns undefined on error. */
export function decodeContent(v: ValueCtx, p: Part): Uint8Array | undefined {
  const out: number[] = [];
  const t = p.text;
  let ok = true;
  let i = 0;
  while (i < t.length) {
    const c = t[i];
    if (c === '|') {
      const close = t.indexOf('|', i + 1);
      if (close < 0) {
        v.error('E_BAD_HEX', 'hex block is not closed by "|"', { text: '|', start: p.start + i, end: p.start + i + 1 });
        return undefined;
      }
      let digit = -1;
      for (let j = i + 1; j < close; j++) {
        const h = t[j];
        if (h === ' ' || h === '\t') {
          if (digit >= 0) {
            v.error('E_BAD_HEX', 'hex byte has a single digit', { text: t[j - 1], start: p.start + j - 1, end: p.start + j });
            ok = false;
            digit = -1;
          }
          continue;
        }
        if (!HEX.test(h)) {
          v.error('E_BAD_HEX', `"${h}" is not a hex digit`, { text: h, start: p.start + j, end: p.start + j + 1 });
          ok = false;
          digit = -1;
          continue;
        }
        if (digit < 0) digit = parseInt(h, 16);
        else {
          out.push(digit * 16 + parseInt(h, 16));
          digit = -1;
        }
      }
      if (digit >= 0) {
        v.error('E_BAD_HEX', 'hex byte has a single digit', { text: t[close - 1], start: p.start + close - 1, end: p.start + close });
        ok = false;
      }
      i = close + 1;
      continue;
    }
    if (c === '\\') {
      const n = t[i + 1];
      if (n === '\\' || n === '"' || n === ';' || n === ':') {
        out.push(n.charCodeAt(0));
        i += 2;
        continue;
      }
      v.error('E_BAD_ESCAPE', n === undefined ? 'string ends with a lone "\\"' : `"\\${n}" is not an escape; write |5C| for a backslash`, {
        text: t.slice(i, i + 2),
        start: p.start + i,
        end: p.start + Math.min(t.length, i + 2),
      });
      ok = false;
      i += 2;
      continue;
    }
    if (c === '"') {
      v.error('E_QUOTES', 'unescaped double quote inside the string; write \\" or |22|', { text: c, start: p.start + i, end: p.start + i + 1 });
      ok = false;
      i++;
      continue;
    }
    const code = c.codePointAt(0) as number;
    if (code < 0x80) out.push(code);
    else for (const b of Buffer.from(String.fromCodePoint(code), 'utf8')) out.push(b);
    i += code > 0xffff ? 2 : 1;
  }
  return ok ? Uint8Array.from(out) : undefined;
}

const UNITS: Record<string, number> = { kb: 1024, kib: 1024, mb: 1 << 20, mib: 1 << 20, gb: 1 << 30, gib: 1 << 30 };

function uintValue(s: string, max: number): number | undefined {
  const m = /^(0x[0-9a-fA-F]+|\d+)\s*(kib|kb|mib|mb|gib|gb)?$/i.exec(s.trim());
  if (!m) return undefined;
  let n = m[1].startsWith('0x') || m[1].startsWith('0X') ? parseInt(m[1], 16) : Number(m[1]);
  if (m[2]) n *= UNITS[m[2].toLowerCase()];
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

/**
 * Suricata's unsigned comparison (rust/src/detect/uint.rs): `N`, `=N`, `<N`, `<=N`, `>N`, `>=N`,
 * `!N`, `!=N`, `a-b` or `a<>b` (exclusive), `!a-b`, `&mask=value`, `&mask!=value`. Returns a message on error.
 */
export function parseUint(text: string, max: number): UintMatch | string {
  const s = text.trim();
  const bad = `"${text}" is not a number or comparison (N, <N, >N, <=N, >=N, !N, A<>B, A-B) within 0-${max}`;
  let m = /^&\s*(\S+?)\s*(!?)=\s*(\S+)$/.exec(s);
  if (m) {
    const a = uintValue(m[1], max);
    const b = uintValue(m[3], max);
    if (a === undefined || b === undefined) return bad;
    if ((a & b) !== b) return `bitmask comparison "${text}" can never match`;
    return { mode: m[2] ? 'notmask' : 'mask', a, b };
  }
  m = /^(!?)\s*([0-9a-fA-Fx]+(?:\s*[kmgKMG]i?[bB])?)\s*(?:-|<>)\s*([0-9a-fA-Fx]+(?:\s*[kmgKMG]i?[bB])?)$/.exec(s);
  if (m) {
    const a = uintValue(m[2], max);
    const b = uintValue(m[3], max);
    if (a === undefined || b === undefined) return bad;
    if (b <= a + 1) return `range "${text}" is empty: the bounds are exclusive, so the second must exceed the first by at least 2`;
    return { mode: m[1] ? 'notrange' : 'range', a, b };
  }
  m = /^(>=|<=|!=|>|<|!|=)?\s*(.+)$/.exec(s);
  if (!m) return bad;
  const a = uintValue(m[2], max);
  if (a === undefined) return bad;
  switch (m[1]) {
    case undefined:
    case '=':
      return { mode: 'eq', a };
    case '!':
    case '!=':
      return { mode: 'ne', a };
    case '<':
      return a === 0 ? `"${text}" can never match` : { mode: 'lt', a };
    case '<=':
      return { mode: 'lte', a };
    case '>':
      return a === max ? `"${text}" can never match` : { mode: 'gt', a };
    default:
      return a === 0 ? `"${text}" always matches; write nothing instead` : { mode: 'gte', a };
  }
}

/** A plain integer within [min, max], decimal (or 0x hex when `hex`). */
export function parseInteger(text: string, min: number, max: number, hex = false): number | undefined {
  const t = text.trim();
  let n: number;
  if (hex && /^0x[0-9a-fA-F]+$/i.test(t)) n = parseInt(t, 16);
  else if (/^[-+]?\d+$/.test(t)) n = Number(t);
  else return undefined;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** Maps a part's offsets to a rule span, given the value's span. */
export function partSpan(value: Span, p?: Part): Span {
  if (!p) return value;
  return { start: value.start + p.start, end: value.start + p.end };
}
