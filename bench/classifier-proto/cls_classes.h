/* SPDX-License-Identifier: MIT */
/* cls_classes.h — the first stage of both designs: each field's value becomes an equivalence
 * class (values that no rule tells apart share one): direct-indexed array lookups for the small
 * fields (proto and TCP flags together), a multibit trie over arrays for addresses. */
#ifndef CLS_CLASSES_H
#define CLS_CLASSES_H

#include "cls_maps.h"

/* Enough for an IPv6 walk: after the 2-byte root, at most one step per remaining byte (14) plus
 * the final leaf. A skip consumes at least one byte, so it never adds steps. */
#define CLS_TRIE_STEPS 16

static __always_inline __u32 cls_addr_class(const __u32 *a32, __u8 family)
{
	const __u8 *a = (const __u8 *)a32;
	__u64 w0 = ((const __u64 *)a32)[0];
	__u64 w1 = ((const __u64 *)a32)[1];
	__u32 e = cls_get32(&cls_root, (family == 6 ? 65536u : 0u) + ((__u32)a[0] << 8 | a[1]));
	__u32 depth = 2;

	for (int i = 0; i < CLS_TRIE_STEPS; i++) {
		__u32 t = CLS_ENT_TYPE(e);
		__u32 k = CLS_ENT_IDX(e);

		if (t == CLS_ENT_LEAF)
			return k;
		if (t == CLS_ENT_NODE) {
			e = cls_get32(&cls_node, k * CLS_C32 + a[depth & 15]);
			depth++;
		} else {
			struct cls_skip *s = bpf_map_lookup_elem(&cls_skip, &k);

			if (!s)
				return 0;
			if ((w0 & s->mask[0]) != s->val[0] || (w1 & s->mask[1]) != s->val[1])
				return s->miss;
			e = s->next;
			depth = s->depth;
		}
	}
	return 0;	/* unreachable with a well-formed trie */
}

/* Fills cls[FIN_N], and lists[2] with the direct lists of the source and destination address. */
static __always_inline void cls_classes(const struct cls_pkt *p, __u32 cls[FIN_N], __u32 lists[2])
{
	__u32 v[FLD_N];
	struct cls_proj *ps, *pd;
	__u32 as, ad;

	cls_values(p, v);
	as = cls_addr_class(p->saddr, p->family);
	ad = cls_addr_class(p->daddr, p->family);
	ps = bpf_map_lookup_elem(&cls_proj, &as);
	pd = bpf_map_lookup_elem(&cls_proj, &ad);
	cls[FIN_S] = ps ? ps->s : 0;
	cls[FIN_D] = pd ? pd->d : 0;
	lists[0] = ps ? ps->s_list : 0;
	lists[1] = pd ? pd->d_list : 0;
	cls[FIN_PF] = cls_get32(&cls_fld, CLS_OFF_PF + v[FLD_PROTO] * CLS_DOM_FLAGS + v[FLD_FLAGS]);
	cls[FIN_ICMP] = cls_get32(&cls_fld, CLS_OFF_ICMP + v[FLD_ICMP]);
	cls[FIN_TTL] = cls_get32(&cls_fld, CLS_OFF_TTL + v[FLD_TTL]);
	cls[FIN_DSIZE] = cls_get32(&cls_fld, CLS_OFF_DSIZE + v[FLD_DSIZE]);
	cls[FIN_SPORT] = cls_get32(&cls_fld, CLS_OFF_SPORT + v[FLD_SPORT]);
	cls[FIN_DPORT] = cls_get32(&cls_fld, CLS_OFF_DPORT + v[FLD_DPORT]);
}

static __always_inline __u32 cls_merge(const struct cls_cfg *cfg, int m, __u32 a, __u32 b)
{
	return cls_get32(&cls_rfc, cfg->moff[m] + a * cfg->mnb[m] + b);
}

#endif /* CLS_CLASSES_H */
