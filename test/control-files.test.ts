// The state directory's plumbing (src/control/files.ts, lock.ts): atomic JSON files checked by
// schema, and the per-instance writer lock across processes (busy, released, a dead holder taken over).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { z } from 'zod';

import { assertNoErrors, compileRuleFiles, recompile, rulesetHash } from '../src/control/compile.ts';
import { ControlError } from '../src/control/errors.ts';
import { generationMeta, readGeneration, ruleTableOf, writeGeneration } from '../src/control/meta.ts';
import { readJson, stateDir, writeJsonAtomic } from '../src/control/files.ts';
import { lockInstance } from '../src/control/lock.ts';
import { processStartTime } from '../src/control/proc.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-control-files-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('writeJsonAtomic + readJson: round trip, no temporary left, missing is null, bad content names the file', (t) => {
  const p = join(dir, 'a.json');
  const schema = z.strictObject({ n: z.number() });
  t.is(readJson(p, schema), null);
  writeJsonAtomic(p, { n: 1 });
  writeJsonAtomic(p, { n: 2 });
  t.deepEqual(readJson(p, schema), { n: 2 });
  t.deepEqual(readdirSync(dir).filter((f) => f.startsWith('a.json')), ['a.json']);
  writeFileSync(p, '{"n": "x"}');
  t.throws(() => readJson(p, schema), { message: new RegExp(`^${p}: unexpected content: n:`) });
  writeFileSync(p, '{');
  t.throws(() => readJson(p, schema), { message: new RegExp(`^${p}: not JSON`) });
});

test('stateDir: /run/fwctl/<instance>, names checked as pin names are', (t) => {
  t.is(stateDir('gw0'), '/run/fwctl/gw0');
  t.throws(() => stateDir('../etc'), { instanceOf: TypeError });
});

test('the instance lock: busy while held, free after release, taken over from a dead holder', async (t) => {
  const lockPath = join(dir, 'lock');
  const a = lockInstance(lockPath);
  // Another process cannot take it while we hold it.
  const child = `
    import { lockInstance } from ${JSON.stringify(new URL('../src/control/lock.ts', import.meta.url).pathname)};
    try { lockInstance(${JSON.stringify(lockPath)}, 200).release(); console.log('took'); } catch (e) { console.log(e.code); }`;
  const run = () => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8' }).trim();
  t.is(run(), 'E_INSTANCE_BUSY');
  a.release();
  t.false(existsSync(lockPath));
  t.is(run(), 'took');
  // A holder that died: a process that has exited, its pid and start time in the file.
  const dead = spawn('true');
  await new Promise((r) => dead.on('exit', r));
  writeFileSync(lockPath, `${dead.pid} 12345\n`);
  const b = lockInstance(lockPath, 500);
  t.is(readFileSync(lockPath, 'utf8').split(' ')[0], String(process.pid));
  b.release();
  writeFileSync(lockPath, `${process.pid} ${processStartTime(process.pid)}\n`);
  const e = t.throws(() => lockInstance(lockPath, 100), { instanceOf: ControlError });
  t.is(e?.code, 'E_INSTANCE_BUSY', 'a live holder (this process) is never taken over');
});

test('compileRuleFiles: text, variables and hash kept; errors refuse with diagnostics; unreadable files are input errors', async (t) => {
  const rules = join(dir, 'r.rules');
  const vars = join(dir, 'v.json');
  writeFileSync(rules, 'drop tcp $LAB any -> any 23 (msg:"telnet"; classtype:attempted-admin; sid:5; rev:3;)\n');
  writeFileSync(vars, JSON.stringify({ 'address-groups': { LAB: '198.18.0.0/15' } }));
  const c = await compileRuleFiles({ files: [rules], varFiles: [vars], vars: ['HTTP_PORTS=8080'] });
  t.is(c.result.rules.length, 1);
  t.deepEqual(c.vars, { addressGroups: { LAB: '198.18.0.0/15' }, portGroups: { HTTP_PORTS: '8080' } });
  t.is(c.sources[0].path, rules);
  t.is(c.hash, rulesetHash([{ file: rules, text: readFileSync(rules, 'utf8') }], c.vars, false));
  t.not(c.hash, (await compileRuleFiles({ files: [rules], varFiles: [vars] })).hash, 'the variables are part of the hash');
  // Compiled again from what a generation stores: the same IR.
  t.deepEqual(recompile({ sources: c.sources, vars: c.vars, strict: c.strict }).rules, c.result.rules);
  const meta = generationMeta(c, 1, 7, false);
  t.like(meta, { index: 1, tag: 7, byAction: { drop: 1 }, summary: { loaded: 1, errors: 0 } });
  t.deepEqual(meta.rules, [{ id: 0, sid: 5, gid: 1, rev: 3, msg: 'telnet', classtype: 'attempted-admin', priority: 1, action: 'drop', band: 'drop', file: rules, line: 1 }]);
  t.like(ruleTableOf(meta).lookup(0, 5), { sid: 5, rev: 3, msg: 'telnet', category: 'Attempted Administrator Privilege Gain', known: true });
  writeGeneration(join(dir, 'state'), meta, c);
  t.deepEqual(readGeneration(join(dir, 'state'), 1), meta);
  t.is(readGeneration(join(dir, 'state'), 0), null);

  writeFileSync(rules, 'drop tcp any any -> any 23 (sid:1;)\nalert tcp any any -> any any (contnet:"x"; sid:2;)\n');
  const bad = await compileRuleFiles({ files: [rules] });
  const e = t.throws(() => assertNoErrors(bad), { instanceOf: ControlError });
  t.like(e, { code: 'E_RULES', step: 'check', exit: 'invalid' });
  t.is((e?.details.diagnostics as Array<{ code: string }>)[0].code, 'E_UNKNOWN_KEYWORD');
  await t.throwsAsync(compileRuleFiles({ files: [join(dir, 'missing.rules')] }), { instanceOf: ControlError, message: /cannot read .*missing\.rules: no such file/ });
  await t.throwsAsync(compileRuleFiles({ files: [rules], vars: ['nonsense'] }), { instanceOf: ControlError, message: /expected NAME=VALUE/ });
});
