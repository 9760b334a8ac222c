/* SPDX-License-Identifier: MIT */
/* gen.c — random rulesets in a realistic mix, and packets that match the last rule, match none,
 * or a mix. Addresses: home net 198.18.0.0/15 and 2001:2::/48; the rest of the space is outside. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

static uint64_t rs_state = 88172645463325252ULL;

void rng_seed(uint64_t s)
{
	rs_state = s * 0x9E3779B97F4A7C15ULL + 1;
}

uint64_t rng(void)
{
	uint64_t x = rs_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rs_state = x;
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rng() % n) : 0;
}

static int pct(int p)
{
	return (int)rnd(100) < p;
}

static u128 rnd128(void)
{
	return (u128)rng() << 64 | rng();
}

/* ---- sets ---- */

static void pset_add(struct pset *s, u128 addr, int len, int fam)
{
	int bits = fam == 4 ? 32 : 128;
	u128 mask = len == 0 ? 0 : (~(u128)0) << (bits - len);

	if (fam == 4)
		mask &= 0xffffffffu;
	s->p = realloc(s->p, (s->n + 1) * sizeof(*s->p));
	s->p[s->n++] = (struct pfx){ addr & mask, (uint8_t)len, (uint8_t)fam };
}

static void rset_add(struct rset *s, uint32_t lo, uint32_t hi)
{
	s->r = realloc(s->r, (s->n + 1) * sizeof(*s->r));
	s->r[s->n++] = (struct range){ lo, hi };
}

/* A set of byte values given by a predicate, as ranges (TCP flags conditions). */
static void rset_from_bytes(struct rset *s, const uint8_t in[256])
{
	for (int v = 0; v < 256;) {
		if (!in[v]) {
			v++;
			continue;
		}
		int lo = v;

		while (v < 256 && in[v])
			v++;
		rset_add(s, lo, v - 1);
	}
}

static const u128 HOME4 = 0xC6120000u;	/* 198.18.0.0/15 */
#define HOME6 (((u128)0x20010002u) << 96)	/* 2001:2::/48 */

/* The complement of one prefix, as prefixes (negation resolved: !$HOME_NET). */
static void pset_add_complement(struct pset *s, u128 addr, int len, int fam)
{
	int bits = fam == 4 ? 32 : 128;

	for (int i = 0; i < len; i++)
		pset_add(s, addr ^ ((u128)1 << (bits - 1 - i)), i + 1, fam);
}

static void home_net(struct pset *s)
{
	pset_add(s, HOME4, 15, 4);
	pset_add(s, HOME6, 48, 6);
}

static void external_net(struct pset *s)
{
	pset_add_complement(s, HOME4, 15, 4);
	pset_add_complement(s, HOME6, 48, 6);
}

/* Outside addresses: anywhere in IPv4 outside the home net, 2001:db8::/32 for IPv6. */
static u128 outside4(void)
{
	for (;;) {
		u128 a = (uint32_t)rng();

		if ((a >> 17) != (HOME4 >> 17) && (a >> 24) != 0 && (a >> 28) < 14)
			return a;
	}
}

static u128 outside6(void)
{
	return ((u128)0x20010db8u << 96) | (rnd128() & ((((u128)1) << 96) - 1));
}

/* ---- ports ---- */

#define POOL_MAX 4096
static uint32_t port_pool[POOL_MAX], pool_n;

static uint32_t pick_port(void)
{
	/* Skewed: the first 40 pool entries are the well-known ports. */
	return port_pool[pct(15) ? rnd(40) : rnd(pool_n)];
}

/* A port condition: one port, a list, a range; rarely a negation (`!p` alone alerts on nearly
 * every packet, so real rulesets pair it with addresses). */
