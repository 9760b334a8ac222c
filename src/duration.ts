// Durations as operators write them: "1500ms", "90s", "10m", "1h30m", "2d", "1w", or a bare
// number of seconds. One grammar for block TTLs, rate-limit windows and block times.

const UNIT_NS: Record<string, bigint> = {
  ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n, w: 604_800_000_000_000n,
};
const DURATION = /^(?:(\d+)(ms|s|m|h|d|w))+$/;
const PART = /(\d+)(ms|s|m|h|d|w)/g;

/** The duration in nanoseconds, or null when the text is not one. */
export function durationNs(text: string): bigint | null {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return BigInt(t) * UNIT_NS.s;
  if (!DURATION.test(t)) return null;
  let ns = 0n;
  for (const m of t.matchAll(PART)) ns += BigInt(m[1]) * UNIT_NS[m[2]];
  return ns;
}
