// The port-scan phase (issue 5): the gateway's scan detector is switched on (src/ratelimit, as
// `fwctl ratelimit load` does), a prober in the client namespace connects to closed ports of the
// server one after another, and XDP blocks it at the first port past the detector's count. Then
// probes show the prober's scanning address blocked while the legitimate client's web and DNS keep
// working and the prober's other address (IPv6, which did not scan) is untouched. Everything
// reported is observed: the client agent's outcomes, the gateway's counters around the scan, the
// block entry and the detector's counters read from the pinned maps.
import type { ReasonLabel } from '../abi/index.ts';
import { blockList, monotonicNowNs, openInstance } from '../addrset/index.ts';
import { diffReasonCounters, type ReasonCounters } from '../datapath/index.ts';
import { applyRateLimits, parseDurationNs, type RateLimitConfig, readAutoblockCounters, readRateLimits } from '../ratelimit/index.ts';
import type { Agent } from './agents.ts';
import type { LabPlan } from './plan.ts';
import type { AppliedPolicy, Expectation } from './policy.ts';
import { type Probe, type ProbeSpec, probesOf } from './probes.ts';
import { type ProbeResult, runProbes } from './traffic.ts';

/** The detector's settings and the scan: `probed` closed ports from `firstPort` (more than `ports`). */
export const SCAN = { ports: 10, window: '60s', block: '2m', probed: 14, firstPort: 20000, timeoutMs: 300 } as const;

/** The probes after the scan. */
export const AFTER_SCAN: readonly ProbeSpec[] = [
  { name: 'web from the prober', proto: 'tcp', port: 80, from: 'prober', to: 'server' },
  { name: 'web', proto: 'tcp', port: 80, from: 'client', to: 'server' },
  { name: 'dns', proto: 'udp', port: 53, from: 'client', to: 'server' },
];

export interface ScanReport {
  detector: { ports: number; window_s: number; block_s: number };
  prober: string;
  /** Each port the prober tried, in order, and what its socket saw (refused: the server's RST). */
  probed: Array<{ port: number; observed: string }>;
  /** Ports answered before the first one that went unanswered (the detector's count). */
  answered_before_block: number;
  /** Packets the gateway counted during the scan, by reason. */
  gateway: Partial<Record<ReasonLabel, number>>;
  /** The prober's entry in the dynamic block list, as the pinned maps hold it after the scan. */
  block: { prefix: string; source: string; reason: string; remaining_s: number | null; hits: number } | null;
  autoblock: Record<string, number>;
}

export interface ScanPhaseOptions {
  plan: LabPlan;
  client: Agent;
  serverSeen: ReadonlySet<string>;
  readCounters: () => ReasonCounters;
  policy: AppliedPolicy;
  /** Probe ids continue after the ones already run. */
  firstId: number;
  timeoutMs: number;
  checkAbort: () => void;
  onResult?: (r: ProbeResult) => void;
}

const nonZero = (d: ReasonCounters): Partial<Record<ReasonLabel, number>> => {
  const out: Partial<Record<ReasonLabel, number>> = {};
  for (const [k, c] of Object.entries(d) as Array<[ReasonLabel, { packets: bigint }]>) if (c.packets) out[k] = Number(c.packets);
  return out;
};

/** The probes of the phase, numbered after the earlier ones. */
export function scanProbes(plan: LabPlan, firstId: number): Probe[] {
  return probesOf(plan, AFTER_SCAN, 'scan').map((p) => ({ ...p, id: p.id + firstId - 1 }));
}

/** What the phase expects of a probe: the prober's IPv4 address (the one that scanned) blocked. */
export function scanExpect(plan: LabPlan, policy: AppliedPolicy, probe: Probe): Expectation {
  if (probe.src === plan.hosts.prober.v4) {
    return { outcome: 'dropped', reason: 'dyn_block', why: `${probe.src} was blocked automatically: a port scan (more than ${SCAN.ports} ports in ${SCAN.window})` };
  }
  return policy.expect(probe);
}

