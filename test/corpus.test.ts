// The hand-written ET-style corpus (rules/corpus/) loads with no error, and the parser's counts
// agree with an independent count of the files; the deliberately broken rules in
// rules/corpus/invalid/ give exactly the diagnostics annotated above each of them.
import test from 'ava';
import { basename } from 'node:path';
import { loadRuleFiles, type RulesetResult } from '../src/rules/index.ts';
import { corpusFiles, expectations, invalidFiles, readText, ruleSpans, sidsOf } from './corpus-helpers.ts';

const UNSUPPORTED = new Set(['W_UNSUPPORTED_KEYWORD', 'W_UNSUPPORTED_PROTOCOL', 'W_UNSUPPORTED_ACTION']);

const files = corpusFiles();
const spansByFile = new Map(files.map((f) => [f, ruleSpans(readText(f))]));
const expectedTotal = [...spansByFile.values()].reduce((n, s) => n + s.length, 0);

let loaded: Promise<RulesetResult> | undefined;
const corpus = () => (loaded ??= loadRuleFiles(files));

function where(d: { file: string; line: number; col: number; code: string; message: string }): string {
  return `${basename(d.file)}:${d.line}:${d.col} ${d.code} ${d.message}`;
}

test('the corpus is large and spread over many ET categories', (t) => {
  t.true(files.length >= 40, `${files.length} files`);
  t.true(expectedTotal >= 1500, `${expectedTotal} rules`);
  for (const [f, spans] of spansByFile) {
    if (basename(f) === 'emerging-deleted.rules') t.is(spans.length, 0, 'deleted rules are all commented out');
    else t.true(spans.length > 0, `${basename(f)} has rules`);
  }
});

test('every corpus rule parses without an error diagnostic', async (t) => {
  const r = await corpus();
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  t.deepEqual(errors.map(where), []);
  t.is(r.summary.errors, 0);
  t.is(r.summary.invalid, 0);
});

test('the only warnings are "unsupported", and each skipped rule has one at its own line', async (t) => {
  const r = await corpus();
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
  t.deepEqual(warnings.filter((d) => !UNSUPPORTED.has(d.code)).map(where), []);
  t.is(r.summary.warnings, warnings.length);
  for (const s of r.skipped) {
    t.true(s.reasons.length > 0, `${basename(s.file)}:${s.line} skipped without a reason`);
    const spans = spansByFile.get(s.file) ?? [];
    const span = spans.find((x) => x.start === s.line);
    t.truthy(span, `${basename(s.file)}:${s.line} is not the first line of a rule`);
    const own = warnings.filter((d) => d.file === s.file && span && d.line >= span.start && d.line <= span.end);
    t.true(own.length > 0, `${basename(s.file)}:${s.line} skipped with no warning on its lines`);
  }
  const byKeyword = Object.values(r.summary.skippedByKeyword).reduce((a, b) => a + b, 0);
  t.true(byKeyword >= r.summary.skipped, 'every skipped rule is counted under at least one keyword');
});

test('the parser counts the same rules as an independent line count, file by file', async (t) => {
  const r = await corpus();
  t.is(r.summary.total, expectedTotal);
  t.is(r.summary.loaded + r.summary.skipped, expectedTotal);
  t.is(r.rules.length, r.summary.loaded);
  t.is(r.skipped.length, r.summary.skipped);
  for (const [f, spans] of spansByFile) {
    const starts = [...r.rules.map((x) => x.source), ...r.skipped]
      .filter((x) => x.file === f)
      .map((x) => x.line)
      .sort((a, b) => a - b);
    t.deepEqual(starts, spans.map((s) => s.start), `${basename(f)}: rule start lines`);
  }
});

test('every sid written in the corpus is loaded or skipped exactly once', async (t) => {
  const r = await corpus();
  const written = [...spansByFile.values()].flatMap(sidsOf).sort((a, b) => a - b);
  t.is(new Set(written).size, written.length, 'the corpus itself has no duplicate sid');
  const seen = [...r.rules.map((x) => x.meta.sid), ...r.skipped.map((x) => x.sid ?? -1)].sort((a, b) => a - b);
  t.deepEqual(seen, written);
});

