/* SPDX-License-Identifier: MIT */
/* autoblock.h — automatic response: port-scan and flood detection per source, and the one way XDP
 * adds to the dynamic block list (also used by a rate limit with a block time).
 *
 *   scan   a source probing more than scan_ports distinct destination ports (TCP SYN without
 *          ACK, or UDP; a port per protocol) within scan_window_ns
 *   flood  a source sending more than flood_packets packets within flood_window_ns
 *
 * Windows are fixed, opened by the source's first packet (probe) and reopened by the first one at
 * or past their end, on the packet clock (fw_pkt.ts_ns), so a replay detects exactly what its
 * capture held. A detection puts the source (/32 or /128) in fw_block4/fw_block6 until
 * ts + block_ns, with source AUTO and a reason text, raises fw_aset_count so addrset.h looks it up,
 * and writes one FW_EVENT_BLOCK record; the tripping packet is dropped as dyn_block. In monitor
 * mode (FW_AB_F_MONITOR) the event is written and nothing is blocked.
 *
 * The block entry's count is raised with an atomic add; userspace's writers (src/addrset) keep
 * theirs under a lock and `gc` recounts, which also repairs a count a racing delete lowered.
 */
#ifndef FW_AUTOBLOCK_H
#define FW_AUTOBLOCK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"
#include "maps.h"
#include "events.h"
#include "verdict.h"
#include "flow.h"

#ifndef FW_AB_SOURCES_MAX
#define FW_AB_SOURCES_MAX 65536
#endif
#ifndef FW_AB_PORTS_MAX
#define FW_AB_PORTS_MAX 262144
#endif

#ifndef EEXIST
#define EEXIST 17
#endif

/* Detector state per source. Writer and reader: XDP (userspace may read it). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_AB_SOURCES_MAX);
	__type(key, struct fw_ab_key);
	__type(value, struct fw_ab_src);
} fw_ab_state SEC(".maps");

/* The (source, window, protocol, port) probes seen: an insert that succeeds is a new port. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_AB_PORTS_MAX);
	__type(key, struct fw_ab_port_key);
	__type(value, __u8);
} fw_ab_ports SEC(".maps");

/* Per-CPU counters by enum fw_ab_stat. XDP writes, userspace sums. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_AB_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} fw_ab_stats SEC(".maps");

/* The stage's keys and new values, per CPU: the stack is the classifier's and the parser's
 * (fw_xdp's frame plus this stage's calls must stay under 512 bytes). Internal: not ABI. */
struct ab_scratch {
	struct fw_block blk;
	struct fw_lpm_v6 k6;
	struct fw_lpm_v4 k4;
	struct fw_ab_key ak;
	struct fw_ab_src src;
	struct fw_ab_port_key pk;
	struct fw_rl_key rk;
	struct fw_rl_bucket bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ab_scratch);
} fw_ab_scratch SEC(".maps");

static __always_inline struct ab_scratch *ab_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_ab_scratch, &zero);
}

static __always_inline void ab_count(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&fw_ab_stats, &stat);

	if (c)
		*c += 1;
}

/* One FW_EVENT_BLOCK record: the packet that tripped it, why, and until when. Not behind the
 * alert flood guard: a source is blocked at most once per block time, so blocks are few, and each
 * must be logged. */
static __always_inline void ab_event(const struct fw_pkt *pkt, const struct fw_result *res, __u32 why, __u32 id,
				     __u64 expires)
{
	struct fw_event *e = bpf_ringbuf_reserve(&fw_events, sizeof(*e), 0);

	if (!e) {
		event_count(FW_EVENT_STAT_LOST);
		return;
	}
	event_fill(e, pkt, FW_EVENT_BLOCK, 0xffffffff, res->sig_id, FW_EVENT_ACTION_DROP, res->verdict);
	e->expires_ns = expires;
	e->block_why = why;
	e->block_id = id;
	bpf_ringbuf_submit(e, 0);
	event_count(FW_EVENT_STAT_EMITTED);
}

static __always_inline void ab_reason(char *r, __u32 why)
{
	__builtin_memset(r, 0, FW_BLOCK_REASON_LEN);
	if (why == FW_AB_WHY_SCAN)
		__builtin_memcpy(r, "auto: port scan", 15);
	else if (why == FW_AB_WHY_FLOOD)
		__builtin_memcpy(r, "auto: flood", 11);
	else
		__builtin_memcpy(r, "auto: rate limit", 16);
}

/* Puts the packet's source in the block list until ts + block_ns (why, id: the event's), drops
 * the packet as dyn_block and logs it. A global function: the trie writes and the record are
 * checked once, whoever calls. Returns 1 when the block was written. */
