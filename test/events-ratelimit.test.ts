// The flood guard of lib/events.h through the real kernel, timed by replayed timestamps: a burst of
// B records, then R per second, at the exact nanosecond boundaries; a long idle refills to B and
// no more; an out-of-order timestamp refills nothing; random schedules against a TS model of the
// same bucket; and the knob that turns it off.
import test from 'ava';
import fc from 'fast-check';

import { ether } from '../src/packets/index.ts';
import { EventsFixture } from './events-fixture.ts';

const SEC = 1_000_000_000n;
const T0 = 1_600_000_000n * SEC; // a pcap-like wall-clock time
const FRAME = ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).udp({ sport: 5, dport: 6 }).build();

/** The bucket of events.h restated: tokens in 1e-9 records, starts full, refills by elapsed * rate. */
class BucketModel {
  #primed = false;
  #tokens = 0n;
  #last = 0n;
  constructor(readonly rate: bigint, readonly burst: bigint) {}

  admit(now: bigint): boolean {
    const cap = this.burst * SEC;
    if (!this.#primed) {
      this.#primed = true;
      this.#tokens = cap;
      this.#last = now;
    } else if (now > this.#last) {
      this.#tokens += (now - this.#last) * this.rate;
      if (this.#tokens > cap) this.#tokens = cap;
      this.#last = now;
    }
    if (this.#tokens < SEC) return false;
    this.#tokens -= SEC;
    return true;
  }
}

/** Runs one packet with `alerts` alerts at `ts`; returns how many records it produced. */
function send(fx: EventsFixture, ts: bigint, alerts = 1): number {
  fx.set({ alerts });
  fx.run(FRAME, ts);
  return fx.events.drain(() => {});
}

test('burst B at once, then one record exactly every 1e9/R ns', (t) => {
  const fx = new EventsFixture({ rate: 10, burst: 5 });
  t.teardown(() => fx.close());
  t.deepEqual([1, 1, 1, 1, 1, 1, 1].map(() => send(fx, T0)), [1, 1, 1, 1, 1, 0, 0], 'the burst, then nothing');
  t.is(send(fx, T0 + 100_000_000n - 1n), 0, '1 ns before the next token');
  t.is(send(fx, T0 + 100_000_000n), 1, 'exactly 1e9/R after the burst');
  t.is(send(fx, T0 + 100_000_000n), 0);
  t.is(send(fx, T0 + 200_000_000n, 3), 1, 'one token for three alerts of one packet');
  t.deepEqual(fx.stats(), { emitted: 7n, suppressed: 6n, lost: 0n });
});

test('a long idle refills to the burst and no further', (t) => {
  const fx = new EventsFixture({ rate: 1000, burst: 4 });
  t.teardown(() => fx.close());
  t.is(send(fx, T0, 10), 4);
  t.is(send(fx, T0 + 3600n * SEC, 10), 4, 'an hour later: B, not 3.6M');
  t.is(send(fx, T0 + 3600n * SEC + 1_000_000n, 10), 1, 'then R per second: one per ms');
  t.is(send(fx, T0 + 1_000_000n * 3600n * SEC, 10), 4, 'a gap large enough to overflow elapsed * rate');
});

test('sustained flood: B + floor(R x span) records, whatever the packet rate', (t) => {
  const fx = new EventsFixture({ rate: 10, burst: 5 });
  t.teardown(() => fx.close());
  let got = 0;
  for (let k = 0n; k < 3000n; k++) got += send(fx, T0 + k * 1_000_000n, 2); // 2 alerts/ms for 2.999 s
  t.is(got, 5 + Math.floor(10 * 2.999));
  t.deepEqual(fx.stats(), { emitted: BigInt(got), suppressed: BigInt(6000 - got), lost: 0n });
});

test('a timestamp older than the last refills nothing and does not move the clock back', (t) => {
  const fx = new EventsFixture({ rate: 10, burst: 1 });
  t.teardown(() => fx.close());
  t.is(send(fx, T0 + 10n * SEC), 1);
  t.is(send(fx, T0), 0, 'earlier packet: no refill');
  t.is(send(fx, T0 + 10n * SEC + 99_999_999n), 0, 'the clock stayed at the later time');
  t.is(send(fx, T0 + 10n * SEC + 100_000_000n), 1);
});

for (const [rate, burst] of [[1, 1], [7, 3], [1000, 20], [100_000, 1000]] as const) {
  test(`random schedules match the bucket model (R=${rate}/s, B=${burst})`, (t) => {
    const fx = new EventsFixture({ rate, burst });
    t.teardown(() => fx.close());
    const model = new BucketModel(BigInt(rate), BigInt(burst));
    let ts = T0;
    const step = fc.record({
      dt: fc.oneof(fc.constant(0n), fc.bigInt({ min: -SEC, max: 2n * SEC / BigInt(rate) }), fc.bigInt({ min: 0n, max: 10n * SEC })),
      alerts: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      for (const s of steps) {
        ts += s.dt;
        let want = 0;
        for (let i = 0; i < s.alerts; i++) if (model.admit(ts)) want++;
        const got = send(fx, ts, s.alerts);
        if (got !== want) throw new Error(`at ts ${ts} with ${s.alerts} alerts: kernel ${got}, model ${want}`);
      }
    }), { numRuns: 40, endOnFailure: true }); // the kernel bucket is stateful: no shrinking
    t.is(fx.stats().lost, 0n);
  });
}

test('cfg_event_ratelimit 0: every alert is emitted', (t) => {
  const fx = new EventsFixture({ rate: 1, burst: 1, ratelimit: false });
  t.teardown(() => fx.close());
  let got = 0;
  for (let i = 0; i < 100; i++) got += send(fx, T0, 10);
  t.is(got, 1000);
  t.deepEqual(fx.stats(), { emitted: 1000n, suppressed: 0n, lost: 0n });
});
