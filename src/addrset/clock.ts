// The block list's clock. Expiries live in the CLOCK_MONOTONIC domain of bpf_ktime_get_ns(), which
// is what the XDP program compares them with on live traffic (fw_pkt.ts_ns); process.hrtime is the
// same clock on Linux (libuv reads CLOCK_MONOTONIC). Wall-clock times exist only for display.

/** Now, in CLOCK_MONOTONIC nanoseconds. */
export function monotonicNowNs(): bigint {
  return process.hrtime.bigint();
}

/** The wall-clock time of a monotonic instant, by the offset between the two clocks now. */
export function wallTimeOf(monoNs: bigint, nowMonoNs: bigint = monotonicNowNs(), nowWallMs: number = Date.now()): Date {
  return new Date(nowWallMs + Number(monoNs - nowMonoNs) / 1e6);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:(\d+)(ms|s|m|h|d|w))+$/;
const PART = /(\d+)(ms|s|m|h|d|w)/g;

/** "90s", "10m", "1h30m", "2d", a bare number of seconds -> milliseconds; null for "never". Throws
 *  RangeError on anything else. */
export function parseDurationMs(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === 'forever') return null;
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!DURATION.test(t)) throw new RangeError(`"${text}" is not a duration (90s, 10m, 1h30m, 2d, or never)`);
  let ms = 0;
  for (const m of t.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/** 3725000 -> "1h2m5s"; sub-second remainders are dropped. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.max(Math.round(ms), 0)}ms`;
  let s = Math.floor(ms / 1000);
  const out: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      out.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || out.length === 0) out.push(`${s}s`);
  return out.join('');
}