__noinline int ab_block(const struct fw_pkt *pkt, struct fw_result *res, __u32 why, __u32 id, __u64 block_ns)
{
	struct ab_scratch *sc = ab_scratch();
	struct fw_block *v;
	__u32 slot;
	__u32 *n;
	long err;
	int v6;

	if (!pkt || !res || !sc)
		return 0;
	v = &sc->blk;
	v6 = pkt->family == FW_FAMILY_IPV6;
	__builtin_memset(v, 0, sizeof(*v));
	v->added_ns = pkt->ts_ns;
	v->expires_ns = pkt->ts_ns + block_ns;
	if (v->expires_ns < pkt->ts_ns)
		v->expires_ns = FW_BLOCK_NEVER;
	v->prefixlen = v6 ? 128 : 32;
	v->source = FW_BLOCK_AUTO;
	/* a detector's block drops the packet that tripped it (dyn_block): the entry's first hit */
	v->hits = why != FW_AB_WHY_RATE_LIMIT;
	ab_reason(v->reason, why);
	slot = FW_ASET_SLOT_BLOCK4 + v6;
	/* raised before the insert, as userspace does: a live entry is never skipped */
	n = bpf_map_lookup_elem(&fw_aset_count, &slot);
	if (v6) {
		struct fw_lpm_v6 *k = &sc->k6;

		k->prefixlen = 128;
		__builtin_memcpy(k->addr, pkt->saddr, 16);
		if (n)
			__sync_fetch_and_add(n, 1);
		err = bpf_map_update_elem(&fw_block6, k, v, BPF_NOEXIST);
		if (err == -EEXIST) {
			if (n)
				__sync_fetch_and_add(n, -1);
			err = bpf_map_update_elem(&fw_block6, k, v, BPF_EXIST);
		}
	} else {
		struct fw_lpm_v4 *k = &sc->k4;

		k->prefixlen = 32;
		k->addr = pkt->saddr[0];
		if (n)
			__sync_fetch_and_add(n, 1);
		err = bpf_map_update_elem(&fw_block4, k, v, BPF_NOEXIST);
		if (err == -EEXIST) {
			if (n)
				__sync_fetch_and_add(n, -1);
			err = bpf_map_update_elem(&fw_block4, k, v, BPF_EXIST);
		}
	}
	if (err) {
		ab_count(FW_AB_STAT_BLOCK_FAILED);
		return 0;
	}
	res->verdict = FW_VERDICT_DROP;
	res->reason = FW_REASON_DYN_BLOCK;
	ab_event(pkt, res, why, id, v->expires_ns);
	return 1;
}

/* A probe of a port: a TCP SYN without ACK, or a UDP datagram that is not an answer (the flow
 * table, lib/flow.h, knows the packet's flow and side: a DNS server's replies to many client ports
 * are not a scan). */
static __always_inline int ab_probe(const struct fw_pkt *pkt)
{
	struct flow_pktctx *c;
	__u32 zero = 0;

	if (!pkt->has_l4)
		return 0;
	if (pkt->l4_proto == IPPROTO_TCP)
		return (pkt->tcp_flags & (FW_TCP_SYN | FW_TCP_ACK)) == FW_TCP_SYN;
	if (pkt->l4_proto != IPPROTO_UDP)
		return 0;
	c = bpf_map_lookup_elem(&fw_flow_pkt, &zero);
	return !(c && c->has_flow && !c->to_server);
}

/* The detectors for one packet (ctl: what is on). Returns 1 when the packet's source was blocked
 * (res: drop, dyn_block). A global function: checked once. */
__noinline int autoblock_check(const struct fw_pkt *pkt, const struct fw_rl_ctl *ctl, struct fw_result *res)
{
	struct ab_scratch *sc = ab_scratch();
	struct fw_ab_src *st;
	__u64 now;
	__u32 why = 0;

	if (!pkt || !ctl || !res || !sc)
		return 0;
	now = pkt->ts_ns;
	__builtin_memset(&sc->ak, 0, sizeof(sc->ak));
	__builtin_memcpy(sc->ak.addr, pkt->saddr, 16);
	sc->ak.family = pkt->family;
	st = bpf_map_lookup_elem(&fw_ab_state, &sc->ak);
	if (!st) {
		__builtin_memset(&sc->src, 0, sizeof(sc->src));
		bpf_map_update_elem(&fw_ab_state, &sc->ak, &sc->src, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&fw_ab_state, &sc->ak);
		if (!st)
			return 0;
	}
	if (ctl->ab_flags & FW_AB_F_FLOOD) {
		if (st->flood_count == 0 || now >= st->flood_start + ctl->flood_window_ns) {
			st->flood_start = now;
			st->flood_count = 0;
		}
		st->flood_count += 1;
		if (st->flood_count > ctl->flood_packets)
			why = FW_AB_WHY_FLOOD;
	}
	if (!why && (ctl->ab_flags & FW_AB_F_SCAN) && ab_probe(pkt)) {
		struct fw_ab_port_key *pk = &sc->pk;
		__u8 one = 1;

		if (st->scan_count == 0 || now >= st->scan_start + ctl->scan_window_ns) {
			st->scan_start = now;
			st->scan_count = 0;
		}
		__builtin_memset(pk, 0, sizeof(*pk));
		__builtin_memcpy(pk->addr, pkt->saddr, 16);
		pk->win = st->scan_start;
		pk->port = pkt->dport;
		pk->family = pkt->family;
		pk->proto = pkt->l4_proto;
		if (bpf_map_update_elem(&fw_ab_ports, pk, &one, BPF_NOEXIST) == 0) {
			st->scan_count += 1;
			if (st->scan_count > ctl->scan_ports)
				why = FW_AB_WHY_SCAN;
		}
	}
	if (!why)
		return 0;
	ab_count(why == FW_AB_WHY_SCAN ? FW_AB_STAT_SCAN : FW_AB_STAT_FLOOD);
	/* the source starts afresh: in monitor mode the next report needs another full count */
	if (why == FW_AB_WHY_SCAN)
		st->scan_count = 0;
	else
		st->flood_count = 0;
	if (ctl->ab_flags & FW_AB_F_MONITOR) {
		ab_event(pkt, res, why, 0, 0);
		return 0;
	}
	return ab_block(pkt, res, why, 0, ctl->block_ns);
}

#endif /* FW_AUTOBLOCK_H */
