// Prefix files -> a PrefixList: one prefix or address per line, IPv4 and IPv6 mixed, `#` or `;`
// starts a comment (so Spamhaus-style "prefix ; id" lines load as they are), blank lines skipped.
// Every bad line is a diagnostic with file:line:col and a code; a caller loads nothing when there is
// one. Reading is the only I/O; parseText is pure.
import { readFileSync } from 'node:fs';

import { FW_LPM_V4, FW_LPM_V6 } from '../abi/index.ts';
import { AddrSetError, type AsetCode } from './errors.ts';
import { type Family, parsePrefixAt, PrefixScratch } from './prefix.ts';

/** A parse problem, in the shape of the rule diagnostics (esbuild's message shape). */
export interface PrefixDiagnostic {
  code: AsetCode;
  severity: 'error';
  message: string;
  file: string;
  line: number;
  /** 1-based column of the problem. */
  col: number;
  length: number;
  lineText: string;
  suggestion?: string;
}

/**
 * A set's content, ready for the maps: LPM keys (struct fw_lpm_v4 / fw_lpm_v6) back to back,
 * sorted (IPv4) and without duplicates.
 */
export interface PrefixList {
  v4: Buffer;
  v6: Buffer;
  v4Count: number;
  v6Count: number;
  /** Lines that repeated a prefix already in the list (not an error; loaded once). */
  duplicates: number;
}

export interface ParseResult {
  list: PrefixList;
  diagnostics: PrefixDiagnostic[];
  /** Errors beyond the MAX_DIAGNOSTICS kept. */
  moreErrors: number;
}

/** Diagnostics kept per parse: a wrong file (a rules file, a CSV) would otherwise yield one per line. */
export const MAX_DIAGNOSTICS = 1000;

const V4_SIZE = FW_LPM_V4.size;
const V6_SIZE = FW_LPM_V6.size;

/** Accumulates prefixes of both families; build() sorts IPv4 and removes duplicates. */
export class PrefixListBuilder {
  // IPv4 packed as addr * 64 + len (< 2^38, exact in a double): sorting them sorts by address.
  #v4 = new Float64Array(1024);
  #v4Count = 0;
  #v6 = Buffer.alloc(V6_SIZE * 1024);
  #v6Count = 0;
  readonly #v6Seen = new Set<string>();
  #duplicates = 0;

