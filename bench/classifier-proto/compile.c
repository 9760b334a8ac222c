/* SPDX-License-Identifier: MIT */
/* compile.c — the ruleset -> map image compiler of the prototype.
 *
 * 1. Internal rules: a `<>` rule becomes two (the second with sides swapped), numbered by (band,
 *    wildcard signature, cluster, priority, sid) so a band is contiguous and a 64-rule block holds
 *    rules of one shape.
 * 2. Per-field equivalence classes by an interval sweep: the value domain is cut at every range
 *    end; each piece's set of accepting rules (a bitmap) is interned into a class id. Addresses:
 *    one sweep per family over the prefixes of both sides; a piece gets a (S class, D class) pair,
 *    interned as its address class, and the pieces become a multibit trie (16-bit root, then 8-bit
 *    nodes, with path-compressed runs where only one child is not a single class).
 * 3. Bitmap design: every final field class's bitmap and 64-rule-block summary.
 * 4. RFC design: merge tables fold class pairs (a, b) into the interned bitmap(a) & bitmap(b),
 *    down to one final class whose outcome is precomputed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "compile.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

/* ---- class tables: interned rule bitmaps ---- */

struct ctab {
	uint32_t W, n, cap;
	uint64_t *bits;
	uint32_t *slot;		/* open addressing: id + 1, 0 empty */
	uint32_t nslot;
};

static void ct_init(struct ctab *t, uint32_t W)
{
	memset(t, 0, sizeof(*t));
	t->W = W;
	t->nslot = 1024;
	t->slot = calloc(t->nslot, 4);
}

