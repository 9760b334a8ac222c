// Live: two network namespaces made here, joined by a veth pair (198.18.0.0/15), the datapath
// attached in native mode to one end, real ICMP/UDP/TCP traffic and one malformed frame sent from
// the other end; the counters must account for exactly what that end transmitted. Afterwards
// nothing of it is left: no namespace, interface, pin or program.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';

import { Datapath, diffReasonCounters, pinDir, type ReasonCounters } from '../src/datapath/index.ts';
import { BpfProgram } from '../src/native/index.ts';
import { ether } from '../src/packets/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tag = `fw${process.pid}`;
const nsA = `${tag}-a`; // the sender
const nsB = `${tag}-b`; // the datapath's side
const vA = `${tag}a`; // interface names stay under IFNAMSIZ (15)
const vB = `${tag}b`;
const ipA = '198.18.0.1';
const ipB = '198.18.0.2';
const instance = `live-${process.pid}`;
let progId = 0;

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, timeout: 30_000 });
}
const inNs = (ns: string, cmd: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, cmd, ...args]);
const python = (ns: string, script: string, ...args: string[]) => inNs(ns, '/usr/bin/python3', '-c', script, ...args);
const xdpctl = (cmd: string) =>
  JSON.parse(sh('nsenter', [`--net=/run/netns/${nsB}`, process.execPath, '--import', 'tsx', 'test/live-xdpctl.ts', cmd, instance, vB, 'native']));

function linkStats(ns: string, dev: string): { packets: bigint; bytes: bigint; mac: string } {
  const [l] = JSON.parse(sh('ip', ['-n', ns, '-s', '-j', 'link', 'show', 'dev', dev]));
  return { packets: BigInt(l.stats64.tx.packets), bytes: BigInt(l.stats64.tx.bytes), mac: l.address };
}

const PING = `
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
dst, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(3)
got = 0
for seq in range(n):
    body = b'fwctl-live'
    h = struct.pack('!BBHHH', 8, 0, 0, 0x4242, seq) + body
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(h), 0x4242, seq) + body, (dst, 0))
    while True:
        d, _ = s.recvfrom(2048)
        ihl = (d[0] & 15) * 4
        t, _, _, i, q = struct.unpack('!BBHHH', d[ihl:ihl + 8])
        if t == 0 and i == 0x4242 and q == seq:
            got += 1
            break
print(got)
`;

const SEND_RAW = `
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
print(s.send(bytes.fromhex(sys.argv[2])))
`;

// Scripts for \`node -e\` (whose process.argv has no script path: arguments are baked in instead).
const SERVER = (want: number) => `
const dgram = require('node:dgram'), net = require('node:net');
const want = ${want};
let udp = 0, tcpBytes = 0, tcpDone = false;
const u = dgram.createSocket('udp4');
const srv = net.createServer((c) => { c.on('data', (d) => { tcpBytes += d.length; c.write(d); }); c.on('end', () => { c.end(); tcpDone = true; check(); }); });
function check() { if (udp === want && tcpDone) { console.log(JSON.stringify({ udp, tcpBytes })); u.close(); srv.close(); clearTimeout(timer); } }
u.on('message', () => { udp++; check(); });
let ready = 0;
const up = () => { if (++ready === 2) console.log('ready'); };
u.bind(5301, '${ipB}', up);
srv.listen(5302, '${ipB}', up);
const timer = setTimeout(() => { console.log(JSON.stringify({ udp, tcpBytes, timeout: true })); process.exit(1); }, 15000);
`;

const CLIENT = (n: number) => `
const dgram = require('node:dgram'), net = require('node:net');
const n = ${n};
const u = dgram.createSocket('udp4');
let sent = 0;
const next = () => { if (sent === n) { u.close(); tcp(); return; } u.send('datagram ' + sent++, 5301, '${ipB}', next); };
next();
function tcp() {
  const c = net.connect(5302, '${ipB}', () => c.end('hello through xdp'));
  let echo = '';
  c.on('data', (d) => { echo += d; });
  c.on('close', () => console.log(JSON.stringify({ udp: sent, echo })));
}
`;

function setup(): void {
  for (const ns of [nsA, nsB]) {
    sh('ip', ['netns', 'add', ns]);
    // No IPv6 on the pair: no DAD, MLD or router solicitations, so every frame is one we send.
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
    // not attached (setup failed before the attach); deleting the namespace removes the link anyway
  }
  for (const ns of [nsA, nsB]) if (existsSync(`/run/netns/${ns}`)) sh('ip', ['netns', 'del', ns]);
  Datapath.unpin(instance);
}

