// Live: the reject fixture attached in native mode to one end of a veth pair between two
// namespaces made here (198.18.0.0/15, 2001:2::/48). Real sockets on the other end must see what
// our answers mean to a Linux stack: TCP connect() refused by the RST although a listener is up,
// UDP errors from "administratively prohibited" (EHOSTUNREACH for IPv4, EACCES for IPv6) instead of
// the port unreachable the kernel itself would send, and the RST carries cfg_reject_ttl. Afterwards
// nothing is left: the namespaces (and with them the veth pair), the pins and the listener are gone.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import test from 'ava';

import { ensureBpffs } from '../src/datapath/index.ts';
import { BpfObject } from '../src/native/index.ts';
import { FIXTURE } from './reject-run.ts';

const tag = `rj${process.pid}`;
const nsA = `${tag}-a`; // the client
const nsB = `${tag}-b`; // the fixture's side, with a listener that never sees a packet
const vA = `${tag}a`;
const vB = `${tag}b`;
const pin = `/sys/fs/bpf/${tag}-reject`;
const pinPass = `/sys/fs/bpf/${tag}-pass`;
const TTL = 99;
let listener: ChildProcess | undefined;
let madeA = false;
let madeB = false;

const sh = (cmd: string, ...args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
const ipn = (ns: string, ...args: string[]) => sh('ip', '-n', ns, ...args);

const LISTEN = `
import socket, signal, time
signal.alarm(60)
socks = []
for fam, addr in ((socket.AF_INET, '198.18.0.2'), (socket.AF_INET6, '2001:2::2')):
    t = socket.socket(fam, socket.SOCK_STREAM); t.bind((addr, 8080)); t.listen(); socks.append(t)
    u = socket.socket(fam, socket.SOCK_DGRAM); u.bind((addr, 8080)); socks.append(u)
print('ready', flush=True)
time.sleep(60)
`;

const CLIENT = `
import errno, json, socket, struct
out = {}
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
raw.settimeout(3)
for name, fam, addr in (('v4', socket.AF_INET, '198.18.0.2'), ('v6', socket.AF_INET6, '2001:2::2')):
    t = socket.socket(fam, socket.SOCK_STREAM); t.settimeout(3)
    try:
        t.connect((addr, 8080)); out['tcp' + name] = 'connected'
    except OSError as e:
        out['tcp' + name] = errno.errorcode.get(e.errno, str(e))
    u = socket.socket(fam, socket.SOCK_DGRAM); u.settimeout(3); u.connect((addr, 8080))
    try:
        u.send(b'hello'); u.recv(100); out['udp' + name] = 'answered'
    except OSError as e:
        out['udp' + name] = errno.errorcode.get(e.errno, str(e)) if e.errno else 'timeout'
while True:
    d = raw.recv(2048)
    ihl = (d[0] & 15) * 4
    if d[ihl + 13] & 4:
        out['rst'] = {'ttl': d[8], 'flags': d[ihl + 13], 'sport': struct.unpack('!H', d[ihl:ihl + 2])[0]}
        break
print(json.dumps(out))
`;

test.before(() => {
  ensureBpffs();
  sh('ip', 'netns', 'add', nsA);
  madeA = true;
  sh('ip', 'netns', 'add', nsB);
  madeB = true;
  sh('ip', 'link', 'add', vA, 'netns', nsA, 'type', 'veth', 'peer', 'name', vB, 'netns', nsB);
  for (const [ns, dev, n] of [[nsA, vA, '1'], [nsB, vB, '2']]) {
    ipn(ns, 'addr', 'add', `198.18.0.${n}/24`, 'dev', dev);
    ipn(ns, 'addr', 'add', `2001:2::${n}/64`, 'dev', dev, 'nodad');
    ipn(ns, 'link', 'set', dev, 'up');
  }
  // The fixture answers every IP packet and drops ARP/ND (not IP, or multicast), so the client
  // learns the server's MAC statically.
  const [l] = JSON.parse(ipn(nsB, '-j', 'link', 'show', 'dev', vB));
  ipn(nsA, 'neigh', 'add', '198.18.0.2', 'lladdr', l.address, 'dev', vA, 'nud', 'permanent');
  ipn(nsA, 'neigh', 'add', '2001:2::2', 'lladdr', l.address, 'dev', vA, 'nud', 'permanent');

  const obj = BpfObject.open(FIXTURE);
  obj.setGlobal('cfg_reject_ttl', TTL);
  obj.load();
  for (const [name, path] of [['reject_fixture', pin], ['pass_fixture', pinPass]]) {
    const prog = obj.program(name);
    prog.pin(path);
    prog.close();
  }
  obj.close();
  // nsenter keeps /sys/fs/bpf visible (ip -n / ip netns exec remount /sys). veth hands an XDP_TX
  // frame to its peer only when the peer runs XDP too (GRO on was not enough on 6.18).
  sh('nsenter', `--net=/run/netns/${nsB}`, 'ip', 'link', 'set', 'dev', vB, 'xdpdrv', 'pinned', pin);
  sh('nsenter', `--net=/run/netns/${nsA}`, 'ip', 'link', 'set', 'dev', vA, 'xdpdrv', 'pinned', pinPass);
});

test.after.always(() => {
  if (listener?.pid && listener.exitCode === null) listener.kill();
  for (const p of [pin, pinPass]) if (existsSync(p)) sh('rm', p);
  if (madeB) sh('ip', 'netns', 'del', nsB); // takes the veth pair (and the attachment) with it
  if (madeA) sh('ip', 'netns', 'del', nsA);
});

test('a Linux client sees the answers: RST refuses connect, UDP gets administratively prohibited', async (t) => {
  listener = spawn('ip', ['netns', 'exec', nsB, '/usr/bin/python3', '-c', LISTEN], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    listener!.stdout!.once('data', () => resolve());
    listener!.once('exit', (c) => reject(new Error(`listener exited ${c}`)));
  });
  const xdp = JSON.parse(ipn(nsB, '-j', 'link', 'show', 'dev', vB))[0].xdp;
  t.is(xdp?.mode, 1, 'attached in native (driver) mode');

  const out = JSON.parse(sh('ip', 'netns', 'exec', nsA, '/usr/bin/python3', '-c', CLIENT));
  t.is(out.tcpv4, 'ECONNREFUSED', 'the RST refused an IPv4 connect to a listening port');
  t.is(out.tcpv6, 'ECONNREFUSED', 'the RST refused an IPv6 connect to a listening port');
  t.is(out.udpv4, 'EHOSTUNREACH', 'ICMP host administratively prohibited (code 10)');
  t.is(out.udpv6, 'EACCES', 'ICMPv6 administratively prohibited (code 1)');
  t.deepEqual(out.rst, { ttl: TTL, flags: 0x14, sport: 8080 }, 'the RST is ours: RST|ACK with cfg_reject_ttl');
});
