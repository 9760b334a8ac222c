/* SPDX-License-Identifier: MIT */
/* cls_flow.h — dropped TCP flows: a drop or reject of a TCP packet drops the rest of its flow, in
 * both directions, with reason flow_drop and no alert (DESIGN.md; src/rules/reference/README.md
 * "Dropped TCP flows"). An LRU hash keyed by the normalized 5-tuple; the flow table of issue 5
 * will take this over. */
#ifndef FW_CLS_FLOW_H
#define FW_CLS_FLOW_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>

#include "fwctl_abi.h"
#include "cls_maps.h"
#include "verdict.h"

/* -1, 0, 1 as a < b, a == b, a > b, the addresses read as big-endian numbers. */
static __always_inline int cls_addr_cmp(const __u32 *a, const __u32 *b)
{
	for (int i = 0; i < 4; i++) {
		__u32 x = bpf_ntohl(a[i]), y = bpf_ntohl(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* THE flow key: both directions of a flow give the same key (the lower endpoint, by address then
 * port, first), as the reference's tcpFlowKey. Returns 0 for a packet that is not TCP with its
 * header read. */
static __always_inline int cls_flow_key(const struct fw_pkt *pkt, struct fw_cls_flow_key *key)
{
	int c, fwd;

	if (!pkt->has_l4 || pkt->l4_proto != IPPROTO_TCP)
		return 0;
	c = cls_addr_cmp(pkt->saddr, pkt->daddr);
	fwd = c < 0 || (c == 0 && pkt->sport <= pkt->dport);
	__builtin_memcpy(key->addr[0], fwd ? pkt->saddr : pkt->daddr, 16);
	__builtin_memcpy(key->addr[1], fwd ? pkt->daddr : pkt->saddr, 16);
	key->port[0] = fwd ? pkt->sport : pkt->dport;
	key->port[1] = fwd ? pkt->dport : pkt->sport;
	key->family = pkt->family;
	key->proto = IPPROTO_TCP;
	key->_pad = 0;
	return 1;
}

/* A packet of a flow dropped under this generation's epoch: DROP, flow_drop, the dropping rule's
 * sid. Returns 1 when it decided. */
static __always_inline int cls_flow_dropped(__u32 gen, const struct fw_cls_cfg *cfg, const struct fw_pkt *pkt,
					    struct fw_result *res, struct fw_cls_flow_key *key)
{
	struct fw_cls_flow *f;
	__u64 *n = bpf_map_lookup_elem(&fw_cls_flow_count, &gen);

	if (!n || !*n || !cls_flow_key(pkt, key))
		return 0;
	f = bpf_map_lookup_elem(&fw_cls_flows, key);
	if (!f || f->epoch != cfg->epoch)
		return 0;
	f->last_ns = pkt->ts_ns;
	res->verdict = FW_VERDICT_DROP;
	res->reason = FW_REASON_FLOW_DROP;
	res->sig_id = f->sid;
	return 1;
}

/* Records the flow of a TCP packet that a rule dropped or rejected. key and f are scratch memory
 * (map memory: the stack is short). */
static __always_inline void cls_flow_drop(__u32 gen, const struct fw_cls_cfg *cfg, const struct fw_pkt *pkt,
					  __u32 sid, __u32 rule_id, struct fw_cls_flow_key *key, struct fw_cls_flow *f)
{
	__u64 *n;

	if (!cls_flow_key(pkt, key))
		return;
	f->sid = sid;
	f->rule_id = rule_id;
	f->epoch = cfg->epoch;
	f->_pad = 0;
	f->last_ns = pkt->ts_ns;
	if (bpf_map_update_elem(&fw_cls_flows, key, f, BPF_ANY))
		return;
	n = bpf_map_lookup_elem(&fw_cls_flow_count, &gen);
	if (n)
		__sync_fetch_and_add(n, 1);
}

#endif /* FW_CLS_FLOW_H */
