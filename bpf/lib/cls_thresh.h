/* SPDX-License-Identifier: MIT */
/* cls_thresh.h — Suricata's `threshold` and `detection_filter` on header rules, in XDP.
 *
 * A rule with one (fw_cls_rule.thr_type) is judged on each packet its header matches, by a counter
 * per rule and tracked key (fw_thr_state), with the packet's time, as Suricata 6/7's
 * ThresholdHandlePacket does (detect-engine-threshold.c). The outcome is one of three:
 *   0  no match: the rule neither acts nor alerts (detection_filter before its count; threshold
 *      and both before theirs)
 *   1  match: acts and alerts
 *   2  silent match: acts, raises no alert (limit and both past their count)
 * A window holds while ts < tv1 + seconds (Suricata's TimevalEarlier); the first packet of a key
 * opens one with count 1.
 *
 * The classifier asks at three places (cls_walk.h): cls_rule (0 drops the match, in the walk and
 * in the act phase alike), the visit (does it alert, for FW_FLAG_ALERT) and cls_alert. A packet
 * counts once: the state records the packet (a per-CPU sequence bumped by cls_thresh_begin, with
 * the CPU in its top bits) whose outcome it holds, and a second question gets that answer.
 *
 * Entries are shared by the CPUs and updated without a lock: two CPUs counting the same key at the
 * same instant may lose one count (Suricata takes a lock; XDP cannot sleep, and a bpf_spin_lock
 * in an LRU value is refused). Fine for alert thinning; a test runs on one CPU.
 */
#ifndef FW_CLS_THRESH_H
#define FW_CLS_THRESH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwctl_abi.h"
#include "maps.h"
#include "cls_maps.h"

#ifndef FW_THR_STATE_MAX
#define FW_THR_STATE_MAX 65536
#endif

#define FW_THR_NSEC 1000000000ULL

/* XDP writes, userspace may read (tests). LRU: a key not seen for long is the one forgotten. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_THR_STATE_MAX);
	__type(key, struct fw_thr_key);
	__type(value, struct fw_thr_state);
} fw_thr_state SEC(".maps");

/* The packet sequence, per CPU (internal). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fw_thr_seq SEC(".maps");

/* The key and a new entry, per CPU: cls_thresh_eval is the fifth call deep (fw_xdp, fw_classify,
 * cls_sumword, cls_block), and the frames together must stay under 512 bytes. Internal. */
