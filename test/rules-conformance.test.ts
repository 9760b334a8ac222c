// Every test.rules of the suricata-verify cases in ../shared/conformance loads with its vars.json:
// no error and no warning (these rules are all within what fwctl supports).
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileRuleText, parseVarsJson } from '../src/rules/index.ts';

const ROOT = new URL('../../shared/conformance/suricata-verify/', import.meta.url).pathname;

function cases(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...cases(p));
    else if (name === 'test.rules') out.push(dir);
  }
  return out;
}

const found = cases(ROOT);

test('the conformance cases are present', (t) => {
  t.true(found.length >= 40, `expected the suricata-verify cases under ${ROOT}`);
});

for (const dir of found) {
  const name = dir.slice(ROOT.length);
  test(`suricata-verify ${name}: rules load without diagnostics`, (t) => {
    const vars = existsSync(join(dir, 'vars.json')) ? parseVarsJson(readFileSync(join(dir, 'vars.json'), 'utf8')) : undefined;
    const r = compileRuleText([{ file: join(dir, 'test.rules'), text: readFileSync(join(dir, 'test.rules'), 'utf8') }], { vars });
    t.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`), []);
    t.true(r.summary.total > 0);
    t.is(r.summary.loaded, r.summary.total);
  });
}
