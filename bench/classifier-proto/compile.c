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
	uint8_t direct;		/* address-only rule, resolved by the address's class list */
	int8_t split;		/* -1, or the final field this slot restricts to one element */
	uint64_t cluster;
	struct pset one_p;	/* that element, when split is an address field */
	struct rset one_r;	/* that element, when split is a value field */
};

static const struct rule *g_rules;

static const struct pset *ir_addr(const struct irule *ir, int dst)
{
	const struct rule *r = &g_rules[ir->rule];

	if (ir->split == (dst ? FIN_D : FIN_S))
		return &ir->one_p;
	return (dst ^ ir->swap) ? &r->dst : &r->src;
}

static const int fin_fld[FIN_N] = { -1, -1, FLD_PROTO, FLD_ICMP, FLD_TTL, FLD_DSIZE, FLD_SPORT, FLD_DPORT };

static const struct rset *ir_field(const struct irule *ir, int f)
{
	const struct rule *r = &g_rules[ir->rule];

	if (ir->split > FIN_PF && fin_fld[ir->split] == f)
		return &ir->one_r;
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
	CMP(a->direct, b->direct);
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
	ir->cluster = 0;	/* set per signature group by cluster_groups() */
}

/* The share of its field's domain a rule's set covers (0..1): how selective the field is. */
static double coverage(const struct irule *ir, int f)
{
	static const int fsrc[FIN_N] = { -1, -1, FLD_PROTO, FLD_ICMP, FLD_TTL, FLD_DSIZE, FLD_SPORT, FLD_DPORT };
	static const double dom[FLD_N] = { 256, 65537, 65537, 257, 65537, 256, 65536 };
	double c = 0;

	if (f <= FIN_D) {
		const struct pset *s = ir_addr(ir, f == FIN_D);

		for (int k = 0; k < s->n; k++)
			c += __builtin_ldexp(1.0, -(int)s->p[k].len);
		return c;
	}
	const struct rset *s = ir_field(ir, fsrc[f]);

	if (f == FIN_PF && s->any)
		s = ir_field(ir, FLD_FLAGS);
	for (int k = 0; k < s->n; k++)
		c += (s->r[k].hi - s->r[k].lo + 1) / dom[fsrc[f] == FLD_PROTO && s == ir_field(ir, FLD_FLAGS) ? FLD_FLAGS : fsrc[f]];
	return c;
}

/* The smallest value of a rule's set in field f, as a sort key. */
static uint64_t first_value(const struct irule *ir, int f)
{
	static const int fsrc[FIN_N] = { -1, -1, FLD_PROTO, FLD_ICMP, FLD_TTL, FLD_DSIZE, FLD_SPORT, FLD_DPORT };
	uint64_t best = UINT64_MAX;

	if (f <= FIN_D) {
		const struct pset *s = ir_addr(ir, f == FIN_D);

		for (int k = 0; k < s->n; k++) {
			uint64_t v = (uint64_t)(s->p[k].fam == 4 ? s->p[k].addr << 32 : s->p[k].addr >> 64) >> 1 |
				     (uint64_t)(s->p[k].fam == 6) << 63;
			if (v < best)
				best = v;
		}
		return best;
	}
	const struct rset *s = ir_field(ir, fsrc[f]);

	for (int k = 0; k < s->n; k++)
		if (s->r[k].lo < best)
			best = s->r[k].lo;
	return best;
}

/* Within a signature group, orders rules by their own most selective field (the smallest share
 * of its domain), then by that field's smallest value: the few rules that accept one value share
 * a block or two, so a block that passes the summary AND without a match stays rare. */
static void cluster_groups(struct irule *ir, uint32_t ni)
{
	for (uint32_t i = 0; i < ni; i++) {
		int best = -1;
		double bestc = 4;

		for (int f = 0; f < FIN_N; f++) {
			double cv;

			if (!(ir[i].sig >> f & 1))
				continue;
			cv = coverage(&ir[i], f);
			if (cv < bestc) {
				bestc = cv;
				best = f;
			}
		}
		ir[i].cluster = best < 0 ? 0 : (uint64_t)best << 60 | first_value(&ir[i], best) >> 4;
	}
}

/* A multi-field rule whose most selective field holds several disjoint elements (prefixes or
 * ranges) gets one slot per element: each slot's rows then accept one narrow value set, so the
 * clustering puts it beside the rules that accept the same values. The elements are disjoint, so
 * at most one slot of a rule matches a packet and the rule is still reported once. */
