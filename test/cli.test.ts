import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from '../src/cli/args.ts';
import { main } from '../src/cli/main.ts';

const run = promisify(execFile);

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => errs.push(l) }, lines, errs };
}

test('unknown command is exit 1 with a suggestion, as JSON with -o json', async (t) => {
  const c = capture();
  t.is(await main(['verison', '-o', 'json'], c.io), 1);
  const doc = JSON.parse(c.lines[0]);
  t.is(doc.error.code, 'E_CLI_UNKNOWN_COMMAND');
  t.is(doc.error.suggestion, 'version');
});

test('unknown option is exit 1 with a suggestion', async (t) => {
  const c = capture();
  t.is(await main(['version', '--outptu', 'json'], c.io), 1);
  t.regex(c.errs.join('\n'), /unknown option --outptu.*did you mean --output/);
});

test('bad -o value is rejected', async (t) => {
  const c = capture();
  t.is(await main(['version', '-o', 'yaml'], c.io), 1);
  t.regex(c.errs.join('\n'), /-o takes "json" or "text"/);
});

test('help lists the commands; command help lists options', async (t) => {
  const c = capture();
  t.is(await main(['help'], c.io), 0);
  t.regex(c.lines.join('\n'), /version\s+print the fwctl version/);
  const d = capture();
  t.is(await main(['version', '--help'], d.io), 0);
  t.regex(d.lines.join('\n'), /--output FORMAT/);
});

test('bin/fwctl.mjs runs as a subprocess', async (t) => {
  const { stdout } = await run(process.execPath, ['bin/fwctl.mjs', 'version', '-o', 'json']);
  t.regex(JSON.parse(stdout).version, /^\d+\.\d+\.\d+$/);
});

test("a bare '->' or '-1' is a positional (a trace's direction, a number); '-o' is still an option", (t) => {
  const defs = [{ name: 'output', short: 'o', type: 'string' as const, arg: 'FMT', description: 'x' }];
  const r = parseArgs(['tcp', '198.18.1.2:1234', '->', '198.18.2.2:80', 'ttl', '-1', '-o', 'json'], defs);
  t.deepEqual(r.positionals, ['tcp', '198.18.1.2:1234', '->', '198.18.2.2:80', 'ttl', '-1']);
  t.is(r.options.output, 'json');
  const e = t.throws(() => parseArgs(['-x'], defs));
  t.regex(e!.message, /unknown option -x/);
});
