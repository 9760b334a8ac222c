/* SPDX-License-Identifier: MIT */
/* events.h — alert records out of XDP into the fw_events ring buffer, behind a per-CPU token
 * bucket so a flood cannot turn logging into a DoS.
 *
 * The classifier stages each alert of a packet with alert_push() (after it knows the packet's
 * verdict) and writes them with alerts_flush(): one struct fw_event_alerts record per packet (per
 * FW_EVENT_BATCH alerts), one ring write instead of one per alert. Every alert ends in exactly one
 * of three counters of fw_event_stats: emitted, suppressed (the bucket was empty) or lost (the
 * ring was full). Block events (autoblock.h) are single records (emit_event).
 */
#ifndef FW_EVENTS_H
#define FW_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"
#include "config.h"
#include "maps.h"
#include "tokens.h"


/* The slot of a per-CPU map that this packet's events use: the running CPU's (live), or the
 * fixed cfg_event_cpu's (replay: one bucket whichever CPU the test run lands on). The branch is
 * on a knob, so the verifier keeps one of the two lookups. */
static __always_inline void *event_slot(void *map, __u32 key)
{
	if (cfg_event_cpu == FW_EVENT_CPU_LOCAL)
		return bpf_map_lookup_elem(map, &key);
	return bpf_map_lookup_percpu_elem(map, &key, cfg_event_cpu);
}

static __always_inline void event_add(__u32 stat, __u32 n)
{
	__u64 *c = event_slot(&fw_event_stats, stat);

	if (c)
		*c += n; /* per-CPU slot: no atomics (see cfg_event_cpu for the fixed-slot case) */
}

static __always_inline void event_count(__u32 stat)
{
	event_add(stat, 1);
}

/* Token bucket with the packet's timestamp as its clock. Tokens are in 1e-9 records, so a refill
 * is elapsed_ns * rate with no division on the common path, and exact: after the burst, the next
 * record is admitted exactly 1e9 / rate ns later. The bucket starts full. A timestamp older than
 * the last (pcap out of order) refills nothing and does not move the clock back. Returns 1 to
 * emit. */
static __always_inline int event_admit(__u64 now)
{
	struct fw_event_bucket *b;

	if (!cfg_event_ratelimit)
		return 1;
	b = event_slot(&fw_event_bucket, 0);
	if (!b)
		return 0;
	if (!b->primed) {
		b->primed = 1;
		b->tokens = (__u64)cfg_event_burst * FW_TOKEN;
		b->last_ns = now;
	} else if (now > b->last_ns) {
		tokens_refill(&b->tokens, now - b->last_ns, cfg_event_rate, cfg_event_burst);
		b->last_ns = now;
	}
	if (b->tokens < FW_TOKEN)
		return 0;
	b->tokens -= FW_TOKEN;
	return 1;
}

/* Reserves, fills and submits one record of `type` describing `pkt`. */
/* Every field of a record but the block ones, from the packet. Ring memory is not zeroed: the
 * caller writes the rest, so no stale byte shows through. */
static __always_inline void event_fill(struct fw_event *e, const struct fw_pkt *pkt, __u8 type, __u32 rule_idx,
				       __u32 sid, __u8 action, __u8 verdict)
{
	e->ts_ns = pkt->ts_ns;
	__builtin_memcpy(e->saddr, pkt->saddr, 16);
	__builtin_memcpy(e->daddr, pkt->daddr, 16);
	e->sid = sid;
	e->rule_idx = rule_idx;
	e->ifindex = pkt->ifindex;
	e->pkt_len = pkt->frame_len;
	e->sport = pkt->sport;
	e->dport = pkt->dport;
	e->vlan_id[0] = pkt->vlan_id[0];
	e->vlan_id[1] = pkt->vlan_id[1];
	e->type = type;
	e->action = action;
	e->verdict = verdict;
	e->family = pkt->family;
	e->l4_proto = pkt->l4_proto;
	e->tcp_flags = pkt->tcp_flags;
	e->icmp_type = pkt->icmp_type;
	e->icmp_code = pkt->icmp_code;
	e->vlan_depth = pkt->vlan_depth;
	e->has_l4 = pkt->has_l4;
	__builtin_memset(e->_pad, 0, sizeof(e->_pad));
}

static __always_inline void emit_event(const struct fw_pkt *pkt, __u8 type, __u32 rule_idx, __u32 sid,
				       __u8 action, __u8 verdict)
{
	struct fw_event *e;

	if (!event_admit(pkt->ts_ns)) {
		event_count(FW_EVENT_STAT_SUPPRESSED);
		return;
	}
	e = bpf_ringbuf_reserve(&fw_events, sizeof(*e), 0);
	if (!e) {
		event_count(FW_EVENT_STAT_LOST);
		return;
	}
	event_fill(e, pkt, type, rule_idx, sid, action, verdict);
	e->expires_ns = 0; /* FW_EVENT_BLOCK's fields (autoblock.h) */
	e->block_why = 0;
	e->block_id = 0;
	bpf_ringbuf_submit(e, 0);
	event_count(FW_EVENT_STAT_EMITTED);
}

