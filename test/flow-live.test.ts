// The flow table on a live gateway: three network namespaces this test makes (client, gateway,
// server; names fwfl<pid>c/g/s), veth pairs client<->gateway and gateway<->server, the gateway
// forwarding between 198.18.210.0/24 and 198.18.211.0/24. `fwctl load` attaches one program to
// both gateway interfaces (native XDP), so the client's packets are seen on one interface and the
// server's on the other, in the same maps. A real TCP connection and a UDP exchange through it must
// each be one flow, with packets from both sides, the TCP one past its handshake and teardown; a
// second connection to a port a rule drops stays dropped both ways. Removes exactly what it made.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

import { Datapath, ensureBpffs, PinnedDatapath, readFlows, readFlowStats } from '../src/datapath/index.ts';

const exec = promisify(execFile);
const P = `fwfl${process.pid}`;
const NS = { c: `${P}c`, g: `${P}g`, s: `${P}s` };
const DEV = { c: `${P}c0`, g0: `${P}g0`, g1: `${P}g1`, s: `${P}s0` };
const INSTANCE = `fwA-live-${process.pid}`;
const CLIENT = '198.18.210.1', SERVER = '198.18.211.1';
const dir = mkdtempSync(join(tmpdir(), 'fwctl-flow-live-'));
const RULES = join(dir, 'r.rules');
writeFileSync(RULES, 'drop tcp any any -> any 9090 (msg:"closed port"; flags:S; sid:1;)\nalert tcp any any -> any 8080 (msg:"established"; flow:established,to_server; sid:2;)\n');

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (ns: string, ...cmd: string[]) => ['nsenter', [`--net=/run/netns/${ns}`, ...cmd]] as const;
const made: string[] = [];
let server: ChildProcess | undefined;

