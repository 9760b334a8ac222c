/* SPDX-License-Identifier: MIT */
/* classify_bitmap.h — design A: equivalence classes, then a rule-bitmap AND with a summary level.
 *
 * Each final field's class has a bitmap over the internal rules (bit r: rule r accepts this
 * class) and a summary over 64-rule blocks (bit j: block j has a rule that accepts it). The walk
 * ANDs the FIN_N summaries word by word, ANDs the FIN_N bitmaps only in the blocks the summaries
 * leave, and visits the set bits. Rule slots are numbered by wildcard signature (which fields are
 * not `any`), each signature starting on a block boundary, so a block holds rules of one shape:
 * a block that passes the summary AND yet holds no match then needs two of its rules to each
 * match a different field, which is rare. Every match is visited (the winner is the lowest band,
 * priority, sid), so the order needs no band.
 *
 * Cost: FIN_N * nsum summary words + FIN_N words per surviving block + one visit per matched rule.
 */
#ifndef CLS_CLASSIFY_BITMAP_H
#define CLS_CLASSIFY_BITMAP_H

#include "cls_classes.h"

/* Fast-path limits: summary words (64 blocks of 64 rules each), candidate blocks per packet,
 * matches per block. A packet beyond them takes the slow path (steps >= CLS_SLOW_MARK). */
#ifndef CLS_FAST_SUM
#define CLS_FAST_SUM 4
#endif
#ifndef CLS_FAST_BLOCKS
#define CLS_FAST_BLOCKS 4
#endif
#ifndef CLS_FAST_MATCHES
#define CLS_FAST_MATCHES 4
#endif
#define CLS_SLOW_MARK 1000

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


static __always_inline __u64 cls_bm_word(const __u32 row[FIN_N], __u32 nwords, __u32 j)
{
	__u64 m = ~0ULL;

	for (int f = 0; f < FIN_N; f++)
		m &= cls_get64(&cls_bm, row[f] * nwords + j);
	return m;
}

/* Is rule r a match to report? A `<>` rule is two internal rules; it counts once, as its first
 * half when both halves match. */
static __always_inline struct cls_rinfo *cls_rule(const __u32 row[FIN_N], __u32 nwords, __u32 r)
{
	struct cls_rinfo *ri = bpf_map_lookup_elem(&cls_rinfo, &r);

	if (!ri)
		return 0;
	if ((ri->flags & CLS_RF_TWIN2) && ((cls_bm_word(row, nwords, ri->twin / 64) >> (ri->twin % 64)) & 1))
		return 0;
	return ri;
}

/* Folds matched rule r into the result: the winner is the lowest (band, priority, sid); every
 * non-pass match is counted and the first CLS_MAX_LIST are listed. The running outcome lives in
 * the result (map memory), not on the stack, so the verifier sees the same unknown scalars on
 * every path and prunes. */
static __always_inline void cls_visit(struct cls_result *res, const __u32 row[FIN_N], __u32 nwords, __u32 r)
{
	struct cls_rinfo *ri = cls_rule(row, nwords, r);
	__u32 band, n;

	if (!ri)
		return;
	band = ri->band;
	if (band < res->band ||
	    (band == res->band && (ri->prio < res->wprio || (ri->prio == res->wprio && ri->sid < res->wsid)))) {
		res->band = band;
		res->winner = r;
		res->wprio = ri->prio;
		res->wsid = ri->sid;
	}
	if (band != CLS_PASS) {
		n = res->count;
		if (n < CLS_MAX_LIST)
			res->list[n & (CLS_MAX_LIST - 1)] = r;
		res->count = n + 1;
	}
}

static __always_inline void cls_reset(struct cls_result *res)
{
	res->band = CLS_BAND_NONE;	/* above every band, so the first match wins the compare */
	res->count = 0;
	res->nlist = 0;
	res->steps = 0;
}

/* The slow path: the same walk without limits, as a bpf_loop state machine (verified once).
 * Every step is a call, and calls are dear here (each `ret` pays the SRSO safe-RET thunk), so it
 * runs only for packets past the fast path's limits. Pass 0 classifies; pass 1 (only when no pass
 * rule won) bumps the counters of every match, which the list may not hold. */
struct cls_slow {
	__u64 m, w;
	__u32 k, j;
	__u32 nsum, nwords;
	__u32 row[FIN_N];
	__u32 pass;
	__u32 _pad;
	struct cls_result acc;	/* the outcome so far; copied to the caller's result at the end */
};

