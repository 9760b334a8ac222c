/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* fwctl.bpf.c — the XDP entry. It reads like the packet's path; the logic lives in lib/. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"
#include "lib/config.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/verdict.h"
#include "lib/addrset.h"
#include "lib/syncookie.h"
#include "lib/events.h"
#include "lib/tcpopt.h"
#include "lib/flow.h"
#include "lib/classify.h"
#include "lib/ratelimit.h"
#include "lib/reject.h"
#include "lib/meta.h"
#include "lib/stats.h"
#include "lib/debug.h"

/* xdp.frags: the program accepts multi-buffer frames (jumbo MTUs, and test runs of frames longer
 * than one page). It reads headers from the linear part and lengths from bpf_xdp_get_buff_len. */
SEC("xdp.frags")
int fw_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 frame_len = bpf_xdp_get_buff_len(ctx);
	struct fw_parse p = {
		.nh.pos = data, .data = data, .data_end = data_end, .ip_end = data_end, .frame_len = frame_len,
	};
	struct fw_result res = { .verdict = FW_VERDICT_PASS };
	struct fw_pkt *pkt;
	struct fw_meta *meta;
	__u32 reject_kind = FW_REJECT_SRC;
	__u32 reason, gen, zero = 0;
	int action;

	/* The parsed packet lives in a per-CPU map entry: the stack is the classifier's (maps.h). */
	pkt = bpf_map_lookup_elem(&fw_pkt_buf, &zero);
	if (!pkt)
		return XDP_ABORTED;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	meta = meta_get(ctx);
	pkt->ts_ns = meta ? meta->ts_ns : bpf_ktime_get_ns();
	pkt->ifindex = ctx->ingress_ifindex;
	pkt->frame_len = frame_len;

	reason = parse_packet(&p, pkt);
	if (reason != FW_REASON_PASS_DEFAULT) {
		verdict_unparsed(&res, reason);
		goto out;
	}

	if (addrset_check(pkt, &res))
		goto out;
	if (syncookie_check(ctx, pkt, &res))
		goto out;
	if (pkt->has_l4 && pkt->l4_proto == IPPROTO_TCP && (pkt->tcp_flags & FW_TCP_SYN))
		pkt->tcp_wscale = tcp_wscale(ctx, pkt); /* for the flow table's windows */
	gen = cls_active_gen(); /* once: the flow table and the classifier see one ruleset */
	if (flow_track(pkt, &res, gen))
		goto limits; /* a stored verdict: a passed flow still meets the rate limits */
	reject_kind = fw_classify(ctx, pkt, &res, gen);
	flow_record(pkt, &res);
limits:
	ratelimit_check(pkt, &res);

out:
	debug_pkt(pkt);
	stats_count(res.reason, frame_len);
	if (res.flags & FW_FLAG_SYNCOOKIE) {
		/* Last, as a reject: the SYN becomes the cookie SYN-ACK (lib/syncookie.h). */
		action = syncookie_answer(ctx, pkt);
		meta_write(meta_get(ctx), &res);
		return action;
	}
	if (res.verdict == FW_VERDICT_REJECT) {
		/* Last: reject_packet moves the head and the tail, so every packet pointer is stale
		 * after it, the metadata area included (meta_get finds it again). */
		action = reject_packet(ctx, pkt, reject_kind);
		meta_write(meta_get(ctx), &res);
		return action;
	}
	meta_write(meta, &res);
	return verdict_action(&res);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
