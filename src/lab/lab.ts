// The live lab, start to end: build → load, pin, attach → apply the policy → start the agents →
// probe → read counters and sets → stop the agents → clean up (unless kept). Whatever fails, and on
// SIGINT/SIGTERM, the cleanup still runs over what the state file recorded.
import { PinnedDatapath } from '../datapath/index.ts';
import { Agent } from './agents.ts';
import { cleanupLab } from './cleanup.ts';
import { labNameFor, labPlan } from './plan.ts';
import { type AppliedPolicy, loadLabPolicy, readSetHits } from './policy.ts';
import { listenersFor, probesOf } from './probes.ts';
import { countersRecord, type LabReport, probeRecord } from './report.ts';
import { LabError } from './sh.ts';
import { runScanPhase } from './scan.ts';
import { runFloodPhase } from './flood.ts';
import { newState, saveState } from './state.ts';
import { buildTopology, forwardingOn } from './topology.ts';
import { type ProbeResult, runProbes } from './traffic.ts';
import { attachAll, type LabDatapaths, loadDatapaths, type Mode } from './xdp.ts';

export interface LabOptions {
  mode?: Mode;
  /** Leave everything up (the state file stays; `fwctl lab --cleanup NAME` removes it). */
  keep?: boolean;
  /** Lab name (default fwl<pid>). */
  name?: string;
  /** How long a probe waits for its answer (default 1000 ms). */
  timeoutMs?: number;
  /** Progress, one human line at a time. */
  log?: (line: string) => void;
  /** Called after each probe. */
  onProbe?: (r: ProbeResult) => void;
}

/** Agents never outlive this (they also exit when the lab process goes away). */
const AGENT_LIFETIME_MS = 10 * 60_000;

/** SIGINT/SIGTERM while the lab runs: stop at the next step, clean up, then report. */
function signalGuard(log: (l: string) => void): { check: () => void; aborted: () => string | null; release: () => void } {
  let got: string | null = null;
  const on = (sig: string) => {
    if (got) {
      log(`${sig} again: still cleaning up, please wait`);
      return;
    }
    got = sig;
    log(`${sig}: stopping, then removing what the lab made`);
  };
  const handlers = { SIGINT: () => on('SIGINT'), SIGTERM: () => on('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    check: () => {
      if (got) throw new LabError('E_LAB_INTERRUPTED', `interrupted by ${got}`);
    },
    aborted: () => got,
    release: () => {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    },
  };
}

