/* SPDX-License-Identifier: MIT */
/* classify_bitmap.h — design A: equivalence classes, then a rule-bitmap AND with a summary level.
 *
 * Each final field's class has a row: a bitmap over the rule slots (bit r: rule r accepts this
 * class) and a summary over 64-rule blocks (bit j: block j has a rule that accepts it). The walk
 * ANDs the FIN_N summaries word by word, ANDs the FIN_N bitmaps only in the blocks the summaries
 * leave, and visits the set bits. Rule slots are numbered by wildcard signature (which fields are
 * not `any`), each signature starting on a block boundary, and within a signature by each rule's
 * most selective field: a block then holds rules of one shape, and one that passes the summary
 * AND without a match needs two of its rules to each match a different field. Every match is
 * visited (the winner is the lowest band, priority, sid), so the numbering needs no band order.
 *
 * Address-only rules (IP reputation: the bulk of large rulesets) are not in the bitmaps: the
 * address's class carries the list of them that it matches ("direct" lists).
 *
 * Cost: FIN_N row lookups, FIN_N * nsum summary words, FIN_N words per surviving block, one visit
 * per matched rule. Calls are dear on this machine (every `ret` pays the SRSO safe-RET thunk), so
 * the walk makes none: its loops end with cond_break (cls_loop.h) and keep their state in a
 * per-CPU scratch value, so the verifier sees the same unknown values at every back edge.
 */
#ifndef CLS_CLASSIFY_BITMAP_H
#define CLS_CLASSIFY_BITMAP_H

#include "cls_classes.h"
#include "cls_loop.h"

#define CLS_WMASK (CLS_MAX_WORDS - 1)

/* De Bruijn bit scan (BPF has no ctz): entry (2^i * 0x03f79d71b4ca8b09) >> 58 holds i. */
static const __u8 cls_debruijn[64] = {
	0, 1, 56, 2, 57, 49, 28, 3, 61, 58, 42, 50, 38, 29, 17, 4,
	62, 47, 59, 36, 45, 43, 51, 22, 53, 39, 33, 30, 24, 18, 12, 5,
	63, 55, 48, 27, 60, 41, 37, 16, 46, 35, 44, 21, 52, 32, 23, 11,
	54, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
};

/* Index of the lowest set bit of a non-zero word. */
static __always_inline __u32 cls_ctz(__u64 w)
{
	return cls_debruijn[((w & -w) * 0x03f79d71b4ca8b09ULL) >> 58];
}