/* The slow path's state, per CPU: the stack is already full of the fast path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cls_slow);
} cls_slow_state SEC(".maps");

static long cls_slow_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct cls_slow *s = bpf_map_lookup_elem(&cls_slow_state, &zero);

	if (!s)
		return 1;

	if (s->w) {
		__u32 r = s->j * 64 + cls_ctz(s->w);
		struct cls_rinfo *ri;

		s->w &= s->w - 1;
		if (!s->pass) {
			cls_visit(&s->acc, s->row, s->nwords, r);
		} else {
			ri = cls_rule(s->row, s->nwords, r);
			if (ri && ri->band != CLS_PASS)
				cls_count(r);
		}
		return 0;
	}
	if (s->m) {
		s->j = s->k * 64 + cls_ctz(s->m);
		s->m &= s->m - 1;
		s->w = cls_bm_word(s->row, s->nwords, s->j);
		s->acc.steps += !s->pass;
		return 0;
	}
	if (++s->k >= s->nsum)
		return 1;
	s->m = ~0ULL;
	for (int f = 0; f < FIN_N; f++)
		s->m &= cls_get64(&cls_sum, s->row[f] * s->nsum + s->k);
	return 0;
}

static __always_inline void cls_walk_slow(struct cls_result *res, const __u32 *row, __u32 nsum, __u32 nwords)
{
	__u32 zero = 0;
	struct cls_slow *s = bpf_map_lookup_elem(&cls_slow_state, &zero);

	if (!s)
		return;
	cls_reset(&s->acc);
	s->acc.steps = CLS_SLOW_MARK;
	s->nsum = nsum;
	s->nwords = nwords;
	for (__u32 pass = 0; pass < 2; pass++) {
		if (pass && (s->acc.band == CLS_PASS || !s->acc.count))
			break;
		s->pass = pass;
		s->k = 0;
		s->w = 0;
		s->m = ~0ULL;
		for (int f = 0; f < FIN_N; f++) {
			s->row[f] = row[f];
			s->m &= cls_get64(&cls_sum, row[f] * nsum);
		}
		bpf_loop(1 << 20, cls_slow_step, 0, 0);
	}
	res->band = s->acc.band;
	res->winner = s->acc.winner;
	res->count = s->acc.count;
	res->steps = s->acc.steps;
	for (int i = 0; i < CLS_MAX_LIST; i++)
		res->list[i] = s->acc.list[i];
}

static __always_inline void classify_bitmap(const struct cls_pkt *p, struct cls_result *res)
{
	__u32 zero = 0, cls[FIN_N], row[FIN_N], nsum, nwords;
	struct cls_cfg *cfg = bpf_map_lookup_elem(&cls_cfg, &zero);
	int slow = 0;

	cls_reset(res);
	if (!cfg || !cfg->nrules)
		return;
	cls_classes(p, cls);
	for (int f = 0; f < FIN_N; f++) {
		row[f] = cfg->fbase[f] + cls[f];
		res->cls[f] = cls[f];
	}
	nsum = cfg->nsum;
	nwords = cfg->nwords;

	/* The fast path: loops with constant bounds, which the verifier unrolls, so no calls. */
	for (__u32 k = 0; k < CLS_FAST_SUM; k++) {
		__u64 m = ~0ULL;

		if (k >= nsum || slow)
			break;
		for (int f = 0; f < FIN_N; f++)
			m &= cls_get64(&cls_sum, row[f] * nsum + k);
		for (int t = 0; t < CLS_FAST_BLOCKS; t++) {
			__u32 j;
			__u64 w;

			if (!m)
				break;
			j = k * 64 + cls_ctz(m);
			m &= m - 1;
			w = cls_bm_word(row, nwords, j);
			res->steps++;
			for (int u = 0; u < CLS_FAST_MATCHES; u++) {
				if (!w)
					break;
				cls_visit(res, row, nwords, j * 64 + cls_ctz(w));
				w &= w - 1;
			}
			if (w)
				slow = 1;
		}
		if (m)
			slow = 1;
	}
	if (slow || nsum > CLS_FAST_SUM)
		cls_walk_slow(res, row, nsum, nwords);
	if (res->band == CLS_PASS) {
		cls_count(res->winner);
		res->count = 0;
		return;
	}
	res->nlist = res->count < CLS_MAX_LIST ? res->count : CLS_MAX_LIST;
	if (res->steps < CLS_SLOW_MARK) {
		/* The fast path visits at most CLS_MAX_LIST rules, so the list holds every match. */
		for (__u32 i = 0; i < CLS_FAST_BLOCKS * CLS_FAST_MATCHES && i < CLS_MAX_LIST; i++) {
			if (i >= res->count)
				break;
			cls_count(res->list[i]);
		}
	}
}

#endif /* CLS_CLASSIFY_BITMAP_H */