  addV4(addr: number, len: number): void {
    if (this.#v4Count === this.#v4.length) {
      const bigger = new Float64Array(this.#v4.length * 2);
      bigger.set(this.#v4);
      this.#v4 = bigger;
    }
    this.#v4[this.#v4Count++] = addr * 64 + len;
  }

  addV6(addr: Uint8Array, len: number): void {
    const at = this.#v6Count * V6_SIZE;
    if (at + V6_SIZE > this.#v6.length) {
      const bigger = Buffer.alloc(this.#v6.length * 2);
      this.#v6.copy(bigger);
      this.#v6 = bigger;
    }
    const b = this.#v6;
    b.writeUInt32LE(len, at);
    for (let i = 0; i < 16; i++) b[at + 4 + i] = addr[i];
    const id = b.toString('latin1', at, at + V6_SIZE);
    if (this.#v6Seen.has(id)) {
      this.#duplicates++;
      return;
    }
    this.#v6Seen.add(id);
    this.#v6Count++;
  }

  build(): PrefixList {
    const packed = this.#v4.subarray(0, this.#v4Count).sort();
    const v4 = Buffer.alloc(packed.length * V4_SIZE);
    let n = 0;
    for (let i = 0; i < packed.length; i++) {
      const p = packed[i];
      if (i > 0 && p === packed[i - 1]) {
        this.#duplicates++;
        continue;
      }
      const len = p % 64;
      const at = n * V4_SIZE;
      const addr = (p - len) / 64;
      v4[at] = len; // prefixlen is little-endian and < 256
      v4[at + 4] = addr / 16777216;
      v4[at + 5] = (addr / 65536) & 0xff;
      v4[at + 6] = (addr / 256) & 0xff;
      v4[at + 7] = addr & 0xff;
      n++;
    }
    return {
      v4: v4.subarray(0, n * V4_SIZE),
      v6: this.#v6.subarray(0, this.#v6Count * V6_SIZE),
      v4Count: n,
      v6Count: this.#v6Count,
      duplicates: this.#duplicates,
    };
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

function isCommentStart(c: number): boolean {
  return c === 35 /* # */ || c === 59 /* ; */;
}

function report(
  out: PrefixDiagnostic[], text: string, file: string, line: number, pos: number, eol: number, at: number, length: number,
  code: AsetCode, message: string, suggestion?: string,
): void {
  let end = eol;
  if (end > pos && text.charCodeAt(end - 1) === 13) end--;
  const d: PrefixDiagnostic = { code, severity: 'error', message, file, line, col: at - pos + 1, length, lineText: text.slice(pos, end) };
  if (suggestion) d.suggestion = suggestion;
  out.push(d);
}

/** Parses the text of one file into `into`, returning its diagnostics. */
export function parseText(text: string, file: string, into: PrefixListBuilder, diagnostics: PrefixDiagnostic[] = []): PrefixDiagnostic[] {
  const scratch = new PrefixScratch();
  const n = text.length;
  let lineNo = 0;
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1; // a BOM from an editor
  while (pos <= n) {
    lineNo++;
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let i = pos;
    while (i < eol && isSpace(text.charCodeAt(i))) i++;
    if (i < eol && !isCommentStart(text.charCodeAt(i))) {
      let j = i;
      while (j < eol) {
        const c = text.charCodeAt(j);
        if (isSpace(c) || isCommentStart(c)) break;
        j++;
      }
      const r = parsePrefixAt(text, i, j, scratch);
      if (typeof r !== 'number') {
        report(diagnostics, text, file, lineNo, pos, eol, i + r.at, r.length, r.code, r.message, r.suggestion);
      } else {
        let k = j;
        while (k < eol && isSpace(text.charCodeAt(k))) k++;
        if (k < eol && !isCommentStart(text.charCodeAt(k))) {
          let e = k;
          while (e < eol && !isCommentStart(text.charCodeAt(e))) e++;
          while (e > k && isSpace(text.charCodeAt(e - 1))) e--;
          const message = `unexpected "${text.slice(k, e)}" after the prefix (one prefix per line)`;
          report(diagnostics, text, file, lineNo, pos, eol, k, e - k, 'E_ASET_TRAILING_TEXT', message);
        } else if (r === 4) into.addV4(scratch.v4, scratch.len);
        else into.addV6(scratch.v6, scratch.len);
      }
    }
    pos = eol + 1;
  }
  return diagnostics;
}

/** Reads and parses prefix files (the only I/O of this folder's parsing). Unreadable files are
 *  diagnostics too, so one run reports every problem. */
export function parsePrefixFiles(paths: readonly string[]): ParseResult {
  const builder = new PrefixListBuilder();
  const all: PrefixDiagnostic[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : (err.code ?? err.message);
      all.push({ code: 'E_ASET_FILE', severity: 'error', message: `cannot read ${path}: ${why}`, file: path, line: 0, col: 0, length: 0, lineText: '' });
      continue;
    }
    parseText(text, path, builder, all);
  }
  const diagnostics = all.slice(0, MAX_DIAGNOSTICS);
  return { list: builder.build(), diagnostics, moreErrors: all.length - diagnostics.length };
}

/** `file:line:col: error CODE: message`, the line, and a caret under the problem. */
export function formatPrefixDiagnostic(d: PrefixDiagnostic): string {
  if (d.line === 0) return `${d.file}: error ${d.code}: ${d.message}`;
  const head = `${d.file}:${d.line}:${d.col}: error ${d.code}: ${d.message}`;
  const caret = ' '.repeat(Math.max(d.col - 1, 0)) + '^' + '~'.repeat(Math.max(d.length - 1, 0));
  const lines = [head, `  ${d.lineText}`, `  ${caret}`];
  if (d.suggestion) lines.push(`  did you mean ${d.suggestion}?`);
  return lines.join('\n');
}

/** A list from prefix texts (tests, API callers that hold prefixes in memory); throws on the first bad one. */
export function prefixListOf(prefixes: readonly string[]): PrefixList {
  const builder = new PrefixListBuilder();
  const diags = parseText(prefixes.join('\n'), '<list>', builder);
  if (diags.length > 0) throw new AddrSetError(diags[0].code, `${prefixes[diags[0].line - 1]}: ${diags[0].message}`);
  return builder.build();
}
