/* SPDX-License-Identifier: MIT */
/* flow.h — the flow table: TCP state (handshake, teardown, RST), UDP/ICMP pseudo-state, timeouts
 * per state, the verdict a rule left on a flow, and flowbits (bpf/README.md "Flow table").
 *
 * Two LRU hashes keyed by fw_flow_key (the ABI's one key function): fw_flow_half holds flows that
 * are not established, fw_flow_est the established ones. A flow moves to fw_flow_est when its
 * handshake completes (UDP/ICMP: when the server answers), so a flood of half-open flows can only
 * evict half-open flows: an established flow is evicted only by another established flow.
 *
 * Per packet: flow_track (before the classifier) finds or creates the flow, moves its state,
 * applies a stored verdict (a dropped flow stays dropped; a flow a pass rule passed is passed
 * without classification), and leaves the packet's view of its flow in fw_flow_pkt for the
 * classifier's flow keywords (flow_residual); flow_record (after it) stores the classifier's
 * verdict and the flowbits its matching rules set. Time is fw_pkt.ts_ns only.
 */
#ifndef FW_FLOW_H
#define FW_FLOW_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"
#include "cls_maps.h"
#include "verdict.h"

/* Sizes (#ifndef defaults; Datapath's `flows` option resizes them before load). LRU maps are
 * preallocated: about 230 bytes per entry (key 44, value 88) with the kernel's overhead. */
#ifndef FW_FLOW_HALF_MAX
#define FW_FLOW_HALF_MAX 16384
#endif
#ifndef FW_FLOW_EST_MAX
#define FW_FLOW_EST_MAX 65536
#endif

#define FW_FLOW_S 1000000000ULL

/* Not yet established flows. Writer: flow_track / flow_record. Reader: the same; userspace
 * (src/datapath/flows.ts) lists and counts them. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_FLOW_HALF_MAX);
	__type(key, struct fw_flow_key);
	__type(value, struct fw_flow);
} fw_flow_half SEC(".maps");

/* Established flows (a flow never moves back: a closed flow stays here until it expires or is
 * reused). Writer, reader: as fw_flow_half. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_FLOW_EST_MAX);
	__type(key, struct fw_flow_key);
	__type(value, struct fw_flow);
} fw_flow_est SEC(".maps");

/* Counters by enum fw_flow_stat. Writer: the program (per-CPU). Reader: userspace sums. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_FLOW_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} fw_flow_stats SEC(".maps");

/* Timeouts and midstream pickup. Writer: userspace. Reader: flow_track, once per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_flow_cfg);
} fw_flow_cfg SEC(".maps");

/* The packet's flow as the classifier sees it, and what its matches do to the flowbits.
 * Internal (not ABI), per CPU: written by flow_track, read by flow_residual and flow_record. */
struct flow_pktctx {
	struct fw_flow_key key;
	struct fw_flow fresh;	/* a new entry being built (the stack belongs to the classifier) */
	__u64 bits;		/* the flow's flowbits when the packet arrived */
	__u64 fb_set, fb_unset, fb_toggle;
	__u32 epoch;		/* the active generation's epoch (0: no ruleset) */
	__u8 has_flow;
	__u8 in_est;		/* the entry lives in fw_flow_est */
	__u8 to_server;
	__u8 established;
	__u8 frozen;		/* the act phase: checks only, effects already gathered */
	__u8 scope;		/* the deciding rule's enum fw_cls_scope (flow_scope) */
	__u8 _pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_pktctx);
} fw_flow_pkt SEC(".maps");

static __always_inline void flow_stat(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&fw_flow_stats, &slot);

	if (c)
		*c += 1;
}

/* Suricata's flow-timeouts defaults (tcp new 60 / established 600 / closed 60; udp, icmp and
 * default new 30 / established 300), seconds. */
static const __u32 flow_default_timeout_s[FW_FLOW_TO__MAX] = { 60, 600, 60, 30, 300, 30, 300, 30, 300 };

