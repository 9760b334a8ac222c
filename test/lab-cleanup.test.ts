// The lab removes what it made when it is stopped half-way (SIGTERM), and a kept lab stays up —
// still enforcing, with no process of ours running — until `fwctl lab --cleanup NAME` removes it.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';

import { pinDir } from '../src/datapath/index.ts';
import { labPlan, type LabPlan, type LabReport, statePath } from '../src/lab/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function netnsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

function assertGone(t: import('ava').ExecutionContext, plan: LabPlan): void {
  const ns = netnsList();
  for (const n of Object.values(plan.netns)) t.false(ns.includes(n), `namespace ${n} is gone`);
  t.false(existsSync(pinDir(plan.instance)), 'pins gone');
  t.false(existsSync(pinDir(plan.endsInstance)), 'pins gone');
  t.false(existsSync(statePath(plan.name)), 'state file gone');
}

/** Runs fwctl without blocking the event loop (the other test in this file reacts to its child's
 *  output meanwhile). */
function fwctl(args: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/fwctl.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs }, (e, stdout) => {
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout });
    });
  });
}

/** Removes a lab these tests made, if a failed assertion left it (by its exact names). */
function rescue(name: string | undefined): void {
  if (name && existsSync(statePath(name))) spawnSync(process.execPath, ['bin/fwctl.mjs', 'lab', '--cleanup', name], { cwd: ROOT, timeout: 30_000 });
}

test('SIGTERM during the probes: the lab stops, removes everything, and says so (exit 2)', async (t) => {
  const child = spawn(process.execPath, ['bin/fwctl.mjs', 'lab'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const name = `fwl${child.pid}`;
  t.teardown(() => rescue(name));
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  const probing = new Promise<void>((resolve) => child.stderr.on('data', (d) => {
    err += d;
    if (/probe 2 /.test(err)) resolve();
  }));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await Promise.race([probing, exited]);
  t.true(existsSync(statePath(name)), `the lab was up\n${out}\n${err}`);
  child.kill('SIGTERM');
  t.is(await exited, 2);
  t.regex(out, /error: interrupted by SIGTERM \(E_LAB_INTERRUPTED\)/);
  t.regex(out, /cleaned up: 3 namespaces, \d+ pins \(2 instances\), 4 attachments removed$/m);
  t.regex(out, /^1\s+web\s+tcp\/v4 .* delivered\s+delivered/m, 'the probes done so far are reported');
  assertGone(t, labPlan(name));
});

test('--keep leaves the lab up and enforcing; --cleanup NAME removes exactly it', async (t) => {
  const run = await fwctl(['lab', '--keep', '--mode', 'generic', '-o', 'json'], 55_000);
  const r = JSON.parse(run.stdout.trim()) as LabReport;
  t.teardown(() => rescue(r.lab));
  t.is(run.status, 0, run.stdout.slice(0, 2000));
  t.like(r, { ok: true, kept: true, cleanup: null, mode: 'generic' });
  t.true(r.topology.xdp.every((a) => a.mode === 'generic'));
  const plan = labPlan(r.lab);
  t.true(existsSync(statePath(r.lab)));
  t.true(Object.values(plan.netns).every((n) => netnsList().includes(n)));
  const [link] = JSON.parse(execFileSync('ip', ['-n', plan.netns.gateway, '-j', 'link', 'show', 'dev', plan.links.client.gw.ifname], { encoding: 'utf8' }));
  t.is(link.xdp?.prog?.id, r.topology.xdp[0].progId, 'still attached after fwctl exited');

  // Still enforcing with no fwctl process: the server answers, the forbidden subnet does not.
  const ping = (dst: string) => spawnSync('nsenter', [`--net=/run/netns/${plan.netns.client}`, 'ping', '-n', '-c', '1', '-W', '1', dst], { timeout: 10_000 }).status;
  t.is(ping(plan.hosts.server.v4), 0);
  t.is(ping(plan.hosts.forbidden.v4), 1);

  const clean = await fwctl(['lab', '--cleanup', r.lab, '-o', 'json'], 30_000);
  t.is(clean.status, 0, clean.stdout);
  const c = JSON.parse(clean.stdout);
  t.like(c, { event_type: 'lab_cleanup', lab: r.lab, instances: [plan.instance, plan.endsInstance], attachments: { detached: 4, withNamespace: 0 }, stateFileRemoved: true, errors: [] });
  t.deepEqual([...c.namespaces].sort(), Object.values(plan.netns).sort());
  assertGone(t, plan);
});