static void port_cond(struct rset *s, int neg_pct)
{
	int k = pct(neg_pct) ? 9 : (int)rnd(9);

	if (k < 5) {
		rset_add(s, pick_port(), 0);
		s->r[s->n - 1].hi = s->r[s->n - 1].lo;
	} else if (k < 7) {
		int n = 2 + rnd(4);

		for (int i = 0; i < n; i++) {
			uint32_t p = pick_port();
			rset_add(s, p, p);
		}
	} else if (k < 9) {
		uint32_t lo = pick_port(), w = 1 + rnd(200);

		rset_add(s, lo, lo + w > 65535 ? 65535 : lo + w);
	} else {	/* !p */
		uint32_t p = pick_port();

		if (p > 0)
			rset_add(s, 0, p - 1);
		if (p < 65535)
			rset_add(s, p + 1, 65535);
	}
}

/* ---- conditions ---- */

/* broad: any modifier and common flags (rules that also name ports); otherwise the scan
 * signatures that `any any -> any any` rules use (null, xmas, SYN-FIN...), exact or with `+`. */
static void flags_cond(struct rset *s, int broad)
{
	static const uint8_t sets[] = { 0x02, 0x12, 0x10, 0x11, 0x04, 0x01, 0x29, 0x00, 0x18, 0x03 };
	static const uint8_t scans[] = { 0x00, 0x29, 0x03, 0x01, 0x3f, 0x06, 0x05, 0x21, 0x07 };
	uint8_t in[256] = { 0 };
	uint8_t f = broad ? sets[rnd(sizeof(sets))] : scans[rnd(sizeof(scans))];
	int mode = broad ? (int)rnd(5) : f ? (int)rnd(2) : 0;	/* never `flags:0+` (every packet) */
	uint8_t ign = pct(30) ? 0xC0 : 0;	/* mask `,12`: ignore CWR and ECE */

	for (int v = 0; v < 256; v++) {
		uint8_t x = v & ~ign;

		switch (mode) {
		case 0: in[v] = x == f; break;			/* flags:SA */
		case 1: in[v] = (x & f) == f; break;		/* flags:SA+ */
		case 2: in[v] = f ? (x & f) != 0 : x == 0; break;	/* flags:*SA */
		case 3: in[v] = f ? (x & f) != f : x != 0; break;	/* flags:!SA */
		default: in[v] = (x & 0x3f) == (f & 0x3f); break;
		}
	}
	rset_from_bytes(s, in);
}

static void icmp_cond(struct rset *s)
{
	static const uint8_t types[] = { 8, 0, 3, 11, 5, 13, 128, 129, 133, 134, 135, 136, 1, 2 };
	uint32_t t = types[rnd(sizeof(types))];
	int k = rnd(4);

	if (k == 0) {			/* itype:T */
		rset_add(s, t << 8, t << 8 | 255);
	} else if (k == 1) {		/* itype:T; icode:C */
		uint32_t c = rnd(6);
		rset_add(s, t << 8 | c, t << 8 | c);
	} else if (k == 2) {		/* itype:T; icode:>C */
		uint32_t c = rnd(4);
		rset_add(s, t << 8 | (c + 1), t << 8 | 255);
	} else {			/* itype:>T */
		rset_add(s, (t + 1) << 8, 255 << 8 | 255);
	}
}

static void ttl_cond(struct rset *s)
{
	int k = rnd(3);

	if (k == 0)
		rset_add(s, 1, 1);
	else if (k == 1)
		rset_add(s, 0, rnd(10));
	else {
		uint32_t t = 200 + rnd(50);
		rset_add(s, t, 255);
	}
}

static void dsize_cond(struct rset *s)
{
	int k = rnd(4);

	if (k == 0)
		rset_add(s, 0, 0);
	else if (k == 1)
		rset_add(s, 1200 + rnd(300), 65535);
	else if (k == 2)
		rset_add(s, 0, 1 + rnd(20));
	else {
		uint32_t lo = rnd(1000);
		rset_add(s, lo, lo + 1 + rnd(100));
	}
}

