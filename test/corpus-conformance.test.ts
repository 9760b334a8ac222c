// Every rules file of the suricata-verify conformance cases (../shared/conformance/) parses with
// its own vars.json and gives no error. The cases live one or two folders deep (dns/dns-query/...),
// so they are found by walking the tree; index.json lists them, and the two lists must agree.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadRuleFiles } from '../src/rules/index.ts';
import { ruleSpans } from './corpus-helpers.ts';

const ROOT = new URL('../../shared/conformance/suricata-verify/', import.meta.url).pathname;

function findCases(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    if (existsSync(join(p, 'test.rules'))) out.push(p);
    else out.push(...findCases(p));
  }
  return out;
}

const cases = findCases(ROOT);

test('the conformance cases are present and match index.json', (t) => {
  t.true(existsSync(ROOT), `${ROOT} is missing: shared/ must sit beside the repository`);
  const index = JSON.parse(readFileSync(join(ROOT, 'index.json'), 'utf8')) as { tests: Array<{ name: string }> };
  const listed = index.tests.map((x) => x.name).sort();
  t.deepEqual(cases.map((c) => relative(ROOT, c)).sort(), listed);
  t.true(cases.length >= 40, `${cases.length} cases`);
});

for (const dir of cases) {
  const name = relative(ROOT, dir);
  test(`conformance ${name}: test.rules parses with no error`, async (t) => {
    const rulesFile = join(dir, 'test.rules');
    const varsFile = join(dir, 'vars.json');
    const r = await loadRuleFiles([rulesFile], { varFiles: existsSync(varsFile) ? [varsFile] : [] });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    t.deepEqual(errors.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`), []);
    const expected = ruleSpans(readFileSync(rulesFile, 'utf8')).length;
    t.true(expected > 0, 'the case has rules');
    t.is(r.summary.total, expected);
    t.is(r.summary.loaded + r.summary.skipped, expected);
  });
}
