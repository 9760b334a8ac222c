// fwctl load/status/unload on real interfaces: a veth pair inside a network namespace this test
// made (fwld<pid>), fwctl run under `nsenter --net` so it attaches there (pins stay visible).
// Attach is idempotent, a busy interface fails the load at "attach" and undoes what that load did,
// the box's addresses on the interfaces are the lockout check's destinations, and unload detaches
// only what load attached. Removes the namespace (and its veths) and every pin it made.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

import { Datapath, ensureBpffs, pinDir } from '../src/datapath/index.ts';

const exec = promisify(execFile);
const NS = `fwld${process.pid}`;
const A = `${NS}a`;
const B = `${NS}b`;
const X = `ldl-x-${process.pid}`;
const Y = `ldl-y-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'fwctl-load-live-'));
const RULES = join(dir, 'r.rules');
writeFileSync(RULES, 'drop tcp any any -> any 23 (msg:"telnet"; sid:1;)\n');

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

interface Run { code: number; out: string; err: string }
async function fwctlIn(...args: string[]): Promise<Run> {
  try {
    const r = await exec('nsenter', [`--net=/run/netns/${NS}`, process.execPath, 'bin/fwctl.mjs', ...args], { maxBuffer: 16 << 20 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const json = (r: Run) => JSON.parse(r.out.trim().split('\n').pop() as string);
const xdpOn = (dev: string) => /prog\/xdp id \d+/.test(ip('-n', NS, '-d', 'link', 'show', dev));

test.before(() => {
  ensureBpffs();
  ip('netns', 'add', NS);
  ip('-n', NS, 'link', 'add', A, 'type', 'veth', 'peer', 'name', B);
  ip('-n', NS, 'addr', 'add', '198.18.200.1/24', 'dev', A);
  ip('-n', NS, 'link', 'set', A, 'up');
  ip('-n', NS, 'link', 'set', B, 'up');
});

test.after.always(async () => {
  for (const n of [X, Y]) {
    await fwctlIn('unload', '--instance', n);
    try {
      Datapath.unpin(n);
    } catch {
      /* gone */
    }
    rmSync(`/run/fwctl/${n}`, { recursive: true, force: true });
  }
  try {
    ip('netns', 'del', NS);
  } catch {
    /* gone */
  }
  rmSync(dir, { recursive: true, force: true });
});

test.serial('load attaches in native mode, again is idempotent, status sees it, a busy interface undoes the load', async (t) => {
  const l = await fwctlIn('load', RULES, '--iface', A, '--instance', X, '-o', 'json');
  t.is(l.code, 0, l.out + l.err);
  t.deepEqual(json(l).interfaces, [{ name: A, mode: 'native', attached: true }]);
  t.true(xdpOn(A));
  const again = await fwctlIn('load', RULES, '--iface', A, '--instance', X, '-o', 'json');
  t.is(again.code, 0);
  t.deepEqual(json(again).interfaces, [{ name: A, mode: 'native', attached: false }]);
  const gen = await fwctlIn('load', RULES, '--iface', A, '--mode', 'generic', '--instance', X, '-o', 'json');
  t.is(gen.code, 1);
  t.like(json(gen).error, { code: 'E_IFACE_MODE', step: 'attach' });
  const st = json(await fwctlIn('status', '--instance', X, '-o', 'json'));
  t.like(st.interfaces[0], { name: A, mode: 'native', attached: 'native', ours: true, here: true });
  t.like(st.active, { tag: 2 });

  // Y on B then A: A is X's, so Y's load fails at attach; B is detached again and Y's pins are gone.
  const y = await fwctlIn('load', RULES, '--iface', `${B},${A}`, '--instance', Y, '-o', 'json');
  t.is(y.code, 2);
  t.like(json(y).error, { code: 'E_IFACE_BUSY', step: 'attach' });
  t.false(xdpOn(B), 'the load that failed detached what it attached');
  t.false(existsSync(pinDir(Y)), 'and removed the pins it made');
  t.false(existsSync(`/run/fwctl/${Y}`));
  t.true(xdpOn(A), "X's attachment is untouched");
});

test.serial("the interface's address is a lockout destination; unload elsewhere is refused, here detaches", async (t) => {
  const ssh = join(dir, 'ssh.rules');
  writeFileSync(ssh, 'drop tcp any any -> 198.18.200.1 22 (msg:"ssh to the box"; sid:7;)\n');
  const r = await fwctlIn('load', ssh, '--iface', A, '--instance', X, '-o', 'json');
  t.is(r.code, 1);
  t.like(json(r).error, { code: 'E_LOCKOUT', violation: { sid: 7, packet: { dst: '198.18.200.1', dport: 22 } } });
  // Another address of the box: not this rule's.
  const other = await fwctlIn('load', ssh, '--iface', A, '--instance', X, '--mgmt-to', '198.18.200.9', '-o', 'json');
  t.is(other.code, 0, other.out);

  const outside = await exec(process.execPath, ['bin/fwctl.mjs', 'unload', '--instance', X, '-o', 'json']).catch((e) => e as { code: number; stdout: string });
  t.is((outside as { code: number }).code, 1);
  t.like(JSON.parse((outside as { stdout: string }).stdout).error, { code: 'E_IFACE_OTHER_NETNS' });
  const u = await fwctlIn('unload', '--instance', X, '-o', 'json');
  t.is(u.code, 0, u.out);
  t.deepEqual(json(u).interfaces, [{ name: A, outcome: 'detached' }]);
  t.false(xdpOn(A));
  t.false(existsSync(pinDir(X)));
  t.false(existsSync(`/run/fwctl/${X}`));
});
