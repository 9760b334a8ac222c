// The event maps and knobs on the real datapath object (build/bpf/fwctl.bpf.o): Datapath exposes
// fw_events and fw_event_stats, sets the flood-guard knobs, refuses an impossible eventCpu, and
// the maps are pinned with the rest. (Records themselves need the classifier: events.test.ts.)
import test from 'ava';

import { Knob } from '../src/abi/index.ts';
import { Datapath, PinnedDatapath } from '../src/datapath/index.ts';
import { EventConsumer, readEventStats } from '../src/events/index.ts';
import { numPossibleCpus } from '../src/native/index.ts';
import { ether } from '../src/packets/index.ts';

test('Datapath has its own event ring and counters, zero after traffic that raised no alert', (t) => {
  const dp = Datapath.open({ eventCpu: 0, eventRate: 5, eventBurst: 2 });
  t.teardown(() => dp.close());
  t.is(dp.events.info.typeName, 'ringbuf');
  t.is(dp.events.info.maxEntries, 4 << 20);
  t.is(dp.eventStats.info.typeName, 'percpu_array');
  const c = new EventConsumer(dp.events);
  t.teardown(() => c.close());
  dp.runPacket(ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).udp({ sport: 1, dport: 2 }).build(), 1n);
  t.is(c.drain(() => {}), 0);
  t.deepEqual(readEventStats(dp.eventStats), { emitted: 0n, suppressed: 0n, lost: 0n });
  t.like(dp.options, { eventCpu: 0, eventRate: 5, eventBurst: 2, eventRateLimit: true });
  const ro = dp.object.getGlobal(Knob.eventRate);
  t.is(ro.readUInt32LE(0), 5, 'the knob reached .rodata');
});

test('eventCpu must be a possible CPU', (t) => {
  t.throws(() => Datapath.open({ eventCpu: numPossibleCpus() }), { instanceOf: TypeError, message: /not a possible CPU/ });
  t.throws(() => Datapath.open({ eventCpu: -1 }), { instanceOf: TypeError });
});

test('the event maps are pinned and reopened with the instance', (t) => {
  const instance = `evt${process.pid}`;
  const dp = Datapath.open();
  t.teardown(() => {
    dp.close();
    Datapath.unpin(instance);
  });
  dp.pin(instance);
  const p = PinnedDatapath.open(instance);
  t.teardown(() => p.close());
  t.is(p.events.info.id, dp.events.info.id);
  t.is(p.eventStats.info.id, dp.eventStats.info.id);
});