static __always_inline __u32 flow_timeout_slot(__u8 proto, __u8 state, __u8 in_est)
{
	if (proto == IPPROTO_TCP) {
		if (state == FW_FLOW_TIME_WAIT || state == FW_FLOW_CLOSED)
			return FW_FLOW_TO_TCP_CLOSED;
		return in_est ? FW_FLOW_TO_TCP_EST : FW_FLOW_TO_TCP_NEW;
	}
	if (proto == IPPROTO_UDP)
		return in_est ? FW_FLOW_TO_UDP_EST : FW_FLOW_TO_UDP_NEW;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		return in_est ? FW_FLOW_TO_ICMP_EST : FW_FLOW_TO_ICMP_NEW;
	return in_est ? FW_FLOW_TO_OTHER_EST : FW_FLOW_TO_OTHER_NEW;
}

static __always_inline int flow_expired(const struct fw_flow_cfg *cfg, const struct fw_flow *f, __u8 proto,
					__u8 in_est, __u64 now)
{
	__u32 slot = flow_timeout_slot(proto, f->state, in_est);
	__u64 t = cfg ? cfg->timeout_ns[slot & 15] : 0;

	if (!t)
		t = (__u64)flow_default_timeout_s[slot] * FW_FLOW_S;
	/* an older timestamp (a replay's disorder) never expires anything */
	return now > f->last_ns && now - f->last_ns > t;
}

/* The first state of a flow from its first packet, and its client (endpoint index). */
static __always_inline __u8 flow_first_state(const struct fw_pkt *pkt, int dir, __u32 midstream, __u8 *client,
					     int cookie_ack)
{
	__u8 fl = pkt->tcp_flags;

	*client = dir;
	if (pkt->l4_proto != IPPROTO_TCP || !pkt->has_l4)
		return FW_FLOW_NEW;
	if ((fl & (FW_TCP_SYN | FW_TCP_ACK | FW_TCP_RST)) == FW_TCP_SYN)
		return FW_FLOW_SYN_SENT;
	/* the client's ACK to a cookie SYN-ACK that XDP sent (syncookie.h): the handshake is done,
	 * whatever the midstream setting (the SYN was answered without state) */
	if (cookie_ack && (fl & (FW_TCP_SYN | FW_TCP_ACK | FW_TCP_RST)) == FW_TCP_ACK)
		return (fl & FW_TCP_FIN) ? FW_FLOW_FIN_WAIT : FW_FLOW_ESTABLISHED;
	if (midstream != FW_FLOW_MIDSTREAM_ON || (fl & FW_TCP_RST))
		return FW_FLOW_UNTRACKED;
	if ((fl & (FW_TCP_SYN | FW_TCP_ACK)) == (FW_TCP_SYN | FW_TCP_ACK)) {
		*client = !dir; /* a SYN-ACK comes from the server */
		return FW_FLOW_SYN_RECV;
	}
	if (fl & FW_TCP_SYN)
		return FW_FLOW_UNTRACKED;
	return (fl & FW_TCP_FIN) ? FW_FLOW_FIN_WAIT : FW_FLOW_ESTABLISHED;
}

/* The TCP state after a packet (from_client: its direction). Returns the new state, or
 * FW_FLOW_STATE__MAX for a packet out of state (the state stays). A SYN on a finished flow is
 * handled by the caller (reuse). Sequence numbers are not checked. */
