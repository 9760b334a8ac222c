// The run's report: one row per engine (the best of its rounds), ratios against nftables' linear
// chain, and the checks that make the numbers comparable.
import type { EngineName, EngineSetup } from './engines.ts';

export interface Sample {
  engine: EngineName;
  setup: EngineSetup;
  /** Frames the generator ran on, and the time it ran. */
  frames: number;
  ns: number;
  /** CPU time the generator's CPU spent on the run (generator + softirq work), from gen-child. */
  cpuNs: number;
  /** Packets the engine dropped while the generator ran, and how many of them the catch-all did. */
  dropped: bigint;
  byLast: bigint;
  /** Packets the engine saw and did not drop (XDP only; must be 0). */
  passed: bigint;
  /** Packets that reached the receiving device (ip -s link). */
  rx: bigint;
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
  /** Share of the drops made by the catch-all (1 when the traffic matched no other rule). */
  catchAllShare: number | null;
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
        catchAllShare: null, error: errors.get(engine) ?? 'no sample',
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
      catchAllShare: best.dropped === 0n ? null : Number(best.byLast) / Number(best.dropped),
      ...(errors.has(engine) ? { error: errors.get(engine) } : {}),
    };
  });
  const ref = rows.find((r) => r.engine === 'nft');
  for (const r of rows) {
    r.ratio = ref?.mpps && r.mpps !== null ? r.mpps / ref.mpps : null;
    r.ratioCpu = ref?.mppsCpu && r.mppsCpu !== null ? r.mppsCpu / ref.mppsCpu : null;
  }
  return rows;
}

/** Problems that make a row's number meaningless or not comparable. */
export function checks(samples: Sample[]): string[] {
  const out: string[] = [];
  for (const s of samples) {
    if (s.dropped === 0n) out.push(`${s.engine}: dropped nothing`);
    else if (s.byLast !== s.dropped) out.push(`${s.engine}: ${s.dropped - s.byLast} of ${s.dropped} drops were not by the catch-all (traffic matched a rule)`);
    if (s.passed !== 0n) out.push(`${s.engine}: ${s.passed} packets were not dropped`);
  }
  return out;
}

function fmt(n: number | null, digits: number): string {
  return n === null ? '-' : n.toFixed(digits);
}

export function renderTable(rows: Row[]): string[] {
  const x = (v: number | null) => (v === null ? '-' : `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}x`);
  const head = ['engine', 'rules', 'Mpps', 'x nft', 'Mpps/core', 'x nft', 'core', 'offered', 'rounds (Mpps)', 'what'];
  const body = rows.map((r) => [
    r.engine,
    r.rules === null ? '-' : String(r.rules),
    fmt(r.mpps, 3),
    x(r.ratio),
    fmt(r.mppsCpu, 3),
    x(r.ratioCpu),
    r.cpuShare === null ? '-' : `${Math.round(r.cpuShare * 100)}%`,
    fmt(r.offeredMpps, 3),
    r.samples.map((v) => v.toFixed(3)).join(' '),
    r.error ? `FAILED: ${r.error}` : r.detail,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}
