// Automatic response: a port scan and a flood detected in XDP put the source in the dynamic block
// list with an expiry and a reason, log a block record, and `fwctl block list` shows it.
//  - replayed captures through `fwctl replay --ratelimit` (a subprocess): the exact packet that
//    trips each detector, the window edge, legitimate traffic from another source untouched;
//  - a datapath this test pinned under its own instance name, configured with `fwctl ratelimit
//    load` and read with `fwctl block list` / `fwctl ratelimit list` (subprocesses).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { monotonicNowNs } from '../src/addrset/index.ts';
import { Datapath, ensureBpffs } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { writePcapBuffer } from '../src/pcap/index.ts';
import { fwctl } from './helpers/fwctl.ts';

const INSTANCE = `hbB-ab-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'fwctl-autoblock-'));
let dp: Datapath | undefined;

test.after.always(() => {
  dp?.close();
  if (dp) Datapath.unpin(INSTANCE);
  rmSync(dir, { recursive: true, force: true });
});


const MS = 1_000_000n;
const T0 = 1_700_000_000_000_000_000n;
const SCANNER = '198.18.7.7';
const CLIENT = '198.18.7.20';
const SERVER = '198.18.8.1';
const syn = (src: string, dport: number, flags = 'S') => ether().ipv4({ src, dst: SERVER }).tcp({ sport: 40000, dport, flags }).build();
const udp = (src: string, dport: number) =>
  (src.includes(':') ? ether().ipv6({ src, dst: '2001:2::1' }) : ether().ipv4({ src, dst: SERVER })).udp({ sport: 40000, dport }).build();

async function replay(frames: Array<{ frame: Uint8Array; ts: bigint }>, config: unknown) {
  const n = Math.random().toString(36).slice(2);
  writeFileSync(join(dir, `${n}.pcap`), writePcapBuffer(frames, { precision: 'ns' }));
  writeFileSync(join(dir, `${n}.json`), JSON.stringify(config));
  const r = await fwctl('replay', join(dir, `${n}.pcap`), '--ratelimit', join(dir, `${n}.json`), '-o', 'json', '--verdicts');
  const recs = r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>) : [];
  return { ...r, recs, verdicts: recs.filter((x) => x.event_type === 'verdict'), blocks: recs.filter((x) => x.event_type === 'block') };
}

test('a scan: the probe to the 11th distinct port within the window blocks the source; repeats and ACKs do not count', async (t) => {
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  let ts = T0;
  const at = (frame: Uint8Array) => frames.push({ frame, ts: (ts += MS) });
  for (let p = 1; p <= 5; p++) at(syn(SCANNER, p));
  at(syn(SCANNER, 5)); // the same port again
  at(syn(SCANNER, 6, 'A')); // not a probe
  for (let p = 6; p <= 9; p++) at(udp(SCANNER, p)); // UDP ports count too
  at(syn(CLIENT, 443)); // legitimate traffic from another source
  at(syn(SCANNER, 9)); // TCP 9 after UDP 9: a port per protocol, the 10th
  at(syn(SCANNER, 10)); // the 11th: blocked
  at(syn(SCANNER, 443)); // dropped by the block now
  at(syn(CLIENT, 443));
  const r = await replay(frames, { scan: { ports: 10, window: '10s' }, block: '5m' });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.verdicts.map((v) => v.reason), [
    ...Array(13).fill('pass_default'), 'dyn_block', 'dyn_block', 'pass_default',
  ]);
  t.is(r.blocks.length, 1);
  t.like(r.blocks[0], {
    pcap_cnt: 14, event_type: 'block', src_ip: SCANNER, dest_port: 10, proto: 'TCP',
    block: { prefix: `${SCANNER}/32`, reason: 'scan', action: 'blocked', duration_s: 300 },
  });
  t.is(r.recs.at(-1)!.autoblock.scan, 1);
});

test('UDP answers are not probes: a DNS server replying to many client ports is not a scanner', async (t) => {
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  const DNS = '198.18.8.53';
  for (let i = 0; i < 15; i++) {
    const q = ether().ipv4({ src: `198.18.7.${100 + i}`, dst: DNS }).udp({ sport: 40000 + i, dport: 53 }).build();
    const a = ether().ipv4({ src: DNS, dst: `198.18.7.${100 + i}` }).udp({ sport: 53, dport: 40000 + i }).build();
    frames.push({ frame: q, ts: T0 + BigInt(2 * i) * MS }, { frame: a, ts: T0 + BigInt(2 * i + 1) * MS });
  }
  // an unanswered datagram from the server to a port nobody asked from is a probe again
  for (let p = 1; p <= 11; p++) frames.push({ frame: ether().ipv4({ src: DNS, dst: CLIENT }).udp({ sport: 53, dport: p }).build(), ts: T0 + 100n * MS + BigInt(p) });
  const r = await replay(frames, { scan: { ports: 10, window: '10s' } });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.verdicts.slice(0, 30).map((v) => v.reason), Array(30).fill('pass_default'));
  t.deepEqual(r.verdicts.slice(30).map((v) => v.reason), [...Array(10).fill('pass_default'), 'dyn_block']);
  t.like(r.blocks[0], { src_ip: DNS, block: { reason: 'scan' } });
});

test('a TCP flow a pass rule passed still meets the rate limits (the flow table decides it, the limits still apply)', async (t) => {
  const n = Math.random().toString(36).slice(2);
  const rules = join(dir, `${n}.rules`);
  writeFileSync(rules, 'pass tcp any any -> any 80 (msg:"web"; sid:80;)\n');
  const c = (flags: string, seq = 1) => ether().ipv4({ src: CLIENT, dst: SERVER }).tcp({ sport: 41000, dport: 80, flags, seq }).build();
  const sv = (flags: string) => ether().ipv4({ src: SERVER, dst: CLIENT }).tcp({ sport: 80, dport: 41000, flags }).build();
  const frames = [c('S'), sv('SA'), c('A', 2)];
  for (let i = 0; i < 10; i++) frames.push(c('PA', 3 + i));
  const pcap = join(dir, `${n}.pcap`);
  writeFileSync(pcap, writePcapBuffer(frames.map((frame, i) => ({ frame, ts: T0 + BigInt(i) * 1000n })), { precision: 'ns' }));
  writeFileSync(join(dir, `${n}.json`), JSON.stringify({ limits: [{ id: 1, pps: 1, burst: 6 }] }));
  const r = await fwctl('replay', pcap, '--rules', rules, '--ratelimit', join(dir, `${n}.json`), '-o', 'json', '--verdicts');
  t.is(r.code, 0, r.stderr);
  const v = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.event_type === 'verdict').map((x) => x.reason);
  // the client's burst of 6: SYN, ACK and 4 data segments; then rate_limit although the flow is passed
  t.deepEqual(v, ['rule_pass', 'rule_pass', 'rule_pass', 'rule_pass', 'rule_pass', 'rule_pass', 'rule_pass', ...Array(6).fill('rate_limit')]);
});

test('the scan window: ports probed before its end do not count in the next one', async (t) => {
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  for (let p = 1; p <= 3; p++) frames.push({ frame: syn(SCANNER, p), ts: T0 + BigInt(p) });
  // the window opened at T0 + 1 ns; at T0 + 1 ns + 1 s a new one opens: ports 1..3 again are new there
  frames.push({ frame: syn(SCANNER, 4), ts: T0 + 1n + 1000n * MS - 1n }); // still the first window: the 4th, blocked
  const r1 = await replay(frames, { scan: { ports: 3, window: '1s' } });
  t.deepEqual(r1.verdicts.map((v) => v.reason), ['pass_default', 'pass_default', 'pass_default', 'dyn_block']);
  frames[3].ts += 1n; // the window's end: a new window, 1 port
  const r2 = await replay(frames, { scan: { ports: 3, window: '1s' } });
  t.deepEqual(r2.verdicts.map((v) => v.reason), Array(4).fill('pass_default'));
  t.is(r2.blocks.length, 0);
});

test('a flood: the packet past the count within the window blocks the source; monitor mode only logs', async (t) => {
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  for (let i = 0; i < 60; i++) frames.push({ frame: udp('198.18.9.1', 53), ts: T0 + BigInt(i) * MS });
  frames.push({ frame: udp('2001:2::9', 53), ts: T0 + 61n * MS }); // another source, IPv6
  const r = await replay(frames, { flood: { packets: 50, window: '1s' }, block: '30s' });
  t.is(r.code, 0, r.stderr);
  const reasons = r.verdicts.map((v) => v.reason);
  t.deepEqual(reasons.slice(0, 50), Array(50).fill('pass_default'));
  t.deepEqual(reasons.slice(50, 60), Array(10).fill('dyn_block'));
  t.is(reasons[60], 'pass_default');
  t.like(r.blocks[0], { pcap_cnt: 51, block: { reason: 'flood', prefix: '198.18.9.1/32', duration_s: 30 } });

  const mon = await replay(frames, { flood: { packets: 50, window: '1s' }, monitor: true });
  t.deepEqual(mon.verdicts.map((v) => v.reason), Array(61).fill('pass_default'));
  t.is(mon.blocks.length, 1);
  t.like(mon.blocks[0], { pcap_cnt: 51, block: { reason: 'flood', action: 'monitored' } });
  t.is(mon.blocks[0].block.expires, undefined);
});

test('on a pinned instance: fwctl ratelimit load, a scan, the block in fwctl block list with its reason', async (t) => {
  ensureBpffs();
  dp = Datapath.open();
  dp.pin(INSTANCE);
  const cfg = join(dir, 'pinned.json');
  writeFileSync(cfg, JSON.stringify({ limits: [{ id: 5, track: 'prefix', pps: 1000 }], scan: { ports: 4, window: '30s' }, block: '10m' }));
  const load = await fwctl('ratelimit', 'load', cfg, '--instance', INSTANCE, '-o', 'json');
  t.is(load.code, 0, load.stderr);
  t.like(JSON.parse(load.stdout), { action: 'load', detectors: { scan: { ports: 4, window_s: 30 }, flood: null, block_s: 600 } });

  const now = monotonicNowNs();
  const reasons = [1, 2, 3, 4, 5, 6].map((p, i) => dp!.runPacket(syn(SCANNER, p), now + BigInt(i)).reason);
  t.deepEqual(reasons, ['pass_default', 'pass_default', 'pass_default', 'pass_default', 'dyn_block', 'dyn_block']);
  t.is(dp.runPacket(syn(CLIENT, 80), now + 10n).reason, 'pass_default');

  const list = await fwctl('block', 'list', '--instance', INSTANCE, '-o', 'json');
  t.is(list.code, 0, list.stderr);
  const entries = JSON.parse(list.stdout).entries as Array<Record<string, unknown>>;
  t.is(entries.length, 1);
  t.like(entries[0], { prefix: `${SCANNER}/32`, family: 'ipv4', source: 'auto', reason: 'auto: port scan', hits: 2 }); // the tripping SYN and the one after
  t.true((entries[0].remaining_ms as number) > 590_000 && (entries[0].remaining_ms as number) <= 600_000);
  const human = await fwctl('block', 'list', '--instance', INSTANCE);
  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /198\.18\.7\.7\/32 .* auto .* auto: port scan/, human.stderr);

  const rl = await fwctl('ratelimit', 'list', '--instance', INSTANCE, '-o', 'json');
  t.is(rl.code, 0, rl.stderr);
  const got = JSON.parse(rl.stdout);
  t.like(got.autoblock, { scan: 1, flood: 0, rl_block: 0, block_failed: 0 });
  t.like(got.limits[0], { id: 5, track: 'prefix', prefix4: 24, pps: 1000, passed: 5 });

  const st = await fwctl('status', '--instance', INSTANCE, '-o', 'json');
  t.is(st.code, 0, st.stderr);
  t.like(JSON.parse(st.stdout).rateLimits, { limits: [{ id: 5, passed: 5 }], scan: true, flood: false, detected: { scan: 1 } });
  t.regex((await fwctl('status', '--instance', INSTANCE)).stdout, /rate limits: #5 5 passed .* scan detection on, flood detection off; detected 1 scans/);

  // add / del / errors
  t.is((await fwctl('ratelimit', 'add', '--instance', INSTANCE, '--id', '6', '--bps', '5000', '--block', '90s')).code, 0);
  const two = JSON.parse((await fwctl('ratelimit', 'list', '--instance', INSTANCE, '-o', 'json')).stdout);
  t.deepEqual(two.limits.map((l: { id: number }) => l.id), [5, 6]);
  t.like(two.limits[1], { bps: 5000, bytes_burst: 5000, block_s: 90 });
  const missing = await fwctl('ratelimit', 'del', '99', '--instance', INSTANCE, '-o', 'json');
  t.is(missing.code, 1);
  t.regex(missing.stdout, /E_RL_NOT_FOUND/);
  t.is((await fwctl('ratelimit', 'del', '5', '--instance', INSTANCE)).code, 0);
  const one = JSON.parse((await fwctl('ratelimit', 'list', '--instance', INSTANCE, '-o', 'json')).stdout);
  t.deepEqual(one.limits.map((l: { id: number }) => l.id), [6]);
  const bad = await fwctl('ratelimit', 'add', '--instance', INSTANCE, '--id', '7', '--track', 'srcc', '--pps', '1', '-o', 'json');
  t.is(bad.code, 1);
  t.regex(bad.stdout, /E_RL_CONFIG/);
  t.is((await fwctl('ratelimit', 'clear', '--instance', INSTANCE)).code, 0);
  t.deepEqual(JSON.parse((await fwctl('ratelimit', 'list', '--instance', INSTANCE, '-o', 'json')).stdout).limits, []);
});
