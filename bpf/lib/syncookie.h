/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* syncookie.h — SYN-flood defence: SYN cookies answered from XDP for protected services.
 *
 * As the kernel's xdp_synproxy selftest, in front of netfilter's SYNPROXY (nftables `synproxy`,
 * which src/synproxy sets up for every service in the map): both sides use the kernel's own cookie
 * functions (bpf_tcp_raw_gen/check_syncookie_ipv4/6 here, __cookie_v4/v6_check in SYNPROXY) and
 * its one boot-time secret, so a cookie made here is valid there and the other way round.
 *
 *   int syncookie_check(ctx, pkt, res)  after the address sets, before the flow table:
 *     TCP to a service of fw_sc_svc (destination address and port), not a fragment:
 *     - belongs to a conntrack entry (bpf_xdp_ct_lookup)              -> 0: the path goes on
 *       (an entry in TIME_WAIT or CLOSE is expired for a SYN or a valid-cookie ACK of a new
 *       connection on its tuple, which then goes on below: see sc_conntrack)
 *     - SYN (no ACK, RST, FIN), cookie mode off                       -> 0 (SYNPROXY answers it)
 *     - SYN, cookie mode on                                            -> 1: DROP, reason syncookie,
 *           flag FW_FLAG_SYNCOOKIE: at `out:` syncookie_answer() turns the frame into the cookie
 *           SYN-ACK (XDP_TX). No state is created anywhere.
 *       ... unless not answerable here (IPv4 options, IPv6 extension headers, payload, a frame
 *           with fragments): 0, SYNPROXY answers it; bad IPv4/TCP checksum: 1, DROP, no answer
 *     - ACK (no SYN, RST), valid cookie                                -> 0 (SYNPROXY opens the
 *           connection to the server)
 *     - ACK, invalid cookie                                            -> 1: DROP, reason syncookie
 *     - anything else (RST, SYN-ACK, no flags)                         -> 0 (conntrack's business)
 *   int syncookie_answer(ctx, pkt)  at `out:`, last (it moves the tail) -> XDP_TX | XDP_DROP
 *
 * The half-open estimate and cookie mode are defined at struct fw_sc_svc (fwctl_abi.h). ACKs are
 * checked whether cookie mode is on or not: SYNPROXY's cookies are checked by the same function.
 *
 * The SYN-ACK (as the selftest and SYNPROXY's synproxy_send_client_synack): MACs, addresses and
 * ports swapped, VLAN tags kept, seq = cookie, ack = SYN's seq + 1, window 0, TTL/hop limit 64,
 * IPv4 DF; a 40-byte TCP header: MSS (the service's), then, when the SYN had a timestamp, SACK_PERM
 * (or two NOPs), TS (tsval = packet time in ms with the low 6 bits carrying the client's window
 * scale, SACK_PERM and ECN, as the kernel's cookie_init_timestamp; tsecr = the client's tsval) and
 * NOP + WS (the service's) when the client sent WS. NOPs fill the rest. Without a timestamp the
 * cookie carries the MSS only, as the kernel's own cookies.
 *
 * Time is pkt->ts_ns (the replay's packet time), never a clock read here.
 */
#ifndef FW_SYNCOOKIE_H
#define FW_SYNCOOKIE_H

#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwctl_abi.h"
#include "verdict.h"
#include "reject.h"

#ifndef FW_SC_SVC_MAX
#define FW_SC_SVC_MAX 1024
#endif

/* The protected services. Writer: userspace (src/synproxy: settings, zeroed estimate); the XDP
 * program (the estimate and totals, atomic adds). Reader: the XDP program, `fwctl synproxy list`. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_SC_SVC_MAX);
	__type(key, struct fw_sc_key);
	__type(value, struct fw_sc_svc);
} fw_sc_svc SEC(".maps");

/* Entries in fw_sc_svc; 0 skips the hash lookup, so a datapath without services pays one array
 * read per TCP packet. Writer: userspace, raised before an insert and lowered after a delete, so it
 * is never 0 while a service is in the map. Reader: the XDP program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fw_sc_count SEC(".maps");

/* Counters by enum fw_sc_stat. Writer: the XDP program. Reader: userspace, summing the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_SC_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} fw_sc_stats SEC(".maps");

_Static_assert(FW_SC_STAT__MAX <= FW_SC_STAT_SLOTS, "fw_sc_stats has a slot for every stat");

/* The conntrack kfuncs (net/netfilter/nf_conntrack_bpf.c). The options struct is declared here
 * under a local name as the selftest does; libbpf matches kfunc prototypes by kind, the kernel
 * checks its size (opts__sz: 16 on this kernel, 12 accepted for older programs). */
struct fw_ct_opts {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
};
/* The kernel's layout, read through CO-RE (libbpf relocates the offsets from vmlinux BTF): only
 * the TCP state is read (sc_conntrack). A body, not a forward declaration: libbpf wants a struct
 * where the kernel has one. */
struct ip_ct_tcp___fw {
	__u8 state;
} __attribute__((preserve_access_index));
union nf_conntrack_proto___fw {
	struct ip_ct_tcp___fw tcp;
} __attribute__((preserve_access_index));
struct nf_conn {
	union nf_conntrack_proto___fw proto;
} __attribute__((preserve_access_index));
extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple, __u32 len_tuple,
					 struct fw_ct_opts *opts, __u32 len_opts) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;
extern int bpf_ct_change_timeout(struct nf_conn *nfct, __u32 timeout) __ksym;

/* TCP options (RFC 9293 §3.1; the kernel's names live in net/tcp.h, not in a uapi header). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8
#define TCPOLEN_MSS 4
#define TCPOLEN_WINDOW 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10

#define FW_SC_TCP_MAX 60	/* the longest TCP header (data offset 15) */
#define FW_SC_SYNACK_LEN 40	/* the SYN-ACK's TCP header: 20 + 20 bytes of options */
#define FW_SC_TS_BITS 6		/* low bits of our tsval that carry the options (cookie_init_timestamp) */
#define FW_SC_TS_WSCALE_NONE 0xf

/* The IP and TCP headers of the packet, copied to the stack: the cookie helpers take them as
 * memory, and a copy reads the same for a frame with fragments. */
struct sc_hdrs {
	union {
		struct iphdr v4;
		struct ipv6hdr v6;
	} ip;
	__u8 th[64];		/* the TCP header; 64 so an index masked with 63 stays inside */
	__u32 th_len;		/* 20..60 */
};

/* What the SYN's options say, for the timestamp cookie. */
struct sc_opts {
	__u32 tsval;		/* the client's, host order */
	__u8 has_ts;
	__u8 sack;
	__u8 wscale;		/* FW_SC_TS_WSCALE_NONE when the client sent none */
	__u8 _pad;
};

/* Per-CPU scratch for the header copies and the SYN-ACK being built: off the 512-byte stack,
 * which the classifier's call chain needs. Writer and reader: the XDP program, within one run. */
struct sc_scratch {
	struct sc_hdrs h;
	__u32 synack[FW_SC_SYNACK_LEN / 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_scratch);
} fw_sc_scratch SEC(".maps");

static __always_inline struct sc_scratch *sc_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_sc_scratch, &zero);
}

static __always_inline void sc_stat(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&fw_sc_stats, &slot);

	if (v)
		*v += 1;
}

static __always_inline int sc_load_hdrs(struct xdp_md *ctx, const struct fw_pkt *pkt, struct sc_hdrs *h, int v6)
{
	__u32 len = pkt->payload_off - pkt->l4_off;

	if (len < sizeof(struct tcphdr) || len > FW_SC_TCP_MAX)
		return -1;
	h->th_len = len;
	if (bpf_xdp_load_bytes(ctx, pkt->l3_off, &h->ip, v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)))
		return -1;
	return bpf_xdp_load_bytes(ctx, pkt->l4_off, h->th, len);
}