static __always_inline __u8 flow_tcp_next(__u8 state, __u8 fl, int from_client, __u8 *fin)
{
	int syn = fl & FW_TCP_SYN, ack = fl & FW_TCP_ACK;
	__u8 side = from_client ? 1 : 2;

	if (fl & FW_TCP_RST)
		return state == FW_FLOW_UNTRACKED ? state : FW_FLOW_CLOSED;
	switch (state) {
	case FW_FLOW_SYN_SENT:
		if (from_client && syn && !ack)
			return state; /* retransmitted SYN */
		if (!from_client && syn && ack)
			return FW_FLOW_SYN_RECV;
		return FW_FLOW_STATE__MAX;
	case FW_FLOW_SYN_RECV:
		if (!from_client && syn && ack)
			return state; /* retransmitted SYN-ACK */
		if (from_client && ack && !syn) {
			if (fl & FW_TCP_FIN) {
				*fin |= side;
				return FW_FLOW_FIN_WAIT;
			}
			return FW_FLOW_ESTABLISHED;
		}
		return FW_FLOW_STATE__MAX;
	case FW_FLOW_ESTABLISHED:
	case FW_FLOW_FIN_WAIT:
	case FW_FLOW_CLOSING:
		if (syn)
			return FW_FLOW_STATE__MAX;
		if (fl & FW_TCP_FIN) {
			*fin |= side;
			return *fin == 3 ? FW_FLOW_CLOSING : FW_FLOW_FIN_WAIT;
		}
		if (state == FW_FLOW_CLOSING && ack)
			return FW_FLOW_TIME_WAIT; /* the last FIN acknowledged */
		return state;
	default: /* TIME_WAIT, CLOSED, UNTRACKED: late packets change nothing */
		return state;
	}
}

/* ---- TCP windows (Linux conntrack's tcp_in_window, after Rooij's "Real stateful TCP packet
 * filtering"): side s sent seq..end; the other side r lets it send up to s.maxend (r's ack + r's
 * window) and acks at most what s... r.end. A packet from s is in window when
 *   I   seq <= s.maxend                          (not beyond what the receiver allows)
 *   II  end >= s.end - r.maxwin                  (not older than the receiver's largest window)
 *   III ack <= r.end                              (no ack of data the other side never sent)
 *   IV  ack >= r.end - max(s.maxwin, 66000)       (no ack from too far back)
 * A SYN (or SYN-ACK) starts its side; a side first seen without one (midstream pickup, a SYN
 * cookie's ACK) starts from its first packet, and the checks begin once both sides are known.
 * Windows are scaled by the SYNs' window scale options when both carried one. */

#define FW_FLOW_MAXACKWIN 66000

static __always_inline int seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline __u32 seq_max(__u32 a, __u32 b)
{
	return seq_before(a, b) ? b : a;
}

/* The side's first packet (a SYN, or whatever came first). */
static __always_inline void flow_win_start(struct fw_flow_win *w, const struct fw_pkt *pkt, __u32 end, __u32 win)
{
	w->end = end;
	w->maxend = end;
	w->maxwin = win ? win : 1;
	w->scale = (pkt->tcp_flags & FW_TCP_SYN) ? pkt->tcp_wscale : 0;
	w->known = 1;
}

/* Checks a TCP packet of side s (0 client, 1 server) against the windows and, when in window,
 * moves them. Returns 0 for a packet out of window (nothing moved). */
static __always_inline int flow_window(struct fw_flow *f, const struct fw_pkt *pkt, int s)
{
	struct fw_flow_win *sw = &f->win[s & 1], *rw = &f->win[!s];
	__u8 fl = pkt->tcp_flags;
	__u32 seq = pkt->tcp_seq, ack = pkt->tcp_ack, win = pkt->tcp_win, end, maxack;

	end = seq + pkt->dsize + ((fl & FW_TCP_SYN) ? 1 : 0) + ((fl & FW_TCP_FIN) ? 1 : 0);
	if (fl & FW_TCP_SYN) {
		/* a (retransmitted) SYN or SYN-ACK: the side starts again */
		flow_win_start(sw, pkt, end, win);
		if ((fl & FW_TCP_ACK) && rw->known) {
			/* the SYN-ACK settles the scales: both sides' options, or none */
			if (sw->scale == FW_WSCALE_NONE || rw->scale == FW_WSCALE_NONE)
				sw->scale = rw->scale = 0;
			rw->maxend = seq_max(rw->maxend, ack + win);
		}
		return 1;
	}
	if (sw->scale == FW_WSCALE_NONE)
		sw->scale = 0; /* a SYN without a SYN-ACK after it: no scaling */
	win <<= (sw->scale & 15);
	if (!sw->known) {
		flow_win_start(sw, pkt, end, win);
		if (rw->known && (fl & FW_TCP_ACK))
			rw->maxend = seq_max(rw->maxend, ack + win);
		return 1;
	}
	if (!rw->known) {
		sw->end = seq_max(sw->end, end);
		if (sw->maxwin < win)
			sw->maxwin = win;
		return 1;
	}
	maxack = sw->maxwin > FW_FLOW_MAXACKWIN ? sw->maxwin : FW_FLOW_MAXACKWIN;
	if (seq_before(sw->maxend, seq) || seq_before(end, sw->end - rw->maxwin))
		return 0;
	if ((fl & FW_TCP_ACK) && (seq_before(rw->end, ack) || seq_before(ack, rw->end - maxack)))
		return 0;
	if (sw->maxwin < win)
		sw->maxwin = win;
	sw->end = seq_max(sw->end, end);
	if (fl & FW_TCP_ACK)
		rw->maxend = seq_max(rw->maxend, ack + (win ? win : 1));
	return 1;
}

