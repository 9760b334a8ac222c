// Runs the probes one at a time through the client agent and reads the gateway's counters around
// each, so every probe gets what the datapath counted for it (packets by reason), next to what the
// client observed and whether the server saw it. Nothing here decides an outcome: the client's
// sockets and the datapath's maps do; the policy only says what was expected.
import type { ReasonLabel } from '../abi/index.ts';
import { diffReasonCounters, type ReasonCounters } from '../datapath/index.ts';
import type { Agent } from './agents.ts';
import type { AppliedPolicy, Expectation, ExpectedOutcome } from './policy.ts';
import type { Probe } from './probes.ts';

export type Observed = 'delivered' | 'timed out' | 'refused' | 'unreachable' | 'error';

export interface ProbeResult {
  probe: Probe;
  expected: Expectation;
  observed: Observed;
  detail: string;
  ms: number;
  /** Whether the server agent received the probe's payload (null for ICMP echo, which the
   *  server's kernel answers). */
  serverSaw: boolean | null;
  /** Packets the gateway counted during the probe, by reason (non-zero only). */
  gateway: Partial<Record<ReasonLabel, number>>;
  /** The observed outcome is the expected one. */
  outcomeOk: boolean;
  /** The gateway counted the probe under the expected reason, and (for a delivered probe) under
   *  no reason that stops packets. */
  datapathOk: boolean;
}

/** Reasons under which a packet goes on (XDP_PASS). Any other reason stopped the packet. */
export const PASSING_REASONS: ReadonlySet<string> = new Set([
  'pass_default', 'non_ip', 'fragment', 'rule_pass', 'rule_alert', 'rule_flag', 'allow_list',
]);

const OBSERVED_FOR: Record<ExpectedOutcome, readonly Observed[]> = {
  delivered: ['delivered'],
  dropped: ['timed out'],
  refused: ['refused', 'unreachable'],
};

function packetsByReason(delta: ReasonCounters): Partial<Record<ReasonLabel, number>> {
  const out: Partial<Record<ReasonLabel, number>> = {};
  for (const [k, c] of Object.entries(delta) as Array<[ReasonLabel, { packets: bigint }]>) if (c.packets !== 0n) out[k] = Number(c.packets);
  return out;
}

export function judge(expected: Expectation, observed: Observed, gateway: Partial<Record<ReasonLabel, number>>): { outcomeOk: boolean; datapathOk: boolean } {
  const outcomeOk = OBSERVED_FOR[expected.outcome].includes(observed);
  const counted = (gateway[expected.reason] ?? 0) > 0;
  const stopped = Object.keys(gateway).some((r) => !PASSING_REASONS.has(r));
  return { outcomeOk, datapathOk: counted && (expected.outcome !== 'delivered' || !stopped) };
}

export interface RunProbesOptions {
  client: Agent;
  /** Tokens the server agent reported seeing (filled as its events arrive). */
  serverSeen: ReadonlySet<string>;
  readCounters: () => ReasonCounters;
  policy: AppliedPolicy;
  timeoutMs: number;
  /** Throws to stop between probes (SIGINT). */
  checkAbort: () => void;
  /** Called after each probe (serverSaw is filled in only when all are done). */
  onResult?: (r: ProbeResult) => void;
}

export async function runProbes(probes: readonly Probe[], o: RunProbesOptions): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of probes) {
    o.checkAbort();
    const before = o.readCounters();
    const answer = await o.client.request({
      id: probe.id, proto: probe.proto, family: probe.family, src: probe.src, dst: probe.dst, port: probe.port,
      token: probe.token, timeoutMs: o.timeoutMs,
    }, o.timeoutMs + 5000);
    const gateway = packetsByReason(diffReasonCounters(before, o.readCounters()));
    const expected = o.policy.expect(probe);
    const observed = answer.observed as Observed;
    const r: ProbeResult = {
      probe, expected, observed, detail: String(answer.detail), ms: Number(answer.ms), serverSaw: null, gateway,
      ...judge(expected, observed, gateway),
    };
    results.push(r);
    o.onResult?.(r);
  }
  // The server's reports travel on another pipe: give the last ones a moment to arrive.
  await new Promise((r) => setTimeout(r, 100));
  for (const r of results) {
    r.serverSaw = r.probe.proto === 'icmp' ? null : o.serverSeen.has(r.probe.token);
  }
  return results;
}