/* What conntrack says about the packet's tuple (sc_conntrack). */
enum sc_ct {
	SC_CT_NONE = 0,		/* no entry: the handshake is ours to check */
	SC_CT_LIVE = 1,		/* an entry before TIME_WAIT: past the handshake (or SYNPROXY's), pass */
	SC_CT_REOPENED = 2,	/* a TIME_WAIT/CLOSE entry expired for a new connection on its tuple */
};

/* nf_conntrack's TCP states (enum tcp_conntrack) from which a tuple may be reused. */
#define FW_CT_TCP_TIME_WAIT 7
#define FW_CT_TCP_CLOSE 8

static __always_inline int sc_ack_valid(struct xdp_md *ctx, const struct fw_pkt *pkt, struct sc_hdrs *h, int v6)
{
	if (sc_load_hdrs(ctx, pkt, h, v6))
		return 0;
	return (v6 ? bpf_tcp_raw_check_syncookie_ipv6(&h->ip.v6, (struct tcphdr *)h->th)
		   : bpf_tcp_raw_check_syncookie_ipv4(&h->ip.v4, (struct tcphdr *)h->th)) == 0;
}

/* Looks the tuple up in conntrack. A SYN-proxied SYN is untracked, so an entry still closing
 * (TIME_WAIT, CLOSE) would catch the new connection's ACK and forward it to the old one: a client
 * reusing its port within conntrack's TIME_WAIT (120 s) never connects. So for a SYN, or an ACK
 * with a valid cookie, such an entry is expired at once (bpf_ct_change_timeout 0) and the packet
 * goes on as if there were none; any other packet of the tuple is left to conntrack. */
