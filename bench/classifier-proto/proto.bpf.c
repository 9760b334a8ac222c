/* SPDX-License-Identifier: MIT */
/* proto.bpf.c — benchmark entries for the classifier prototype. The packet is not parsed: each run
 * takes the next of the pre-parsed packets in cls_pkts (so BPF_PROG_TEST_RUN with repeat cycles
 * through many different flows), classifies it and writes the result to cls_res. cls_base does
 * the same without classifying, to subtract. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "classify_bitmap.h"
#include "classify_rfc.h"

struct cls_ctr {
	__u32 next;	/* next packet; writer: harness and the programs */
	__u32 mask;	/* cls_pkts holds mask + 1 packets; writer: harness */
};

CLS_ARRAY(cls_pkts, struct cls_pkt);	/* writer: harness */
CLS_ARRAY(cls_ctr, struct cls_ctr);
CLS_ARRAY(cls_res, struct cls_result);	/* last result; reader: harness */

static __always_inline struct cls_pkt *next_pkt(void)
{
	__u32 zero = 0, i;
	struct cls_ctr *ctr = bpf_map_lookup_elem(&cls_ctr, &zero);

	if (!ctr)
		return 0;
	i = ctr->next & ctr->mask;
	ctr->next += 1;
	return bpf_map_lookup_elem(&cls_pkts, &i);
}

static __always_inline struct cls_result *result(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cls_res, &zero);
}

SEC("xdp")
int xdp_base(struct xdp_md *ctx)
{
	struct cls_pkt *p = next_pkt();
	struct cls_result *res = result();

	if (!p || !res)
		return XDP_ABORTED;
	res->band = CLS_BAND_NONE;
	res->count = p->ttl;
	return XDP_DROP;
}

SEC("xdp")
int xdp_bitmap(struct xdp_md *ctx)
{
	struct cls_pkt *p = next_pkt();
	struct cls_result *res = result();

	if (!p || !res)
		return XDP_ABORTED;
	classify_bitmap(p, res);
	return (res->band == CLS_DROP || res->band == CLS_REJECT) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_rfc(struct xdp_md *ctx)
{
	struct cls_pkt *p = next_pkt();
	struct cls_result *res = result();

	if (!p || !res)
		return XDP_ABORTED;
	classify_rfc(p, res);
	return (res->band == CLS_DROP || res->band == CLS_REJECT) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* Cost breakdown probes. */
SEC("xdp")
int xdp_probe_trie(struct xdp_md *ctx)
{
	struct cls_pkt *p = next_pkt();
	struct cls_result *res = result();

	if (!p || !res)
		return XDP_ABORTED;
	res->cls[0] = cls_addr_class(p->saddr, p->family);
	res->cls[1] = cls_addr_class(p->daddr, p->family);
	return XDP_DROP;
}

SEC("xdp")
int xdp_probe_classes(struct xdp_md *ctx)
{
	struct cls_pkt *p = next_pkt();
	struct cls_result *res = result();
	if (!p || !res)
		return XDP_ABORTED;
	cls_classes(p, res->cls, res->fl);
	return XDP_DROP;
}
