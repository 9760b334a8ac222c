// bpf/lib/events.h through the real kernel: records decoded field by field (IPv4/IPv6, TCP/UDP/
// ICMP/ICMPv6, VLAN), one record per emit_alert call in call order, the synchronous drain
// attributing records to the packet that made them, a full ring counted as lost, and the
// counters. The flood guard's boundaries are in events-ratelimit.test.ts.
import test from 'ava';

import { EventBatch, Family, FW_EVENT, FW_EVENT_ALERT, FW_EVENT_ALERTS, TcpFlag } from '../src/abi/index.ts';
import { decodeEvent, decodeRecord, type FwEvent } from '../src/events/index.ts';
import { ether } from '../src/packets/index.ts';
import { EventsFixture } from './events-fixture.ts';

const A4 = { src: '198.18.0.1', dst: '198.19.255.254' };
const A6 = { src: '2001:2::1', dst: '2001:2:0:ffff::abcd' };
const TS = 1_700_000_000_123_456_789n;

function one(fx: EventsFixture, frame: Buffer, ts = TS): FwEvent {
  fx.run(frame, ts);
  const got = fx.events.drainAll();
  if (got.length !== 1) throw new Error(`expected one record, got ${got.length}`);
  return got[0];
}

test('IPv4 TCP: every field of the record', (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  fx.set({ alerts: 1, ruleBase: 7, sidBase: 2100498, action: 'drop', verdict: 'drop' });
  const frame = ether().ipv4(A4).tcp({ sport: 40000, dport: 443, flags: 'SA' }).payload('x'.repeat(10)).build();
  const e = one(fx, frame);
  t.like(e, {
    type: 'alert', tsNs: TS, sid: 2100498, ruleIdx: 7, action: 'drop', verdict: 'drop', family: 'ipv4', proto: 6,
    src: A4.src, dst: A4.dst, sport: 40000, dport: 443, hasL4: true, tcpFlags: TcpFlag.syn | TcpFlag.ack,
    icmpType: 0, icmpCode: 0, ifindex: 1, pktLen: frame.length,
  });
  t.deepEqual(e.vlan, []);
  t.deepEqual([...e.saddr], [198, 18, 0, 1, ...Array(12).fill(0)], 'network order, IPv4 in the first word');
});

test('IPv6 UDP behind two VLAN tags', (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  fx.set({ alerts: 1, ruleBase: 0, sidBase: 9, action: 'alert', verdict: 'pass' });
  const frame = ether().vlan({ id: 100, tpid: 0x88a8 }).vlan(4094).ipv6(A6).udp({ sport: 53, dport: 33333 }).payload('q').build();
  const e = one(fx, frame);
  t.like(e, { family: 'ipv6', proto: 17, src: A6.src, dst: A6.dst, sport: 53, dport: 33333, hasL4: true, action: 'alert', verdict: 'pass' });
  t.deepEqual(e.vlan, [100, 4094]);
  t.is(e.daddr.toString('hex'), '200100020000ffff000000000000abcd');
  t.is(e.pktLen, frame.length);
});

test('ICMP and ICMPv6: type and code, no ports', (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  const e4 = one(fx, ether().ipv4(A4).icmp({ type: 'echo-request', id: 77, seq: 3 }).build());
  t.like(e4, { family: 'ipv4', proto: 1, icmpType: 8, icmpCode: 0, sport: 0, dport: 0, hasL4: true });
  const e4u = one(fx, ether().ipv4(A4).icmp({ type: 'unreach', code: 13 }).payload(Buffer.alloc(28)).build());
  t.like(e4u, { icmpType: 3, icmpCode: 13 });
  const e6 = one(fx, ether().ipv6(A6).icmpv6({ type: 128, id: 1, seq: 2 }).build());
  t.like(e6, { family: 'ipv6', proto: 58, icmpType: 128, icmpCode: 0, hasL4: true });
});

test('a non-first TCP fragment: has_l4 0, ports 0', (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  const frame = ether().ipv4({ ...A4, fragOffset: 64, id: 5, proto: 6 }).payload(Buffer.alloc(40, 1)).build();
  const e = one(fx, frame);
  t.like(e, { family: 'ipv4', hasL4: false, sport: 0, dport: 0 });
});