static __always_inline int sc_conntrack(struct xdp_md *ctx, const struct fw_pkt *pkt, struct sc_hdrs *h, int v6, int syn)
{
	struct fw_ct_opts opts = { .netns_id = -1 /* BPF_F_CURRENT_NETNS */, .l4proto = IPPROTO_TCP };
	struct bpf_sock_tuple tup = {};
	struct nf_conn *ct;
	__u32 size;
	__u8 state;

	if (v6) {
		__builtin_memcpy(tup.ipv6.saddr, pkt->saddr, 16);
		__builtin_memcpy(tup.ipv6.daddr, pkt->daddr, 16);
		tup.ipv6.sport = bpf_htons(pkt->sport);
		tup.ipv6.dport = bpf_htons(pkt->dport);
		size = sizeof(tup.ipv6);
	} else {
		tup.ipv4.saddr = pkt->saddr[0];
		tup.ipv4.daddr = pkt->daddr[0];
		tup.ipv4.sport = bpf_htons(pkt->sport);
		tup.ipv4.dport = bpf_htons(pkt->dport);
		size = sizeof(tup.ipv4);
	}
	ct = bpf_xdp_ct_lookup(ctx, &tup, size, &opts, sizeof(opts));
	if (!ct)
		return SC_CT_NONE;
	state = ct->proto.tcp.state;
	if ((state == FW_CT_TCP_TIME_WAIT || state == FW_CT_TCP_CLOSE) && (syn || sc_ack_valid(ctx, pkt, h, v6))) {
		bpf_ct_change_timeout(ct, 0);
		bpf_ct_release(ct);
		return SC_CT_REOPENED;
	}
	bpf_ct_release(ct);
	return SC_CT_LIVE;
}

/* The SYN's half-open window step (struct fw_sc_svc): counts the SYN, says whether cookie mode is
 * on for it. */
static __always_inline int sc_window_syn(struct fw_sc_svc *svc, __u64 now)
{
	__u64 start = svc->win_start_ns, win = svc->window_ns;
	__u32 syn, done, half;

	if (now - start >= win || now < start) {
		syn = svc->win_syn;
		done = svc->win_done;
		svc->prev_half_open = (now >= start && now - start < 2 * win && syn > done) ? syn - done : 0;
		svc->win_start_ns = now;
		svc->win_syn = 0;
		svc->win_done = 0;
	}
	__sync_fetch_and_add(&svc->win_syn, 1); /* clang 14 (BPF v1): no use of the old value */
	syn = svc->win_syn;
	done = svc->win_done;
	half = syn > done ? syn - done : 0;
	return svc->mode == FW_SC_MODE_ALWAYS || svc->prev_half_open > svc->threshold || half > svc->threshold;
}

/* An index into sc_hdrs.th the verifier sees bounded: clang drops a plain `& 63` after a range
 * check, and bounds checked on a copy of the register are lost. */
static __always_inline __u32 sc_idx(__u32 i)
{
	asm volatile("%0 &= 63" : "+r"(i));
	return i;
}

/* Reads the SYN's options (the stack copy): window scale, SACK_PERM, timestamp. One option per
 * bpf_loop step, at most 40 (the option space): a bpf_loop callback is verified once, where a
 * plain loop over 40 options multiplies the verifier's paths past its limit. */
struct sc_optwalk {
	const struct sc_hdrs *h;
	struct sc_opts o;
	__u32 i;		/* offset of the next option in the TCP header */
};

