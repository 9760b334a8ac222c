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
_Static_assert(FW_EVENT_STAT__MAX <= FW_EVENT_STAT_SLOTS, "fw_event_stats has a slot for every stat");

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

/* The packet being decided (its parsed form), per CPU: it lives here rather than on the 512-byte
 * stack, which the classifier's call chain needs (fwctl.bpf.c zeroes it first for each packet).
 * Writer and reader: the XDP program, within one run. A test run interrupted by a live packet on
 * its CPU (softirq) would see it overwritten: run replays and traces on an object that is not
 * attached (see the classifier's scratch map in cls_walk.h too). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_pkt);
} fw_pkt_buf SEC(".maps");

/* ---- Address sets (addrset.h; bpf/README.md "Address sets") --------------------------------- */

/* Capacity of each static set per family, and of the dynamic block list. LPM tries are
 * BPF_F_NO_PREALLOC: memory follows the entries, so these are caps, not reservations (about 100
 * bytes per IPv4 prefix, 120 per IPv6 prefix, intermediate nodes included). */
#ifndef FW_ASET_V4_MAX
#define FW_ASET_V4_MAX (1 << 20)
#endif
#ifndef FW_ASET_V6_MAX
#define FW_ASET_V6_MAX (1 << 18)
#endif
#ifndef FW_BLOCK_V4_MAX
#define FW_BLOCK_V4_MAX (1 << 16)
#endif
#ifndef FW_BLOCK_V6_MAX
#define FW_BLOCK_V6_MAX (1 << 16)
#endif

/* A static set generation: an LPM trie of prefixes; the value is reserved (0).
 * Writer: userspace (src/addrset), only into the generation fw_aset4/6 does not point at.
 * Reader: the XDP program, through fw_aset4/6. */
struct fw_lpm4_set {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FW_ASET_V4_MAX);
	__type(key, struct fw_lpm_v4);
	__type(value, __u32);
};

struct fw_lpm6_set {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FW_ASET_V6_MAX);
	__type(key, struct fw_lpm_v6);
	__type(value, __u32);
};

struct fw_lpm4_set fw_allow4_a SEC(".maps"), fw_allow4_b SEC(".maps"), fw_deny4_a SEC(".maps"),
	fw_deny4_b SEC(".maps");
struct fw_lpm6_set fw_allow6_a SEC(".maps"), fw_allow6_b SEC(".maps"), fw_deny6_a SEC(".maps"),
	fw_deny6_b SEC(".maps");

/* The live generation of each static set, slot = enum fw_aset_kind (allow, deny).
 * Writer: userspace, one slot update per set replace (the "index flip"); the kernel waits for
 * running programs before the update returns (synchronize_rcu for map-in-map), so afterwards the
 * old generation has no reader and may be cleared. Reader: the XDP program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct fw_lpm4_set);
} fw_aset4 SEC(".maps") = {
	.values = { [FW_ASET_ALLOW] = &fw_allow4_a, [FW_ASET_DENY] = &fw_deny4_a },
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct fw_lpm6_set);
} fw_aset6 SEC(".maps") = {
	.values = { [FW_ASET_ALLOW] = &fw_allow6_a, [FW_ASET_DENY] = &fw_deny6_a },
};

/* The dynamic block list: prefix -> struct fw_block (expiry, reason, hits).
 * Writer: userspace (blockAdd/blockDel/blockGc: `fwctl block`, later the daemon's detectors);
 * the XDP program adds to `hits`. Reader: the XDP program, `fwctl block list`. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FW_BLOCK_V4_MAX);
	__type(key, struct fw_lpm_v4);
	__type(value, struct fw_block);
} fw_block4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FW_BLOCK_V6_MAX);
	__type(key, struct fw_lpm_v6);
	__type(value, struct fw_block);
} fw_block6 SEC(".maps");

/* Entries per set and family (enum fw_aset_slot), so an empty set costs no trie lookup.
 * Writer: userspace, holding the set's lock; non-zero whenever the live set has entries (see
 * enum fw_aset_slot). Reader: XDP. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_ASET_SLOT__MAX);
	__type(key, __u32);
	__type(value, __u32);
} fw_aset_count SEC(".maps");

/* One writer per set at a time: key enum fw_aset_kind, inserted with BPF_NOEXIST to take the
 * lock, deleted to release it. Userspace only; the XDP program never touches it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_ASET__MAX);
	__type(key, __u32);
	__type(value, struct fw_aset_owner);
} fw_aset_lock SEC(".maps");


/* ---- Events (events.h; bpf/README.md "Events") ----------------------------------------------- */

/* Ring size in bytes: a power of two and a multiple of the page size. 4 MiB holds about 40k
 * records (96 bytes + an 8-byte header each), several seconds of the default flood guard
 * (cfg_event_rate 10k/s per CPU) if the consumer stalls. */
#ifndef FW_EVENTS_RING_SIZE
#define FW_EVENTS_RING_SIZE (4 << 20)
#endif

/* Alert (later: DPI flag, block) records, struct fw_event. One ring per loaded object, shared by
 * all CPUs (records are in reservation order).
 * Writer: the XDP program (alerts_flush, emit_event). Reader: userspace (src/events EventConsumer), live from
 * the event loop, under replay synchronously after each test run. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FW_EVENTS_RING_SIZE);
} fw_events SEC(".maps");

/* Records emitted / suppressed by the flood guard / lost to a full ring, by enum fw_event_stat.
 * Writer: the XDP program. Reader: userspace (readEventStats), summing the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_EVENT_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} fw_event_stats SEC(".maps");

/* The flood guard's token bucket, one per CPU (slot 0).
 * Writer and reader: the XDP program. Userspace only reads it (debugging). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_event_bucket);
} fw_event_bucket SEC(".maps");

#endif /* FW_MAPS_H */
