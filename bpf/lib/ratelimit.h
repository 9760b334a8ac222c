/* SPDX-License-Identifier: MIT */
/* ratelimit.h — the last stage of the path: the detectors (autoblock.h) on every classified
 * packet, then token buckets on the packets still passing.
 *
 * A limit (struct fw_rl_limit, written by `fwctl ratelimit`, src/ratelimit) keeps one bucket per
 * source address, per source prefix (prefix4 / prefix6, default /24 and /64) or per deciding rule
 * (its sid), in packets/s and bytes/s with a burst each. A packet passes a limit when every bucket
 * that is on holds a token for it (one packet, frame_len bytes), and then pays; otherwise it
 * exceeds: counted, and, unless the limit only monitors, dropped with reason rate_limit, its
 * source blocked for block_ns when that is set. The limits are asked in slot order; the first that
 * drops a packet ends it. Time is the packet's (fw_pkt.ts_ns): a replay meets its limits exactly.
 *
 * Buckets start full; tokens are in 1e-9 units, so a refill is elapsed_ns * rate (tokens.h, as
 * the alert flood guard): after the burst, the next packet passes exactly 1e9 / rate ns later. An older
 * timestamp refills nothing. Buckets are shared by the CPUs without a lock (a count may be lost
 * when two CPUs pay from one bucket at the same instant; the limit is then a little looser).
 */
#ifndef FW_RATELIMIT_H
#define FW_RATELIMIT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"
#include "maps.h"
#include "verdict.h"
#include "autoblock.h"
#include "tokens.h"

#ifndef FW_RL_STATE_MAX
#define FW_RL_STATE_MAX 131072
#endif

/* What is on. Writer: userspace (limits first, then this). Reader: XDP, once per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_rl_ctl);
} fw_rl_ctl SEC(".maps");

/* The limits, slots [0, nlimits). Writer: userspace. Reader: XDP. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_RL_MAX);
	__type(key, __u32);
	__type(value, struct fw_rl_limit);
} fw_rl_cfg SEC(".maps");

/* The buckets. Writer: XDP. LRU: an idle key makes room (it comes back full, as a new one). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_RL_STATE_MAX);
	__type(key, struct fw_rl_key);
	__type(value, struct fw_rl_bucket);
} fw_rl_state SEC(".maps");

/* Per-CPU counters per limit slot. XDP writes, userspace sums. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_RL_MAX);
	__type(key, __u32);
	__type(value, struct fw_rl_stat);
} fw_rl_stats SEC(".maps");

/* BTF anchor of the rate-limit ABI types (see debug.h). */
struct fw_rl_abi_types {
	enum fw_rl_track track;
	enum fw_rl_flag flag;
	enum fw_ab_flag ab_flag;
	enum fw_ab_why why;
	enum fw_ab_stat stat;
	struct fw_ab_key ab_key;
	struct fw_ab_src ab_src;
	struct fw_ab_port_key ab_port_key;
};
struct fw_rl_abi_types *fw_rl_abi_anchor __attribute__((unused));

/* The source masked to `plen` bits (network order words). */
static __always_inline void rl_mask(__u32 *a, __u32 plen)
{
	for (int i = 0; i < 4; i++) {
		__u32 bits = plen > 32 * i ? plen - 32 * i : 0;

		if (bits >= 32)
			continue;
		a[i] &= bits ? bpf_htonl(~0U << (32 - bits)) : 0;
	}
}

/* Limit slot i for one packet: 1 when it dropped the packet (res set). Global: the verifier
 * checks one limit once, not once per slot. */
__noinline int rl_one(const struct fw_pkt *pkt, struct fw_result *res, __u32 i)
{
	struct ab_scratch *sc = ab_scratch();
	struct fw_rl_bucket *b;
	struct fw_rl_key *k;
	struct fw_rl_limit *l;
	struct fw_rl_stat *st;
	__u64 now, need_b;
	int ok;

	if (!pkt || !res || !sc)
		return 0;
	k = &sc->rk;
	__builtin_memset(k, 0, sizeof(*k));
	l = bpf_map_lookup_elem(&fw_rl_cfg, &i);
	st = bpf_map_lookup_elem(&fw_rl_stats, &i);
	if (!l || !st)
		return 0;
	k->id = l->id;
	if (l->track == FW_RL_TRACK_RULE) {
		/* packets a rule decided (pass, alert, flag: the others were dropped) */
		if (!res->sig_id || (l->sid && l->sid != res->sig_id))
			return 0;
		k->sid = res->sig_id;
	} else {
		__builtin_memcpy(k->addr, pkt->saddr, 16);
		k->family = pkt->family;
		if (l->track == FW_RL_TRACK_PREFIX)
			rl_mask(k->addr, pkt->family == FW_FAMILY_IPV6 ? l->prefix6 : l->prefix4);
	}
	now = pkt->ts_ns;
	b = bpf_map_lookup_elem(&fw_rl_state, k);
	if (!b) {
		sc->bucket.ptokens = l->pburst * FW_TOKEN;
		sc->bucket.btokens = l->bburst * FW_TOKEN;
		sc->bucket.last_ns = now;
		bpf_map_update_elem(&fw_rl_state, k, &sc->bucket, BPF_ANY);
		b = bpf_map_lookup_elem(&fw_rl_state, k);
		if (!b)
			return 0;
	} else if (now > b->last_ns) {
		tokens_refill(&b->ptokens, now - b->last_ns, l->pps, l->pburst);
		tokens_refill(&b->btokens, now - b->last_ns, l->bps, l->bburst);
		b->last_ns = now;
	}
	need_b = (__u64)pkt->frame_len * FW_TOKEN;
	ok = (!l->pps || b->ptokens >= FW_TOKEN) && (!l->bps || b->btokens >= need_b);
	if (ok) {
		if (l->pps)
			b->ptokens -= FW_TOKEN;
		if (l->bps)
			b->btokens -= need_b;
		st->passed++;
		return 0;
	}
	st->exceeded++;
	if (l->flags & FW_RL_F_MONITOR)
		return 0;
	res->verdict = FW_VERDICT_DROP;
	res->reason = FW_REASON_RATE_LIMIT;
	if (l->block_ns && ab_block(pkt, res, FW_AB_WHY_RATE_LIMIT, l->id, l->block_ns)) {
		st->blocked++;
		ab_count(FW_AB_STAT_RL_BLOCK);
		res->reason = FW_REASON_RATE_LIMIT; /* this packet exceeded; the next ones meet the block */
	}
	return 1;
}

/* The stage after the classifier: detectors on every packet that got here, rate limits on the
 * packets still passing. Changes res only to drop. */
__noinline int ratelimit_check(const struct fw_pkt *pkt, struct fw_result *res)
{
	struct fw_rl_ctl *ctl;
	__u32 zero = 0, n;

	if (!pkt || !res)
		return 0;
	ctl = bpf_map_lookup_elem(&fw_rl_ctl, &zero);
	if (!ctl)
		return 0;
	if (ctl->ab_flags & (FW_AB_F_SCAN | FW_AB_F_FLOOD)) {
		if (autoblock_check(pkt, ctl, res))
			return 1;
	}
	n = ctl->nlimits;
	if (!n || res->verdict != FW_VERDICT_PASS)
		return 0;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < FW_RL_MAX; i++) {
		if (i >= n)
			break;
		if (rl_one(pkt, res, i))
			return 1;
	}
	return 0;
}

#endif /* FW_RATELIMIT_H */
