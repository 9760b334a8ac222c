/* SPDX-License-Identifier: MIT */
/* tcpopt.h — the window scale option of a SYN or SYN-ACK (RFC 7323), for the flow table's window
 * tracking (lib/flow.h flow_window). The options are copied into a per-CPU scratch and walked one
 * bpf_loop step per option (as cls_ipopts: a plain loop's paths multiply in the verifier): EOL
 * ends the list, NOP is one byte, any other option is kind/length/data; a length < 2 or past the
 * options ends the walk. A scale above 14 counts as 14 (RFC 7323 2.3, as Linux does).
 */
#ifndef FW_TCPOPT_H
#define FW_TCPOPT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"

struct tcpopt_walk {
	__u8 b[40];
	__u32 len;
	__u32 i;
	__u32 wscale;
};

/* Internal, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcpopt_walk);
} fw_tcpopt_scratch SEC(".maps");

static long tcpopt_step(__u32 n, void *data)
{
	__u32 zero = 0, i, len;
	struct tcpopt_walk *w = bpf_map_lookup_elem(&fw_tcpopt_scratch, &zero);
	__u8 t, l;

	if (!w)
		return 1;
	i = w->i;
	len = w->len;
	if (i >= len || i >= 40)
		return 1;
	t = w->b[i];
	if (t == 0)
		return 1;
	if (t == 1) {
		w->i = i + 1;
		return 0;
	}
	if (len - i < 2 || i + 1 >= 40)
		return 1;
	l = w->b[i + 1];
	if (l < 2 || l > len - i)
		return 1;
	if (t == 3 && l == 3 && i + 2 < 40)
		w->wscale = w->b[i + 2] > 14 ? 14 : w->b[i + 2];
	w->i = i + l;
	return 0;
}

/* The window scale a TCP packet's options carry, FW_WSCALE_NONE without one. */
static __always_inline __u8 tcp_wscale(struct xdp_md *ctx, const struct fw_pkt *pkt)
{
	__u32 zero = 0, len = pkt->payload_off - pkt->l4_off - 20;
	struct tcpopt_walk *w;

	if (len == 0 || len > 40)
		return FW_WSCALE_NONE;
	w = bpf_map_lookup_elem(&fw_tcpopt_scratch, &zero);
	if (!w)
		return FW_WSCALE_NONE;
	w->len = len;
	w->i = 0;
	w->wscale = FW_WSCALE_NONE;
	if (bpf_xdp_load_bytes(ctx, pkt->l4_off + 20, w->b, len))
		return FW_WSCALE_NONE;
	bpf_loop(40, tcpopt_step, 0, 0);
	return w->wscale;
}

#endif /* FW_TCPOPT_H */