static __always_inline int flow_is_syn(const struct fw_pkt *pkt)
{
	return pkt->has_l4 && pkt->l4_proto == IPPROTO_TCP &&
	       (pkt->tcp_flags & (FW_TCP_SYN | FW_TCP_ACK | FW_TCP_RST)) == FW_TCP_SYN;
}

static __always_inline void *flow_map(__u8 in_est)
{
	return in_est ? (void *)&fw_flow_est : (void *)&fw_flow_half;
}

static __always_inline void flow_delete(struct flow_pktctx *c, __u8 in_est)
{
	if (!bpf_map_delete_elem(flow_map(in_est), &c->key))
		flow_stat(in_est ? FW_FLOW_STAT_EST_DELETE : FW_FLOW_STAT_HALF_DELETE);
}

/* Inserts c->fresh under c->key into the map its state belongs to. Returns what the rest of
 * flow_track reads (it writes nothing more to the entry: flow_record does, with its own lookup):
 * c->fresh itself when inserted, which spares a lookup (a cold one costs ~100 ns on a new flow),
 * or the entry another CPU inserted first. */
static __always_inline struct fw_flow *flow_insert(struct flow_pktctx *c, __u8 in_est)
{
	void *map = flow_map(in_est);

	c->in_est = in_est;
	if (bpf_map_update_elem(map, &c->key, &c->fresh, BPF_NOEXIST)) {
		flow_stat(FW_FLOW_STAT_INSERT_FAILED);
		return bpf_map_lookup_elem(map, &c->key); /* another CPU inserted it first */
	}
	flow_stat(in_est ? FW_FLOW_STAT_EST_INSERT : FW_FLOW_STAT_HALF_INSERT);
	return &c->fresh;
}

/* Generation gen's epoch, 0 without a ruleset: verdicts and flowbits stored under another epoch
 * are ignored, so a new ruleset starts with none and a rollback gets its own back. */
static __always_inline __u32 flow_epoch(__u32 gen)
{
	struct fw_cls_cfg *cfg;

	gen &= 1;
	cfg = bpf_map_lookup_elem(&fw_cls_cfg, &gen);
	return cfg && cfg->loaded ? cfg->epoch : 0;
}

/* A TCP packet out of state (invalid) under fw_flow_cfg.invalid DROP: dropped before the rules.
 * Returns 1 when it decided the packet. */
static __always_inline int flow_invalid(const struct fw_flow_cfg *cfg, struct fw_result *res, int invalid)
{
	if (!invalid || !cfg || cfg->invalid != FW_FLOW_INVALID_DROP)
		return 0;
	res->verdict = FW_VERDICT_DROP;
	res->reason = FW_REASON_FLOW_INVALID;
	res->sig_id = 0;
	return 1;
}

