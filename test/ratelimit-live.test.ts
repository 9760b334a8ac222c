// Live: a rate limit on real traffic. Two network namespaces made here, joined by a veth pair
// (198.18.0.0/15); the datapath attached in native mode to one end, configured with `fwctl
// ratelimit load` (a subprocess) through its pins; a burst of UDP datagrams from the other end.
// Every datagram reaches XDP once: the limit's passed + exceeded equal what was sent, the
// receiver gets exactly the passed ones, and the bucket lets through its burst plus at most what
// refilled while the sender ran (measured by the sender). Afterwards nothing of it is left.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

import { Datapath, diffReasonCounters, pinDir } from '../src/datapath/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tag = `hbB${process.pid}`;
const nsA = `${tag}-a`; // the sender
const nsB = `${tag}-b`; // the datapath's side
const vA = `${tag}a`;
const vB = `${tag}b`;
const ipA = '198.18.0.1';
const ipB = '198.18.0.2';
const instance = `hbB-rl-live-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'fwctl-rl-live-'));

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, timeout: 60_000 });
}
const inNs = (ns: string, cmd: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, cmd, ...args]);
const xdpctl = (cmd: string) =>
  JSON.parse(sh('nsenter', [`--net=/run/netns/${nsB}`, process.execPath, '--import', 'tsx', 'test/live-xdpctl.ts', cmd, instance, vB, 'native']));
const fwctl = (...args: string[]) => sh(process.execPath, ['bin/fwctl.mjs', ...args]);

const SEND = `
import socket, sys, time
dst, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic()
for i in range(n): s.sendto(b'burst %d' % i, (dst, 5401))
print(time.monotonic() - t0)
`;

const RECV = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5401))
print('ready', flush=True)
s.settimeout(10)
got = 0
try:
    s.recv(2048); got = 1
    s.settimeout(1.5)
    while True:
        s.recv(2048); got += 1
except socket.timeout:
    pass
print(got, flush=True)
`;

function setup(): void {
  for (const ns of [nsA, nsB]) {
    sh('ip', ['netns', 'add', ns]);
    inNs(ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  sh('ip', ['link', 'add', vA, 'netns', nsA, 'type', 'veth', 'peer', 'name', vB, 'netns', nsB]);
  sh('ip', ['-n', nsA, 'addr', 'add', `${ipA}/24`, 'dev', vA]);
  sh('ip', ['-n', nsB, 'addr', 'add', `${ipB}/24`, 'dev', vB]);
  sh('ip', ['-n', nsA, 'link', 'set', vA, 'up']);
  sh('ip', ['-n', nsB, 'link', 'set', vB, 'up']);
}

function teardown(): void {
  try {
    if (existsSync(`/run/netns/${nsB}`)) xdpctl('detach');
  } catch {
    // not attached; deleting the namespace removes the link anyway
  }
  for (const ns of [nsA, nsB]) if (existsSync(`/run/netns/${ns}`)) sh('ip', ['netns', 'del', ns]);
  Datapath.unpin(instance);
  rmSync(dir, { recursive: true, force: true });
}

test('live: a per-source limit of 1 pkt/s, burst 20, on a burst of 200 real datagrams', async (t) => {
  const dp = Datapath.open();
  t.teardown(() => {
    dp.close();
    teardown();
  });
  setup();
  dp.pin(instance);
  t.like(xdpctl('attach'), { mode: 'native', ours: true });
  const cfg = join(dir, 'rl.json');
  writeFileSync(cfg, JSON.stringify({ limits: [{ id: 1, track: 'src', pps: 1, burst: 20 }] }));
  fwctl('ratelimit', 'load', cfg, '--instance', instance);

  const recv = spawn('ip', ['netns', 'exec', nsB, '/usr/bin/python3', '-c', RECV, ipB], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  recv.stdout.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => recv.on('exit', r));
  const end = Date.now() + 10_000;
  while (!out.includes('ready') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  t.true(out.includes('ready'), 'the receiver started');

  const before = dp.readReasonCounters();
  const N = 200;
  const elapsedS = Number(inNs(nsA, '/usr/bin/python3', '-c', SEND, ipB, String(N)).trim());
  t.is(await exited, 0);
  const received = Number(out.trim().split('\n').at(-1));

  const list = JSON.parse(fwctl('ratelimit', 'list', '--instance', instance, '-o', 'json'));
  const { passed, exceeded } = list.limits[0] as { passed: number; exceeded: number };
  const delta = diffReasonCounters(before, dp.readReasonCounters());
  t.log(`sent ${N} in ${(elapsedS * 1e3).toFixed(1)} ms: ${passed} passed, ${exceeded} exceeded, ${received} received`);
  // Every datagram met the limit once (ARP is not IP: it leaves before the stage; IPv6 is off).
  t.is(passed + exceeded, N);
  t.is(Number(delta.rate_limit.packets), exceeded, 'every exceeding datagram dropped as rate_limit');
  t.is(received, passed, 'the receiver got exactly the passed datagrams');
  t.true(passed >= 20, `the burst passes: ${passed}`);
  t.true(passed <= 20 + Math.ceil(elapsedS) + 1, `at most the burst and what refilled in ${elapsedS} s: ${passed}`);
  t.deepEqual(xdpctl('detach'), { mode: 'none', progId: 0, ours: false });
});

test.after.always('nothing is left behind', (t) => {
  const names = sh('ip', ['netns', 'list']);
  t.false(names.includes(nsA) || names.includes(nsB));
  t.false(sh('ip', ['-o', 'link', 'show']).includes(tag));
  t.false(existsSync(pinDir(instance)));
});
