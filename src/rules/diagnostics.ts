// Diagnostics as values (esbuild's message shape). Stages work on logical offsets into a rule's
// text (continuation lines joined); `RuleSource.at` maps an offset back to the physical line and
// column the user sees.
import { CODES, STRICT_TWIN, type Code, type Severity } from '../errors.ts';

export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  file: string;
  /** 1-based physical line. */
  line: number;
  /** 1-based column in that line. */
  col: number;
  /** Characters to underline from col (0 for a point past the end of what is there). */
  length: number;
  /** The physical line's text. */
  lineText: string;
  suggestion?: string;
}

/** Half-open range [start, end) of logical offsets into RuleSource.text. */
export interface Span {
  start: number;
  end: number;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

/** Where a piece of the logical text came from: it starts at logical offset `at`, physical line `line`, column `col` (0-based). */
export interface Segment {
  at: number;
  line: number;
  col: number;
}

/** One logical rule: its physical lines joined where they end with `\`. */
export class RuleSource {
  constructor(
    readonly file: string,
    readonly text: string,
    readonly segments: readonly Segment[],
    private readonly lines: readonly string[],
    /** The file ended while the rule was still continued with `\`. */
    readonly continuedAtEof = false,
  ) {}

  /** First physical line. */
  get line(): number {
    return this.segments[0].line;
  }

  /** The physical position of a logical offset, and how much of [start, end) fits on that line. */
  at(s: Span): { line: number; col: number; length: number; lineText: string } {
    const start = Math.max(0, Math.min(s.start, this.text.length));
    let i = this.segments.length - 1;
    while (i > 0 && this.segments[i].at > start) i--;
    const seg = this.segments[i];
    const segEnd = i + 1 < this.segments.length ? this.segments[i + 1].at : this.text.length;
    const lineText = this.lines[seg.line - 1] ?? '';
    const col = seg.col + (start - seg.at);
    const end = Math.max(start, Math.min(s.end, segEnd));
    const length = Math.max(0, Math.min(end - start, lineText.length - col));
    return { line: seg.line, col: Math.min(col, lineText.length) + 1, length, lineText };
  }
}

/** Collects the diagnostics of one rule; knows the rule's source and whether --strict is on. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  /** Unsupported keywords/protocols/actions met, by name (for summary.skippedByKeyword). */
  readonly unsupported: string[] = [];

  constructor(
    readonly src: RuleSource,
    readonly strict: boolean,
  ) {}

  report(code: Code, message: string, where: Span, suggestion?: string): void {
    const pos = this.src.at(where);
    const d: Diagnostic = {
      code,
      severity: CODES[code].severity,
      message,
      file: this.src.file,
      line: pos.line,
      col: pos.col,
      length: pos.length,
      lineText: pos.lineText,
    };
    if (suggestion !== undefined) d.suggestion = suggestion;
    this.diagnostics.push(d);
  }

  /** A Suricata feature fwctl cannot evaluate yet: the rule is skipped; an error under --strict. */
  unsupportedFeature(code: 'W_UNSUPPORTED_KEYWORD' | 'W_UNSUPPORTED_PROTOCOL' | 'W_UNSUPPORTED_ACTION', name: string, message: string, where: Span): void {
    if (!this.unsupported.includes(name)) this.unsupported.push(name);
    this.report(this.strict ? (STRICT_TWIN[code] as Code) : code, message, where);
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }
}