test('N alerts on one packet: N events in call order (a record per FW_EVENT_BATCH), rule index and sid per rule', (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  fx.set({ alerts: 5, ruleBase: 10, sidBase: 3000, action: 'reject', verdict: 'reject' });
  fx.run(ether().ipv4(A4).udp({ sport: 1, dport: 2 }).build(), TS);
  const got = fx.events.drainAll();
  t.deepEqual(got.map((e) => [e.ruleIdx, e.sid, e.action, e.verdict]), [
    [10, 3000, 'reject', 'reject'], [11, 3001, 'reject', 'reject'], [12, 3002, 'reject', 'reject'],
    [13, 3003, 'reject', 'reject'], [14, 3004, 'reject', 'reject'],
  ]);
  t.deepEqual(fx.stats(), { emitted: 5n, suppressed: 0n, lost: 0n });
});

test('the synchronous drain after each test run yields exactly that packet\'s records', async (t) => {
  const fx = new EventsFixture({ ratelimit: false });
  t.teardown(() => fx.close());
  let expected = 0;
  for (let i = 1; i <= 200; i++) {
    const n = (i * 7) % 5; // 0..4 alerts, varying
    fx.set({ alerts: n, sidBase: i * 100 });
    fx.run(ether().ipv4(A4).tcp({ sport: i, dport: 80, flags: 'A' }).build(), BigInt(i) * 1000n);
    const got: FwEvent[] = [];
    t.is(fx.events.drain((e) => got.push(e)), n, `packet ${i}`);
    t.true(got.every((e, k) => e.sport === i && e.tsNs === BigInt(i) * 1000n && e.sid === i * 100 + k), `packet ${i}`);
    expected += n;
  }
  // Nothing was left behind for the event loop to deliver later.
  await new Promise((r) => setTimeout(r, 50));
  t.is(fx.events.drain(() => t.fail('a record arrived late')), 0);
  t.is(fx.stats().emitted, BigInt(expected));
});

test('each loaded object has its own ring: records never cross objects', (t) => {
  const a = new EventsFixture();
  const b = new EventsFixture();
  t.teardown(() => { a.close(); b.close(); });
  a.set({ sidBase: 1 });
  b.set({ sidBase: 2 });
  a.run(ether().ipv4(A4).udp({ sport: 1, dport: 1 }).build(), 1n);
  b.run(ether().ipv4(A4).udp({ sport: 2, dport: 2 }).build(), 1n);
  b.run(ether().ipv4(A4).udp({ sport: 2, dport: 2 }).build(), 2n);
  t.deepEqual(a.events.drainAll().map((e) => e.sid), [1]);
  t.deepEqual(b.events.drainAll().map((e) => e.sid), [2, 2]);
});

test('a full ring: what fits is emitted, the rest counted as lost, and the ring recovers once drained', (t) => {
  const size = 4096;
  const fx = new EventsFixture({ ringSize: size, ratelimit: false });
  t.teardown(() => fx.close());
  // A packet's alerts go FW_EVENT_BATCH to a record; each record takes its 8-byte ring header plus
  // its length (offsetof(alerts) + more * 12) rounded up to 8; a write fails when the ring would
  // hold more than size - 1 bytes. Simulated here alert by alert, record by record.
  const batch = EventBatch.batch;
  const recBytes = (n: number) => 8 + Math.ceil((FW_EVENT_ALERTS.off.alerts + (n - 1) * FW_EVENT_ALERT.size) / 8) * 8;
  t.is(recBytes(batch), 280);
  let used = 0;
  const want = { emitted: 0, lost: 0, sids: [] as number[] };
  const packets = 4;
  for (let p = 0; p < packets; p++) {
    for (let first = 0; first < 64; first += batch) {
      const n = Math.min(batch, 64 - first);
      if (used + recBytes(n) <= size - 1) {
        used += recBytes(n);
        want.emitted += n;
        for (let i = 0; i < n; i++) want.sids.push(1000 + first + i);
      } else want.lost += n;
    }
  }
  t.true(want.lost > 0 && want.emitted > 64, JSON.stringify(want));
  fx.set({ alerts: 64 });
  for (let p = 0; p < packets; p++) fx.run(ether().ipv4(A4).udp({ sport: 1, dport: 2 }).build(), BigInt(p + 1));
  t.deepEqual(fx.stats(), { emitted: BigInt(want.emitted), suppressed: 0n, lost: BigInt(want.lost) });
  const first = fx.events.drainAll();
  t.deepEqual(first.map((e) => e.sid), want.sids, 'the kept records, in ring order');
  fx.set({ alerts: 10 });
  fx.run(ether().ipv4(A4).udp({ sport: 1, dport: 2 }).build(), 9n);
  t.deepEqual(fx.events.drainAll().map((e) => e.sid), Array.from({ length: 10 }, (_, i) => 1000 + i));
  t.deepEqual(fx.stats(), { emitted: BigInt(want.emitted + 10), suppressed: 0n, lost: BigInt(want.lost) });
});