static int pfx_overlap(const struct pfx *a, const struct pfx *b)
{
	int bits = a->fam == 4 ? 32 : 128, l = a->len < b->len ? a->len : b->len;

	return a->fam == b->fam && (l == 0 || ((a->addr ^ b->addr) >> (bits - l)) == 0);
}

int compile_split = 1;	/* harness -S turns it off */

/* Splitting stops where the slots would pass three quarters of the bitmap's capacity. */
#define SPLIT_BUDGET (CLS_MAX_WORDS * 64 * 3 / 4)

static struct irule *split_rules(struct irule *ir, uint32_t *pni)
{
	uint32_t ni = *pni, n = 0, cap = ni;
	struct irule *out = malloc(cap * sizeof(*out));

	for (uint32_t i = 0; i < ni; i++) {
		const struct rule *r = &g_rules[ir[i].rule];
		int best = -1, parts = 1, ok = 1;
		double bestc = 4;

		if (!r->bidir && !ir[i].direct && __builtin_popcount(ir[i].sig) >= 2) {
			for (int f = 0; f < FIN_N; f++) {
				if (f == FIN_PF || !(ir[i].sig >> f & 1))
					continue;
				double cv = coverage(&ir[i], f);

				if (cv < bestc) {
					bestc = cv;
					best = f;
				}
			}
		}
		if (best >= 0) {
			if (best <= FIN_D) {
				const struct pset *s = ir_addr(&ir[i], best == FIN_D);

				parts = s->n;
				for (int a = 0; a < s->n && ok; a++)
					for (int b = a + 1; b < s->n && ok; b++)
						ok = !pfx_overlap(&s->p[a], &s->p[b]);
			} else {
				const struct rset *s = ir_field(&ir[i], fin_fld[best]);

				parts = s->n;
				for (int a = 0; a < s->n && ok; a++)
					for (int b = a + 1; b < s->n && ok; b++)
						ok = s->r[a].hi < s->r[b].lo || s->r[b].hi < s->r[a].lo;
			}
		}
		if (parts <= 1 || !ok || !compile_split || n + parts + (ni - i - 1) > SPLIT_BUDGET)
			parts = 1, best = -1;
		if (n + parts > cap) {
			cap = (n + parts) * 2;
			out = xrealloc(out, cap * sizeof(*out));
		}
		for (int k = 0; k < parts; k++) {
			struct irule *o = &out[n++];

			*o = ir[i];
			if (best < 0)
				continue;
			o->split = (int8_t)best;
			if (best <= FIN_D) {
				const struct pset *s = ir_addr(&ir[i], best == FIN_D);

				o->one_p = (struct pset){ 0, 1, &s->p[k] };
			} else {
				const struct rset *s = ir_field(&ir[i], fin_fld[best]);

				o->one_r = (struct rset){ 0, 1, &s->r[k] };
			}
		}
	}
	free(ir);
	*pni = n;
	return out;
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

/* Addresses: the sweep's bitmap holds the source side in words [0, Wt) and the destination side
 * in [Wt, 2Wt); of each side, words [0, Wb) are the bitmap part and [Wb, Wt) the direct rules. A
 * piece's address class is the interned (S class, D class, S list, D list). */
struct iv {
	u128 lo, hi;
	uint32_t a;
};

struct addr_ctx {
	struct ctab *S, *D, *SL, *DL;
	uint32_t Wb, Wt;
	struct iv *iv;
	size_t niv, cap;
	/* pair -> address class */
	uint64_t *pkey;
	uint32_t *pval, npslot;
	struct image *img;
};

static uint32_t addr_pair(struct addr_ctx *x, uint32_t s, uint32_t d, uint32_t sl, uint32_t dl)
{
	uint64_t k = (uint64_t)s << 32 | d, h = (k ^ ((uint64_t)sl << 32 | dl) * 0xff51afd7ed558ccdULL) * 0x9E3779B97F4A7C15ULL;
	uint32_t m = x->npslot - 1, i = (uint32_t)(h >> 32) & m;

	for (;; i = (i + 1) & m) {
		if (!x->pval[i])
			break;
		if (x->pkey[i] == k && x->img->proj[x->pval[i] - 1].s_list == sl && x->img->proj[x->pval[i] - 1].d_list == dl)
			return x->pval[i] - 1;
	}
	if ((x->img->nproj + 1) * 2 > x->npslot) {
		fprintf(stderr, "address class table full\n");
		exit(2);
	}
	x->pkey[i] = k;
	x->pval[i] = ++x->img->nproj;
	x->img->proj = xrealloc(x->img->proj, x->img->nproj * sizeof(*x->img->proj));
	x->img->proj[x->img->nproj - 1] = (struct cls_proj){ s, d, sl, dl };
	return x->img->nproj - 1;
}

static void addr_emit(void *c, u128 lo, u128 hi, const uint64_t *bm)
{
	struct addr_ctx *x = c;
	uint32_t s = ct_intern(x->S, bm), d = ct_intern(x->D, bm + x->Wt), sl = 0, dl = 0;

	if (x->Wt > x->Wb) {
		sl = ct_intern(x->SL, bm + x->Wb);
		dl = ct_intern(x->DL, bm + x->Wt + x->Wb);
	}
	uint32_t a = addr_pair(x, s, d, sl, dl);

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

static uint32_t new_node(struct tb *t)
{
	struct image *img = t->img;

	if (img->nnode == t->capnode) {
		t->capnode = t->capnode ? t->capnode * 2 : 64;
		img->node = xrealloc(img->node, (size_t)t->capnode * CLS_C32 * 4);
	}
	return img->nnode++;
}

/* Classifies the 256 children of the region at clo (child size cs) in one pass over the
 * intervals: uni[c] when child c is one class, cl[c] the class at its start. */
static void children(const struct tb *t, u128 clo, u128 cs, uint8_t uni[256], uint32_t cl[256])
{
	size_t a = 0, b = t->n;

	while (b - a > 1) {	/* last interval with iv.lo <= clo */
		size_t m = (a + b) / 2;

		if (t->iv[m].lo <= clo)
			a = m;
		else
			b = m;
	}
	for (int c = 0; c < 256; c++) {
		u128 l = clo + (u128)c * cs;

		while (t->iv[a].hi < l)
			a++;
		cl[c] = t->iv[a].a;
		uni[c] = t->iv[a].hi >= l + cs - 1;
	}
}

/* The entry for the (non-uniform) region at lo, depth d bytes. */
static uint32_t build(struct tb *t, u128 lo, int d)
{
	int T = t->T;
	uint8_t uni[256], bytes[16];
	uint32_t cl[256];

	/* Path compression: while exactly one child differs (is not one class, or is another class)
	 * and every other child is the same class m, the node is a byte comparison with miss class
	 * m. A chain that ends on a child of one class ends in that leaf (a host route: /32, /128). */
	u128 clo = lo;
	int e = d, have_m = 0, leaf = 0;
	uint32_t m = 0, leafcls = 0;

	for (;;) {
		u128 cs = span(T, e + 1);
		int odd = -1;
		uint32_t u;

		children(t, clo, cs, uni, cl);
		/* the majority class: a uniform child's class that at least two children share */
		u = uni[0] && (cl[0] == cl[1] || cl[0] == cl[2]) ? cl[0] : cl[uni[1] ? 1 : 2];
		for (int c = 0; c < 256; c++) {
			if (uni[c] && cl[c] == u)
				continue;
			if (odd >= 0) {
				odd = -2;
				break;
			}
			odd = c;
		}
		if (odd < 0 || (have_m && u != m))
			break;
		m = u;
		have_m = 1;
		bytes[e] = (uint8_t)odd;
		clo += (u128)odd * cs;
		e++;
		if (uni[odd]) {
			leaf = 1;
			leafcls = cl[odd];
			break;
		}
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
		uint32_t next = leaf ? CLS_MK_ENT(CLS_ENT_LEAF, leafcls) : build(t, clo, e);
		img->skip[k].next = next;
		return CLS_MK_ENT(CLS_ENT_SKIP, k);
	}

	/* A regular node; uni/cl hold the children of the region at depth d (the loop ran once and
	 * found no single odd child). */
	uint32_t n = new_node(t);
	u128 cs = span(T, d + 1);
	uint8_t u2[256];
	uint32_t c2[256];

	memcpy(u2, uni, sizeof(u2));
	memcpy(c2, cl, sizeof(c2));
	for (int c = 0; c < 256; c++) {
		uint32_t ent = u2[c] ? CLS_MK_ENT(CLS_ENT_LEAF, c2[c]) : build(t, lo + (u128)c * cs, d + 1);

		t->img->node[(size_t)n * CLS_C32 + c] = ent;
	}
	return CLS_MK_ENT(CLS_ENT_NODE, n);
}

static void build_trie(struct image *img, struct iv *iv, size_t n, int fam, uint32_t *capnode, uint32_t *capskip)
{
	struct tb t = { iv, n, fam == 4 ? 4 : 16, img, *capnode, *capskip };
	uint32_t *root = img->root + (fam == 4 ? 0 : 65536);
	u128 cs = span(t.T, 2);
	size_t a = 0;

	for (uint32_t h = 0; h < 65536; h++) {
		u128 l = (u128)h << (8 * (t.T - 2));

		while (iv[a].hi < l)
			a++;
		root[h] = iv[a].hi >= l + cs - 1 ? CLS_MK_ENT(CLS_ENT_LEAF, iv[a].a) : build(&t, l, 2);
	}
	*capnode = t.capnode;
	*capskip = t.capskip;
}

/* ---- merges ---- */

/* NULL when the merged classes pass max_classes (the rfc design's memory would explode). */
static uint32_t *merge(const struct ctab *A, const struct ctab *B, struct ctab *C, uint32_t max_classes)
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
			if (C->n > max_classes) {
				free(tab);
				free(tmp);
				return NULL;
			}
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

static int compile_once(const struct ruleset *rs, struct image *img, uint64_t rfc_budget, int use_direct,
			const uint8_t *keep)
{
	double t0 = now_ms(), t1;
	struct irule *ir;
	uint32_t ni = 0, W, Wt, dbase = 0;

	memset(img, 0, sizeof(*img));
	g_rules = rs->r;
	for (int i = 0; i < rs->n; i++)
		ni += 1 + rs->r[i].bidir;
	ir = calloc(ni, sizeof(*ir));
	ni = 0;
	for (int i = 0; i < rs->n; i++) {
		for (int s = 0; s <= rs->r[i].bidir; s++) {
			ir[ni] = (struct irule){ .rule = i, .swap = s, .split = -1 };
			ir_shape(&ir[ni]);
			ir[ni].direct = use_direct && !rs->r[i].bidir && !keep[i] &&
					(ir[ni].sig == 1u << FIN_S || ir[ni].sig == 1u << FIN_D);
			ni++;
		}
	}
	ir = split_rules(ir, &ni);
	cluster_groups(ir, ni);
	qsort(ir, ni, sizeof(*ir), ir_cmp);
	/* Slots: each signature group of the bitmap part starts on a 64-rule block boundary; padding
	 * slots are empty (no bitmap has their bit, so they are never visited). The direct rules
	 * follow from the block boundary dbase (at least one block, so bitmaps are never empty). */
	{
		uint32_t nslot = 0;
		struct irule *sl = NULL;

		for (int pass = 0; pass < 2; pass++) {
			nslot = 0;
			for (uint32_t i = 0; i < ni; i++) {
				if (!ir[i].direct && i && ir[i].sig != ir[i - 1].sig)
					nslot = (nslot + 63) & ~63u;
				if (ir[i].direct && (!i || !ir[i - 1].direct))
					nslot = dbase = nslot ? (nslot + 63) & ~63u : 64;
				if (pass) {
					sl[nslot] = ir[i];
					img->irule[nslot] = ir[i].rule;
				}
				nslot++;
			}
			if (!ni || !ir[ni - 1].direct)
				nslot = dbase = nslot ? (nslot + 63) & ~63u : 64;
			if (!pass) {
				sl = calloc(nslot, sizeof(*sl));
				img->irule = malloc(nslot * 4);
				memset(img->irule, 0xff, nslot * 4);
			}
		}
		free(ir);
		ir = sl;
		img->nreal = ni;
		ni = nslot;
	}
	W = dbase / 64;
	Wt = (ni + 63) / 64;
	img->dbase = dbase;
	img->ni = ni;
	img->cfg.nrules = ni;
	img->cfg.nwords = W;	/* the bitmap part only */
	img->cfg.nsum = 1;
	while (img->cfg.nsum * 64 < W)
		img->cfg.nsum *= 2;
	if (W > CLS_MAX_WORDS) {
		fprintf(stderr, "too many rules: %u bitmap slots (at most %u)\n", dbase, CLS_MAX_WORDS * 64);
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
		for (uint32_t i = 0; i < dbase; i++) {
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
	struct ctab S, D, SL, DL;
	struct iv *ivs[2];
	size_t nivs[2];
	struct addr_ctx ax = { &S, &D, &SL, &DL, W, Wt };

	ct_init(&S, W);
	ct_init(&D, W);
	ct_init(&SL, Wt - W ? Wt - W : 1);
	ct_init(&DL, Wt - W ? Wt - W : 1);
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
				uint32_t set = side * Wt * 64 + i;

				if (ir[i].direct && s->any)
					continue;	/* a direct rule is listed on its specific side only */
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
		sweep(&v, 2 * Wt, max, addr_emit, &ax);
		free(v.e);
		ivs[fi] = ax.iv;
		nivs[fi] = ax.niv;
	}
	free(ax.pkey);
	free(ax.pval);
	img->ncls_addr = img->nproj;

	/* Direct lists: list 0 is empty; S-list class c is list 1 + c, D-list class c is
	 * 1 + SL.n + c (a class with no rule gets an empty list, which costs one lookup). */
	if (Wt > W) {
		uint32_t nl = 1 + SL.n + DL.n, maxn = 0;

		img->ndlist = nl;
		img->dlist = calloc(nl, sizeof(*img->dlist));
		for (int side = 0; side < 2; side++) {
			const struct ctab *t = side ? &DL : &SL;

			for (uint32_t k = 0; k < t->n; k++) {
				const uint64_t *b = ct_row(t, k);
				struct cls_dlist *dl = &img->dlist[1 + (side ? SL.n : 0) + k];

				dl->off = (uint32_t)img->ndrule;
				for (uint32_t j = 0; j < t->W; j++)
					for (uint64_t w = b[j]; w; w &= w - 1) {
						img->drule = xrealloc(img->drule, (img->ndrule + 1) * 4);
						img->drule[img->ndrule++] = dbase + j * 64 + __builtin_ctzll(w);
					}
				dl->n = (uint32_t)img->ndrule - dl->off;
				if (dl->n > maxn)
					maxn = dl->n;
			}
		}
		for (uint32_t a = 0; a < img->nproj; a++) {	/* an empty list is list 0 */
			img->proj[a].s_list += 1;
			img->proj[a].d_list += 1 + SL.n;
			if (!img->dlist[img->proj[a].s_list].n)
				img->proj[a].s_list = 0;
			if (!img->dlist[img->proj[a].d_list].n)
				img->proj[a].d_list = 0;
		}
		img->max_dlist = maxn;
	}
	ct_free(&SL);
	ct_free(&DL);
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
	img->nrows = (uint32_t)rows;
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

#define RFC_MAX_CLASSES (1u << 20)
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
			ct_init(&mc[m], W);
			built = m + 1;
			tab = merge(ops[m][0], ops[m][1], &mc[m], RFC_MAX_CLASSES);
			if (!tab) {
				snprintf(img->rfc_err, sizeof(img->rfc_err), "merge %d (%u x %u) passed %u classes", m,
					 ops[m][0]->n, ops[m][1]->n, RFC_MAX_CLASSES);
				img->rfc_ok = 0;
				break;
			}
			put_merge(img, m, tab, ops[m][0], ops[m][1]);
			free(tab);
			img->ncls_mrg[m] = mc[m].n;
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
#undef RFC_MAX_CLASSES
	for (int f = 0; f < FF_N; f++)
		ct_free(&fc[f]);
	ct_free(&S);
	ct_free(&D);
	free(ir);
	return 0;
}

/* A direct list longer than CLS_MAX_DIRECT (many address-only rules over one address) would
 * make the walk long: its rules go back to the bitmap part and the ruleset is compiled again. */
int compile_ruleset(const struct ruleset *rs, struct image *img, uint64_t rfc_budget, int use_direct)
{
	uint8_t *keep = calloc(rs->n ? rs->n : 1, 1);
	int err;

	for (int round = 0;; round++) {
		err = compile_once(rs, img, rfc_budget, use_direct, keep);
		if (err || img->max_dlist <= CLS_MAX_DIRECT || round == 8)
			break;
		for (uint32_t l = 1; l < img->ndlist; l++)
			if (img->dlist[l].n > CLS_MAX_DIRECT)
				for (uint32_t k = 0; k < img->dlist[l].n; k++)
					keep[img->irule[img->drule[img->dlist[l].off + k]]] = 1;
		free_image(img);
	}
	free(keep);
	return err;
}

void free_image(struct image *img)
{
	free(img->root); free(img->node); free(img->skip); free(img->proj); free(img->fld);
	free(img->rfc); free(img->sum); free(img->bm); free(img->rinfo); free(img->irule); free(img->isig);
	free(img->fres); free(img->flist); free(img->dlist); free(img->drule);
	memset(img, 0, sizeof(*img));
}
