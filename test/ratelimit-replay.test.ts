// Rate limits under a replayed flood: timestamped captures through `fwctl replay --ratelimit` (a
// subprocess, the real object), with exact counts of what passed and what was dropped, packet by
// packet at the token boundaries, and the block a limit adds when it is told to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { ether } from '../src/packets/index.ts';
import { writePcapBuffer } from '../src/pcap/index.ts';
import { fwctl } from './helpers/fwctl.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-ratelimit-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));


const MS = 1_000_000n;
const T0 = 1_700_000_000_000_000_000n;
const udp = (src: string, len = 0, dport = 53) =>
  (src.includes(':') ? ether().ipv6({ src, dst: '2001:2::53' }) : ether().ipv4({ src, dst: '198.18.9.9' }))
    .udp({ sport: 4000, dport }).payload(Buffer.alloc(len)).build();

async function replay(frames: Array<{ frame: Uint8Array; ts: bigint }>, config: unknown) {
  const n = Math.random().toString(36).slice(2);
  const pcap = join(dir, `${n}.pcap`);
  const cfg = join(dir, `${n}.json`);
  writeFileSync(pcap, writePcapBuffer(frames, { precision: 'ns' }));
  writeFileSync(cfg, JSON.stringify(config));
  const r = await fwctl('replay', pcap, '--ratelimit', cfg, '-o', 'json', '--verdicts');
  const recs = r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>) : [];
  return { ...r, recs, verdicts: recs.filter((x) => x.event_type === 'verdict'), stats: recs.find((x) => x.event_type === 'stats') ?? {} as Record<string, any> };
}

