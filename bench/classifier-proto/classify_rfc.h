/* SPDX-License-Identifier: MIT */
/* classify_rfc.h — design B: recursive flow classification all the way down. The field classes
 * are folded pairwise by merge tables (PF x ICMP, TTL x DSIZE, then X; SPORT x DPORT = P; X x P =
 * L; S x L; then x D) into one final class F whose outcome (band, winner, matched rules) the compiler precomputed. Constant
 * work per packet and no loop; counters are per final class (userspace sums them per rule). The
 * price is memory: the merge tables are dense products of class counts. */
#ifndef CLS_CLASSIFY_RFC_H
#define CLS_CLASSIFY_RFC_H

#include "cls_classes.h"

static __always_inline void classify_rfc(const struct cls_pkt *p, struct cls_result *res)
{
	__u32 zero = 0, cls[FIN_N], lists[2], x, pp, l, sl, f, n;
	struct cls_cfg *cfg = bpf_map_lookup_elem(&cls_cfg, &zero);
	struct cls_fres *fr;

	res->band = CLS_BAND_NONE;
	res->count = 0;
	res->nlist = 0;
	res->steps = 0;
	if (!cfg || !cfg->nrules)
		return;
	cls_classes(p, cls, lists);	/* the rfc image has no direct lists */
	x = cls_merge(cfg, MRG_X, cls_merge(cfg, MRG_PFI, cls[FIN_PF], cls[FIN_ICMP]),
		      cls_merge(cfg, MRG_TD, cls[FIN_TTL], cls[FIN_DSIZE]));
	pp = cls_merge(cfg, MRG_P, cls[FIN_SPORT], cls[FIN_DPORT]);
	l = cls_merge(cfg, MRG_L, x, pp);
	sl = cls_merge(cfg, MRG_SL, cls[FIN_S], l);
	f = cls_merge(cfg, MRG_F, sl, cls[FIN_D]);
	fr = bpf_map_lookup_elem(&cls_fres, &f);
	if (!fr)
		return;
	cls_count(f, 1);
	res->band = fr->band;
	res->winner = fr->winner;
	res->count = fr->count;
	n = fr->count < CLS_MAX_LIST ? fr->count : CLS_MAX_LIST;
	for (__u32 i = 0; i < CLS_MAX_LIST; i++) {
		if (i >= n)
			break;
		res->list[i] = cls_get32(&cls_flist, fr->off + i);
	}
	res->nlist = n;
}

#endif /* CLS_CLASSIFY_RFC_H */