export async function runLab(opts: LabOptions = {}): Promise<LabReport> {
  const mode = opts.mode ?? 'native';
  const log = opts.log ?? (() => {});
  const plan = labPlan(opts.name ?? labNameFor());
  const state = newState(plan.name);
  const guard = signalGuard(log);
  const report: LabReport = {
    event_type: 'lab', lab: plan.name, mode,
    topology: {
      namespaces: plan.netns,
      hosts: Object.values(plan.hosts).map((h) => ({ role: h.role, netns: h.netns, ipv4: h.v4, ipv6: h.v6, note: h.note })),
      xdp: [], forwarding: null,
    },
    policy: null, probes: [], scan: null, flood: null, counters: {}, address_sets: null,
    summary: { probes: 0, as_expected: 0, unexpected: [] }, kept: false, cleanup: null, error: null, ok: false,
  };
  let dps: LabDatapaths | undefined;
  let pinned: PinnedDatapath | undefined;
  const agents: Agent[] = [];
  const done: ProbeResult[] = []; // as they complete, so an interrupted run still reports them
  try {
    saveState(state);
    log(`building namespaces ${plan.netns.client}, ${plan.netns.gateway}, ${plan.netns.server}`);
    buildTopology(plan, state);
    report.topology.forwarding = (({ v4, v6 }) => ({ ipv4: v4, ipv6: v6 }))(forwardingOn(plan.netns.gateway));
    guard.check();
    log(`loading the datapath, pinning it as ${plan.instance}, attaching in ${mode} mode`);
    dps = loadDatapaths(plan, state);
    report.topology.xdp = await attachAll(plan, state, mode);
    guard.check();
    pinned = PinnedDatapath.open(plan.instance);
    const policy: AppliedPolicy = loadLabPolicy(plan.instance, plan);
    report.policy = { name: policy.name, summary: policy.summary };
    log(`policy: ${policy.name}`);

    const probes = probesOf(plan);
    const seen = new Set<string>();
    // Both start in parallel; each one that started is stopped in `finally`, even if the other failed.
    const started = await Promise.allSettled([
      Agent.start('server', plan.netns.server, './agent-server.ts',
        { ...listenersFor(plan, probes), lifetimeMs: AGENT_LIFETIME_MS },
        (m) => { if (m.event === 'seen') seen.add(String(m.token)); }),
      Agent.start('client', plan.netns.client, './agent-client.ts', { lifetimeMs: AGENT_LIFETIME_MS }),
    ]);
    for (const s of started) if (s.status === 'fulfilled') agents.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const client = agents.find((a) => a.name === 'client')!;
    guard.check();
    log(`sending ${probes.length} probes`);
    const dp = pinned;
    const results = await runProbes(probes, {
      client, serverSeen: seen, readCounters: () => dp.readReasonCounters(), policy, timeoutMs: opts.timeoutMs ?? 1000,
      checkAbort: guard.check, onResult: (r) => { done.push(r); opts.onProbe?.(r); },
    });
    report.probes = results.map(probeRecord);
    // Issue 5, the port-scan phase (scan.ts): the detector blocks a prober, the client keeps working.
    log('port-scan phase: a prober scans the server, the detector blocks it');
    const scan = await runScanPhase({
      plan, client, serverSeen: seen, readCounters: () => dp.readReasonCounters(), policy, firstId: probes.length + 1,
      timeoutMs: opts.timeoutMs ?? 1000, checkAbort: guard.check, onResult: (r) => { done.push(r); opts.onProbe?.(r); },
    });
    report.scan = scan.report;
    report.probes.push(...scan.results.map(probeRecord));
    // Issue 5, the SYN-flood phase (flood.ts): the web service protected, flooded, still answered.
    // Native mode only: the generator's frames reach the gateway as XDP frames, which a veth hands
    // only to a peer running XDP natively.
    if (mode === 'native') {
      log('SYN-flood phase: the web service protected, a spoofed SYN flood, web requests through it');
      report.flood = await runFloodPhase({ plan, client, readCounters: () => dp.readReasonCounters(), checkAbort: guard.check });
    } else {
      log('SYN-flood phase skipped: its generator needs the gateway in native mode');
    }
    report.counters = countersRecord(pinned.readReasonCounters());
    report.address_sets = readSetHits(plan.instance);
    const unexpected = report.probes.filter((p) => !p.ok).map((p) => p.id);
    report.summary = { probes: report.probes.length, as_expected: report.probes.length - unexpected.length, unexpected };
  } catch (e) {
    const err = e as Error & { code?: unknown };
    const sig = guard.aborted();
    report.error = sig !== null
      ? { code: 'E_LAB_INTERRUPTED', message: `interrupted by ${sig}` }
      : { code: typeof err.code === 'string' ? err.code : 'E_LAB', message: err.message };
    report.probes = done.map(probeRecord);
    const unexpected = report.probes.filter((p) => !p.ok).map((p) => p.id);
    report.summary = { probes: report.probes.length, as_expected: report.probes.length - unexpected.length, unexpected };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    pinned?.close();
    dps?.gateway.close(); // handles only: pins and attachments stay until the cleanup
    dps?.ends.close();
  }
  if (opts.keep && report.error === null && guard.aborted() === null) {
    state.kept = true;
    saveState(state);
    report.kept = true;
  } else {
    log('removing what the lab made');
    report.cleanup = await cleanupLab(state);
  }
  guard.release();
  report.ok = report.error === null && report.summary.unexpected.length === 0 && report.probes.length > 0 &&
    (report.flood === null || report.flood.ok) &&
    (report.cleanup === null || report.cleanup.errors.length === 0);
  return report;
}
