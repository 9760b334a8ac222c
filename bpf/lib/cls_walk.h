/* SPDX-License-Identifier: MIT */
/* cls_walk.h — the classifier's second stage: a rule-bitmap AND with a summary level.
 *
 * Each final field's class has a bitmap over the rule slots (bit r: slot r accepts the class) and
 * a summary over 64-slot blocks (bit j: block j has a slot that accepts it). The walk ANDs the
 * eight summaries word by word, ANDs the eight bitmaps only in the blocks that survive, and visits
 * each set bit: a matching rule. Slots are numbered by wildcard signature (which fields are not
 * `any`), each signature starting a block, so a block holds rules of one shape and a block that
 * survives the summaries but holds no match is rare. Every match is visited (every alert must be
 * emitted); the winner is the match of lowest rank (band, priority, sid, gid, load order).
 *
 * Cost: 8 x nsum summary words (no call for a packet that matches nothing), then one call per
 * surviving summary word and per surviving block (8 bitmap words), one visit per match. The loops
 * are bounded and live in global functions (cls_sumword, cls_block), which the verifier checks
 * once each: no unrolling, no bpf_loop, no limit on matches below the 131072 slots.
 */
#ifndef FW_CLS_WALK_H
#define FW_CLS_WALK_H

#include "fwctl_abi.h"
#include "cls_maps.h"
#include "cls_classes.h"
#include "events.h"
#include "cls_thresh.h"
#include "flow.h"

/* Matches remembered for the act phase; a packet with more walks again to act. */
#define FW_CLS_MAX_LIST 64
#define FW_CLS_RANK_NONE 0xffffffffu

#define FW_CLS_RF_RESIDUAL (FW_CLS_RF_NOT_ND | FW_CLS_RF_SAMEIP | FW_CLS_RF_ICMP_ID | FW_CLS_RF_ICMP_SEQ | \
			    FW_CLS_RF_FRAGBITS | FW_CLS_RF_IPOPTS)

/* What the rare header keywords test, computed once per packet (cls_extras in classify.h). The
 * bitmaps do not hold them: a rule that uses one is checked on each visit instead. */
struct cls_pktx {
	__u16 icmp_id;
	__u16 icmp_seq;
	__u16 ipopts;		/* bit per enum fw_cls_ipopt found walking the IPv4 options */
	__u8 id_ok;		/* an ICMP type that carries id/seq */
	__u8 sameip;
	__u8 is_v4;
	__u8 is_nd;		/* ICMPv6 neighbour discovery, types 133..137 */
	__u8 frag_flags;	/* fw_pkt.frag_flags */
	__u8 ip_opts;		/* fw_pkt.ip_opts */
};

