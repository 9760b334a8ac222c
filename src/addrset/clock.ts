// The block list's clock. Expiries live in the CLOCK_MONOTONIC domain of bpf_ktime_get_ns(), which
// is what the XDP program compares them with on live traffic (fw_pkt.ts_ns); process.hrtime is the
// same clock on Linux (libuv reads CLOCK_MONOTONIC). Wall-clock times exist only for display.
import { durationNs } from '../duration.ts';

/** Now, in CLOCK_MONOTONIC nanoseconds. */
export function monotonicNowNs(): bigint {
  return process.hrtime.bigint();
}

/** The wall-clock time of a monotonic instant, by the offset between the two clocks now. */
export function wallTimeOf(monoNs: bigint, nowMonoNs: bigint = monotonicNowNs(), nowWallMs: number = Date.now()): Date {
  return new Date(nowWallMs + Number(monoNs - nowMonoNs) / 1e6);
}

/** "90s", "10m", "1h30m", "2d", a bare number of seconds (src/duration.ts) -> milliseconds; null
 *  for "never". Throws RangeError on anything else. */
export function parseDurationMs(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === 'forever') return null;
  const ns = durationNs(t);
  if (ns === null) throw new RangeError(`"${text}" is not a duration (90s, 10m, 1h30m, 2d, or never)`);
  return Number(ns / 1_000_000n);
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
