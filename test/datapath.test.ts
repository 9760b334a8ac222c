// Datapath: knobs, counters by reason, the metadata protocol, the test-run frame limits, pins.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';

import { FW_META, FW_META_MAGIC_DONE, FW_PKT, Reason, type ReasonName } from '../src/abi/index.ts';
import {
  bpffsMounted, Datapath, diffReasonCounters, ensureBpffs, MAX_TEST_FRAME, PINNED_NAMES, PinnedDatapath, pinDir,
} from '../src/datapath/index.ts';
import { constants, xdpMd } from '../src/native/index.ts';
import { ether } from '../src/packets/index.ts';
import { A4, A6, openDebug, runDebug } from './datapath-helpers.ts';

/** testRun's options want plain ArrayBuffer-backed arrays (Buffers may sit on a shared pool). */
const u8 = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b);

const good = ether().ipv4(A4).tcp({ sport: 1, dport: 80, flags: 'S' }).build();
const arp = ether().arp({ spa: A4.src, tpa: A4.dst }).build();
const badTcp = ether().ipv4(A4).tcp({ sport: 1, dport: 80, dataOffset: 3 }).build();
const badUdp = ether().ipv6(A6).udp({ sport: 1, dport: 2, length: 5 }).build();
const frag = ether().ipv4({ ...A4, fragOffset: 10, proto: 17 }).payload(Buffer.alloc(30)).build();
const threeTags = ether().vlan(1).vlan(2).vlan(3).ipv4(A4).udp({ sport: 1, dport: 2 }).build();

test('counters by reason match the packets sent, packets and bytes', (t) => {
  const dp = Datapath.open();
  t.teardown(() => dp.close());
  const before = dp.readReasonCounters();
  t.is(Object.keys(before).length, Object.keys(Reason).length, 'every known reason is listed');
  t.true(Object.values(before).every((c) => c.packets === 0n && c.bytes === 0n), 'a fresh load starts at zero');
  const sent: Array<[Buffer, ReasonName, number]> = [[good, 'pass_default', 7], [arp, 'non_ip', 3], [badTcp, 'malformed_tcp', 2],
    [badUdp, 'malformed_udp', 4], [frag, 'fragment', 5], [threeTags, 'vlan_depth', 1]];
  for (const [f, reason, n] of sent) for (let i = 0; i < n; i++) t.is(dp.runPacket(f, BigInt(i)).reason, reason);
  const after = dp.readReasonCounters();
  for (const [f, reason, n] of sent) t.deepEqual(after[reason], { packets: BigInt(n), bytes: BigInt(n * f.length) }, reason);
  const total = Object.values(after).reduce((s, c) => s + c.packets, 0n);
  t.is(total, 22n, 'nothing counted twice or under another reason');
  t.deepEqual(diffReasonCounters(before, after).malformed_tcp, { packets: 2n, bytes: BigInt(2 * badTcp.length) });
});

test('malformed policy: drop by default, pass when asked; the reason and flag stay', (t) => {
  const drop = Datapath.open();
  const pass = Datapath.open({ malformedPolicy: 'pass' });
  t.teardown(() => { drop.close(); pass.close(); });
  for (const f of [badTcp, badUdp, threeTags]) {
    const d = { ...drop.runPacket(f, 1n) };
    const p = { ...pass.runPacket(f, 1n) };
    t.like(d, { action: 'drop', verdict: 'drop', retval: constants.XDP_DROP, flags: 1 });
    t.like(p, { action: 'pass', verdict: 'pass', retval: constants.XDP_PASS, flags: 1 });
    t.is(d.reason, p.reason);
  }
  for (const f of [good, arp, frag]) {
    t.is(drop.runPacket(f, 1n).action, 'pass', 'well-formed and non-IP packets are not subject to the policy');
  }
});

test('the packet timestamp comes from fw_meta; without metadata the program uses its clock', (t) => {
  const dp = openDebug();
  t.teardown(() => dp.close());
  t.is(runDebug(dp, good, 1_700_000_000_123_456_789n).pkt.tsNs, 1_700_000_000_123_456_789n);
  // A run without a metadata area: the program must not misread the frame as fw_meta.
  const r = dp.program.testRun({ data: u8(good), ctxIn: u8(xdpMd({ dataLength: good.length })) });
  t.is(r.retval, constants.XDP_PASS);
  t.is(r.dataOut?.length, good.length);
  const pkt = dp.debugPacket();
  t.true(pkt !== null && pkt.tsNs > 0n && pkt.tsNs !== 1_700_000_000_123_456_789n);
  // A metadata area without the magic is not ours either.
  const meta = Buffer.alloc(FW_META.size);
  meta.writeBigUInt64LE(42n, FW_META.off.ts_ns);
  const r2 = dp.program.testRun({ data: u8(Buffer.concat([meta, good])), ctxIn: u8(xdpMd({ metaLength: 32, dataLength: good.length })) });
  t.not(r2.dataOut?.readUInt32LE(FW_META.off.magic), FW_META_MAGIC_DONE);
  t.not(dp.debugPacket()?.tsNs, 42n);
});

