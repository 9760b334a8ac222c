/* SPDX-License-Identifier: MIT */
/* config.h — load-time knobs (libbpf-bootstrap style).
 *
 * `const volatile` globals live in .rodata: userspace sets them before load (Datapath options),
 * the kernel freezes them, and the verifier treats them as constants, so a branch on a knob that
 * is off is pruned from the verified program. Every knob is 4 bytes and defaults to the value a
 * gateway should run with.
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include <linux/types.h>

#include "fwctl_abi.h"

/* enum fw_malformed_policy for packets the parser could not read (reasons malformed_* and the two
 * depth limits). Default DROP: a packet the parser could not read cannot be classified, and
 * passing it would let anyone skip every rule by truncating or corrupting a header (a TCP header
 * cut before its ports matches no port rule); the host stack discards such packets anyway, so
 * dropping them early costs nothing legitimate. PASS exists for monitoring-only deployments. */
const volatile __u32 cfg_malformed_policy = FW_MALFORMED_DROP;

/* Non-zero: copy each packet's struct fw_pkt into fw_dbg_pkt (tests, `fwctl` debugging). */
const volatile __u32 cfg_debug_pkt = 0;


/* The flood guard of the event ring (events.h): a token bucket per CPU that admits a burst of
 * cfg_event_burst records, then cfg_event_rate records per second, timed by the packets' own
 * timestamps (fw_pkt.ts_ns), so a replay meets the same limit as the live traffic it recorded.
 * Per CPU, the limit is per CPU: a box with N CPUs logs at most N x rate. */
const volatile __u32 cfg_event_rate = 10000;
const volatile __u32 cfg_event_burst = 1000;
/* 0 turns the flood guard off (tests and benchmarks only: a flood then fills the ring and the
 * excess is counted as lost). The verifier prunes the bucket code. */
const volatile __u32 cfg_event_ratelimit = 1;
/* Whose per-CPU slot holds the bucket and the event counters: FW_EVENT_CPU_LOCAL (the running
 * CPU, for live traffic) or a fixed CPU number. Replay sets 0: BPF_PROG_TEST_RUN runs on whatever
 * CPU the calling thread is on, and a thread that migrates mid-replay would otherwise split one
 * bucket in two. A fixed slot is written without atomics, so it is only for one runner at a
 * time (a replay thread), never for an attached program. */
const volatile __u32 cfg_event_cpu = FW_EVENT_CPU_LOCAL;

#endif /* FW_CONFIG_H */
