// The differential harness: random rulesets and packet sequences through a system under test (the
// XDP program, once its classifier loads rules) and through the reference engine; every packet
// must get the same verdict, reason, deciding sid, flags and (when the system reports them) alerts.
// Wiring a datapath is a few lines:
//
//   await checkDifferential({
//     load: (rules) => dp.loadRules(rules),                     // whatever the loader is
//     run: (frame, ts) => ({ ...dp.runPacket(frame, ts), alerts: drainAlertSids() }),
//     resetFlows: () => dp.clearFlows(),
//   }, { maxRules: 500, numRuns: 200 });
import fc from 'fast-check';

import type { Rule } from '../../src/rules/index.ts';
import { ReferenceEngine, type Decision, type EngineOptions } from '../../src/rules/reference/index.ts';
import { arbPacketSequence, describe, type GeneratedPacket } from './packets.ts';
import { arbRuleset, compileRuleset, type GeneratedRuleset } from './rules.ts';

/** What a system reports for one packet (RunResult has all but alerts). */
export interface Observed {
  verdict: string;
  reason: string;
  sigId: number;
  flags: number;
  /** Alert sids, if the system can report them for this packet (any order, duplicates allowed). */
  alerts?: number[];
}

export interface SystemUnderTest {
  /** Makes `rules` (compiled from `rs.text`) the active ruleset and forgets flow state. */
  load(rules: Rule[], rs: GeneratedRuleset): void | Promise<void>;
  run(frame: Buffer, tsNs: bigint): Observed | Promise<Observed>;
}

export interface DifferentialOptions {
  minRules?: number;
  maxRules?: number;
  dpiFraction?: number;
  /** Fraction of rules with flow keywords (half as many with flowbits); default 0. */
  flowFraction?: number;
  /** Packet sequences hold TCP conversations and UDP/ICMP answers (arbPacketSequence sessions). */
  sessions?: boolean;
  /** Packets per ruleset (a sequence, with recurring TCP flows). */
  maxPackets?: number;
  numRuns?: number;
  /** seed and path from a failure report replay exactly that case. */
  seed?: number;
  path?: string;
  engine?: EngineOptions;
}

export interface DifferentialStats {
  rulesets: number;
  packets: number;
  reasons: Record<string, number>;
}

export function expected(d: Decision): Required<Observed> {
  return { verdict: d.verdict, reason: d.reason, sigId: d.sigId, flags: d.flags, alerts: d.alerts };
}

/** Field-by-field differences, empty when the system agrees with the reference. */
export function differences(want: Required<Observed>, got: Observed): string[] {
  const out: string[] = [];
  for (const k of ['verdict', 'reason', 'sigId', 'flags'] as const) {
    if (want[k] !== got[k]) out.push(`${k}: reference ${want[k]}, system ${got[k]}`);
  }
  if (got.alerts) {
    const g = [...new Set(got.alerts)].sort((a, b) => a - b);
    if (g.join(',') !== want.alerts.join(',')) out.push(`alerts: reference [${want.alerts}], system [${g}]`);
  }
  return out;
}

function report(rs: GeneratedRuleset, seq: GeneratedPacket[], i: number, diffs: string[]): string {
  const history = seq.slice(Math.max(0, i - 5), i).map((p) => `    earlier: ${describe(p.spec)}`).join('\n');
  return [
    `packet ${i} of ${seq.length}: ${describe(seq[i].spec)}`,
    `  frame ${seq[i].frame.toString('hex')}`,
    history,
    ...diffs.map((d) => `  ${d}`),
    `ruleset (${rs.specs.length} rules):`,
    rs.text,
  ].filter(Boolean).join('\n');
}

/** Runs the property; throws with a readable report (packet, frame, differences, ruleset) on the first disagreement. */
export async function checkDifferential(sut: SystemUnderTest, o: DifferentialOptions = {}): Promise<DifferentialStats> {
  const stats: DifferentialStats = { rulesets: 0, packets: 0, reasons: {} };
  const arb = arbRuleset({ minRules: o.minRules ?? 1, maxRules: o.maxRules ?? 100, dpiFraction: o.dpiFraction, flowFraction: o.flowFraction }).chain((rs) => {
    const rules = compileRuleset(rs);
    return fc.tuple(fc.constant(rs), fc.constant(rules), arbPacketSequence(rules, { maxLength: o.maxPackets ?? 40, sessions: o.sessions }));
  });
  const result = await fc.check(fc.asyncProperty(arb, async ([rs, rules, seq]) => {
    await sut.load(rules, rs);
    const ref = new ReferenceEngine(rules, o.engine);
    stats.rulesets++;
    for (let i = 0; i < seq.length; i++) {
      const ts = BigInt(i + 1) * 1000n;
      const want = expected(ref.run(seq[i].frame, ts));
      const got = await sut.run(seq[i].frame, ts);
      stats.packets++;
      stats.reasons[want.reason] = (stats.reasons[want.reason] ?? 0) + 1;
      const diffs = differences(want, got);
      if (diffs.length) throw new Error(report(rs, seq, i, diffs));
    }
  }), { numRuns: o.numRuns ?? 100, seed: o.seed, path: o.path });
  if (result.failed) {
    // The report names the packet, the frame and the ruleset; seed and path replay the case.
    const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    throw new Error(`${why}\n(fast-check seed ${result.seed}, path "${result.counterexamplePath}", after ${result.numRuns} runs, shrunk ${result.numShrinks} times)`);
  }
  return stats;
}