async function waitFor(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('live: XDP in native mode on a veth counts and passes real traffic, drops a malformed frame', async (t) => {
  const dp = Datapath.open();
  progId = dp.program.id;
  t.teardown(() => {
    dp.close();
    teardown();
  });
  setup();
  dp.pin(instance);

  t.deepEqual(xdpctl('attach'), { mode: 'native', progId, ours: true });
  t.throws(() => xdpctl('attach'), undefined, 'a second attach never replaces the program');

  const before = dp.readReasonCounters();
  const txBefore = linkStats(nsA, vA);

  // Servers in B, traffic from A.
  const N = 20;
  const server = spawn('ip', ['netns', 'exec', nsB, process.execPath, '-e', SERVER(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let serverOut = '';
  server.stdout.on('data', (d) => { serverOut += d; });
  const serverExit = new Promise<number | null>((r) => server.on('exit', r));
  await waitFor('the servers', () => serverOut.includes('ready'));

  t.is(python(nsA, PING, ipB, '5').trim(), '5', 'every echo request passed and was answered');
  const client = JSON.parse(inNs(nsA, process.execPath, '-e', CLIENT(N)));
  t.deepEqual(client, { udp: N, echo: 'hello through xdp' });
  t.is(await serverExit, 0);
  t.deepEqual(JSON.parse(serverOut.split('\n')[1]), { udp: N, tcpBytes: 17 });

  // One frame the parser rejects: a UDP length (5) shorter than a UDP header.
  const macB = linkStats(nsB, vB).mac;
  const bad = ether({ src: txBefore.mac, dst: macB }).ipv4({ src: ipA, dst: ipB }).udp({ sport: 9, dport: 5301, length: 5 }).payload('x').build();
  t.is(python(nsA, SEND_RAW, vA, bad.toString('hex')).trim(), String(bad.length));

  // Every frame A transmitted reached B's XDP exactly once, under one reason.
  const txAfter = linkStats(nsA, vA);
  let delta: ReasonCounters = diffReasonCounters(before, dp.readReasonCounters());
  await waitFor('the counters', () => {
    delta = diffReasonCounters(before, dp.readReasonCounters());
    return Object.values(delta).reduce((s, c) => s + c.packets, 0n) >= txAfter.packets - txBefore.packets;
  });
  const total = Object.values(delta).reduce((s, c) => ({ packets: s.packets + c.packets, bytes: s.bytes + c.bytes }), { packets: 0n, bytes: 0n });
  const sentPackets = txAfter.packets - txBefore.packets;
  // veth reports A's tx from B's NAPI receive counters, which count skb->len after the Ethernet
  // header was pulled (veth_xdp_rcv); XDP counts the whole frame: 14 bytes more per packet.
  t.deepEqual(total, { packets: sentPackets, bytes: txAfter.bytes - txBefore.bytes + 14n * sentPackets });
  t.deepEqual(delta.malformed_udp, { packets: 1n, bytes: BigInt(bad.length) });
  t.true(delta.non_ip.packets >= 1n, 'ARP');
  // 5 echo requests, N datagrams, and at least SYN, ACK, data, FIN, ACK of the TCP exchange.
  t.true(delta.pass_default.packets >= BigInt(5 + N + 5), `pass_default ${delta.pass_default.packets}`);
  t.is(delta.pass_default.packets + delta.non_ip.packets + 1n, total.packets, 'no other reason');

  t.deepEqual(xdpctl('detach'), { mode: 'none', progId: 0, ours: false });
});

test.after.always('nothing is left behind: namespaces, interfaces, pins, the program', async (t) => {
  const names = sh('ip', ['netns', 'list']);
  t.false(names.includes(nsA) || names.includes(nsB));
  t.false(existsSync(`/run/netns/${nsA}`) || existsSync(`/run/netns/${nsB}`));
  t.false(sh('ip', ['-o', 'link', 'show']).includes(tag), 'no interface of ours in the root namespace');
  t.false(existsSync(pinDir(instance)));
  t.false(readdirSync('/sys/fs/bpf/fwctl').includes(instance));
  // Detached, unpinned and closed: the kernel frees the program (after an RCU grace period).
  t.not(progId, 0);
  await waitFor('the program to be freed', () => {
    try {
      BpfProgram.fromId(progId).close();
      return false;
    } catch (err) {
      return (err as { code?: string }).code === 'ENOENT';
    }
  });
  t.throws(() => BpfProgram.fromId(progId), { code: 'ENOENT' });
});
