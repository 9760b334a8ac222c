// The diagnostic catalogue, its documentation and the golden tests stay in step (fastify's
// errors.js checked against its docs): docs/errors.md lists exactly the codes of src/errors.ts
// with the same severities, every code is produced by some golden diagnostic case, and every
// registered keyword name and alias appears in the keyword golden table.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { CODES } from '../src/errors.ts';
import { KEYWORDS } from '../src/rules/keywords/registry.ts';
import { DIAG_CASES } from './helpers/diag-cases.ts';
import { KEYWORD_CASES } from './helpers/keyword-cases.ts';
import { compile } from './helpers/rules.ts';

const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists exactly the catalogue, with the same severities', (t) => {
  const documented = new Map<string, string>();
  const re = /^## (\w+)\n\n\*(error|warning|info)\*/gm;
  for (let m = re.exec(docs); m; m = re.exec(docs)) documented.set(m[1], m[2]);
  t.deepEqual([...documented.keys()].sort(), Object.keys(CODES).sort());
  for (const [code, info] of Object.entries(CODES)) t.is(documented.get(code), info.severity, code);
});

test('codes name their severity: E_ errors, W_ warnings, I_ infos', (t) => {
  for (const [code, info] of Object.entries(CODES)) t.is(code[0], info.severity[0].toUpperCase(), code);
});

test('every code is produced by at least one golden diagnostic case', (t) => {
  const produced = new Set<string>();
  for (const c of DIAG_CASES) for (const d of compile(c.text, c.opts).diagnostics) produced.add(d.code);
  t.deepEqual(Object.keys(CODES).filter((c) => !produced.has(c)), []);
});

test('every keyword and alias appears in the keyword golden table', (t) => {
  const inputs = KEYWORD_CASES.map(([input]) => input);
  const missing: string[] = [];
  for (const k of KEYWORDS) {
    if (k.role === 'unsupported') continue;
    for (const name of [k.name, ...(k.aliases ?? [])]) {
      const re = new RegExp(`(^|[ (;])${name.replace(/\./g, '\\.')}[:;]`);
      if (!inputs.some((i) => re.test(i))) missing.push(name);
    }
  }
  t.deepEqual(missing, []);
});