static long sc_opt_step(__u32 index, void *arg)
{
	struct sc_optwalk *w = arg;
	const struct sc_hdrs *h = w->h;
	__u32 i = w->i, len = h->th_len;
	__u8 kind, sz;

	if (i >= len || i >= FW_SC_TCP_MAX)
		return 1;
	kind = h->th[sc_idx(i)];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->i = i + 1;
		return 0;
	}
	if (i + 1 >= len)
		return 1;
	sz = h->th[sc_idx(i + 1)];
	if (sz < 2 || i + sz > len)
		return 1;
	if (kind == TCPOPT_WINDOW && sz == TCPOLEN_WINDOW) {
		__u8 ws = h->th[sc_idx(i + 2)];

		w->o.wscale = ws < 14 ? ws : 14; /* TCP_MAX_WSCALE */
	} else if (kind == TCPOPT_SACK_PERM && sz == TCPOLEN_SACK_PERM) {
		w->o.sack = 1;
	} else if (kind == TCPOPT_TIMESTAMP && sz == TCPOLEN_TIMESTAMP) {
		w->o.tsval = (__u32)h->th[sc_idx(i + 2)] << 24 | (__u32)h->th[sc_idx(i + 3)] << 16 |
			     (__u32)h->th[sc_idx(i + 4)] << 8 | h->th[sc_idx(i + 5)];
		w->o.has_ts = 1;
	}
	w->i = i + sz;
	return 0;
}

static __always_inline void sc_parse_opts(const struct sc_hdrs *h, struct sc_opts *o)
{
	struct sc_optwalk w = { .h = h, .i = sizeof(struct tcphdr) };

	w.o.wscale = FW_SC_TS_WSCALE_NONE;
	bpf_loop(FW_SC_TCP_MAX - sizeof(struct tcphdr), sc_opt_step, &w, 0);
	*o = w.o;
}

/* The checksums of a SYN before it is answered (as the selftest): a corrupted SYN gets no answer.
 * The SYN carries no payload (checked), so the TCP header is the whole segment. */
static __always_inline int sc_csum_ok(const struct fw_pkt *pkt, struct sc_hdrs *h, int v6)
{
	__u32 len = sc_idx(h->th_len), sum;

	if (!v6 && rj_fold(rj_sum(&h->ip.v4, sizeof(h->ip.v4), 0)) != 0)
		return 0;
	if (len < sizeof(struct tcphdr))
		return 0;
	sum = rj_pseudo_sum(v6, pkt->saddr, pkt->daddr, IPPROTO_TCP, len);
	return rj_fold(bpf_csum_diff(NULL, 0, (void *)h->th, len, sum)) == 0;
}

/* Answerable from XDP: a plain IP header right before TCP, no payload, a linear frame. */
static __always_inline int sc_answerable(struct xdp_md *ctx, const struct fw_pkt *pkt, int v6)
{
	__u32 linear = (__u32)(ctx->data_end - ctx->data);

	if (pkt->l4_off != pkt->l3_off + (v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)))
		return 0;
	return pkt->dsize == 0 && pkt->frame_len == linear && rj_l2_len(pkt) != 0;
}

