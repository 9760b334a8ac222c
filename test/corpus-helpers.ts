// Independent readers of rule files for the corpus tests: they count rules and read annotations
// with the plainest possible code, so the parser's own counts can be checked against them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = new URL('../rules/corpus/', import.meta.url).pathname;
export const INVALID_DIR = join(CORPUS_DIR, 'invalid');

const ACTION = /^(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s/;

export interface RuleSpan {
  /** 1-based first and last physical line of the rule. */
  start: number;
  end: number;
  text: string;
}

/**
 * The rules of a file, found the way Suricata's loader does it: a line ending in `\` continues on
 * the next line, a line starting with `#` is a comment, and what remains is a rule when it starts
 * with an action (or, with anyLine, when it is not blank: broken rules may have a bad action).
 */
export function ruleSpans(text: string, opts: { anyLine?: boolean } = {}): RuleSpan[] {
  const lines = text.split('\n');
  const out: RuleSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    if (lines[i].startsWith('#')) continue;
    let joined = lines[i];
    while (joined.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      joined = joined.trimEnd().slice(0, -1) + lines[++i];
    }
    const rule = opts.anyLine ? joined.trim() !== '' : ACTION.test(joined.trim());
    if (rule) out.push({ start, end: i + 1, text: joined.trim() });
  }
  return out;
}

export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => join(CORPUS_DIR, f));
}

export function invalidFiles(): string[] {
  return readdirSync(INVALID_DIR)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => join(INVALID_DIR, f));
}

/** The sids written in the rules' text (`sid:N;`), in order. */
export function sidsOf(spans: RuleSpan[]): number[] {
  return spans.map((s) => {
    const m = /(?:^|[;(]\s*)sid\s*:\s*(\d+)\s*;/.exec(s.text);
    if (!m) throw new Error(`no sid in: ${s.text.slice(0, 120)}`);
    return Number(m[1]);
  });
}

export interface Expectation {
  /** The annotated rule's span. */
  rule: RuleSpan;
  codes: string[];
}

/**
 * `# expect: CODE, CODE` annotations in a file of broken rules: each applies to the rule that
 * starts on the next line.
 */
export function expectations(text: string): Expectation[] {
  const lines = text.split('\n');
  const spans = ruleSpans(text, { anyLine: true });
  const out: Expectation[] = [];
  lines.forEach((line, i) => {
    const m = /^#\s*expect:\s*(.+)$/.exec(line);
    if (!m) return;
    const rule = spans.find((s) => s.start === i + 2);
    if (!rule) throw new Error(`"# expect" on line ${i + 1} is not followed by a rule`);
    out.push({ rule, codes: m[1].split(',').map((c) => c.trim()).filter(Boolean).sort() });
  });
  return out;
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
