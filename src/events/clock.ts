// Live records are stamped with bpf_ktime_get_ns() (CLOCK_MONOTONIC, the domain of
// process.hrtime on Linux); EVE wants wall-clock time. The offset between the two is captured once
// and added to every live timestamp. Replayed records already carry the pcap's wall-clock time.

/**
 * CLOCK_REALTIME - CLOCK_MONOTONIC in ns. Date.now() has millisecond resolution, so this waits (at
 * most ~1 ms, once) for the millisecond to tick and pairs that edge with process.hrtime: the offset
 * is then good to a few microseconds rather than to a millisecond. It changes when the wall clock
 * is stepped (NTP, settimeofday): a long-running consumer may capture it again.
 */
export function monotonicToWallOffsetNs(): bigint {
  const start = Date.now();
  let now = start;
  let mono = process.hrtime.bigint();
  while (now === start) {
    mono = process.hrtime.bigint();
    now = Date.now();
  }
  return BigInt(now) * 1_000_000n - mono;
}
