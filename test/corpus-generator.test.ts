// bench/gen-ruleset.ts: deterministic, exact count, distinct sids, rules the parser accepts, and
// --header-only rules that the XDP classifier can decide alone.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRuleset, renderRuleset } from '../bench/gen-ruleset.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { ruleSpans, sidsOf } from './corpus-helpers.ts';

const SCRIPT = new URL('../bench/gen-ruleset.ts', import.meta.url).pathname;

test('the same seed gives the same rules, another seed other rules', (t) => {
  const a = renderRuleset({ count: 500, seed: 7 });
  t.is(renderRuleset({ count: 500, seed: 7 }), a);
  t.not(renderRuleset({ count: 500, seed: 8 }), a);
});

test('the count is exact and every sid is distinct', (t) => {
  for (const count of [1, 2, 3, 999, 2000]) {
    const text = renderRuleset({ count, seed: 3 });
    const spans = ruleSpans(text);
    t.is(spans.length, count);
    t.is(generateRuleset({ count, seed: 3 }).length, count);
    const sids = sidsOf(spans);
    t.is(new Set(sids).size, count);
  }
});

test('generated rules parse with no error and mostly load', (t) => {
  const text = renderRuleset({ count: 3000, seed: 11 });
  const r = compileRuleText([{ file: 'gen.rules', text }]);
  t.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line} ${d.code} ${d.message}`), []);
  t.is(r.summary.total, 3000);
  t.true(r.summary.loaded > 2500, `${r.summary.loaded} loaded`);
  t.true(r.rules.some((x) => x.needsDpi), 'payload rules are there');
  t.true(r.rules.some((x) => !x.needsDpi), 'header rules are there');
  t.true(r.rules.some((x) => x.app === 'http') && r.rules.some((x) => x.app === 'dns') && r.rules.some((x) => x.app === 'tls'));
});

test('--header-only rules all load and need no DPI', (t) => {
  const text = renderRuleset({ count: 2000, seed: 5, headerOnly: true });
  t.false(/content:|pcre:|http\.|dns\.|tls\.|flow:|flowbits/.test(text));
  const r = compileRuleText([{ file: 'hdr.rules', text }]);
  t.is(r.summary.errors, 0);
  t.is(r.rules.length, 2000);
  t.deepEqual(r.rules.filter((x) => x.needsDpi).map((x) => `${x.meta.sid} ${x.dpiReasons.join(',')}`), []);
  t.true(new Set(r.rules.map((x) => x.protocol)).size >= 4, 'several protocols');
});

test('the command line writes --out and rejects unknown flags', (t) => {
  const dir = mkdtempSync(join(tmpdir(), `fwctl-gen-${process.pid}-`));
  try {
    const out = join(dir, 'r.rules');
    execFileSync('npx', ['tsx', SCRIPT, '--count', '250', '--seed', '9', '--out', out]);
    t.is(readFileSync(out, 'utf8'), renderRuleset({ count: 250, seed: 9 }));
    const bad = spawnSync('npx', ['tsx', SCRIPT, '--cnt', '5'], { encoding: 'utf8' });
    t.not(bad.status, 0);
    t.regex(bad.stderr, /cnt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