test('the test-run frame limit is exact: MAX_TEST_FRAME is seen whole, one byte more is refused', (t) => {
  const dp = openDebug();
  t.teardown(() => dp.close());
  const big = (n: number) => ether().ipv4({ ...A4, proto: 253, totalLength: Math.min(n - 14, 65535) }).payload(Buffer.alloc(n - 34)).build();
  t.like(runDebug(dp, big(MAX_TEST_FRAME)).pkt, { ipLen: 65535 });
  t.is(runDebug(dp, big(MAX_TEST_FRAME)).res.reason, 'pass_default');
  t.throws(() => dp.runPacket(big(MAX_TEST_FRAME + 1), 1n), { instanceOf: RangeError });
});

test('a multi-buffer frame (longer than one page) is parsed from its headers, its length from all fragments', (t) => {
  const dp = openDebug();
  t.teardown(() => dp.close());
  const jumbo = ether().ipv4(A4).tcp({ sport: 1234, dport: 80, flags: 'PA' }).payload(Buffer.alloc(9000)).build();
  const r = runDebug(dp, jumbo);
  t.is(r.res.reason, 'pass_default');
  t.like(r.pkt, { sport: 1234, dport: 80, dsize: 9000, ipLen: 9040 });
  // Truncated in the fragments: the IP length still exceeds the frame.
  const cut = Buffer.from(jumbo.subarray(0, jumbo.length - 1));
  t.is(runDebug(dp, cut).res.reason, 'malformed_ipv4');
  const before = dp.readReasonCounters().pass_default.bytes;
  dp.runPacket(jumbo, 1n);
  t.is(dp.readReasonCounters().pass_default.bytes - before, BigInt(jumbo.length), 'bytes count the whole frame');
});

test('debugPacket is null when the knob is off (the verifier pruned the copy)', (t) => {
  const dp = Datapath.open();
  t.teardown(() => dp.close());
  dp.runPacket(good, 1n);
  t.is(dp.debugPacket(), null);
  t.true(dp.dbgPkt.lookup(Buffer.alloc(4))?.every((b) => b === 0), 'nothing was written');
  t.is(dp.dbgPkt.info.valueSize, FW_PKT.size);
});

test('options are validated', (t) => {
  t.throws(() => Datapath.open({ malformedPolicy: 'maybe' as 'pass' }), { instanceOf: TypeError });
  t.throws(() => Datapath.open({ debugpkt: true } as object), { instanceOf: TypeError });
  t.throws(() => pinDir('../etc'), { instanceOf: TypeError });
  t.throws(() => pinDir('.hidden'), { instanceOf: TypeError });
});

test('pin, open from the pins in the same way another process would, unpin', (t) => {
  t.false(ensureBpffs(), 'already mounted on this machine');
  t.true(bpffsMounted());
  const instance = `test-dp-${process.pid}`;
  const dir = pinDir(instance);
  const dp = Datapath.open({ debugPkt: true });
  t.teardown(() => {
    dp.close();
    Datapath.unpin(instance);
  });
  t.is(dp.pin(instance), dir);
  t.deepEqual(readdirSync(dir).sort(), [...PINNED_NAMES].sort());
  t.throws(() => dp.pin(instance), { code: 'EEXIST' }, 'an existing pin is never overwritten');
  t.deepEqual(readdirSync(dir).sort(), [...PINNED_NAMES].sort(), 'the failed pin removed nothing of the first');

  for (let i = 0; i < 3; i++) dp.runPacket(good, 1n);
  const pinned = PinnedDatapath.open(instance);
  t.is(pinned.program.id, dp.program.id);
  t.deepEqual(pinned.readReasonCounters(), dp.readReasonCounters());
  t.like(pinned.debugPacket(), { dport: 80, src: A4.src });
  // Packets run through the pinned program land in the same maps.
  t.is(pinned.runPacket(badTcp, 2n).reason, 'malformed_tcp');
  t.is(dp.readReasonCounters().malformed_tcp.packets, 1n);
  pinned.close();

  t.deepEqual(Datapath.unpin(instance).sort(), PINNED_NAMES.map((n) => join(dir, n)).sort());
  t.false(existsSync(dir));
  t.throws(() => PinnedDatapath.open(instance), { code: 'ENOENT' });
  t.deepEqual(Datapath.unpin(instance), [], 'unpinning twice is a no-op');
});
