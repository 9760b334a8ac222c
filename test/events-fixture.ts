// Drives build/bpf/events_fixture.bpf.o (test/fixtures/bpf/events_fixture.bpf.c): alert_push from
// lib/events.h called fx_alerts times per parsed packet, through BPF_PROG_TEST_RUN with a fw_meta
// area (src/datapath's PacketRunner), its ring read by src/events.
import { EventAction, type EventActionName, EVENT_CPU_LOCAL, Knob, Verdict, type VerdictName } from '../src/abi/index.ts';
import { PacketRunner, type RunResult } from '../src/datapath/index.ts';
import { EventConsumer, type EventStats, readEventStats } from '../src/events/index.ts';
import { BpfObject } from '../src/native/index.ts';

export const EVENTS_FIXTURE = new URL('../build/bpf/events_fixture.bpf.o', import.meta.url).pathname;

export interface FixtureKnobs {
  rate?: number;
  burst?: number;
  /** false turns the flood guard off (cfg_event_ratelimit 0). */
  ratelimit?: boolean;
  /** Whose per-CPU slot holds the bucket and counters (default 0: one bucket wherever the run lands). */
  cpu?: number | 'local';
  /** fw_events size in bytes (a power of two, >= 4096). */
  ringSize?: number;
}

export interface Emit {
  alerts?: number;
  ruleBase?: number;
  sidBase?: number;
  action?: EventActionName;
  verdict?: VerdictName;
}

export class EventsFixture {
  readonly obj: BpfObject;
  readonly runner: PacketRunner;
  readonly events: EventConsumer;

  constructor(k: FixtureKnobs = {}) {
    const o = BpfObject.open(EVENTS_FIXTURE);
    try {
      if (k.rate !== undefined) o.setGlobal(Knob.eventRate, k.rate);
      if (k.burst !== undefined) o.setGlobal(Knob.eventBurst, k.burst);
      if (k.ratelimit === false) o.setGlobal(Knob.eventRatelimit, 0);
      o.setGlobal(Knob.eventCpu, k.cpu === 'local' ? EVENT_CPU_LOCAL : (k.cpu ?? 0));
      if (k.ringSize !== undefined) o.setMapMaxEntries('fw_events', k.ringSize);
      o.load();
    } catch (err) {
      o.close();
      throw err;
    }
    this.obj = o;
    this.runner = new PacketRunner(o.program('events_fixture'));
    this.events = new EventConsumer(o.map('fw_events'));
  }

  /** What the next packets emit (.data globals: written into the live map). */
  set(e: Emit): void {
    if (e.alerts !== undefined) this.obj.setGlobal('fx_alerts', e.alerts);
    if (e.ruleBase !== undefined) this.obj.setGlobal('fx_rule_base', e.ruleBase);
    if (e.sidBase !== undefined) this.obj.setGlobal('fx_sid_base', e.sidBase);
    if (e.action !== undefined) this.obj.setGlobal('fx_action', EventAction[e.action]);
    if (e.verdict !== undefined) this.obj.setGlobal('fx_verdict', Verdict[e.verdict]);
  }

  run(frame: Buffer, tsNs: bigint): RunResult {
    const r = this.runner.run(frame, tsNs, {} as RunResult);
    if (r.action !== 'pass') throw new Error(`fixture returned ${r.action}: the packet did not parse`);
    return r;
  }

  stats(): EventStats {
    return readEventStats(this.obj.map('fw_event_stats'));
  }

  close(): void {
    this.events.close();
    this.obj.close();
  }
}