static void rep_list(struct pset *s)
{
	int n = 1 + rnd(40);
	int fams = rnd(10);	/* 0-6 v4, 7-8 v6, 9 both */

	for (int i = 0; i < n; i++) {
		int v6 = fams >= 9 ? (int)rnd(2) : fams >= 7;

		if (v6)
			pset_add(s, outside6(), pct(80) ? 128 : 48 + 8 * rnd(3), 6);
		else
			pset_add(s, outside4(), pct(80) ? 32 : 24, 4);
	}
}

/* fam: 4, 6, or 0 for either per entry. */
static void addr_list(struct pset *s, int fam)
{
	int n = 1 + rnd(5);

	for (int i = 0; i < n; i++) {
		if (fam == 4 || (fam == 0 && pct(75)))
			pset_add(s, outside4(), 8 + rnd(17), 4);
		else
			pset_add(s, outside6(), 32 + rnd(33), 6);
	}
}

static void home_part(struct pset *s, int fam, int whole)
{
	if (pct(whole)) {
		home_net(s);
		return;
	}
	int n = 1 + rnd(3);
	for (int i = 0; i < n; i++) {
		if (fam == 4 || (fam == 0 && pct(70)))
			pset_add(s, HOME4 | rnd(1u << 17), 24 + rnd(9), 4);
		else
			pset_add(s, HOME6 | ((u128)rnd(1u << 16) << 64), 56 + rnd(9), 6);
	}
}

static void set_proto(struct rule *r, int p)
{
	r->f[FLD_PROTO].any = 0;
	rset_add(&r->f[FLD_PROTO], p, p);
}

static void gen_rule(struct rule *r, int kind)
{
	for (int f = 0; f < FLD_N; f++)
		r->f[f].any = 1;
	r->src.any = r->dst.any = 1;
	r->kind = kind;
	switch (kind) {
	case K_PORT:
		set_proto(r, pct(75) ? 6 : 17);
		if (pct(20)) { r->src.any = 0; home_part(&r->src, 0, 50); }
		if (pct(10)) { r->f[FLD_SPORT].any = 0; port_cond(&r->f[FLD_SPORT], 0); }
		r->f[FLD_DPORT].any = 0;
		port_cond(&r->f[FLD_DPORT], 0);
		if (r->f[FLD_PROTO].r[0].lo == 6 && pct(20)) { r->f[FLD_FLAGS].any = 0; flags_cond(&r->f[FLD_FLAGS], 1); }
		break;
	case K_REP:
		if (pct(50)) { r->src.any = 0; rep_list(&r->src); }
		else { r->dst.any = 0; rep_list(&r->dst); }
		r->bidir = pct(10);
		break;
	case K_LIST: {
		/* $HOME_NET-ish subnets to outside lists (or $EXTERNAL_NET), port lists and ranges. */
		int fam = pct(75) ? 4 : 6;

		set_proto(r, pct(70) ? 6 : 17);
		r->src.any = 0;
		home_part(&r->src, fam, 20);
		r->dst.any = 0;
		if (pct(10)) external_net(&r->dst); else addr_list(&r->dst, fam);
		r->f[FLD_DPORT].any = 0;
		if (pct(10)) rset_add(&r->f[FLD_DPORT], 1024, 65535); else port_cond(&r->f[FLD_DPORT], 5);
		if (pct(30)) { r->f[FLD_SPORT].any = 0; rset_add(&r->f[FLD_SPORT], 1024, 65535); }
		r->bidir = pct(20);
		break;
	}
	case K_COND: {
		int c = rnd(5);
		if (c == 0 || c == 4) { set_proto(r, 6); r->f[FLD_FLAGS].any = 0; flags_cond(&r->f[FLD_FLAGS], 0); }
		if (c == 1) { set_proto(r, pct(70) ? 1 : 58); r->f[FLD_ICMP].any = 0; icmp_cond(&r->f[FLD_ICMP]); }
		if (c == 2 || c == 4) { r->f[FLD_TTL].any = 0; ttl_cond(&r->f[FLD_TTL]); }
		if (c == 3) {	/* amplification-style: udp, one service port, a size */
			set_proto(r, 17);
			r->f[pct(50) ? FLD_SPORT : FLD_DPORT].any = 0;
			uint32_t pt = pick_port();
			rset_add(&r->f[r->f[FLD_SPORT].any ? FLD_DPORT : FLD_SPORT], pt, pt);
			r->f[FLD_DSIZE].any = 0;
			dsize_cond(&r->f[FLD_DSIZE]);
		}
		/* Most condition rules guard one part of the home net (else a large ruleset holds many
		 * copies of the few distinct `any any` conditions). */
		if (c != 3 && pct(70)) { r->dst.any = 0; home_part(&r->dst, 0, 5); }
		break;
	}
	default: {		/* K_PROTO: ip_proto */
		static const uint8_t ps[] = { 47, 50, 51, 41, 132, 89, 103, 112 };
		set_proto(r, ps[rnd(sizeof(ps))]);
		if (pct(50)) { r->dst.any = 0; home_net(&r->dst); }
		break;
	}
	}
	/* An ICMP rule's addresses must allow its family: icmp is IPv4's, ipv6-icmp IPv6's. */
	int b = rnd(100);
	r->band = b < 5 ? CLS_PASS : b < 17 ? CLS_DROP : b < 20 ? CLS_REJECT : CLS_ALERT;
	if (r->band == CLS_PASS && kind == K_COND)
		r->band = CLS_ALERT;	/* a broad pass would silence everything */
	r->prio = 1 + rnd(4);
}