/* Sets res and returns 1 when the packet's fate is decided here (see the top of the file). */
__noinline int syncookie_check(struct xdp_md *ctx, const struct fw_pkt *pkt, struct fw_result *res)
{
	struct fw_sc_key key = {};
	struct sc_scratch *scr;
	struct fw_sc_svc *svc;
	struct sc_hdrs *h;
	__u32 zero = 0, *count;
	__u8 fl;
	int v6;

	if (!ctx || !pkt || !res)
		return 0;
	if (pkt->l4_proto != IPPROTO_TCP || !pkt->has_l4 || pkt->frag != FW_FRAG_NONE)
		return 0;
	count = bpf_map_lookup_elem(&fw_sc_count, &zero);
	if (!count || !*count)
		return 0;
	fl = pkt->tcp_flags & (FW_TCP_SYN | FW_TCP_ACK | FW_TCP_RST | FW_TCP_FIN);
	if (fl != FW_TCP_SYN && (fl & ~FW_TCP_FIN) != FW_TCP_ACK)
		return 0;
	v6 = pkt->family == FW_FAMILY_IPV6;
	__builtin_memcpy(key.addr, pkt->daddr, sizeof(key.addr));
	key.port = pkt->dport;
	key.family = pkt->family;
	svc = bpf_map_lookup_elem(&fw_sc_svc, &key);
	if (!svc)
		return 0;
	res->flags |= FW_FLAG_SYNPROXY; /* flow_track: no window tracking for this flow */
	scr = sc_scratch_get();
	if (!scr)
		return 0;
	h = &scr->h;
	switch (sc_conntrack(ctx, pkt, h, v6, fl == FW_TCP_SYN)) {
	case SC_CT_LIVE:
		sc_stat(FW_SC_STAT_ACK_CONNTRACK);
		return 0;
	case SC_CT_REOPENED:
		sc_stat(FW_SC_STAT_CT_REOPENED);
		break;
	}

	if (fl == FW_TCP_SYN) {
		int on = sc_window_syn(svc, pkt->ts_ns);

		svc->cookie_on = on;
		if (!on) {
			sc_stat(FW_SC_STAT_SYN_PASSED);
			return 0;
		}
		sc_stat(FW_SC_STAT_MODE_ON);
		if (!sc_answerable(ctx, pkt, v6) || sc_load_hdrs(ctx, pkt, h, v6)) {
			sc_stat(FW_SC_STAT_SYN_SLOW);
			return 0;
		}
		res->verdict = FW_VERDICT_DROP;
		res->reason = FW_REASON_SYNCOOKIE;
		if (!sc_csum_ok(pkt, h, v6)) {
			sc_stat(FW_SC_STAT_SYN_BAD_CSUM);
			return 1;
		}
		res->flags |= FW_FLAG_SYNCOOKIE;
		return 1;
	}

	/* ACK (FIN allowed: a client may close at once): the cookie is ack_seq - 1. */
	if (sc_ack_valid(ctx, pkt, h, v6)) {
		sc_stat(FW_SC_STAT_ACK_VALID);
		__sync_fetch_and_add(&svc->ack_valid, 1);
		if (pkt->ts_ns - svc->win_start_ns < svc->window_ns)
			__sync_fetch_and_add(&svc->win_done, 1);
		res->flags |= FW_FLAG_COOKIE_ACK; /* flow_track: the flow starts established */
		return 0;
	}
	sc_stat(FW_SC_STAT_ACK_INVALID);
	__sync_fetch_and_add(&svc->ack_invalid, 1);
	res->verdict = FW_VERDICT_DROP;
	res->reason = FW_REASON_SYNCOOKIE;
	return 1;
}