/* Finds or creates the packet's flow and moves its state, under ruleset generation gen (the
 * one the classifier uses for this packet: fw_xdp reads it once). Returns 1 when a stored verdict
 * or the invalid policy decided the packet (res filled), else 0. A global function: the verifier
 * checks it once. */
__noinline int flow_track(const struct fw_pkt *pkt, struct fw_result *res, __u32 gen)
{
	__u32 zero = 0;
	struct flow_pktctx *c = bpf_map_lookup_elem(&fw_flow_pkt, &zero);
	struct fw_flow_cfg *cfg = bpf_map_lookup_elem(&fw_flow_cfg, &zero);
	struct fw_flow *f;
	__u8 in_est = 1, client, state, proto;
	int dir, from_client, invalid = 0;

	if (!c || !pkt || !res)
		return 0;
	c->has_flow = 0;
	c->in_est = 0;
	c->to_server = 0;
	c->established = 0;
	c->frozen = 0;
	c->scope = FW_CLS_SCOPE_FLOW;
	c->bits = 0;
	c->fb_set = c->fb_unset = c->fb_toggle = 0;
	c->epoch = flow_epoch(gen);
	dir = fw_flow_key(pkt, &c->key);
	if (dir < 0) {
		flow_stat(FW_FLOW_STAT_NO_FLOW);
		return 0;
	}
	proto = c->key.proto;
	f = bpf_map_lookup_elem(&fw_flow_est, &c->key);
	if (!f) {
		in_est = 0;
		f = bpf_map_lookup_elem(&fw_flow_half, &c->key);
	}
	if (f && flow_expired(cfg, f, proto, in_est, pkt->ts_ns)) {
		flow_stat(FW_FLOW_STAT_EXPIRED);
		flow_delete(c, in_est);
		f = 0;
	} else if (f && proto == IPPROTO_TCP && flow_is_syn(pkt) && !(f->verdict == FW_FLOW_V_DROP && f->epoch == c->epoch) &&
		   (f->state == FW_FLOW_TIME_WAIT || f->state == FW_FLOW_CLOSED || f->state == FW_FLOW_UNTRACKED)) {
		/* TCP port reuse: a new SYN on a finished flow starts a new flow (Suricata does the same),
		 * except on a dropped flow, which stays dropped until it expires */
		flow_stat(FW_FLOW_STAT_REUSED);
		flow_delete(c, in_est);
		f = 0;
	}
	if (!f) {
		state = flow_first_state(pkt, dir, cfg ? cfg->midstream : 0, &client, res->flags & FW_FLAG_COOKIE_ACK);
		__builtin_memset(&c->fresh, 0, sizeof(c->fresh));
		c->fresh.first_ns = pkt->ts_ns;
		c->fresh.last_ns = pkt->ts_ns;
		c->fresh.state = state;
		c->fresh.client = client;
		c->fresh.pkts[dir != client] = 1;
		if (state == FW_FLOW_FIN_WAIT)
			c->fresh.fin = 1;
		c->fresh.nowin = !!(res->flags & FW_FLAG_SYNPROXY);
		if (proto == IPPROTO_TCP && pkt->has_l4 && !c->fresh.nowin)
			flow_window(&c->fresh, pkt, dir == client ? 0 : 1);
		f = flow_insert(c, state == FW_FLOW_ESTABLISHED || state == FW_FLOW_FIN_WAIT);
		if (!f)
			return 0;
		flow_stat(FW_FLOW_STAT_CREATED);
		flow_stat(FW_FLOW_STAT_ENTER + (state & 15));
		from_client = dir == f->client;
		invalid = proto == IPPROTO_TCP && state == FW_FLOW_UNTRACKED; /* not picked up */
	} else {
		c->in_est = in_est;
		from_client = dir == f->client;
		f->last_ns = pkt->ts_ns;
		f->pkts[!from_client] += 1;
		if (proto == IPPROTO_TCP && pkt->has_l4) {
			__u8 fin = f->fin;

			state = flow_tcp_next(f->state, pkt->tcp_flags, from_client, &fin);
			if (res->flags & FW_FLAG_SYNPROXY)
				f->nowin = 1;
			/* in state, and in window (a packet out of window moves nothing) */
			if (state != FW_FLOW_STATE__MAX && f->state != FW_FLOW_UNTRACKED && !f->nowin &&
			    !flow_window(f, pkt, from_client ? 0 : 1))
				state = FW_FLOW_STATE__MAX;
			if (state == FW_FLOW_STATE__MAX) {
				flow_stat(FW_FLOW_STAT_INVALID);
				invalid = 1;
			} else if (state != f->state) {
				f->state = state;
				f->fin = fin;
				flow_stat(FW_FLOW_STAT_ENTER + (state & 15));
			}
			if (f->state == FW_FLOW_UNTRACKED)
				invalid = 1; /* a packet of a flow that was never picked up */
		} else if (f->state == FW_FLOW_NEW && !from_client) {
			f->state = FW_FLOW_ESTABLISHED;
			flow_stat(FW_FLOW_STAT_ENTER + FW_FLOW_ESTABLISHED);
		}
		/* completing the handshake (TCP) or the first answer (others) moves the flow to fw_flow_est */
		if (!in_est && f->state != FW_FLOW_NEW && f->state != FW_FLOW_SYN_SENT && f->state != FW_FLOW_SYN_RECV &&
		    f->state != FW_FLOW_UNTRACKED && f->state != FW_FLOW_CLOSED) {
			__builtin_memcpy(&c->fresh, f, sizeof(c->fresh));
			flow_delete(c, 0);
			f = flow_insert(c, 1);
			if (!f)
				return 0;
			flow_stat(FW_FLOW_STAT_PROMOTED);
		}
	}
	c->has_flow = 1;
	c->to_server = from_client;
	c->established = c->in_est;
	/* a service behind SYNPROXY: its handshake is answered by the gateway's stack (the SYN-ACK
	 * never passes here) and its sequence numbers translated, so the flow table cannot judge its
	 * packets; conntrack does. They are counted, never dropped as invalid. */
	if (f->nowin)
		invalid = 0;
	/* verdicts and flowbits of another ruleset generation do not apply (they are kept: a rollback
	 * finds them again, until the flow stores something under the new epoch) */
	if (f->epoch != c->epoch) {
		c->bits = 0;
		return flow_invalid(cfg, res, invalid);
	}
	c->bits = f->flowbits;
	if (!c->epoch || f->verdict == FW_FLOW_V_NONE)
		return flow_invalid(cfg, res, invalid); /* (only TCP flows keep a verdict, unless a FLOW_ANY rule stored it) */
	res->sig_id = f->sid;
	if (f->verdict == FW_FLOW_V_DROP) {
		res->verdict = FW_VERDICT_DROP;
		res->reason = FW_REASON_FLOW_DROP;
		flow_stat(FW_FLOW_STAT_VERDICT_DROP);
	} else {
		res->verdict = FW_VERDICT_PASS;
		res->reason = FW_REASON_RULE_PASS;
		flow_stat(FW_FLOW_STAT_VERDICT_PASS);
	}
	return 1;
}