void gen_rules(struct ruleset *rs, int n, uint64_t seed)
{
	static const int mix[K_NKINDS] = { 30, 30, 20, 15, 5 };

	rng_seed(seed);
	pool_n = 400 + n / 4 < POOL_MAX ? 400 + n / 4 : POOL_MAX;
	for (uint32_t i = 0; i < pool_n; i++)
		port_pool[i] = i < 40 ? (uint32_t[]){ 80, 443, 22, 25, 53, 21, 23, 110, 143, 445, 3389, 8080, 8443,
			123, 161, 389, 636, 993, 995, 1433, 3306, 5432, 6379, 27017, 11211, 9200, 5900, 1723,
			135, 139, 137, 500, 4500, 1194, 51820, 2049, 111, 873, 514, 69 }[i] : 1 + rnd(65535);
	rs->n = n;
	rs->r = calloc(n, sizeof(*rs->r));
	for (int i = 0; i < n; i++) {
		int k = 0, x = rnd(100);

		while (x >= mix[k]) x -= mix[k++];
		/* The last rule is one whose packets are many different flows. */
		if (i == n - 1)
			k = K_LIST;
		gen_rule(&rs->r[i], k);
		rs->r[i].sid = 1000000 + i;
	}
}

void free_rules(struct ruleset *rs)
{
	for (int i = 0; i < rs->n; i++) {
		free(rs->r[i].src.p);
		free(rs->r[i].dst.p);
		for (int f = 0; f < FLD_N; f++)
			free(rs->r[i].f[f].r);
	}
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

/* ---- packets ---- */

static void put_addr(__u32 out[4], u128 a, int fam)
{
	uint8_t *b = (uint8_t *)out;
	int n = fam == 4 ? 4 : 16;

	memset(out, 0, 16);
	for (int i = n - 1; i >= 0; i--) {
		b[i] = (uint8_t)a;
		a >>= 8;
	}
}

static int pset_has_fam(const struct pset *s, int fam)
{
	if (s->any)
		return 1;
	for (int i = 0; i < s->n; i++)
		if (s->p[i].fam == fam)
			return 1;
	return 0;
}

static u128 sample_addr(const struct pset *s, int fam)
{
	if (!s->any) {
		for (int t = 0; t < 1000; t++) {
			const struct pfx *p = &s->p[rnd(s->n)];
			int bits = fam == 4 ? 32 : 128;

			if (p->fam != fam)
				continue;
			u128 host = p->len == bits ? 0 : rnd128() & ((((u128)1) << (bits - p->len)) - 1);
			if (p->len == 0 && bits == 128)
				host = rnd128();
			return p->addr | host;
		}
	}
	if (pct(30))
		return fam == 4 ? (HOME4 | rnd(1u << 17)) : (HOME6 | (rnd128() & ((((u128)1) << 80) - 1)));
	return fam == 4 ? outside4() : outside6();
}

static uint32_t sample_rset(const struct rset *s, uint32_t any_lo, uint32_t any_hi)
{
	if (s->any)
		return any_lo + rnd(any_hi - any_lo + 1);
	const struct range *r = &s->r[rnd(s->n)];
	return r->lo + rnd(r->hi - r->lo + 1);
}

static void random_pkt(struct cls_pkt *p)
{
	static const uint8_t fl[] = { 0x10, 0x18, 0x02, 0x12, 0x11, 0x04 };
	int fam = pct(70) ? 4 : 6;

	memset(p, 0, sizeof(*p));
	p->family = fam;
	put_addr(p->saddr, pct(50) ? sample_addr(&(struct pset){ .any = 1 }, fam) : (fam == 4 ? outside4() : outside6()), fam);
	put_addr(p->daddr, fam == 4 ? (HOME4 | rnd(1u << 17)) : (HOME6 | (rnd128() & ((((u128)1) << 80) - 1))), fam);
	int k = rnd(20);
	p->l4_proto = k < 14 ? 6 : k < 18 ? 17 : fam == 4 ? 1 : 58;
	p->has_l4 = 1;
	p->sport = 1024 + rnd(64512);
	p->dport = pct(50) ? pick_port() : 1024 + rnd(64512);
	p->tcp_flags = p->l4_proto == 6 ? fl[rnd(sizeof(fl))] : 0;
	if (p->l4_proto == 1 || p->l4_proto == 58) {
		p->icmp_type = rnd(256);
		p->icmp_code = rnd(4);
		p->sport = p->dport = 0;
	}
	p->ttl = 30 + rnd(100);
	p->dsize = rnd(1400);
}

static int matches_any(const struct ruleset *rs, const struct cls_pkt *p)
{
	for (int i = 0; i < rs->n; i++)
		if (rule_matches(&rs->r[i], p))
			return 1;
	return 0;
}

/* A packet that matches rule r, or 0 after too many tries. */
static int sample_pkt(const struct rule *r, struct cls_pkt *p)
{
	for (int t = 0; t < 200; t++) {
		int swap = r->bidir && pct(50);
		const struct pset *s = swap ? &r->dst : &r->src, *d = swap ? &r->src : &r->dst;
		int fam = pct(70) ? 4 : 6;

		if (!pset_has_fam(s, fam) || !pset_has_fam(d, fam))
			fam = fam == 4 ? 6 : 4;
		random_pkt(p);
		p->family = fam;
		put_addr(p->saddr, sample_addr(s, fam), fam);
		put_addr(p->daddr, sample_addr(d, fam), fam);
		if (!r->f[FLD_PROTO].any)
			p->l4_proto = sample_rset(&r->f[FLD_PROTO], 0, 255);
		uint8_t pr = p->l4_proto;
		if (pr == 1 || pr == 58)
			p->l4_proto = fam == 4 ? 1 : 58;
		pr = p->l4_proto;
		p->has_l4 = 1;
		const struct rset *sp = &r->f[swap ? FLD_DPORT : FLD_SPORT], *dp = &r->f[swap ? FLD_SPORT : FLD_DPORT];
		if (pr == 6 || pr == 17 || pr == 132) {
			p->sport = sample_rset(sp, 1024, 65535);
			p->dport = sample_rset(dp, 1, 65535);
		} else {
			p->sport = p->dport = 0;
		}
		p->tcp_flags = pr == 6 ? sample_rset(&r->f[FLD_FLAGS], 0x10, 0x10) : 0;
		if (pr == 1 || pr == 58) {
			uint32_t v = sample_rset(&r->f[FLD_ICMP], 0, 65535);
			p->icmp_type = v >> 8;
			p->icmp_code = v & 255;
		} else {
			p->icmp_type = p->icmp_code = 0;
		}
		p->ttl = sample_rset(&r->f[FLD_TTL], 30, 130);
		p->dsize = sample_rset(&r->f[FLD_DSIZE], 0, 1400);
		if (rule_matches(r, p))
			return 1;
	}
	return 0;
}

void gen_pkts(const struct ruleset *rs, enum pkt_mode mode, struct cls_pkt *out, int n, uint64_t seed)
{
	rng_seed(seed);
	for (int i = 0; i < n; i++) {
		struct cls_pkt *p = &out[i];
		int m = mode == PK_MIX ? (pct(40) ? PK_LAST : PK_NONE) : (int)mode;

		if (m == PK_LAST) {
			const struct rule *r = &rs->r[mode == PK_MIX ? rnd(rs->n) : rs->n - 1];
			if (sample_pkt(r, p))
				continue;
		}
		long tries = 0;
		do {
			random_pkt(p);
			if (++tries > 1000000) {
				fprintf(stderr, "gen_pkts: no packet that matches no rule after %ld tries\n", tries);
				exit(2);
			}
		} while (mode != PK_MIX && matches_any(rs, p));
	}
}

/* ---- the adversary of the bitmap design ----
 * Every rule names a source list and a destination port. For the target flow (src H, dport D)
 * odd rules accept H but not D and even rules accept D but not H, and every list's smallest
 * address is random, so no ordering keeps the two kinds apart: every 64-rule block passes the
 * summary AND and none holds a match. The walk opens all N/64 blocks. */
static u128 adv_h;
static uint32_t adv_d;

void gen_rules_adversarial(struct ruleset *rs, int n, uint64_t seed)
{
	rng_seed(seed);
	adv_h = outside4();
	adv_d = 1 + rnd(65535);
	rs->n = n;
	rs->r = calloc(n, sizeof(*rs->r));
	for (int i = 0; i < n; i++) {
		struct rule *r = &rs->r[i];

		for (int f = 0; f < FLD_N; f++)
			r->f[f].any = 1;
		r->dst.any = 1;
		r->kind = K_LIST;
		r->src.any = 0;
		for (int k = 0; k < 3; k++) {
			u128 a;
			do
				a = outside4();
			while (a == adv_h);
			pset_add(&r->src, a, 32, 4);
		}
		if (i & 1)
			pset_add(&r->src, adv_h, 32, 4);
		set_proto(r, 6);
		r->f[FLD_DPORT].any = 0;
		uint32_t pt;
		do
			pt = 1 + rnd(65535);
		while (pt == adv_d);
		rset_add(&r->f[FLD_DPORT], pt, pt);
		if (!(i & 1))
			rset_add(&r->f[FLD_DPORT], adv_d, adv_d);
		r->band = CLS_ALERT;
		r->prio = 1 + rnd(4);
		r->sid = 2000000 + i;
	}
}

/* Packets of the target flow (H, D), with every other field varied. */
void gen_pkts_adversarial(struct cls_pkt *out, int n, uint64_t seed)
{
	rng_seed(seed);
	for (int i = 0; i < n; i++) {
		struct cls_pkt *p = &out[i];

		random_pkt(p);
		p->family = 4;
		p->l4_proto = 6;
		p->has_l4 = 1;
		p->tcp_flags = 0x10;
		put_addr(p->saddr, adv_h, 4);
		put_addr(p->daddr, outside4(), 4);
		p->dport = adv_d;
	}
}
