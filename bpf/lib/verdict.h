/* SPDX-License-Identifier: MIT */
/* verdict.h — the result a packet accumulates on its path, and how it becomes an XDP action. */
#ifndef FW_VERDICT_H
#define FW_VERDICT_H

#include <linux/bpf.h>

#include "fwctl_abi.h"
#include "config.h"

/* What the packet's path decided. Written to fw_meta (test run) and counted by reason. */
struct fw_result {
	__u32 verdict; /* enum fw_verdict */
	__u32 reason;  /* enum fw_reason */
	__u32 sig_id;
	__u32 flags; /* enum fw_flag */
};

/* The reasons the parser returns for a header it could not read: contiguous in enum fw_reason
 * (malformed_eth .. malformed_icmpv6, the two depth limits included). */
static __always_inline int reason_is_malformed(__u32 reason)
{
	return reason >= FW_REASON_MALFORMED_ETH && reason <= FW_REASON_MALFORMED_ICMPV6;
}

/* The verdict for a packet the parser stopped on: non-IP passes, malformed follows the knob. */
static __always_inline void verdict_unparsed(struct fw_result *res, __u32 reason)
{
	res->reason = reason;
	if (!reason_is_malformed(reason))
		return;
	res->flags |= FW_FLAG_MALFORMED;
	if (cfg_malformed_policy == FW_MALFORMED_DROP)
		res->verdict = FW_VERDICT_DROP;
}

static __always_inline int verdict_action(const struct fw_result *res)
{
	/* REJECT drops here; answering (RST, ICMP unreachable) is userspace's business. */
	return res->verdict == FW_VERDICT_PASS ? XDP_PASS : XDP_DROP;
}

#endif /* FW_VERDICT_H */
