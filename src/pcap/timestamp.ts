// Packet timestamps: nanoseconds since the epoch as a bigint, or {sec, usec} / {sec, nsec}.

export type Timestamp = bigint | { sec: number; usec: number } | { sec: number; nsec: number };

export function toNs(ts: Timestamp): bigint {
  if (typeof ts === 'bigint') {
    if (ts < 0n) throw new Error(`timestamp must not be negative, got ${ts}`);
    return ts;
  }
  if ('usec' in ts) return BigInt(ts.sec) * 1_000_000_000n + BigInt(ts.usec) * 1000n;
  return BigInt(ts.sec) * 1_000_000_000n + BigInt(ts.nsec);
}
