// The state directory's plumbing (src/control/files.ts, lock.ts): atomic JSON files checked by
// schema, and the per-instance writer lock across processes (busy, released, a dead holder taken over).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { z } from 'zod';

import { ControlError } from '../src/control/errors.ts';
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