test('fixed-CPU mode keeps the counters in that CPU\'s slot; local mode in the running CPU\'s', (t) => {
  for (const cpu of [0, 'local'] as const) {
    const fx = new EventsFixture({ cpu });
    fx.set({ alerts: 3 });
    for (let i = 0; i < 20; i++) fx.run(ether().ipv4(A4).udp({ sport: 1, dport: 2 }).build(), BigInt(i));
    const key = Buffer.alloc(4); // emitted
    const slots = fx.obj.map('fw_event_stats').lookupPerCpu(key)!.map((v) => v.readBigUInt64LE(0));
    t.is(slots.reduce((a, b) => a + b, 0n), 60n, String(cpu));
    if (cpu === 0) t.is(slots[0], 60n, 'all of it in CPU 0\'s slot');
    fx.close();
  }
});

test('decodeEvent refuses a short record and accepts a longer one (appended fields)', (t) => {
  t.throws(() => decodeEvent(Buffer.alloc(FW_EVENT.size - 1)), { instanceOf: RangeError });
  const b = Buffer.alloc(FW_EVENT.size + 8);
  b[FW_EVENT.off.type] = 1;
  b[FW_EVENT.off.family] = 4;
  b[FW_EVENT.off.action] = 9;
  const e = decodeEvent(b);
  t.is(e.type, 'alert');
  t.is(e.action, 'unknown_9');
  t.is(e.src, '0.0.0.0');
});

test('decodeRecord: a packet\'s alerts from one record, the packet fields shared; a record shorter than its count is refused', (t) => {
  const A = FW_EVENT_ALERTS.off;
  const b = Buffer.alloc(A.alerts + 2 * FW_EVENT_ALERT.size);
  b[FW_EVENT.off.type] = 1; // alert
  b[FW_EVENT.off.family] = Family.ipv4;
  b.set([198, 18, 0, 1], FW_EVENT.off.saddr);
  b.writeUInt32LE(7, FW_EVENT.off.sid);
  b.writeUInt32LE(70, FW_EVENT.off.rule_idx);
  b[FW_EVENT.off.action] = 1; // drop
  b.writeUInt32LE(2, A.more);
  for (const [i, sid, action] of [[0, 8, 3], [1, 9, 2]]) {
    const at = A.alerts + i * FW_EVENT_ALERT.size;
    b.writeUInt32LE(sid, at + FW_EVENT_ALERT.off.sid);
    b.writeUInt32LE(sid * 10, at + FW_EVENT_ALERT.off.rule_idx);
    b[at + FW_EVENT_ALERT.off.action] = action;
  }
  const es = decodeRecord(b);
  t.deepEqual(es.map((e) => [e.sid, e.ruleIdx, e.action, e.src]), [[7, 70, 'drop', '198.18.0.1'], [8, 80, 'alert', '198.18.0.1'], [9, 90, 'reject', '198.18.0.1']]);
  t.throws(() => decodeRecord(b.subarray(0, b.length - 1)), { instanceOf: RangeError, message: /says 3 alerts/ });
  // a bare fw_event (a block record, or an object before batching) is one event
  t.is(decodeRecord(b.subarray(0, FW_EVENT.size)).length, 1);
});