export async function runScanPhase(o: ScanPhaseOptions): Promise<{ report: ScanReport; results: ProbeResult[] }> {
  const { plan } = o;
  const dp = openInstance(plan.instance);
  let saved: RateLimitConfig;
  try {
    saved = readRateLimits(dp);
    applyRateLimits(dp, {
      ...saved,
      detectors: { ...saved.detectors, scan: { ports: SCAN.ports, windowNs: parseDurationNs(SCAN.window, 'scan window') }, blockNs: parseDurationNs(SCAN.block, 'block') },
    });
  } finally {
    dp.close();
  }
  const prober = plan.hosts.prober.v4;
  const before = o.readCounters();
  const probed: ScanReport['probed'] = [];
  for (let i = 0; i < SCAN.probed; i++) {
    o.checkAbort();
    const port = SCAN.firstPort + i;
    const a = await o.client.request({
      id: 100_000 + i, proto: 'tcp', family: 4, src: prober, dst: plan.hosts.server.v4, port, token: `${plan.name}-scanport-${port}`,
      timeoutMs: SCAN.timeoutMs,
    }, SCAN.timeoutMs + 5000);
    probed.push({ port, observed: String(a.observed) });
  }
  const gateway = nonZero(diffReasonCounters(before, o.readCounters()));
  const firstSilent = probed.findIndex((p) => p.observed === 'timed out');

  const probes = scanProbes(plan, o.firstId);
  const policy: AppliedPolicy = { ...o.policy, expect: (p) => scanExpect(plan, o.policy, p) };
  const results = await runProbes(probes, {
    client: o.client, serverSeen: o.serverSeen, readCounters: o.readCounters, policy, timeoutMs: o.timeoutMs,
    checkAbort: o.checkAbort, onResult: o.onResult,
  });

  const dp2 = openInstance(plan.instance);
  try {
    const now = monotonicNowNs();
    const e = blockList(dp2, { nowNs: now, gc: false }).find((b) => b.prefix === `${prober}/32`);
    const autoblock = readAutoblockCounters(dp2);
    applyRateLimits(dp2, saved); // the detector off again: later phases meet the gateway as it was (the block stays)
    return {
      results,
      report: {
        detector: { ports: SCAN.ports, window_s: Number(parseDurationNs(SCAN.window, 'w')) / 1e9, block_s: Number(parseDurationNs(SCAN.block, 'b')) / 1e9 },
        prober,
        probed,
        answered_before_block: firstSilent < 0 ? probed.length : firstSilent,
        gateway,
        block: e ? {
          prefix: e.prefix, source: e.source, reason: e.reason, hits: Number(e.hits),
          remaining_s: e.expiresNs === null ? null : Math.round(Number(e.expiresNs - now) / 1e9),
        } : null,
        autoblock,
      },
    };
  } finally {
    dp2.close();
  }
}

/** The phase in the text report. */
export function renderScan(s: ScanReport): string[] {
  const out = ['', `port-scan phase: detector on (more than ${s.detector.ports} ports per source in ${s.detector.window_s} s, block ${s.detector.block_s} s)`];
  out.push(`  ${s.prober} probed ${s.probed.length} closed ports ${s.probed[0]?.port}..${s.probed.at(-1)?.port}: ` +
    `${s.answered_before_block} answered (refused), then nothing got through`);
  out.push(`  gateway during the scan: ${Object.entries(s.gateway).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`);
  out.push(s.block
    ? `  block list: ${s.block.prefix} source ${s.block.source}, "${s.block.reason}", ${s.block.hits} packets dropped, expires in ${s.block.remaining_s} s`
    : '  block list: NO entry for the prober');
  out.push(`  detector counters: ${s.autoblock.scan} scans, ${s.autoblock.flood} floods`);
  return out;
}