test.before(() => {
  ensureBpffs();
  for (const ns of Object.values(NS)) {
    ip('netns', 'add', ns);
    made.push(ns);
  }
  ip('-n', NS.c, 'link', 'add', DEV.c, 'type', 'veth', 'peer', 'name', DEV.g0, 'netns', NS.g);
  ip('-n', NS.s, 'link', 'add', DEV.s, 'type', 'veth', 'peer', 'name', DEV.g1, 'netns', NS.g);
  ip('-n', NS.c, 'addr', 'add', `${CLIENT}/24`, 'dev', DEV.c);
  ip('-n', NS.g, 'addr', 'add', '198.18.210.254/24', 'dev', DEV.g0);
  ip('-n', NS.g, 'addr', 'add', '198.18.211.254/24', 'dev', DEV.g1);
  ip('-n', NS.s, 'addr', 'add', `${SERVER}/24`, 'dev', DEV.s);
  for (const [ns, dev] of [[NS.c, DEV.c], [NS.g, DEV.g0], [NS.g, DEV.g1], [NS.s, DEV.s]]) ip('-n', ns, 'link', 'set', dev, 'up');
  for (const ns of Object.values(NS)) ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', NS.c, 'route', 'add', 'default', 'via', '198.18.210.254');
  ip('-n', NS.s, 'route', 'add', 'default', 'via', '198.18.211.254');
  execFileSync(...inNs(NS.g, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'));
});

test.after.always(async () => {
  server?.kill();
  await exec(...inNs(NS.g, process.execPath, 'bin/fwctl.mjs', 'unload', '--instance', INSTANCE)).catch(() => undefined);
  try {
    Datapath.unpin(INSTANCE);
  } catch {
    /* gone */
  }
  rmSync(`/run/fwctl/${INSTANCE}`, { recursive: true, force: true });
  for (const ns of made) {
    try {
      ip('netns', 'del', ns);
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const SERVER_JS = `
const net = require('net'), dgram = require('dgram');
net.createServer((s) => s.on('data', () => s.end('pong'))).listen(8080, '${SERVER}', () => console.log('ready'));
dgram.createSocket('udp4').on('message', function (m, r) { this.send('answer', r.port, r.address); }).bind(5353, '${SERVER}');`;

const CLIENT_JS = `
const net = require('net'), dgram = require('dgram');
const port = Number(process.argv[1]);
const s = net.connect(port, '${SERVER}', () => s.write('ping'));
let got = '';
s.on('data', (d) => { got += d; });
s.on('end', () => { s.end(); });
s.on('close', () => {
  const u = dgram.createSocket('udp4');
  u.on('message', (m) => { console.log(JSON.stringify({ tcp: got, udp: String(m) })); process.exit(0); });
  u.send('question', 5353, '${SERVER}');
});
s.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ tcp: got, timeout: true })); process.exit(0); }, 3000);`;

test.serial('one program on both gateway interfaces: a TCP connection and a UDP exchange are one flow each, both directions in it; a dropped flow stays dropped', async (t) => {
  const load = await exec(...inNs(NS.g, process.execPath, 'bin/fwctl.mjs', 'load', RULES, '--iface', `${DEV.g0},${DEV.g1}`, '--instance', INSTANCE, '-o', 'json'));
  t.regex(load.stdout, /"event_type":"load"/);
  server = spawn(...inNs(NS.s, process.execPath, '-e', SERVER_JS), { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res, rej) => {
    server!.stdout!.once('data', () => res());
    server!.once('exit', (c) => rej(new Error(`server exited ${c}`)));
  });
  const c1 = JSON.parse((await exec(...inNs(NS.c, process.execPath, '-e', CLIENT_JS, '8080'))).stdout);
  t.deepEqual(c1, { tcp: 'pong', udp: 'answer' }, 'the traffic went through the gateway');
  await new Promise((r) => setTimeout(r, 200)); // the last ACK of the teardown

  const dp = PinnedDatapath.open(INSTANCE);
  t.teardown(() => dp.close());
  const flows = readFlows(dp).filter((f) => f.client.addr === CLIENT || f.server.addr === CLIENT);
  const tcp = flows.filter((f) => f.proto === 6 && f.server.port === 8080);
  t.is(tcp.length, 1, JSON.stringify(flows, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
  t.like(tcp[0], { table: 'est', client: { addr: CLIENT }, server: { addr: SERVER, port: 8080 } });
  t.true(['closing', 'time_wait'].includes(tcp[0].state), tcp[0].state);
  t.true(tcp[0].pkts.toServer >= 4n && tcp[0].pkts.toClient >= 4n, `${tcp[0].pkts.toServer} / ${tcp[0].pkts.toClient}`);
  const udp = flows.filter((f) => f.proto === 17 && f.server.port === 5353);
  t.is(udp.length, 1);
  t.like(udp[0], { table: 'est', state: 'established', client: { addr: CLIENT }, pkts: { toServer: 1n, toClient: 1n } });

  // a SYN to 9090 is dropped by rule; its retransmissions are the same flow: flow_drop
  const c2 = JSON.parse((await exec(...inNs(NS.c, process.execPath, '-e', CLIENT_JS, '9090'))).stdout);
  t.true(c2.timeout === true || c2.error !== undefined, JSON.stringify(c2));
  const dropped = readFlows(dp).filter((f) => f.server.port === 9090);
  t.is(dropped.length, 1);
  t.like(dropped[0], { verdict: 'drop', sid: 1, state: 'syn_sent', client: { addr: CLIENT } });
  const reasons = dp.readReasonCounters();
  t.true(reasons.rule_drop.packets >= 1n);
  t.true(reasons.flow_drop.packets >= 1n, 'the SYN retransmitted within 3 s met the stored verdict');
  t.is(readFlowStats(dp).counters.promoted >= 2n, true);
});

const BULK_SERVER_JS = `
const net = require('net');
net.createServer((s) => {
  let n = 0;
  s.on('data', (d) => { n += d.length; });
  s.on('end', () => s.end(String(n)));
  s.write(Buffer.alloc(${8 << 20}, 7));
}).listen(8081, '${SERVER}', () => console.log('ready'));`;

const BULK_CLIENT_JS = `
const net = require('net');
const s = net.connect(8081, '${SERVER}', () => { s.write(Buffer.alloc(${8 << 20}, 9)); s.end(); });
let got = 0, tail = '';
s.on('data', (d) => { got += d.length; tail = String(d.subarray(-10)); });
s.on('close', () => { console.log(JSON.stringify({ got, tail: tail.replace(/[^0-9]/g, '') })); process.exit(0); });
s.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ got, timeout: true })); process.exit(0); }, 20000);`;

test.serial('--invalid drop with window tracking on real traffic: 8 MiB each way through the gateway (window scaling, SACK, timestamps) loses nothing', async (t) => {
  const cfg = await exec(...inNs(NS.g, process.execPath, 'bin/fwctl.mjs', 'flows', 'config', '--invalid', 'drop', '--instance', INSTANCE, '-o', 'json'));
  t.like(JSON.parse(cfg.stdout), { invalid: 'drop' });
  const bulk = spawn(...inNs(NS.s, process.execPath, '-e', BULK_SERVER_JS), { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => bulk.kill());
  await new Promise<void>((res, rej) => {
    bulk.stdout!.once('data', () => res());
    bulk.once('exit', (c) => rej(new Error(`bulk server exited ${c}`)));
  });
  const dp = PinnedDatapath.open(INSTANCE);
  t.teardown(() => dp.close());
  const before = dp.readReasonCounters().flow_invalid.packets;
  const r = JSON.parse((await exec(...inNs(NS.c, process.execPath, '-e', BULK_CLIENT_JS))).stdout);
  // the client got the server's 8 MiB and, last, the count of what the server received
  t.true(r.got >= 8 << 20 && r.tail.endsWith(String(8 << 20)), JSON.stringify(r));
  t.is(dp.readReasonCounters().flow_invalid.packets - before, 0n, 'no packet of the transfer was out of window');
  const f = readFlows(dp).find((x) => x.server.port === 8081);
  t.truthy(f);
  t.true(f!.pkts.toServer > 100n && f!.pkts.toClient > 100n, `${f!.pkts.toServer} / ${f!.pkts.toClient}`);
});
