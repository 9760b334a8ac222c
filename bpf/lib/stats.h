/* SPDX-License-Identifier: MIT */
/* stats.h — per-CPU counters by verdict reason. */
#ifndef FW_STATS_H
#define FW_STATS_H

#include "maps.h"

/* Counts one packet of `bytes` frame bytes under `reason`. Per-CPU slots, so no atomics: the
 * program owns its CPU's copy for the duration of the run. */
static __always_inline void stats_count(__u32 reason, __u64 bytes)
{
	struct fw_counter *c;

	c = bpf_map_lookup_elem(&fw_reason_stats, &reason);
	if (!c)
		return;
	c->packets++;
	c->bytes += bytes;
}

#endif /* FW_STATS_H */
