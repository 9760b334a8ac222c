/* SPDX-License-Identifier: MIT */
/* maps.h — every map of the XDP program, declared in one place.
 *
 * Each map says who writes it and who reads it. Sizes are #ifndef defaults (Katran
 * balancer_consts.h style) so a build can change them without touching the code. The names are
 * the FW_MAP_* constants of fwctl_abi.h: userspace opens and pins maps by these names.
 */
#ifndef FW_MAPS_H
#define FW_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"

_Static_assert(FW_REASON__MAX <= FW_REASON_SLOTS, "fw_reason_stats has a slot for every reason");

/* Per-CPU packet and byte counters by verdict reason.
 * Writer: the XDP program, once per packet at its `out:` label (stats.h).
 * Reader: userspace (Datapath.readReasonCounters), summing the CPUs. The key is an enum fw_reason,
 * declared __u32 because the kernel accepts only an integer BTF key type for array maps. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_REASON_SLOTS);
	__type(key, __u32);
	__type(value, struct fw_counter);
} fw_reason_stats SEC(".maps");

/* The parsed form of the last packet, only when cfg_debug_pkt is set (otherwise the verifier
 * prunes the write and the map stays zero).
 * Writer: the XDP program. Reader: tests and `fwctl` debugging (Datapath.debugPacket). One entry,
 * so concurrent CPUs overwrite each other: it is a debugging aid, not a log. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_pkt);
} fw_dbg_pkt SEC(".maps");

#endif /* FW_MAPS_H */
