// The run's report: one row per engine (the best of its rounds), ratios against nftables' linear
// chain, and the checks that make the numbers comparable.
import type { EngineName, EngineSetup } from './engines.ts';

/** The verification run before the timed one: 'rules' = every rule counted what the reference
 *  evaluator expects, 'total' = the engine counts no rules (every frame was dropped), 'FAIL'. */
export interface Verification {
  level: 'rules' | 'total' | 'FAIL';
  problems: string[];
}

export interface Sample {
  engine: EngineName;
  setup: EngineSetup;
  /** Frames the generator ran on, and the time it ran. */
  frames: number;
  ns: number;
  /** CPU time the generator's CPU spent on the run (generator + softirq work), from gen-child. */
  cpuNs: number;
  /** The part of cpuNs that ksoftirqd spent (softirq work deferred from the generator's context). */
  softirqNs: number;
  /** Packets the engine dropped while the generator ran, and how many of them the catch-all did. */
  dropped: bigint;
  byLast: bigint;
  /** Packets the engine saw and did not drop (XDP only; must be 0). */
  passed: bigint;
  /** Packets that reached the receiving device (ip -s link). */
  rx: bigint;
  /** The verification run (first round only; null when skipped). */
  verified: Verification | null;
}

export interface Row {
  engine: EngineName;
  rules: number | null;
  detail: string;
  /** Best dropped Mpps over the rounds, and every round's. */
  mpps: number | null;
  samples: number[];
  offeredMpps: number | null;
  /** Best row's mpps / nft's. */
  ratio: number | null;
  /** Drops per CPU-second spent on the run (same sample): what one whole core would do. */
  mppsCpu: number | null;
  ratioCpu: number | null;
  /** The share of its core the run got (cpuNs / ns): below ~0.9 the machine was busy. */
  cpuShare: number | null;
  /** CPU ns per dropped packet (generator included), and that minus xdp-bare's: the engine's own cost. */
  nsPerPacket: number | null;
  nsOverBare: number | null;
  /** Share of the drops made by the catch-all (1 when the traffic matched no other rule). */
  catchAllShare: number | null;
  verified: Verification['level'] | null;
  error?: string;
}

export const mppsOf = (s: Sample): number => (Number(s.dropped) / s.ns) * 1e3;
export const mppsCpuOf = (s: Sample): number => (Number(s.dropped) / s.cpuNs) * 1e3;

export function buildRows(engines: EngineName[], samples: Sample[], errors: Map<EngineName, string>): Row[] {
  const rows = engines.map((engine): Row => {
    const mine = samples.filter((s) => s.engine === engine);
    if (mine.length === 0) {
      return {
        engine, rules: null, detail: '', mpps: null, samples: [], offeredMpps: null, ratio: null, mppsCpu: null, ratioCpu: null, cpuShare: null,
        nsPerPacket: null, nsOverBare: null, catchAllShare: null, verified: null, error: errors.get(engine) ?? 'no sample',
      };
    }
    const best = mine.reduce((a, b) => (mppsOf(b) > mppsOf(a) ? b : a));
    return {
      engine,
      rules: best.setup.rules,
      detail: best.setup.detail,
      mpps: mppsOf(best),
      samples: mine.map(mppsOf),
      offeredMpps: (best.frames / best.ns) * 1e3,
      ratio: null,
      mppsCpu: best.cpuNs > 0 ? mppsCpuOf(best) : null,
      ratioCpu: null,
      cpuShare: best.cpuNs / best.ns,
      nsPerPacket: best.cpuNs > 0 && best.dropped > 0n ? best.cpuNs / Number(best.dropped) : null,
      nsOverBare: null,
      catchAllShare: best.dropped === 0n ? null : Number(best.byLast) / Number(best.dropped),
      verified: mine.find((m) => m.verified)?.verified?.level ?? null,
      ...(errors.has(engine) ? { error: errors.get(engine) } : {}),
    };
  });
  const ref = rows.find((r) => r.engine === 'nft');
  const bare = rows.find((r) => r.engine === 'xdp-bare')?.nsPerPacket;
  for (const r of rows) {
    r.nsOverBare = bare && r.nsPerPacket !== null ? r.nsPerPacket - bare : null;
    r.ratio = ref?.mpps && r.mpps !== null ? r.mpps / ref.mpps : null;
    r.ratioCpu = ref?.mppsCpu && r.mppsCpu !== null ? r.mppsCpu / ref.mppsCpu : null;
  }
  return rows;
}

/** Problems that make a row's number meaningless or not comparable. */
export function checks(samples: Sample[]): string[] {
  const out: string[] = [];
  for (const s of samples) {
    for (const p of s.verified?.problems ?? []) out.push(`${s.engine}: verification: ${p}`);
    if (s.dropped === 0n) out.push(`${s.engine}: dropped nothing`);
    else if (s.byLast !== s.dropped) out.push(`${s.engine}: ${s.dropped - s.byLast} of ${s.dropped} drops were not by the catch-all (traffic matched a rule)`);
    if (s.passed !== 0n) out.push(`${s.engine}: ${s.passed} packets were not dropped`);
    if (s.rx < BigInt(s.frames)) out.push(`${s.engine}: ${BigInt(s.frames) - s.rx} of ${s.frames} frames never reached the receiver (veth ring full)`);
    if (s.dropped < s.rx) out.push(`${s.engine}: ${s.rx - s.dropped} received frames were not dropped`);
  }
  return out;
}

function fmt(n: number | null, digits: number): string {
  return n === null ? '-' : n.toFixed(digits);
}

export function renderTable(rows: Row[]): string[] {
  const x = (v: number | null) => (v === null ? '-' : `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}x`);
  const ns = (v: number | null) => (v === null ? '-' : v.toFixed(0));
  const multi = rows.some((r) => r.samples.length > 1);
  const head = ['engine', 'rules', 'Mpps', 'x nft', 'Mpps/core', 'x nft', 'ns/pkt', '+ns', 'core', 'verified', ...(multi ? ['rounds (Mpps)'] : []), 'what'];
  const body = rows.map((r) => [
    r.engine,
    r.rules === null ? '-' : String(r.rules),
    fmt(r.mpps, 3),
    x(r.ratio),
    fmt(r.mppsCpu, 3),
    x(r.ratioCpu),
    ns(r.nsPerPacket),
    ns(r.nsOverBare),
    r.cpuShare === null ? '-' : `${Math.round(r.cpuShare * 100)}%`,
    r.verified ?? '-',
    ...(multi ? [r.samples.map((v) => v.toFixed(3)).join(' ')] : []),
    r.error ? `FAILED: ${r.error}` : r.detail,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}