struct thr_scratch {
	struct fw_thr_key k;
	struct fw_thr_state fresh;
	__u32 epoch;		/* the packet's ruleset generation's epoch (cls_thresh_begin) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct thr_scratch);
} fw_thr_scratch SEC(".maps");

/* BTF anchor of the threshold ABI types (see debug.h). */
struct fw_thr_abi_types {
	enum fw_thr_type type;
	enum fw_thr_track track;
	struct fw_thr_key key;
	struct fw_thr_state state;
};
struct fw_thr_abi_types *fw_thr_abi_anchor __attribute__((unused));

/* A new packet for the thresholds: called once per classified packet, before the walk, with the
 * generation the classifier uses (its epoch keys the counters). */
static __always_inline void cls_thresh_begin(const struct fw_cls_cfg *cfg)
{
	__u32 zero = 0;
	struct thr_scratch *sc;
	__u64 *seq;

	if (!(cfg->features & FW_CLS_FEAT_THRESH))
		return;
	seq = bpf_map_lookup_elem(&fw_thr_seq, &zero);
	if (seq)
		*seq += 1;
	sc = bpf_map_lookup_elem(&fw_thr_scratch, &zero);
	if (sc)
		sc->epoch = cfg->epoch;
}

/* The source address against the destination, as big-endian numbers: -1, 0 or 1. */
static __always_inline int thr_addr_cmp(const struct fw_pkt *pkt)
{
	for (int i = 0; i < 4; i++) {
		__u32 a = bpf_ntohl(pkt->saddr[i]), b = bpf_ntohl(pkt->daddr[i]);

		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

static __always_inline void thr_key(struct fw_thr_key *k, const struct fw_cls_rule *ri, const struct fw_pkt *pkt,
				    __u32 epoch)
{
	__u8 track = ri->thr_track;
	int c, fwd;

	__builtin_memset(k, 0, sizeof(*k));
	k->rule_id = ri->rule_id;
	k->epoch = epoch;
	k->track = track;
	if (track == FW_THR_BY_RULE)
		return;
	k->family = pkt->family;
	if (track == FW_THR_BY_SRC) {
		__builtin_memcpy(k->addr[0], pkt->saddr, 16);
		return;
	}
	if (track == FW_THR_BY_DST) {
		__builtin_memcpy(k->addr[0], pkt->daddr, 16);
		return;
	}
	/* both directions of a pair (by_both) or a flow (by_flow) give one key: the lower address
	 * first; by_flow orders equal addresses by port too */
	c = thr_addr_cmp(pkt);
	fwd = c < 0 || (c == 0 && (track == FW_THR_BY_BOTH || pkt->sport <= pkt->dport));
	if (track != FW_THR_BY_BOTH) {
		k->proto = pkt->l4_proto;
		k->port[0] = fwd ? pkt->sport : pkt->dport;
		k->port[1] = fwd ? pkt->dport : pkt->sport;
	}
	__builtin_memcpy(k->addr[0], fwd ? pkt->saddr : pkt->daddr, 16);
	__builtin_memcpy(k->addr[1], fwd ? pkt->daddr : pkt->saddr, 16);
}

/* The outcome for a key first seen now (ThresholdHandlePacket with no entry). */
static __always_inline __u32 thr_first(__u8 type, __u32 count)
{
	switch (type) {
	case FW_THR_LIMIT:
		return 1;
	case FW_THR_THRESHOLD:
	case FW_THR_BOTH:
		return count == 1;
	default: /* detection_filter: the first match never counts */
		return 0;
	}
}

/* The outcome within a window (count already incremented) or at its reset (count = 1). */
static __always_inline __u32 thr_next(struct fw_thr_state *st, __u8 type, __u32 count, int within)
{
	if (!within) {
		st->count = 1;
		switch (type) {
		case FW_THR_LIMIT:
			return 1;
		case FW_THR_THRESHOLD: /* count 1: Suricata keeps no entry, every match alerts */
		case FW_THR_BOTH:
			return count == 1;
		default: /* detection_filter: a reset never matches */
			return 0;
		}
	}
	st->count += 1;
	switch (type) {
	case FW_THR_LIMIT:
		return st->count <= count ? 1 : 2;
	case FW_THR_THRESHOLD:
		if (st->count >= count) {
			st->count = 0;
			return 1;
		}
		return 0;
	case FW_THR_BOTH:
		return st->count == count ? 1 : st->count > count ? 2 : 0;
	default:
		return st->count > count;
	}
}

/* The outcome of rule `ri` (it has a thr_type) for the current packet: 0, 1 or 2 (above). Global:
 * the verifier checks it once, whichever of the classifier's paths calls it. */
__noinline int cls_thresh_eval(const struct fw_cls_rule *ri)
{
	struct thr_scratch *sc;
	struct fw_thr_key *k;
	struct fw_thr_state *st, *fresh;
	struct fw_pkt *pkt;
	__u32 zero = 0;
	__u64 *seqp, seq, now, end;
	__u8 type;

	if (!ri)
		return 1;
	type = ri->thr_type;
	if (type == FW_THR_NONE || type > FW_THR_DETECTION)
		return 1;
	pkt = bpf_map_lookup_elem(&fw_pkt_buf, &zero);
	seqp = bpf_map_lookup_elem(&fw_thr_seq, &zero);
	sc = bpf_map_lookup_elem(&fw_thr_scratch, &zero);
	if (!pkt || !seqp || !sc)
		return 1;
	k = &sc->k;
	fresh = &sc->fresh;
	seq = (__u64)(bpf_get_smp_processor_id() + 1) << 48 | (*seqp & 0xffffffffffffULL);
	now = pkt->ts_ns;
	thr_key(k, ri, pkt, sc->epoch);
	st = bpf_map_lookup_elem(&fw_thr_state, k);
	if (!st) {
		fresh->tv1_ns = now;
		fresh->count = 1;
		fresh->seq = seq;
		fresh->result = thr_first(type, ri->thr_count);
		bpf_map_update_elem(&fw_thr_state, k, fresh, BPF_ANY);
		return fresh->result;
	}
	if (st->seq == seq)
		return st->result;
	end = st->tv1_ns + (__u64)ri->thr_seconds * FW_THR_NSEC;
	if (now < end) {
		st->result = thr_next(st, type, ri->thr_count, 1);
	} else {
		st->tv1_ns = now;
		st->result = thr_next(st, type, ri->thr_count, 0);
	}
	st->seq = seq;
	return st->result;
}

/* 0 when the rule's match must not count (cls_rule). */
static __always_inline int cls_thresh_match(const struct fw_cls_rule *ri)
{
	return !ri->thr_type || cls_thresh_eval(ri) != 0;
}

/* 1 when the rule's match alerts as far as its threshold goes (visit and cls_alert). */
static __always_inline int cls_thresh_alerts(const struct fw_cls_rule *ri)
{
	return !ri->thr_type || cls_thresh_eval(ri) == 1;
}

#endif /* FW_CLS_THRESH_H */
