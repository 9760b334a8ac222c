// fwctl check: text and JSON output, exit codes, --var/--vars/--strict.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), `fwctl-check-${process.pid}-`));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const good = file('good.rules', 'alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"ok"; content:"GET"; http_method; sid:1;)\n');
const bad = file('bad.rules', '# header\nalert tcp any any -> any any (msg:"x"; contnet:"abc"; sid:2;)\nalert smtp any any -> any any (sid:3;)\n');

test('a clean file exits 0 and prints the summary', async (t) => {
  const r = await run(['check', good]);
  t.is(r.code, 0);
  t.deepEqual(r.out, ['1 rules: 1 loaded, 0 skipped, 0 invalid; 0 errors, 0 warnings']);
});

test('errors print file:line:col, the line and a caret, and exit 1', async (t) => {
  const r = await run(['check', bad]);
  t.is(r.code, 1);
  t.deepEqual(r.out[0].split('\n'), [
    `${bad}:2:40: error E_UNKNOWN_KEYWORD: unknown keyword "contnet"; did you mean "content"?`,
    '  alert tcp any any -> any any (msg:"x"; contnet:"abc"; sid:2;)',
    '                                         ^~~~~~~',
  ]);
  t.regex(r.out[1], new RegExp(`^${bad}:3:7: warning W_UNSUPPORTED_PROTOCOL`));
  t.deepEqual(r.out.slice(2), ['2 rules: 0 loaded, 1 skipped, 1 invalid; 1 error, 1 warning\nskipped by keyword: proto:smtp 1']);
});

test('-o json prints one document with counts and diagnostics', async (t) => {
  const r = await run(['check', good, bad, '-o', 'json']);
  t.is(r.code, 1);
  t.is(r.out.length, 1);
  const doc = JSON.parse(r.out[0]);
  t.like(doc, { rules: 3, loaded: 1, skipped: 1, invalid: 1, errors: 1, warnings: 1, skippedByKeyword: { 'proto:smtp': 1 } });
  t.like(doc.diagnostics[0], { code: 'E_UNKNOWN_KEYWORD', severity: 'error', file: bad, line: 2, col: 40, length: 7, suggestion: 'content' });
});

test('--strict turns unsupported into errors', async (t) => {
  const only = file('smtp.rules', 'alert smtp any any -> any any (sid:3;)\n');
  t.is((await run(['check', only])).code, 0);
  const r = await run(['check', only, '--strict', '-o', 'json']);
  t.is(r.code, 1);
  t.is(JSON.parse(r.out[0]).diagnostics[0].code, 'E_UNSUPPORTED_PROTOCOL');
});

test('--var and --vars define variables; later sources win', async (t) => {
  const f = file('vars.rules', 'alert tcp $WEB any -> any $ADMIN_PORTS (sid:1;)\n');
  t.is((await run(['check', f])).code, 1);
  const vars = file('vars.json', JSON.stringify({ 'address-groups': { WEB: '198.18.0.10' }, 'port-groups': { ADMIN_PORTS: '[22,8443]' } }));
  t.is((await run(['check', f, '--vars', vars])).code, 0);
  t.is((await run(['check', f, '--var', 'WEB=198.18.0.0/15', '--var', 'ADMIN_PORTS=22'])).code, 0);
  const r = await run(['check', f, '--vars', vars, '--var', 'ADMIN_PORTS=nope', '-o', 'json']);
  t.is(r.code, 1);
  t.is(JSON.parse(r.out[0]).diagnostics[0].code, 'E_BAD_VAR_VALUE');
});

test('a missing file, a bad vars file or no file is invalid input (exit 1)', async (t) => {
  const missing = await run(['check', join(dir, 'nope.rules'), '-o', 'json']);
  t.is(missing.code, 1);
  t.is(JSON.parse(missing.out[0]).error.code, 'E_CLI_FILE');
  const badVars = file('bad-vars.json', '{"adress-groups": {}}');
  const bv = await run(['check', good, '--vars', badVars]);
  t.is(bv.code, 1);
  t.regex(bv.err.join('\n'), /did you mean "address-groups"/);
  t.is((await run(['check'])).code, 1);
  t.is((await run(['check', '--var', 'NOEQUALS', good])).code, 1);
});