/* A rule's flow keywords and flowbits against the packet's flow (cls_walk.h cls_residual, its
 * last test). While the walk gathers matches it also gathers the rule's flowbit effects; in the
 * act phase (frozen) it only checks. */
__noinline int flow_residual(const struct fw_cls_rule *ri)
{
	__u32 zero = 0;
	struct flow_pktctx *c = bpf_map_lookup_elem(&fw_flow_pkt, &zero);
	__u8 fl;
	__u64 b;

	if (!c || !ri)
		return 0;
	fl = ri->flow;
	if (!c->has_flow)
		return 0; /* every flow condition needs a flow, stateless too (Suricata) */
	if ((fl & FW_CLS_FL_ESTABLISHED) && !c->established)
		return 0;
	if ((fl & FW_CLS_FL_NOT_ESTABLISHED) && c->established)
		return 0;
	if ((fl & FW_CLS_FL_TO_SERVER) && !c->to_server)
		return 0;
	if ((fl & FW_CLS_FL_TO_CLIENT) && c->to_server)
		return 0;
	if (!(fl & FW_CLS_FL_FLOWBITS))
		return 1;
	b = c->bits;
	if ((b & ri->fb_all) != ri->fb_all || (ri->fb_any && !(b & ri->fb_any)))
		return 0;
	if ((b & ri->fb_none) || (ri->fb_notany && !(~b & ri->fb_notany)))
		return 0;
	if (!c->frozen) {
		c->fb_set |= ri->fb_set;
		c->fb_unset |= ri->fb_unset;
		c->fb_toggle ^= ri->fb_toggle;
	}
	return 1;
}