test('a flood at 100 pkt/s against 10 pkt/s burst 5: the burst, then one packet per 100 ms exactly; a slow source untouched', async (t) => {
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  for (let i = 0; i < 100; i++) {
    frames.push({ frame: udp('198.18.1.1'), ts: T0 + BigInt(i) * 10n * MS });
    if (i % 20 === 5) frames.push({ frame: udp('198.18.1.2'), ts: T0 + BigInt(i) * 10n * MS + 1n });
  }
  const r = await replay(frames, { limits: [{ id: 1, track: 'src', pps: 10, burst: 5 }] });
  t.is(r.code, 0, r.stderr);
  const src = (v: Record<string, any>) => Array.from(frames[v.pcap_cnt - 1].frame.subarray(26, 30)).join('.');
  const flood = r.verdicts.filter((v) => src(v) === '198.18.1.1');
  const passedAt = flood.filter((v) => v.verdict === 'pass').map((v) => Number((frames[v.pcap_cnt - 1].ts - T0) / MS));
  // the burst of 5 at 0..40 ms, then exactly at every 100 ms (at 190 ms the bucket holds 0.9 of a token)
  t.deepEqual(passedAt, [0, 10, 20, 30, 40, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  t.true(flood.filter((v) => v.verdict === 'drop').every((v) => v.reason === 'rate_limit'));
  const slow = r.verdicts.filter((v) => !flood.includes(v));
  t.is(slow.length, 5);
  t.true(slow.every((v) => v.verdict === 'pass' && v.reason === 'pass_default'), 'a source under its limit is not touched');
  t.deepEqual(r.stats.rate_limits, [{ id: 1, passed: 19, exceeded: 86, blocked: 0 }]);
  t.deepEqual(r.stats.reasons, { pass_default: 19, rate_limit: 86 });
});

test('bytes per second with a burst, per /24 prefix, and IPv6 by /64', async (t) => {
  // 1000 B/s burst 1000 B per /24: 100-byte payload frames are 142 bytes; 7 fit the burst (994 B).
  // Limit 8 (2 pkt/s per /32 and per /64) meets the IPv4 sources once or twice each, and IPv6 by /64.
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  for (let i = 0; i < 10; i++) frames.push({ frame: udp(`198.18.3.${i + 1}`, 100), ts: T0 + BigInt(i) });
  frames.push({ frame: udp('198.18.4.1', 100), ts: T0 + 20n }); // another /24: its own bucket
  // after the 7th (T0 + 6 ns) the bucket holds 6 B + 6000e-9 B: the 142 missing bytes refill at T0 + 136 ms
  frames.push({ frame: udp('198.18.3.1', 100), ts: T0 + 136n * MS - 1n });
  frames.push({ frame: udp('198.18.3.1', 100), ts: T0 + 136n * MS });
  for (let i = 0; i < 3; i++) frames.push({ frame: udp(`2001:2:0:1::${i + 1}`, 0), ts: T0 + 1000n * MS + BigInt(i) });
  const r = await replay(frames, {
    limits: [{ id: 7, track: 'prefix', bps: 1000, bytes_burst: 1000 }, { id: 8, track: 'prefix', prefix4: 32, prefix6: 64, pps: 2, burst: 2 }],
  });
  t.is(r.code, 0, r.stderr);
  t.is(frames[0].frame.length, 142);
  t.deepEqual(r.verdicts.map((v) => v.reason), [
    ...Array(7).fill('pass_default'), ...Array(3).fill('rate_limit'), 'pass_default',
    'rate_limit', // one ns early: 1000e-9 B short; tokens do not round up
    'pass_default', // the exact nanosecond
    'pass_default', 'pass_default', 'rate_limit', // IPv6 /64 at 2 pkt/s burst 2
  ]);
});

test('monitor mode counts what exceeds and passes it; a limit with a block time blocks the source, and the block ends on time', async (t) => {
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  for (let i = 0; i < 200; i++) frames.push({ frame: udp('198.18.6.6'), ts: T0 + BigInt(i) * 10n * MS });
  const mon = await replay(frames, { limits: [{ id: 2, pps: 10, burst: 5, action: 'monitor' }] });
  t.is(mon.code, 0, mon.stderr);
  t.deepEqual(mon.stats.reasons, { pass_default: 200 });
  t.is(mon.stats.rate_limits[0].exceeded, 200 - 5 - 19);

  const blk = await replay(frames, { limits: [{ id: 3, pps: 10, burst: 5, block: '1s' }] });
  t.is(blk.code, 0, blk.stderr);
  const at = (reason: string) => blk.verdicts.filter((v) => v.reason === reason).map((v) => Number((frames[v.pcap_cnt - 1].ts - T0) / MS));
  // 5 pass, the 6th exceeds and blocks until 50 ms + 1 s; at 1050 ms the block has ended (ts == expiry passes)
  t.deepEqual(at('rate_limit'), [50, 1100]);
  t.deepEqual(at('pass_default'), [0, 10, 20, 30, 40, 1050, 1060, 1070, 1080, 1090]);
  t.is(at('dyn_block').length, 200 - 12);
  const blocks = blk.recs.filter((x) => x.event_type === 'block');
  t.is(blocks.length, 2);
  t.like(blocks[0], {
    pcap_cnt: 6, event_type: 'block', src_ip: '198.18.6.6',
    block: { prefix: '198.18.6.6/32', reason: 'rate_limit', limit_id: 3, action: 'blocked', duration_s: 1 },
  });
  t.deepEqual(blk.stats.rate_limits, [{ id: 3, passed: 10, exceeded: 2, blocked: 2 }]);
  t.is(blk.stats.autoblock.rl_block, 2);
});

test('per rule: packets a rule decided share the rule\'s bucket whatever their source; other packets are not limited', async (t) => {
  const n = Math.random().toString(36).slice(2);
  const rules = join(dir, `${n}.rules`);
  writeFileSync(rules, ['alert udp any any -> any 53 (msg:"dns"; sid:53;)', 'alert udp any any -> any 123 (msg:"ntp"; sid:123;)'].join('\n'));
  const frames: Array<{ frame: Uint8Array; ts: bigint }> = [];
  for (let i = 0; i < 6; i++) frames.push({ frame: udp(`198.18.4.${i + 1}`, 0, 53), ts: T0 + BigInt(i) });
  for (let i = 0; i < 6; i++) frames.push({ frame: udp(`198.18.4.${i + 1}`, 0, 123), ts: T0 + 10n + BigInt(i) });
  for (let i = 0; i < 3; i++) frames.push({ frame: udp('198.18.4.1', 0, 9999), ts: T0 + 20n + BigInt(i) });
  const pcap = join(dir, `${n}.pcap`);
  const cfg = join(dir, `${n}.json`);
  writeFileSync(pcap, writePcapBuffer(frames, { precision: 'ns' }));
  writeFileSync(cfg, JSON.stringify({ limits: [{ id: 9, track: 'rule', sid: 53, pps: 1, burst: 4 }, { id: 10, track: 'rule', pps: 1, burst: 2 }] }));
  const r = await fwctl('replay', pcap, '--rules', rules, '--ratelimit', cfg, '-o', 'json', '--verdicts');
  t.is(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  t.deepEqual(recs.filter((x) => x.event_type === 'verdict').map((x) => x.reason), [
    // sid 53: limit 9 lets 4 through, and limit 10 (every rule, 2 each) stops the 3rd of those
    'rule_alert', 'rule_alert', 'rate_limit', 'rate_limit', 'rate_limit', 'rate_limit',
    // sid 123: limit 10 alone, its own bucket of 2
    'rule_alert', 'rule_alert', 'rate_limit', 'rate_limit', 'rate_limit', 'rate_limit',
    'pass_default', 'pass_default', 'pass_default', // no rule decided: no per-rule limit applies
  ]);
  const stats = recs.at(-1)!;
  t.deepEqual(stats.rate_limits, [{ id: 9, passed: 4, exceeded: 2, blocked: 0 }, { id: 10, passed: 4, exceeded: 6, blocked: 0 }]);
});

test('bad rate-limit files: exit 1 with a code naming the setting', async (t) => {
  const frames = [{ frame: udp('198.18.1.1'), ts: T0 }];
  const typo = await replay(frames, { limits: [{ id: 1, pps: 10, brust: 3 }] });
  t.is(typo.code, 1);
  t.regex(typo.stdout + typo.stderr, /E_RL_CONFIG/);
  t.regex(typo.stdout + typo.stderr, /limits\.0\.brust: unknown setting \(did you mean \\?"burst\\?"\?\)/);
  const dup = await replay(frames, { limits: [{ id: 1, pps: 1 }, { id: 1, pps: 2 }] });
  t.regex(dup.stdout + dup.stderr, /E_RL_DUPLICATE_ID/);
  const dur = await replay(frames, { scan: { ports: 10, window: '10 parsecs' } });
  t.regex(dur.stdout + dur.stderr, /E_RL_DURATION/);
  const none = await replay(frames, { limits: [{ id: 4 }] });
  t.regex(none.stdout + none.stderr, /E_RL_CONFIG.*|give pps, bps or both/);
});
