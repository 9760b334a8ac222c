// The live side of src/events: records delivered by the event loop (never synchronously inside
// the test run), kept for drain() when nobody listens, and liveEveAlerts turning them into EVE
// lines with wall-clock time (monotonic ts + captured offset) and the interface's name.
import test from 'ava';

import { EventConsumer, type FwEvent, liveEveAlerts, monotonicToWallOffsetNs, RuleTable } from '../src/events/index.ts';
import { ether } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { EventsFixture } from './events-fixture.ts';

const FRAME = ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).tcp({ sport: 1000, dport: 22, flags: 'S' }).build();

function until(cond: () => boolean, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

test('the monotonic->wall offset maps process.hrtime onto Date.now()', (t) => {
  // A preemption between two clock reads (a loaded machine) spoils one sample, not five: a wrong
  // offset is wrong in every one, so the best of five must be within 2 ms.
  const diffs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const off = monotonicToWallOffsetNs();
    const wallNs = process.hrtime.bigint() + off;
    diffs.push(Number(wallNs / 1_000_000n) - Date.now());
  }
  const best = Math.min(...diffs.map(Math.abs));
  t.true(best <= 2, `off by ${diffs.join(', ')} ms`);
});

test('with onEvent, records come from the event loop, not from inside the run', async (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  fx.events.close(); // one consumer per ring: they would share (and race for) its consumer position
  const got: FwEvent[] = [];
  const c = new EventConsumer(fx.obj.map('fw_events'), (e) => got.push(e));
  t.teardown(() => c.close());
  fx.set({ alerts: 3, sidBase: 40 });
  fx.run(FRAME, 1n);
  t.is(got.length, 0, 'nothing during the synchronous run');
  await until(() => got.length === 3);
  t.deepEqual(got.map((e) => e.sid), [40, 41, 42]);
});

test('without onEvent, what the event loop delivers waits for the next drain', async (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  fx.set({ alerts: 2, sidBase: 7 });
  fx.run(FRAME, 1n);
  await new Promise((r) => setTimeout(r, 100)); // the poll may have delivered them into the queue by now
  const seen: number[] = [];
  t.is(fx.events.drain((e) => seen.push(e.sid)), 2);
  t.deepEqual(seen, [7, 8]);
  t.is(fx.events.drain(() => t.fail('delivered twice')), 0);
});

test('liveEveAlerts: EVE lines with wall-clock time and in_iface', async (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  const rules = RuleTable.fromRules(compileRuleText([{ file: 'l.rules', text: 'alert tcp any any -> any 22 (msg:"ssh syn"; classtype:attempted-recon; sid:1000; rev:2;)' }]).rules);
  fx.events.close();
  const lines: string[] = [];
  const c = liveEveAlerts(fx.obj.map('fw_events'), rules, (l) => lines.push(l));
  t.teardown(() => c.close());
  fx.set({ alerts: 1, ruleBase: 0, sidBase: 1000 });
  const before = Date.now();
  fx.run(FRAME, process.hrtime.bigint()); // what bpf_ktime_get_ns() stamps a live packet with
  await until(() => lines.length === 1);
  const r = JSON.parse(lines[0]);
  t.like(r, {
    in_iface: 'lo', event_type: 'alert', src_ip: '198.18.0.1', src_port: 1000, dest_ip: '198.18.0.2', dest_port: 22,
    proto: 'TCP', alert: { action: 'allowed', signature_id: 1000, rev: 2, signature: 'ssh syn', category: 'Attempted Information Leak', severity: 2 },
  });
  t.false('pcap_cnt' in r);
  const ts = Date.parse(r.timestamp.replace(/(\.\d{3})\d{3}\+0000$/, '$1Z'));
  t.true(ts >= before - 5 && ts <= Date.now() + 5, `${r.timestamp} not within the run`);
});
