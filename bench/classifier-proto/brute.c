/* SPDX-License-Identifier: MIT */
/* brute.c — the reference matcher: every rule, every field, no precomputation. */
#include <string.h>
#include "rules.h"

static u128 pkt_addr(const __u32 a[4], int fam)
{
	const uint8_t *b = (const uint8_t *)a;
	int n = fam == 4 ? 4 : 16;
	u128 x = 0;

	for (int i = 0; i < n; i++)
		x = x << 8 | b[i];
	return x;
}

static int in_pset(const struct pset *s, u128 a, int fam)
{
	if (s->any)
		return 1;
	for (int i = 0; i < s->n; i++) {
		const struct pfx *p = &s->p[i];
		int bits = fam == 4 ? 32 : 128;

		if (p->fam != fam)
			continue;
		if (p->len == 0 || ((a ^ p->addr) >> (bits - p->len)) == 0)
			return 1;
	}
	return 0;
}

static int in_rset(const struct rset *s, uint32_t v)
{
	if (s->any)
		return 1;
	for (int i = 0; i < s->n; i++)
		if (v >= s->r[i].lo && v <= s->r[i].hi)
			return 1;
	return 0;
}

static int match_dir(const struct rule *r, const struct cls_pkt *p, const __u32 v[FLD_N], int swap)
{
	u128 s = pkt_addr(p->saddr, p->family), d = pkt_addr(p->daddr, p->family);

	if (!in_pset(swap ? &r->dst : &r->src, s, p->family) || !in_pset(swap ? &r->src : &r->dst, d, p->family))
		return 0;
	for (int f = 0; f < FLD_N; f++) {
		int g = f;

		if (swap && f == FLD_SPORT)
			g = FLD_DPORT;
		else if (swap && f == FLD_DPORT)
			g = FLD_SPORT;
		if (!in_rset(&r->f[g], v[f]))
			return 0;
	}
	return 1;
}

int rule_matches(const struct rule *r, const struct cls_pkt *p)
{
	__u32 v[FLD_N];

	cls_values(p, v);
	return match_dir(r, p, v, 0) || (r->bidir && match_dir(r, p, v, 1));
}

static int better(const struct rule *a, const struct rule *b)
{
	if (a->band != b->band)
		return a->band < b->band;
	if (a->prio != b->prio)
		return a->prio < b->prio;
	return a->sid < b->sid;
}

/* Pass beats drop beats reject beats alert (beats flag); a pass raises nothing, otherwise every
 * matched rule is reported. Within a band the lowest priority number, then the lowest sid, wins. */
void ref_classify(const struct ruleset *rs, const struct cls_pkt *p, struct ref_result *out)
{
	int n = 0, best = -1, pass = 0;

	for (int i = 0; i < rs->n; i++) {
		if (!rule_matches(&rs->r[i], p))
			continue;
		out->match[n++] = i;
		if (rs->r[i].band == CLS_PASS)
			pass = 1;
		if (best < 0 || better(&rs->r[i], &rs->r[best]))
			best = i;
	}
	out->band = best < 0 ? CLS_BAND_NONE : rs->r[best].band;
	out->winner = best < 0 ? 0 : best;
	out->count = pass ? 0 : n;
	out->nmatch = n;
}
