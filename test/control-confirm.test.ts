// --confirm: the detached watchdog keeps the new ruleset when `fwctl confirm` arrives in time and
// rolls back to the previous generation when it does not (to no ruleset after a first load); a
// load or a confirm while one is pending or expired is refused with the reason.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { confirm, loadRuleset, rollback, status, unload } from '../src/control/index.ts';
import { alive, processStartTime } from '../src/control/proc.ts';
import { activeGeneration, Datapath, ensureBpffs, PinnedDatapath } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';

const ROOT = mkdtempSync(join(tmpdir(), 'fwctl-confirm-'));
const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
const names: string[] = [];
const inst = (n: string) => {
  const name = `cf-${n}-${tag}`;
  names.push(name);
  return name;
};

test.before(() => ensureBpffs());
test.after.always(() => {
  for (const n of names) {
    try {
      unload({ instance: n, root: ROOT });
    } catch {
      /* gone */
    }
    try {
      Datapath.unpin(n);
    } catch {
      /* gone */
    }
  }
  rmSync(ROOT, { recursive: true, force: true });
});

const V1 = join(ROOT, 'v1.rules');
const V2 = join(ROOT, 'v2.rules');
writeFileSync(V1, 'drop tcp any any -> any 23 (msg:"v1"; sid:1;)\n');
writeFileSync(V2, 'drop tcp any any -> any 24 (msg:"v2"; sid:2;)\n');
const to = (port: number) => ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).tcp({ sport: 40000, dport: port, flags: 'S' }).build();

function now(instance: string): { tag: number | null; p23: string; p24: string } {
  const dp = PinnedDatapath.open(instance);
  try {
    return {
      tag: activeGeneration(dp)?.tag ?? null,
      p23: dp.runPacket(to(23), 1n).verdict,
      p24: dp.runPacket(to(24), 1n).verdict,
    };
  } finally {
    dp.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await sleep(50);
  }
  return what();
}

test('confirmed in time: the new ruleset stays after the deadline, the watchdog is gone', async (t) => {
  const name = inst('ok');
  await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  const r = await loadRuleset({ instance: name, root: ROOT, files: [V2], confirmSeconds: 8 });
  t.truthy(r.confirm);
  const pid = r.confirm?.pid as number;
  const start = processStartTime(pid) as string;
  t.truthy(start, 'the watchdog runs');
  const st = status({ instance: name, root: ROOT });
  t.like(st.confirm, { guardedTag: 2, watchdogAlive: true });
  t.deepEqual(now(name), { tag: 2, p23: 'pass', p24: 'drop' });
  // A load while a confirm is pending is refused.
  await t.throwsAsync(loadRuleset({ instance: name, root: ROOT, files: [V1] }), { message: /waits for `fwctl confirm`/ });
  const c = confirm({ instance: name, root: ROOT });
  t.like(c, { generation: { tag: 2 } });
  t.true(c.remaining > 0 && c.remaining <= 8);
  t.false(existsSync(join(ROOT, name, 'confirm.json')));
  t.true(await until(() => !alive(pid, start), 3000), 'the watchdog exits');
  await sleep(Math.max(0, (r.confirm?.deadline ?? 0) - Date.now()) + 1000);
  t.deepEqual(now(name), { tag: 2, p23: 'pass', p24: 'drop' }, 'still the confirmed ruleset after the deadline');
  t.is(status({ instance: name, root: ROOT }).lastRollback, null);
  t.throws(() => confirm({ instance: name, root: ROOT }), { message: /no load waiting for a confirm/ });
});

test('not confirmed: the watchdog rolls back to the previous generation at the deadline', async (t) => {
  const name = inst('late');
  await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  const t0 = Date.now();
  const r = await loadRuleset({ instance: name, root: ROOT, files: [V2], confirmSeconds: 1 });
  const deadline = r.confirm?.deadline as number;
  t.true(deadline >= t0 + 1000);
  t.true(await until(() => now(name).tag === 1, 8000), 'rolled back');
  t.true(Date.now() >= deadline, 'not before the deadline');
  t.deepEqual(now(name), { tag: 1, p23: 'drop', p24: 'pass' });
  t.true(await until(() => status({ instance: name, root: ROOT }).lastRollback !== null, 3000), 'the rollback is recorded');
  const st = status({ instance: name, root: ROOT });
  t.like(st.lastRollback, { by: 'confirm timeout', from: { tag: 2 }, to: { tag: 1 } });
  t.is(st.confirm, null);
  t.true(await until(() => processStartTime(r.confirm?.pid as number) === null, 3000), 'the watchdog exits after rolling back');
  t.regex(readFileSync(join(ROOT, name, 'watchdog.log'), 'utf8'), /confirm timeout: rolled back from load #2 to load #1/);
  t.throws(() => confirm({ instance: name, root: ROOT }), { message: /too late: the confirm window ended/ });
  // The instance works on: a new load, rollback as usual.
  await loadRuleset({ instance: name, root: ROOT, files: [V2] });
  t.is(now(name).tag, 3);
  rollback({ instance: name, root: ROOT });
  t.is(now(name).tag, 1);
});

test('a first load with --confirm that is not confirmed goes back to no ruleset', async (t) => {
  const name = inst('first');
  await loadRuleset({ instance: name, root: ROOT, files: [V1], confirmSeconds: 1 });
  t.true(await until(() => now(name).tag === null, 8000));
  t.deepEqual(now(name), { tag: null, p23: 'pass', p24: 'pass' });
  t.true(await until(() => status({ instance: name, root: ROOT }).lastRollback !== null, 3000), 'the rollback is recorded');
  t.like(status({ instance: name, root: ROOT }).lastRollback, { by: 'confirm timeout', to: null });
});

test('rollback during a pending confirm cancels the watchdog', async (t) => {
  const name = inst('rb');
  await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  await loadRuleset({ instance: name, root: ROOT, files: [V2], confirmSeconds: 30 });
  const r = rollback({ instance: name, root: ROOT });
  t.true(r.cancelledConfirm);
  t.is(now(name).tag, 1);
  t.is(status({ instance: name, root: ROOT }).confirm, null);
});

test('SIGTERM to the watchdog rolls back at once (if in doubt, go back); rollback then rolls forward again', async (t) => {
  const name = inst('sig');
  await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  const r = await loadRuleset({ instance: name, root: ROOT, files: [V2], confirmSeconds: 60 });
  process.kill(r.confirm?.pid as number, 'SIGTERM');
  t.true(await until(() => now(name).tag === 1, 5000), 'rolled back long before the deadline');
  t.true(await until(() => status({ instance: name, root: ROOT }).lastRollback !== null, 3000));
  t.like(status({ instance: name, root: ROOT }), { lastRollback: { by: 'watchdog signal', from: { tag: 2 }, to: { tag: 1 } }, confirm: null });
  rollback({ instance: name, root: ROOT });
  t.is(now(name).tag, 2, 'the other generation was intact');
});

test('after a cleared first load, rollback brings the idle generation back', async (t) => {
  const name = inst('fwd');
  await loadRuleset({ instance: name, root: ROOT, files: [V1], confirmSeconds: 1 });
  t.true(await until(() => now(name).tag === null, 8000));
  t.true(await until(() => status({ instance: name, root: ROOT }).lastRollback !== null, 3000));
  const r = rollback({ instance: name, root: ROOT });
  t.like(r, { from: null, to: { tag: 1 } });
  t.deepEqual(now(name), { tag: 1, p23: 'drop', p24: 'pass' });
});