test('multi-line rules are read as one rule starting on their first line', async (t) => {
  const r = await corpus();
  const multi = [...spansByFile.entries()].flatMap(([f, spans]) => spans.filter((s) => s.end > s.start).map((s) => ({ f, s })));
  t.true(multi.length >= 2, 'the corpus has continued rules');
  for (const { f, s } of multi) {
    const found = r.rules.some((x) => x.source.file === f && x.source.line === s.start) || r.skipped.some((x) => x.file === f && x.line === s.start);
    t.true(found, `${basename(f)}:${s.start}-${s.end}`);
  }
});

test('commented-out rules produce no rule and no diagnostic', async (t) => {
  const deleted = files.find((f) => basename(f) === 'emerging-deleted.rules');
  t.truthy(deleted);
  const text = readText(deleted!);
  t.true(text.split('\n').filter((l) => /^#\s*(alert|drop|pass)\s/.test(l)).length >= 40, 'ET ships disabled rules as comments');
  const r = await loadRuleFiles([deleted!]);
  t.is(r.summary.total, 0);
  t.deepEqual(r.diagnostics.map(where), []);
});

for (const file of invalidFiles()) {
  test(`invalid/${basename(file)} yields exactly the annotated diagnostics`, async (t) => {
    const text = readText(file);
    const spans = ruleSpans(text, { anyLine: true });
    const expected = expectations(text);
    t.true(expected.length > 0, 'the file has annotations');
    const r = await loadRuleFiles([file]);
    const got = spans.map((s) => ({
      line: s.start,
      codes: r.diagnostics.filter((d) => d.line >= s.start && d.line <= s.end).map((d) => d.code).sort(),
    }));
    const want = spans.map((s) => ({ line: s.start, codes: expected.find((e) => e.rule.start === s.start)?.codes ?? [] }));
    t.deepEqual(got, want);
    const outside = r.diagnostics.filter((d) => !spans.some((s) => d.line >= s.start && d.line <= s.end));
    t.deepEqual(outside.map(where), [], 'no diagnostic outside a rule');
  });
}

test('the invalid set covers every rule-level diagnostic code of the catalogue', async (t) => {
  const { CODES } = await import('../src/errors.ts');
  const covered = new Set(invalidFiles().flatMap((f) => expectations(readText(f)).flatMap((e) => e.codes)));
  for (const c of covered) t.true(c in CODES, `${c} is in src/errors.ts`);
  // Variable-file and threshold.config problems are not rule text (test/threshold-config.test.ts
  // has their golden cases), and the strict twins need --strict.
  const notInRules = new Set(['E_VAR_CYCLE', 'E_BAD_VAR_VALUE', 'E_UNSUPPORTED_KEYWORD', 'E_UNSUPPORTED_PROTOCOL', 'E_UNSUPPORTED_ACTION',
    'E_THRESHOLD_CONFIG_SYNTAX', 'E_THRESHOLD_CONFIG_VALUE', 'W_THRESHOLD_CONFIG_NO_RULE', 'W_UNSUPPORTED_THRESHOLD_CONFIG', 'E_UNSUPPORTED_THRESHOLD_CONFIG']);
  const missing = Object.keys(CODES).filter((c) => !covered.has(c) && !notInRules.has(c));
  t.deepEqual(missing, []);
});

test('--strict turns the corpus\'s unsupported warnings into errors and loads the same rules', async (t) => {
  const r = await corpus();
  const strict = await loadRuleFiles(files, { strict: true });
  t.is(strict.rules.length, r.rules.length);
  t.is(strict.summary.errors, r.summary.warnings);
  t.true(strict.diagnostics.every((d) => d.severity === 'error' && d.code.startsWith('E_UNSUPPORTED_')));
});