/* The walk is over: the act phase re-checks rules without gathering effects twice. */
static __always_inline void flow_freeze(void)
{
	__u32 zero = 0;
	struct flow_pktctx *c = bpf_map_lookup_elem(&fw_flow_pkt, &zero);

	if (c)
		c->frozen = 1;
}

/* The deciding rule's enum fw_cls_scope (fw_classify, once it knows the winner): a packet-scoped
 * verdict is not stored on the flow. */
static __always_inline void flow_scope(__u32 scope)
{
	__u32 zero = 0;
	struct flow_pktctx *c = bpf_map_lookup_elem(&fw_flow_pkt, &zero);

	if (c)
		c->scope = scope;
}

/* After the classifier: the flowbits its matches set, and the verdict of a rule that decided a
 * TCP packet (drop/reject: the flow stays dropped; pass: later packets are not classified),
 * unless the rule's scope is the packet (fw_cls_rule.scope). */
__noinline int flow_record(const struct fw_pkt *pkt, const struct fw_result *res)
{
	__u32 zero = 0;
	struct flow_pktctx *c = bpf_map_lookup_elem(&fw_flow_pkt, &zero);
	struct fw_flow *f;
	__u8 v = FW_FLOW_V_NONE;

	if (!c || !pkt || !res || !c->has_flow || !c->epoch)
		return 0;
	if (res->reason == FW_REASON_RULE_DROP || res->reason == FW_REASON_RULE_REJECT)
		v = FW_FLOW_V_DROP;
	else if (res->reason == FW_REASON_RULE_PASS)
		v = FW_FLOW_V_PASS;
	if (c->scope == FW_CLS_SCOPE_PACKET || (c->scope == FW_CLS_SCOPE_FLOW && c->key.proto != IPPROTO_TCP))
		v = FW_FLOW_V_NONE;
	if (v == FW_FLOW_V_NONE && !(c->fb_set | c->fb_unset | c->fb_toggle))
		return 0;
	f = bpf_map_lookup_elem(flow_map(c->in_est), &c->key);
	if (!f)
		return 0;
	if (f->epoch != c->epoch) {
		/* the first write under this generation: another generation's verdict and bits go */
		f->epoch = c->epoch;
		f->verdict = FW_FLOW_V_NONE;
		f->flowbits = 0;
	}
	f->flowbits = ((f->flowbits | c->fb_set) & ~c->fb_unset) ^ c->fb_toggle;
	if (v != FW_FLOW_V_NONE && f->verdict == FW_FLOW_V_NONE) {
		f->verdict = v;
		f->sid = res->sig_id;
	}
	return 1;
}

/* BTF anchor of the flow table's ABI enums (the program uses them as constants only), so
 * test/abi.test.ts can check src/abi against them. */
struct fw_flow_abi_types {
	enum fw_flow_state state;
	enum fw_flow_verdict verdict;
	enum fw_flow_timeout timeout;
	enum fw_flow_midstream midstream;
	enum fw_flow_invalid invalid;
	enum fw_flow_stat stat;
	enum fw_wscale wscale;
};
struct fw_flow_abi_types *fw_flow_abi_types_anchor __attribute__((unused));

#endif /* FW_FLOW_H */