static void ct_free(struct ctab *t)
{
	free(t->bits);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static uint64_t hash_words(const uint64_t *b, uint32_t W)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL;

	for (uint32_t i = 0; i < W; i++) {
		h ^= b[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

static const uint64_t *ct_row(const struct ctab *t, uint32_t id)
{
	return t->bits + (uint64_t)id * t->W;
}

static uint32_t ct_intern_h(struct ctab *t, const uint64_t *b, uint64_t h)
{
	uint32_t mask = t->nslot - 1, i = (uint32_t)h & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = t->slot[i];

		if (!s)
			break;
		if (!memcmp(ct_row(t, s - 1), b, t->W * 8))
			return s - 1;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->bits = xrealloc(t->bits, (uint64_t)t->cap * t->W * 8);
	}
	memcpy(t->bits + (uint64_t)t->n * t->W, b, t->W * 8);
	t->slot[i] = ++t->n;
	if (t->n * 2 > t->nslot) {	/* rehash */
		uint32_t ns = t->nslot * 2;
		uint32_t *sl = calloc(ns, 4);

		for (uint32_t id = 0; id < t->n; id++) {
			uint32_t j = (uint32_t)hash_words(ct_row(t, id), t->W) & (ns - 1);

			while (sl[j])
				j = (j + 1) & (ns - 1);
			sl[j] = id + 1;
		}
		free(t->slot);
		t->slot = sl;
		t->nslot = ns;
	}
	return t->n - 1;
}

static uint32_t ct_intern(struct ctab *t, const uint64_t *b)
{
	return ct_intern_h(t, b, hash_words(b, t->W));
}

/* ---- internal rules ---- */

struct irule {
	uint32_t rule;
	uint8_t swap;
	uint8_t sig;
	uint64_t cluster;
};

static const struct rule *g_rules;

static const struct pset *ir_addr(const struct irule *ir, int dst)
{
	const struct rule *r = &g_rules[ir->rule];

	return (dst ^ ir->swap) ? &r->dst : &r->src;
}

static const struct rset *ir_field(const struct irule *ir, int f)
{
	const struct rule *r = &g_rules[ir->rule];

	if (ir->swap && f == FLD_SPORT)
		f = FLD_DPORT;
	else if (ir->swap && f == FLD_DPORT)
		f = FLD_SPORT;
	return &r->f[f];
}

static int ir_cmp(const void *pa, const void *pb)
{
	const struct irule *a = pa, *b = pb;
	const struct rule *ra = &g_rules[a->rule], *rb = &g_rules[b->rule];

#define CMP(x, y) if ((x) != (y)) return (x) < (y) ? -1 : 1
	CMP(a->sig, b->sig);
	CMP(a->cluster, b->cluster);
	CMP(ra->band, rb->band);
	CMP(ra->prio, rb->prio);
	CMP(ra->sid, rb->sid);
	CMP(a->swap, b->swap);
#undef CMP
	return 0;
}

/* The wildcard signature: bit f set when final field f is not `any`. */
static void ir_shape(struct irule *ir)
{
	static const int fsrc[FIN_N] = { -1, -1, FLD_PROTO, FLD_ICMP, FLD_TTL, FLD_DSIZE, FLD_SPORT, FLD_DPORT };
	const struct pset *s = ir_addr(ir, 0), *d = ir_addr(ir, 1);
	uint32_t sig = (!s->any) << FIN_S | (!d->any) << FIN_D;

	for (int f = FIN_PF; f < FIN_N; f++)
		if (!ir_field(ir, fsrc[f])->any || (f == FIN_PF && !ir_field(ir, FLD_FLAGS)->any))
			sig |= 1u << f;
	ir->sig = (uint8_t)sig;
	/* Cluster rules of one shape by their first specific value, so neighbours look alike. */
	if (!s->any)
		ir->cluster = (uint64_t)(s->p[0].addr >> (s->p[0].fam == 4 ? 0 : 64)) ^ (uint64_t)s->p[0].fam << 62;
	else if (!d->any)
		ir->cluster = (uint64_t)(d->p[0].addr >> (d->p[0].fam == 4 ? 0 : 64)) ^ (uint64_t)d->p[0].fam << 62;
	else if (!ir_field(ir, FLD_DPORT)->any)
		ir->cluster = ir_field(ir, FLD_DPORT)->r[0].lo;
	else
		ir->cluster = 0;
}

/* ---- interval sweep ---- */

struct ev {
	u128 pos;
	uint32_t set;
	int32_t d;
};

static int ev_cmp(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;

	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

struct evs {
	struct ev *e;
	size_t n, cap;
};

static void ev_range(struct evs *v, uint32_t set, u128 lo, u128 hi, u128 max)
{
	if (v->n + 2 > v->cap) {
		v->cap = v->cap ? v->cap * 2 : 1024;
		v->e = xrealloc(v->e, v->cap * sizeof(*v->e));
	}
	v->e[v->n++] = (struct ev){ lo, set, 1 };
	if (hi < max)
		v->e[v->n++] = (struct ev){ hi + 1, set, -1 };
}

typedef void (*emit_fn)(void *ctx, u128 lo, u128 hi, const uint64_t *bm);

/* Cuts [0, max] at every event and calls emit with each piece's membership bitmap. */
static void sweep(struct evs *v, uint32_t nwords, u128 max, emit_fn emit, void *ctx)
{
	int32_t *cnt = calloc((size_t)nwords * 64, 4);
	uint64_t *bm = calloc(nwords, 8);
	u128 cur = 0;
	size_t i = 0;

	qsort(v->e, v->n, sizeof(*v->e), ev_cmp);
	for (;;) {
		u128 next = i < v->n ? v->e[i].pos : max;

		if (i < v->n && next > cur) {
			emit(ctx, cur, next - 1, bm);
			cur = next;
		}
		if (i >= v->n) {
			emit(ctx, cur, max, bm);
			break;
		}
		for (; i < v->n && v->e[i].pos == cur; i++) {
			uint32_t s = v->e[i].set;

			cnt[s] += v->e[i].d;
			if (cnt[s])
				bm[s / 64] |= 1ULL << (s % 64);
			else
				bm[s / 64] &= ~(1ULL << (s % 64));
		}
	}
	free(cnt);
	free(bm);
}

/* Value fields. */
struct fld_ctx {
	struct ctab *ct;
	uint32_t *out;
};

static void fld_emit(void *c, u128 lo, u128 hi, const uint64_t *bm)
{
	struct fld_ctx *x = c;
	uint32_t id = ct_intern(x->ct, bm);

	for (uint64_t v = (uint64_t)lo; v <= (uint64_t)hi; v++)
		x->out[v] = id;
}

/* Addresses: the bitmap holds the source side in words [0, W) and the destination side in
 * [W, 2W); a piece's address class is the interned (S class, D class) pair. */
struct iv {
	u128 lo, hi;
	uint32_t a;
};

struct addr_ctx {
	struct ctab *S, *D;
	uint32_t W;
	struct iv *iv;
	size_t niv, cap;
	/* pair -> address class */
	uint64_t *pkey;
	uint32_t *pval, npslot;
	struct image *img;
};

static uint32_t addr_pair(struct addr_ctx *x, uint32_t s, uint32_t d)
{
	uint64_t k = (uint64_t)s << 32 | d, h = k * 0x9E3779B97F4A7C15ULL;
	uint32_t m = x->npslot - 1, i = (uint32_t)(h >> 32) & m;

	for (;; i = (i + 1) & m) {
		if (!x->pval[i])
			break;
		if (x->pkey[i] == k)
			return x->pval[i] - 1;
	}
	if ((x->img->nproj + 1) * 2 > x->npslot) {
		fprintf(stderr, "address class table full\n");
		exit(2);
	}
	x->pkey[i] = k;
	x->pval[i] = ++x->img->nproj;
	x->img->proj = xrealloc(x->img->proj, x->img->nproj * sizeof(*x->img->proj));
	x->img->proj[x->img->nproj - 1] = (struct cls_proj){ s, d };
	return x->img->nproj - 1;
}

static void addr_emit(void *c, u128 lo, u128 hi, const uint64_t *bm)
{
	struct addr_ctx *x = c;
	uint32_t a = addr_pair(x, ct_intern(x->S, bm), ct_intern(x->D, bm + x->W));

	if (x->niv && x->iv[x->niv - 1].a == a) {	/* merge equal neighbours */
		x->iv[x->niv - 1].hi = hi;
		return;
	}
	if (x->niv == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		x->iv = xrealloc(x->iv, x->cap * sizeof(*x->iv));
	}
	x->iv[x->niv++] = (struct iv){ lo, hi, a };
}

/* ---- the address trie ---- */

struct tb {
	struct iv *iv;
	size_t n;
	int T;			/* address bytes: 4 or 16 */
	struct image *img;
	uint32_t capnode, capskip;
};

static u128 span(int T, int d)
{
	return (u128)1 << (8 * (T - d));
}

/* Is [lo, hi] one class? */
static int uniform(const struct tb *t, u128 lo, u128 hi, uint32_t *cls)
{
	size_t a = 0, b = t->n;	/* last interval with iv.lo <= lo */

	while (b - a > 1) {
		size_t m = (a + b) / 2;

		if (t->iv[m].lo <= lo)
			a = m;
		else
			b = m;
	}
	*cls = t->iv[a].a;
	return t->iv[a].hi >= hi;
}

static uint32_t new_node(struct tb *t)
{
	struct image *img = t->img;

	if (img->nnode == t->capnode) {
		t->capnode = t->capnode ? t->capnode * 2 : 64;
		img->node = xrealloc(img->node, (size_t)t->capnode * CLS_C32 * 4);
	}
	return img->nnode++;
}

static uint32_t build(struct tb *t, u128 lo, int d)
{
	uint32_t c0;
	int T = t->T;

	if (uniform(t, lo, lo + span(T, d) - 1, &c0))
		return CLS_MK_ENT(CLS_ENT_LEAF, c0);

	/* Path compression: while exactly one child is not one class and every other child is the
	 * same class m, the node is a byte comparison with miss class m. */
	uint8_t bytes[16];
	u128 clo = lo;
	int e = d, have_m = 0;
	uint32_t m = 0;

	while (e < T - 1) {
		u128 cs = span(T, e + 1);
		int nonuni = -1, ok = 1, have_u = 0;
		uint32_t u = 0, x;

		for (int c = 0; c < 256 && ok; c++) {
			u128 l = clo + (u128)c * cs;

			if (uniform(t, l, l + cs - 1, &x)) {
				if (have_u && x != u)
					ok = 0;
				u = x;
				have_u = 1;
			} else if (nonuni >= 0) {
				ok = 0;
			} else {
				nonuni = c;
			}
		}
		if (!ok || nonuni < 0 || (have_m && u != m))
			break;
		m = u;
		have_m = 1;
		bytes[e] = (uint8_t)nonuni;
		clo += (u128)nonuni * cs;
		e++;
	}
	if (e > d) {
		struct image *img = t->img;
		uint8_t mask[16] = { 0 }, val[16] = { 0 };
		uint32_t k;

		for (int i = d; i < e; i++) {
			mask[i] = 0xff;
			val[i] = bytes[i];
		}
		if (img->nskip == t->capskip) {
			t->capskip = t->capskip ? t->capskip * 2 : 64;
			img->skip = xrealloc(img->skip, t->capskip * sizeof(*img->skip));
		}
		k = img->nskip++;
		memcpy(img->skip[k].mask, mask, 16);
		memcpy(img->skip[k].val, val, 16);
		img->skip[k].miss = m;
		img->skip[k].depth = e;
		img->skip[k]._pad = 0;
		uint32_t next = build(t, clo, e);
		img->skip[k].next = next;
		return CLS_MK_ENT(CLS_ENT_SKIP, k);
	}

	uint32_t n = new_node(t);
	u128 cs = span(T, d + 1);

	for (int c = 0; c < 256; c++) {
		uint32_t ent = build(t, lo + (u128)c * cs, d + 1);

		t->img->node[(size_t)n * CLS_C32 + c] = ent;
	}
	return CLS_MK_ENT(CLS_ENT_NODE, n);
}

static void build_trie(struct image *img, struct iv *iv, size_t n, int fam, uint32_t *capnode, uint32_t *capskip)
{
	struct tb t = { iv, n, fam == 4 ? 4 : 16, img, *capnode, *capskip };
	uint32_t *root = img->root + (fam == 4 ? 0 : 65536);

	for (uint32_t h = 0; h < 65536; h++)
		root[h] = build(&t, (u128)h << (8 * (t.T - 2)), 2);
	*capnode = t.capnode;
	*capskip = t.capskip;
}

/* ---- merges ---- */

static uint32_t *merge(const struct ctab *A, const struct ctab *B, struct ctab *C)
{
	uint32_t W = A->W;
	uint32_t *tab = xrealloc(NULL, (size_t)A->n * B->n * 4);
	uint64_t *tmp = malloc(W * 8);

	for (uint32_t a = 0; a < A->n; a++) {
		const uint64_t *ra = ct_row(A, a);

		for (uint32_t b = 0; b < B->n; b++) {
			const uint64_t *rb = ct_row(B, b);

			for (uint32_t i = 0; i < W; i++)
				tmp[i] = ra[i] & rb[i];
			tab[(size_t)a * B->n + b] = ct_intern(C, tmp);
		}
	}
	free(tmp);
	return tab;
}

static void put_merge(struct image *img, int m, const uint32_t *tab, const struct ctab *A, const struct ctab *B)
{
	uint64_t n = (uint64_t)A->n * B->n;

	img->cfg.moff[m] = (uint32_t)img->nrfc;
	img->cfg.mnb[m] = B->n;
	img->rfc = xrealloc(img->rfc, (img->nrfc + n) * 4);
	memcpy(img->rfc + img->nrfc, tab, n * 4);
	img->nrfc += n;
}

/* ---- outcome of a rule bitmap, as the BPF walk computes it (rfc design) ---- */

static int bm_has(const uint64_t *b, uint32_t r)
{
	return (b[r / 64] >> (r % 64)) & 1;
}

static void outcome(const struct image *img, const uint64_t *b, struct cls_fres *fr, uint32_t **list, uint64_t *nlist, uint64_t *cap)
{
	uint32_t W = img->cfg.nwords;

	fr->band = CLS_BAND_NONE;
	fr->winner = 0;
	fr->count = 0;
	fr->off = (uint32_t)*nlist;
	for (uint32_t j = 0; j < W; j++) {
		for (uint64_t w = b[j]; w; w &= w - 1) {
			uint32_t r = j * 64 + __builtin_ctzll(w);
			const struct cls_rinfo *ri = &img->rinfo[r], *bw = &img->rinfo[fr->winner];

			if ((ri->flags & CLS_RF_TWIN2) && bm_has(b, ri->twin))
				continue;
			if (ri->band < fr->band || (ri->band == fr->band && (ri->prio < bw->prio ||
			    (ri->prio == bw->prio && ri->sid < bw->sid)))) {
				fr->band = ri->band;
				fr->winner = r;
			}
			if (ri->band != CLS_PASS) {
				if (*nlist == *cap) {
					*cap = *cap ? *cap * 2 : 4096;
					*list = xrealloc(*list, *cap * 4);
				}
				(*list)[(*nlist)++] = r;
				fr->count++;
			}
		}
	}
	if (fr->band == CLS_PASS) {	/* a pass raises nothing */
		*nlist = fr->off;
		fr->count = 0;
	}
}

/* ---- the compiler ---- */

static const uint32_t ff_dom[FF_N] = { CLS_DOM_PF, CLS_DOM_ICMP, CLS_DOM_TTL, CLS_DOM_DSIZE, CLS_DOM_PORT,
				       CLS_DOM_PORT };
static const uint32_t ff_off[FF_N] = { CLS_OFF_PF, CLS_OFF_ICMP, CLS_OFF_TTL, CLS_OFF_DSIZE, CLS_OFF_SPORT,
				       CLS_OFF_DPORT };
static const int ff_src[FF_N] = { FLD_PROTO, FLD_ICMP, FLD_TTL, FLD_DSIZE, FLD_SPORT, FLD_DPORT };

static int in_rset(const struct rset *s, uint32_t v)
{
	if (s->any)
		return 1;
	for (int i = 0; i < s->n; i++)
		if (v >= s->r[i].lo && v <= s->r[i].hi)
			return 1;
	return 0;
}

static void row_bits(struct image *img, uint64_t row, const uint64_t *b)
{
	uint32_t W = img->cfg.nwords, SW = img->cfg.nsum;

	memcpy(img->bm + row * W, b, W * 8);
	for (uint32_t j = 0; j < W; j++)
		if (b[j])
			img->sum[row * SW + j / 64] |= 1ULL << (j % 64);
}

int compile_ruleset(const struct ruleset *rs, struct image *img, uint64_t rfc_budget)
{
	double t0 = now_ms(), t1;
	struct irule *ir;
	uint32_t ni = 0, W;

	memset(img, 0, sizeof(*img));
	g_rules = rs->r;
	for (int i = 0; i < rs->n; i++)
		ni += 1 + rs->r[i].bidir;
	ir = calloc(ni, sizeof(*ir));
	ni = 0;
	for (int i = 0; i < rs->n; i++) {
		for (int s = 0; s <= rs->r[i].bidir; s++) {
			ir[ni] = (struct irule){ .rule = i, .swap = s };
			ir_shape(&ir[ni++]);
		}
	}
	qsort(ir, ni, sizeof(*ir), ir_cmp);
	/* Slots: each signature group starts on a 64-rule block boundary; padding slots are empty
	 * (no bitmap has their bit, so they are never visited). */
	{
		uint32_t nslot = 0;
		struct irule *sl;

		for (uint32_t i = 0; i < ni; i++) {
			if (i && ir[i].sig != ir[i - 1].sig)
				nslot = (nslot + 63) & ~63u;
			nslot++;
		}
		sl = calloc(nslot, sizeof(*sl));
		img->irule = malloc(nslot * 4);
		memset(img->irule, 0xff, nslot * 4);
		nslot = 0;
		for (uint32_t i = 0; i < ni; i++) {
			if (i && ir[i].sig != ir[i - 1].sig)
				nslot = (nslot + 63) & ~63u;
			sl[nslot] = ir[i];
			img->irule[nslot] = ir[i].rule;
			nslot++;
		}
		free(ir);
		ir = sl;
		img->nreal = ni;
		ni = nslot;
	}
	W = (ni + 63) / 64;
	img->ni = ni;
	img->cfg.nrules = ni;
	img->cfg.nwords = W;
	img->cfg.nsum = 1;
	while (img->cfg.nsum * 64 < W)
		img->cfg.nsum *= 2;
	if (img->cfg.nsum > CLS_C64) {
		fprintf(stderr, "too many rules: %u slots (at most %u)\n", ni, CLS_C64 * 64 * 64);
		exit(2);
	}
	img->rinfo = calloc(ni, sizeof(*img->rinfo));
	img->isig = calloc(ni, 1);
	{
		uint32_t *first = malloc(rs->n * 4);

		for (uint32_t i = 0; i < ni; i++) {
			if (img->irule[i] == UINT32_MAX)
				continue;
			const struct rule *r = &rs->r[ir[i].rule];

			img->isig[i] = ir[i].sig;
			img->rinfo[i] = (struct cls_rinfo){ .sid = r->sid, .twin = i, .prio = r->prio, .band = r->band };
			if (r->bidir && !ir[i].swap)
				first[ir[i].rule] = i;
		}
		for (uint32_t i = 0; i < ni; i++) {
			if (img->irule[i] != UINT32_MAX && ir[i].swap) {
				img->rinfo[i].flags = CLS_RF_TWIN2;
				img->rinfo[i].twin = first[ir[i].rule];
				img->rinfo[first[ir[i].rule]].twin = i;
			}
		}
		free(first);
	}

	/* 2. field classes: PF (proto x flags), ICMP, TTL, DSIZE, SPORT, DPORT */
	struct ctab fc[FF_N];

	img->fld = calloc(CLS_FLD_ENTRIES, 4);
	for (int f = 0; f < FF_N; f++) {
		struct evs v = { 0 };
		struct fld_ctx x = { &fc[f], img->fld + ff_off[f] };
		uint32_t dom = ff_dom[f];

		ct_init(&fc[f], W);
		for (uint32_t i = 0; i < ni; i++) {
			if (img->irule[i] == UINT32_MAX)
				continue;
			if (f == FF_PF) {
				const struct rset *pr = ir_field(&ir[i], FLD_PROTO), *fl = ir_field(&ir[i], FLD_FLAGS);

				if (pr->any && fl->any) {
					ev_range(&v, i, 0, dom - 1, dom - 1);
					continue;
				}
				for (uint32_t pv = 0; pv < 256; pv++) {
					if (!in_rset(pr, pv))
						continue;
					if (fl->any)
						ev_range(&v, i, pv * CLS_DOM_FLAGS, pv * CLS_DOM_FLAGS + CLS_DOM_FLAGS - 1, dom - 1);
					else
						for (int k = 0; k < fl->n; k++)
							ev_range(&v, i, pv * CLS_DOM_FLAGS + fl->r[k].lo,
								 pv * CLS_DOM_FLAGS + fl->r[k].hi, dom - 1);
				}
				continue;
			}
			const struct rset *s = ir_field(&ir[i], ff_src[f]);

			if (s->any)
				ev_range(&v, i, 0, dom - 1, dom - 1);
			else
				for (int k = 0; k < s->n; k++)
					ev_range(&v, i, s->r[k].lo, s->r[k].hi, dom - 1);
		}
		sweep(&v, W, dom - 1, fld_emit, &x);
		free(v.e);
		img->ncls_fld[f] = fc[f].n;
	}

	/* addresses */
	struct ctab S, D;
	struct iv *ivs[2];
	size_t nivs[2];
	struct addr_ctx ax = { &S, &D, W };

	ct_init(&S, W);
	ct_init(&D, W);
	ax.npslot = 1u << 22;
	ax.pkey = calloc(ax.npslot, 8);
	ax.pval = calloc(ax.npslot, 4);
	ax.img = img;
	for (int fi = 0; fi < 2; fi++) {
		int fam = fi ? 6 : 4, bits = fam == 4 ? 32 : 128;
		u128 max = fam == 4 ? (u128)0xffffffffu : ~(u128)0;
		struct evs v = { 0 };

		for (uint32_t i = 0; i < ni; i++) {
			if (img->irule[i] == UINT32_MAX)
				continue;
			for (int side = 0; side < 2; side++) {
				const struct pset *s = ir_addr(&ir[i], side);
				uint32_t set = side * W * 64 + i;

				if (s->any) {
					ev_range(&v, set, 0, max, max);
					continue;
				}
				for (int k = 0; k < s->n; k++) {
					const struct pfx *p = &s->p[k];
					u128 host = p->len == 0 ? max : ((((u128)1) << (bits - p->len)) - 1);

					if (p->fam == fam)
						ev_range(&v, set, p->addr, p->addr | host, max);
				}
			}
		}
		ax.iv = NULL;
		ax.niv = ax.cap = 0;
		sweep(&v, 2 * W, max, addr_emit, &ax);
		free(v.e);
		ivs[fi] = ax.iv;
		nivs[fi] = ax.niv;
	}
	free(ax.pkey);
	free(ax.pval);
	img->ncls_addr = img->nproj;
	t1 = now_ms();
	img->ms_classes = t1 - t0;

	img->root = calloc(131072, 4);
	{
		uint32_t cn = 0, cs = 0;

		build_trie(img, ivs[0], nivs[0], 4, &cn, &cs);
		build_trie(img, ivs[1], nivs[1], 6, &cn, &cs);
	}
	free(ivs[0]);
	free(ivs[1]);
	img->ms_trie = now_ms() - t1;
	t1 = now_ms();

	/* 3. bitmap design: every final field class's bitmap and 64-rule-block summary */
	const struct ctab *fin[FIN_N] = { &S, &D, &fc[FF_PF], &fc[FF_ICMP], &fc[FF_TTL], &fc[FF_DSIZE],
					  &fc[FF_SPORT], &fc[FF_DPORT] };
	uint64_t rows = 0;

	for (int f = 0; f < FIN_N; f++) {
		img->cfg.fbase[f] = (uint32_t)rows;
		img->ncls_fin[f] = fin[f]->n;
		rows += fin[f]->n;
	}
	img->nbmw = rows * W;
	img->nsumw = rows * img->cfg.nsum;
	img->bm = calloc(img->nbmw, 8);
	img->sum = calloc(img->nsumw, 8);
	for (int f = 0; f < FIN_N; f++)
		for (uint32_t c = 0; c < fin[f]->n; c++)
			row_bits(img, img->cfg.fbase[f] + c, ct_row(fin[f], c));
	img->ms_bitmap = now_ms() - t1;
	t1 = now_ms();

	/* 4. rfc design: fold the classes pairwise down to one final class, within the budget */
	struct ctab mc[MRG_N];
	uint32_t *tab;
	int built = 0;

#define MERGE(m, A, B) do { ct_init(&mc[m], W); tab = merge(A, B, &mc[m]); put_merge(img, m, tab, A, B); \
		free(tab); img->ncls_mrg[m] = mc[m].n; built = m + 1; } while (0)
	if (rfc_budget) {
		const struct ctab *ops[MRG_N][2] = {
			{ &fc[FF_PF], &fc[FF_ICMP] }, { &fc[FF_TTL], &fc[FF_DSIZE] }, { &mc[MRG_PFI], &mc[MRG_TD] },
			{ &fc[FF_SPORT], &fc[FF_DPORT] }, { &mc[MRG_X], &mc[MRG_P] }, { &S, &mc[MRG_L] },
			{ &mc[MRG_SL], &D },
		};

		img->rfc_ok = 1;
		for (int m = 0; m < MRG_N; m++) {
			uint64_t need = (uint64_t)ops[m][0]->n * ops[m][1]->n;

			if (img->nrfc + need > rfc_budget) {
				snprintf(img->rfc_err, sizeof(img->rfc_err),
					 "merge %d would take %u x %u = %llu entries (budget %llu)", m, ops[m][0]->n,
					 ops[m][1]->n, (unsigned long long)need, (unsigned long long)rfc_budget);
				img->rfc_ok = 0;
				break;
			}
			MERGE(m, ops[m][0], ops[m][1]);
		}
		if (img->rfc_ok) {
			uint64_t cap = 0;

			img->nfres = mc[MRG_F].n;
			img->fres = calloc(img->nfres, sizeof(*img->fres));
			for (uint32_t c = 0; c < img->nfres; c++)
				outcome(img, ct_row(&mc[MRG_F], c), &img->fres[c], &img->flist, &img->nflist, &cap);
		}
		for (int m = 0; m < built; m++)
			ct_free(&mc[m]);
		img->ms_rfc = now_ms() - t1;
	}
#undef MERGE
	for (int f = 0; f < FF_N; f++)
		ct_free(&fc[f]);
	ct_free(&S);
	ct_free(&D);
	free(ir);
	return 0;
}

void free_image(struct image *img)
{
	free(img->root); free(img->node); free(img->skip); free(img->proj); free(img->fld);
	free(img->rfc); free(img->sum); free(img->bm); free(img->rinfo); free(img->irule); free(img->isig);
	free(img->fres); free(img->flist);
	memset(img, 0, sizeof(*img));
}