/* The packet's alerts being gathered (n of them in rec). Internal, per CPU: a packet runs on one
 * CPU from its first alert to alerts_flush. */
struct event_stage {
	__u32 n;
	__u32 _pad;
	struct fw_event_alerts rec;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_stage);
} fw_event_stage SEC(".maps");

static __always_inline struct event_stage *event_stage_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_event_stage, &zero);
}

/* A packet's first alert is about to be staged (fw_classify, before the act phase). */
static __always_inline void alerts_begin(void)
{
	struct event_stage *st = event_stage_get();

	if (st)
		st->n = 0;
}

/* The record's header: the packet, the first staged alert, the count after it. */
static __always_inline void alerts_header(struct fw_event_alerts *r, const struct event_stage *st, const struct fw_pkt *pkt,
					  __u32 verdict, __u32 more)
{
	event_fill(&r->ev, pkt, FW_EVENT_ALERT, st->rec.ev.rule_idx, st->rec.ev.sid, st->rec.ev.action, verdict);
	r->ev.expires_ns = 0;
	r->ev.block_why = 0;
	r->ev.block_id = 0;
	r->more = more;
	r->_pad = 0;
}

/* Writes the staged alerts of `pkt` (verdict: the enum fw_verdict it gets) as one record. A global
 * function: the verifier checks the record's bounded length once. */
__noinline int alerts_flush(const struct fw_pkt *pkt, __u32 verdict)
{
	struct event_stage *st = event_stage_get();
	struct fw_event_alerts *r;
	__u32 n, more;

	if (!st || !pkt)
		return 0;
	n = st->n;
	st->n = 0;
	if (n == 0 || n > FW_EVENT_BATCH)
		return 0;
	more = n - 1;
	if (more == 0) {
		/* the common case, one alert: filled in the ring itself (no copy) */
		r = bpf_ringbuf_reserve(&fw_events, __builtin_offsetof(struct fw_event_alerts, alerts), 0);
		if (!r) {
			event_add(FW_EVENT_STAT_LOST, 1);
			return 0;
		}
		alerts_header(r, st, pkt, verdict, 0);
		bpf_ringbuf_submit(r, 0);
		event_add(FW_EVENT_STAT_EMITTED, 1);
		return 1;
	}
	r = &st->rec;
	alerts_header(r, st, pkt, verdict, more);
	if (bpf_ringbuf_output(&fw_events, r,
			       __builtin_offsetof(struct fw_event_alerts, alerts) + more * sizeof(struct fw_event_alert), 0)) {
		event_add(FW_EVENT_STAT_LOST, n);
		return 0;
	}
	event_add(FW_EVENT_STAT_EMITTED, n);
	return 1;
}

/* One alert: the rule at `rule_idx` of the loaded ruleset, signature id `sid`, matched `pkt`;
 * `action` is its enum fw_event_action, `verdict` the enum fw_verdict the packet gets. Call once
 * per alerting rule, after the verdict is known (EVE's alert.action follows the rule's action,
 * the verdict is kept for logs that want the packet's fate), then alerts_flush once.
 * pkt->ts_ns times the flood guard, which admits alert by alert. */
static __always_inline void alert_push(const struct fw_pkt *pkt, __u32 rule_idx, __u32 sid, __u8 action, __u8 verdict)
{
	struct event_stage *st;
	struct fw_event_alert *a;
	__u32 n;

	if (!event_admit(pkt->ts_ns)) {
		event_count(FW_EVENT_STAT_SUPPRESSED);
		return;
	}
	st = event_stage_get();
	if (!st)
		return;
	if (st->n >= FW_EVENT_BATCH)
		alerts_flush(pkt, verdict); /* a full record: write it, start the next */
	n = st->n;
	if (n == 0) {
		st->rec.ev.sid = sid;
		st->rec.ev.rule_idx = rule_idx;
		st->rec.ev.action = action;
	} else {
		if (n - 1 >= FW_EVENT_BATCH - 1)
			return;
		a = &st->rec.alerts[n - 1];
		a->sid = sid;
		a->rule_idx = rule_idx;
		a->action = action;
		a->_pad[0] = a->_pad[1] = a->_pad[2] = 0;
	}
	st->n = n + 1;
}

#endif /* FW_EVENTS_H */