/* The walk's state, per CPU. */
struct cls_walk {
	__u64 m[CLS_SUM_WORDS];	/* candidate blocks not yet opened */
	__u32 k;		/* summary word being drained */
	__u32 i;		/* direct list entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cls_walk);
} cls_walk_state SEC(".maps");

/* Folds matched rule ri (index r) into the result: the winner is the lowest (band, priority,
 * sid); every non-pass match is counted, its counter bumped, and the first CLS_MAX_LIST are
 * listed. When a pass rule wins in the end, the bumps are undone (rare: a pass rule and others
 * matching one packet). pass 1 only undoes. */
static __always_inline void cls_fold(struct cls_result *res, struct cls_rinfo *ri, __u32 r, int pass)
{
	__u64 key = (__u64)ri->band << 56 | (__u64)ri->prio << 32 | ri->sid;
	__u32 n;

	if (pass) {
		if (ri->band != CLS_PASS)
			cls_count(r, -1);
		return;
	}
	if (key < res->wkey) {
		res->wkey = key;
		res->winner = r;
	}
	if (ri->band != CLS_PASS) {
		n = res->count;
		if (n < CLS_MAX_LIST)
			res->list[n & (CLS_MAX_LIST - 1)] = r;
		res->count = n + 1;
		cls_count(r, 1);
	}
}

/* Visits rule r of a block. A `<>` rule is two internal rules; it counts once, as its first
 * half when both halves match. */
static __always_inline void cls_visit(struct cls_result *res, struct cls_row **rp, __u32 r, int pass)
{
	struct cls_rinfo *ri = bpf_map_lookup_elem(&cls_rinfo, &r);

	if (!ri)
		return;
	if (ri->flags & CLS_RF_TWIN2) {
		__u32 t = ri->twin;
		__u64 w = ~0ULL;

		for (int f = 0; f < FIN_N; f++)
			w &= rp[f]->bm[(t / 64) & CLS_WMASK];
		if ((w >> (t % 64)) & 1)
			return;
	}
	cls_fold(res, ri, r, pass);
}

/* The bitmap walk over the candidate blocks. */
static __always_inline void cls_walk(struct cls_result *res, struct cls_row **rp, __u32 nsum, int pass)
{
	__u32 zero = 0;
	struct cls_walk *s = bpf_map_lookup_elem(&cls_walk_state, &zero);

	if (!s)
		return;
	for (__u32 k = 0; k < CLS_SUM_WORDS; k++) {
		__u64 m = 0;

		if (k < nsum) {
			m = ~0ULL;
			for (int f = 0; f < FIN_N; f++)
				m &= rp[f]->sum[k];
		}
		s->m[k] = m;
	}
	s->k = 0;
	while (1) {
		__u32 k = s->k, j;
		__u64 mk, w = ~0ULL;

		if (k >= CLS_SUM_WORDS)
			break;
		mk = s->m[k & (CLS_SUM_WORDS - 1)];
		if (!mk) {
			s->k = k + 1;
			cls_cond_break;
			continue;
		}
		j = (k * 64 + cls_ctz(mk)) & CLS_WMASK;
		s->m[k & (CLS_SUM_WORDS - 1)] = mk & (mk - 1);
		for (int f = 0; f < FIN_N; f++)
			w &= rp[f]->bm[j];
		if (!pass)
			res->steps++;
		while (w) {
			__u32 r = j * 64 + cls_ctz(w);

			w &= w - 1;
			cls_visit(res, rp, r, pass);
			cls_cond_break;
		}
		cls_cond_break;
	}
}

/* Direct lists: pass 0 folds their rules in, pass 1 undoes their counter bumps. */
static __always_inline void cls_direct(struct cls_result *res, __u32 list, int pass)
{
	__u32 zero = 0;
	struct cls_walk *s = bpf_map_lookup_elem(&cls_walk_state, &zero);
	struct cls_dlist *dl;

	if (!list || !s)
		return;
	dl = bpf_map_lookup_elem(&cls_dlist, &list);
	if (!dl)
		return;
	s->i = 0;
	while (1) {
		__u32 i = s->i, r;
		struct cls_rinfo *ri;

		if (i >= dl->n)
			break;
		r = cls_get32(&cls_drule, dl->off + i);
		ri = bpf_map_lookup_elem(&cls_rinfo, &r);
		if (ri)
			cls_fold(res, ri, r, pass);
		s->i = i + 1;
		cls_cond_break;
	}
}

static __always_inline void classify_bitmap(const struct cls_pkt *p, struct cls_result *res)
{
	__u32 zero = 0, cls[FIN_N], lists[2], row;
	struct cls_cfg *cfg = bpf_map_lookup_elem(&cls_cfg, &zero);
	struct cls_row *rp[FIN_N];

	res->wkey = ~0ULL;	/* above every (band, priority, sid): the first match wins */
	res->band = CLS_BAND_NONE;
	res->count = 0;
	res->nlist = 0;
	res->steps = 0;
	if (!cfg || !cfg->nrules)
		return;
	cls_classes(p, cls, lists);
	for (int f = 0; f < FIN_N; f++) {
		row = cfg->fbase[f] + cls[f];
		res->cls[f] = cls[f];
		rp[f] = bpf_map_lookup_elem(&cls_rows, &row);
		if (!rp[f])
			return;
	}
	cls_walk(res, rp, cfg->nsum, 0);
	cls_direct(res, lists[0], 0);
	cls_direct(res, lists[1], 0);
	res->band = res->wkey == ~0ULL ? CLS_BAND_NONE : res->wkey >> 56;
	if (res->band == CLS_PASS) {
		/* A pass raises nothing and counts only itself: undo the other bumps. */
		if (res->count) {
			cls_walk(res, rp, cfg->nsum, 1);
			cls_direct(res, lists[0], 1);
			cls_direct(res, lists[1], 1);
		}
		cls_count(res->winner, 1);
		res->count = 0;
		return;
	}
	res->nlist = res->count < CLS_MAX_LIST ? res->count : CLS_MAX_LIST;
}

#endif /* CLS_CLASSIFY_BITMAP_H */