/* The walk's state and outcome, per CPU (the stack is full of the parser). Internal: not ABI. */
struct cls_walk {
	/* outcome */
	__u32 rank;		/* the winner's rank, FW_CLS_RANK_NONE before a match */
	__u32 winner;		/* its slot */
	__u32 band;		/* enum fw_cls_band of the winner */
	__u32 wsid;
	__u32 wrule;		/* its IR Rule.id */
	__u32 wkind;		/* its enum fw_reject_kind */
	__u32 wscope;		/* its enum fw_cls_scope */
	__u32 count;		/* matches */
	__u32 nalert;		/* matches that alert when the packet is not passed by a pass rule */
	__u32 flagged;		/* a FLAG rule matched */
	/* an action order without pass first (FW_CLS_FEAT_PASS_LATE: cls_order) */
	__u32 pass_late;
	__u32 pass_rank;	/* the best-ranked matching pass rule: the matches ranked after it do nothing */
	__u32 pass_slot;
	__u32 dr_rank;		/* the best-ranked matching drop/reject rule */
	__u32 dr_slot;
	__u32 list[FW_CLS_MAX_LIST];	/* the first matches' slots */
	/* the packet */
	__u32 row[FW_CLS_FIN__MAX];
	__u32 nsum, nwords, base_sum, base_bm, base_rule;
	__u32 sum_at[FW_CLS_FIN__MAX];	/* each field's first summary word: base_sum + row * nsum */
	__u32 bm_at[FW_CLS_FIN__MAX];	/* each field's first bitmap word: base_bm + row * nwords */
	struct cls_pktx x;
	/* the act phase */
	__u32 verdict;		/* enum fw_verdict, for the events */
	__u32 emit;		/* the best-ranked match's band raises alerts */
	__u32 silenced;		/* a pass rule ranked first: only its counter moves */
	__u32 raised;		/* alerts the act phase raised (before the flood guard) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cls_walk);
} fw_cls_scratch SEC(".maps");

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

/* Word w of a chunked u64 map, or 0 when the lookup fails (it never does within the maps'
 * sizes). */
static __always_inline __u64 cls_at(void *map, __u32 w)
{
	__u32 k = w / FW_CLS_C64;
	struct fw_cls_c64 *c = bpf_map_lookup_elem(map, &k);

	return c ? c->e[w % FW_CLS_C64] : 0;
}

/* The fields in the order the ANDs take them: the addresses and ports first, they tell rules
 * apart most often, so a word that ends up 0 is usually 0 after two or three loads. */
static const __u8 cls_and_order[FW_CLS_FIN__MAX] = {
	FW_CLS_FIN_SRC, FW_CLS_FIN_DST, FW_CLS_FIN_DPORT, FW_CLS_FIN_SPORT,
	FW_CLS_FIN_PF, FW_CLS_FIN_ICMP, FW_CLS_FIN_TTL, FW_CLS_FIN_DSIZE,
};

/* The AND of the eight fields' words at word i of their rows (at[f] = each row's first word),
 * ended at the first 0. */
static __always_inline __u64 cls_and(void *map, const __u32 *at, __u32 i)
{
	__u64 m = ~0ULL;

#pragma unroll
	for (int f = 0; f < FW_CLS_FIN__MAX; f++) {
		m &= cls_at(map, at[cls_and_order[f]] + i);
		if (!m)
			return 0;
	}
	return m;
}

static __always_inline __u64 cls_sum_word(const struct cls_walk *s, __u32 k)
{
	return cls_and(&fw_cls_sum, s->sum_at, k);
}

static __always_inline __u64 cls_bm_word(const struct cls_walk *s, __u32 j)
{
	return cls_and(&fw_cls_bm, s->bm_at, j);
}

/* The rare keywords of a rule, as src/rules/reference/match.ts states them. */
static __always_inline int cls_residual(const struct fw_cls_rule *ri, const struct cls_pktx *x)
{
	__u8 f = ri->flags;

	if ((f & FW_CLS_RF_NOT_ND) && x->is_nd)
		return 0;
	if ((f & FW_CLS_RF_SAMEIP) && !x->sameip)
		return 0;
	if ((f & FW_CLS_RF_ICMP_ID) && !(x->id_ok && x->icmp_id == ri->icmp_id))
		return 0;
	if ((f & FW_CLS_RF_ICMP_SEQ) && !(x->id_ok && x->icmp_seq == ri->icmp_seq))
		return 0;
	if (f & FW_CLS_RF_FRAGBITS) {
		__u8 b = x->frag_flags & (FW_FRAGF_MF | FW_FRAGF_DF | FW_FRAGF_RB), want = ri->frag_bits;

		if (!x->is_v4)
			return 0;
		switch (ri->frag_mode) {
		case FW_CLS_FRAG_EXACT:
			if (b != want)
				return 0;
			break;
		case FW_CLS_FRAG_ALL:
			if ((b & want) != want || !(b & ~want))
				return 0;
			break;
		case FW_CLS_FRAG_ANY:
			if (!(b & want))
				return 0;
			break;
		default:
			if ((b & want) == want)
				return 0;
		}
	}
	if (f & FW_CLS_RF_IPOPTS) {
		if (!x->is_v4)
			return 0;
		if (ri->ipopt == FW_CLS_IPOPT_ANY ? !x->ip_opts : !((x->ipopts >> (ri->ipopt & 15)) & 1))
			return 0;
	}
	/* last: it gathers the rule's flowbit effects once the rule is known to match */
	if (ri->flow && !flow_residual(ri))
		return 0;
	return 1;
}

/* Slot r's rule if it is a match to report: its residual keywords hold, and it is not the second
 * half of a `<>` rule whose first half matched too (both halves match the same packets' rare
 * keywords, which do not depend on the direction). */
static __always_inline struct fw_cls_rule *cls_rule(const struct cls_walk *s, __u32 r)
{
	__u32 k = s->base_rule + r;
	struct fw_cls_rule *ri = bpf_map_lookup_elem(&fw_cls_rule, &k);

	if (!ri)
		return 0;
	if ((ri->flags & FW_CLS_RF_TWIN2) && ((cls_bm_word(s, ri->twin / 64) >> (ri->twin % 64)) & 1))
		return 0;
	if (((ri->flags & FW_CLS_RF_RESIDUAL) || ri->flow) && !cls_residual(ri, &s->x))
		return 0;
	if (!cls_thresh_match(ri)) /* detection_filter / threshold before its count */
		return 0;
	return ri;
}

static __always_inline int cls_band_alerts(__u32 band)
{
	return band == FW_CLS_BAND_DROP || band == FW_CLS_BAND_REJECT || band == FW_CLS_BAND_ALERT;
}

/* An action order without pass first: the best-ranked pass and drop/reject matches (cls_order).
 * Global: the verifier checks it once instead of along every path of the walk (inlined, these
 * branches doubled the program's verification to ~870k of the 1M instructions). */
__noinline int cls_track_late(struct cls_walk *s, __u32 band, __u32 rank, __u32 r)
{
	if (!s)
		return 0;
	if (band == FW_CLS_BAND_PASS && rank < s->pass_rank) {
		s->pass_rank = rank;
		s->pass_slot = r;
	} else if ((band == FW_CLS_BAND_DROP || band == FW_CLS_BAND_REJECT) && rank < s->dr_rank) {
		s->dr_rank = rank;
		s->dr_slot = r;
	}
	return 0;
}

/* Folds match r into the outcome. The running outcome lives in map memory, not on the stack, so
 * the verifier sees the same unknown scalars on every path and prunes. */
static __always_inline int cls_visit_inline(struct cls_walk *s, __u32 r)
{
	struct fw_cls_rule *ri;
	__u32 n;

	ri = cls_rule(s, r);
	if (!ri)
		return 0;
	if (ri->rank < s->rank) {
		s->rank = ri->rank;
		s->winner = r;
		s->band = ri->band;
		s->wsid = ri->sid;
		s->wrule = ri->rule_id;
		s->wkind = ri->reject_kind;
		s->wscope = ri->scope;
	}
	if (s->pass_late)
		cls_track_late(s, ri->band, ri->rank, r);
	if (ri->band == FW_CLS_BAND_FLAG)
		s->flagged = 1;
	else if (cls_band_alerts(ri->band) && !(ri->flags & FW_CLS_RF_NOALERT) && cls_thresh_alerts(ri))
		s->nalert++;
	n = s->count;
	if (n < FW_CLS_MAX_LIST)
		s->list[n & (FW_CLS_MAX_LIST - 1)] = r;
	s->count = n + 1;
	return 1;
}

static __always_inline void cls_reset(struct cls_walk *s)
{
	s->rank = FW_CLS_RANK_NONE;
	s->band = FW_CLS_BAND__MAX;
	s->count = 0;
	s->nalert = 0;
	s->flagged = 0;
	s->pass_rank = FW_CLS_RANK_NONE;
	s->dr_rank = FW_CLS_RANK_NONE;
	s->silenced = 0;
	s->raised = 0;
}

/* Whether match ri applies: not when it ranks after the pass rule that ended the packet (an
 * order without pass first; with pass first a matching pass silences everything, cls_act). */
static __always_inline int cls_applies(const struct cls_walk *s, const struct fw_cls_rule *ri)
{
	return ri->rank <= s->pass_rank;
}

/* The act phase for one match: its counter (only the winner's when a pass rule won: a pass
 * silences every other match) and its alert. */
static __always_inline void cls_count(const struct cls_walk *s, __u32 r, const struct fw_pkt *pkt)
{
	__u32 k = s->base_rule + r;
	struct fw_counter *c;

	if (s->silenced && r != s->winner)
		return;
	c = bpf_map_lookup_elem(&fw_cls_hits, &k);
	if (c) {
		c->packets++;
		c->bytes += pkt->frame_len;
	}
}

static __always_inline void cls_alert(struct cls_walk *s, const struct fw_cls_rule *ri, const struct fw_pkt *pkt)
{
	if (!s->emit || !cls_band_alerts(ri->band) || (ri->flags & FW_CLS_RF_NOALERT) || !cls_thresh_alerts(ri))
		return;
	s->raised++;
	alert_push(pkt, ri->rule_id, ri->sid, ri->action, s->verdict);
}

/* The matches w of block j, folded into the outcome. A global function: the verifier checks its
 * 64-step loop once, not at every block of the walk. */
__noinline int cls_block(struct cls_walk *s, __u32 j, __u64 w)
{
	if (!s)
		return 0;
#pragma clang loop unroll(disable)
	for (int u = 0; u < 64; u++) {
		if (!w)
			break;
		cls_visit_inline(s, j * 64 + cls_ctz(w));
		if (s->band == FW_CLS_BAND_PASS && !s->pass_late)
			return 0; /* the pass rules come first, by rank: the first one to match wins */
		w &= w - 1;
	}
	return 1;
}

/* The matches w of block j, counted and alerted (the verdict is known). */
__noinline int cls_block_act(struct cls_walk *s, const struct fw_pkt *pkt, __u32 j, __u64 w)
{
	struct fw_cls_rule *ri;

	if (!s || !pkt)
		return 0;
#pragma clang loop unroll(disable)
	for (int u = 0; u < 64; u++) {
		__u32 r;

		if (!w)
			break;
		r = j * 64 + cls_ctz(w);
		w &= w - 1;
		ri = cls_rule(s, r);
		if (ri && cls_applies(s, ri)) {
			cls_count(s, r, pkt);
			cls_alert(s, ri, pkt);
		}
	}
	return 1;
}

/* The surviving blocks m of summary word k: each one's eight bitmap words AND-ed here (a block
 * that survived the summaries but holds no match costs no call), its matches walked. Global, so
 * the verifier checks the 64-step loop once. */
__noinline int cls_sumword(struct cls_walk *s, const struct fw_pkt *pkt, __u32 k, __u64 m, __u32 act)
{
	if (!s || !pkt)
		return 0;
#pragma clang loop unroll(disable)
	for (int t = 0; t < 64; t++) {
		__u32 j;
		__u64 w;

		if (!m)
			break;
		j = k * 64 + cls_ctz(m);
		m &= m - 1;
		w = cls_bm_word(s, j);
		if (!w)
			continue;
		if (act)
			cls_block_act(s, pkt, j, w);
		else if (!cls_block(s, j, w))
			return 0;
	}
	return 1;
}

/* The walk: every summary word (nsum <= 32, the eight fields' AND-ed inline), every surviving
 * block, every match. A no-match packet costs 8 x nsum summary words and no call; a summary word
 * with survivors, one call; a block, one call and 8 bitmap words; a match, a visit (act = 0: the
 * outcome) or its counter and alert (act = 1). */
static __always_inline void cls_walk(struct cls_walk *s, const struct fw_pkt *pkt, __u32 act)
{
	__u32 nsum = s->nsum;

#pragma clang loop unroll(disable)
	for (__u32 k = 0; k < FW_CLS_MAX_SUM; k++) {
		__u64 m;

		if (k >= nsum)
			break;
		m = cls_sum_word(s, k);
		if (m && !cls_sumword(s, pkt, k, m, act))
			break; /* a pass rule won */
	}
}

/* Counts and alerts the matches in the list (when it holds them all). Global: one check of the
 * loop and its inlined alert_push. */
__noinline int cls_act_list(struct cls_walk *s, const struct fw_pkt *pkt)
{
	struct fw_cls_rule *ri;
	__u32 n, k;

	if (!s || !pkt)
		return 0;
	n = s->count;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < FW_CLS_MAX_LIST; i++) {
		if (i >= n)
			break;
		/* the rule is read only to alert or, under an order without pass first, to rank it */
		if (!s->pass_late && !(s->emit && s->nalert)) {
			cls_count(s, s->list[i], pkt);
			continue;
		}
		k = s->base_rule + s->list[i];
		ri = bpf_map_lookup_elem(&fw_cls_rule, &k);
		if (!ri || !cls_applies(s, ri))
			continue;
		cls_count(s, s->list[i], pkt);
		if (s->emit && s->nalert)
			cls_alert(s, ri, pkt);
	}
	return 1;
}

/* Counts and alerts every match, once the verdict is known: from the list, or by walking again
 * when there were more matches than it holds. */
static __always_inline void cls_act(struct cls_walk *s, const struct fw_pkt *pkt)
{
	if (!s->count)
		return;
	if (s->silenced) {
		cls_count(s, s->winner, pkt); /* a pass silences every other match */
		return;
	}
	if (s->count > FW_CLS_MAX_LIST)
		cls_walk(s, pkt, 1);
	else
		cls_act_list(s, pkt);
}

#endif /* FW_CLS_WALK_H */
