/* SPDX-License-Identifier: MIT */
/* tcpopt.h — the window scale option of a SYN or SYN-ACK (RFC 7323), for the flow table's window
 * tracking (lib/flow.h flow_window), read by the shared option walk (lib/optwalk.h). A scale above
 * 14 counts as 14 (RFC 7323 2.3, as Linux does).
 */
#ifndef FW_TCPOPT_H
#define FW_TCPOPT_H

#include "fwctl_abi.h"
#include "optwalk.h"

#define FW_TCPOPT_WSCALE 3	/* kind 3, length 3: the shift count */

/* The window scale a TCP packet's options carry, FW_WSCALE_NONE without one. */
static __always_inline __u8 tcp_wscale(struct xdp_md *ctx, const struct fw_pkt *pkt)
{
	struct opt_walk *w = opt_walk(ctx, pkt->l4_off + 20, pkt->payload_off - pkt->l4_off - 20, FW_TCPOPT_WSCALE, 3);

	if (!w || w->val == FW_OPT_NONE)
		return FW_WSCALE_NONE;
	return w->val > 14 ? 14 : w->val;
}

#endif /* FW_TCPOPT_H */