/* The SYN-ACK's TCP header (40 bytes), built on the stack with its checksum. */
static __always_inline int sc_build_synack(const struct fw_pkt *pkt, struct sc_hdrs *h, const struct fw_sc_svc *svc,
					   __u32 *out, int v6)
{
	struct tcphdr *syn = (struct tcphdr *)h->th;
	struct tcphdr *th = (struct tcphdr *)out;
	struct sc_opts o = {};
	__u32 *opt = out + 5, tsval, i;
	__s64 cookie;
	__u8 flags = FW_TCP_SYN | FW_TCP_ACK;

	__u32 th_len = sc_idx(h->th_len); /* 20..60, read back from the scratch map: re-bounded */

	if (th_len < sizeof(struct tcphdr))
		return -1;
	cookie = v6 ? bpf_tcp_raw_gen_syncookie_ipv6(&h->ip.v6, syn, th_len)
		    : bpf_tcp_raw_gen_syncookie_ipv4(&h->ip.v4, syn, th_len);
	if (cookie < 0)
		return -1;
	sc_parse_opts(h, &o);

	for (i = 0; i < 5; i++)
		opt[i] = bpf_htonl(0x01010101); /* NOPs */
	opt[0] = bpf_htonl((TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) | svc->mss);
	if (o.has_ts) {
		int ecn = (pkt->tcp_flags & (FW_TCP_ECE | FW_TCP_CWR)) == (FW_TCP_ECE | FW_TCP_CWR);

		tsval = (__u32)(pkt->ts_ns / 1000000) & ~((1u << FW_SC_TS_BITS) - 1);
		tsval |= o.wscale & 0xf;
		tsval |= o.sack ? 1 << 4 : 0;
		tsval |= ecn ? 1 << 5 : 0;
		if (ecn)
			flags |= FW_TCP_ECE;
		opt[1] = bpf_htonl(((o.sack ? (TCPOPT_SACK_PERM << 8 | TCPOLEN_SACK_PERM)
					    : (TCPOPT_NOP << 8 | TCPOPT_NOP)) << 16) |
				   (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP);
		opt[2] = bpf_htonl(tsval);
		opt[3] = bpf_htonl(o.tsval);
		if (o.wscale != FW_SC_TS_WSCALE_NONE)
			opt[4] = bpf_htonl((TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) | (TCPOLEN_WINDOW << 8) |
					   (svc->wscale & 0xf));
	}
	th->source = syn->dest;
	th->dest = syn->source;
	th->seq = bpf_htonl((__u32)cookie);
	th->ack_seq = bpf_htonl(bpf_ntohl(syn->seq) + 1);
	((__u8 *)th)[12] = (FW_SC_SYNACK_LEN / 4) << 4;
	((__u8 *)th)[13] = flags;
	th->window = 0;
	th->check = 0;
	th->urg_ptr = 0;
	th->check = rj_fold(rj_sum(out, FW_SC_SYNACK_LEN,
				   rj_pseudo_sum(v6, pkt->daddr, pkt->saddr, IPPROTO_TCP, FW_SC_SYNACK_LEN)));
	return 0;
}

/* Turns the SYN syncookie_check flagged into the cookie SYN-ACK. Call it last: it moves the tail,
 * so every packet pointer the caller holds is stale afterwards (meta_get(ctx) finds the area). */
__noinline int syncookie_answer(struct xdp_md *ctx, const struct fw_pkt *pkt)
{
	struct fw_sc_key key = {};
	struct sc_scratch *scr;
	struct fw_sc_svc *svc;
	void *data, *data_end;
	struct tcphdr *th;
	__u32 l3, iphlen;
	int v6;

	if (!ctx || !pkt)
		return XDP_DROP;
	v6 = pkt->family == FW_FAMILY_IPV6;
	iphlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	__builtin_memcpy(key.addr, pkt->daddr, sizeof(key.addr));
	key.port = pkt->dport;
	key.family = pkt->family;
	svc = bpf_map_lookup_elem(&fw_sc_svc, &key);
	scr = sc_scratch_get();
	if (!svc || !scr || sc_load_hdrs(ctx, pkt, &scr->h, v6) || sc_build_synack(pkt, &scr->h, svc, scr->synack, v6))
		return XDP_DROP;
	l3 = rj_l2_len(pkt);
	if (!l3)
		return XDP_DROP;
	if (bpf_xdp_adjust_tail(ctx, (int)(l3 + iphlen + FW_SC_SYNACK_LEN) - (int)bpf_xdp_get_buff_len(ctx)))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) > data_end)
		return XDP_DROP;
	rj_swap_mac(data);
	if (v6) {
		struct ipv6hdr *ip6h = data + l3;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		*(__be32 *)ip6h = bpf_htonl(6 << 28);
		ip6h->payload_len = bpf_htons(FW_SC_SYNACK_LEN);
		ip6h->nexthdr = IPPROTO_TCP;
		ip6h->hop_limit = 64;
		__builtin_memcpy(&ip6h->saddr, pkt->daddr, 16);
		__builtin_memcpy(&ip6h->daddr, pkt->saddr, 16);
		th = (void *)(ip6h + 1);
	} else {
		struct iphdr *iph = data + l3;

		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		*(__u8 *)iph = 0x45;
		iph->tos = 0;
		iph->tot_len = bpf_htons(sizeof(*iph) + FW_SC_SYNACK_LEN);
		iph->id = 0;
		iph->frag_off = bpf_htons(0x4000); /* DF */
		iph->ttl = 64;
		iph->protocol = IPPROTO_TCP;
		iph->check = 0;
		iph->saddr = pkt->daddr[0];
		iph->daddr = pkt->saddr[0];
		iph->check = rj_fold(rj_sum(iph, sizeof(*iph), 0));
		th = (void *)(iph + 1);
	}
	if ((void *)th + FW_SC_SYNACK_LEN > data_end)
		return XDP_DROP;
	__builtin_memcpy(th, scr->synack, FW_SC_SYNACK_LEN);
	if (svc)
		__sync_fetch_and_add(&svc->syn_answered, 1);
	sc_stat(FW_SC_STAT_SYN_ANSWERED);
	return XDP_TX;
}

#endif /* FW_SYNCOOKIE_H */
