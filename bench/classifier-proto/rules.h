/* SPDX-License-Identifier: MIT */
/* rules.h — the normalized rule form the prototype compiler takes, and the harness's helpers.
 *
 * Every field is either `any` (which also covers a value the packet lacks, such as the ports of
 * an ICMP packet) or a set with negation already resolved: addresses as a union of prefixes (both
 * families may appear), every other field as a union of closed ranges of its value domain
 * (cls_abi.h: proto 0..255, ports 0..65535, flags 0..255, icmp type<<8|code, ttl, dsize). */
#ifndef RULES_H
#define RULES_H

#include <stdint.h>
#include <stddef.h>
#include "cls_abi.h"

typedef unsigned __int128 u128;

struct pfx {
	u128 addr;		/* numeric, host order: IPv4 in the low 32 bits */
	uint8_t len;
	uint8_t fam;		/* 4 or 6 */
};

struct pset {
	int any;
	int n;
	struct pfx *p;
};

struct range {
	uint32_t lo, hi;
};

struct rset {
	int any;
	int n;
	struct range *r;
};

enum rule_kind { K_PORT, K_REP, K_LIST, K_COND, K_PROTO, K_NKINDS };

struct rule {
	uint32_t sid;
	uint16_t prio;
	uint8_t band;		/* enum cls_band */
	uint8_t bidir;		/* `<>` */
	uint8_t kind;		/* enum rule_kind: the generator's category, for reports */
	struct pset src, dst;
	struct rset f[FLD_N];	/* FLD_PROTO .. FLD_DSIZE */
};

struct ruleset {
	int n;
	struct rule *r;
};

/* gen.c */
void rng_seed(uint64_t s);
uint64_t rng(void);
void gen_rules(struct ruleset *rs, int n, uint64_t seed);
void free_rules(struct ruleset *rs);
enum pkt_mode { PK_LAST, PK_NONE, PK_MIX, PK_ADV };
void gen_pkts(const struct ruleset *rs, enum pkt_mode mode, struct cls_pkt *out, int n, uint64_t seed);
void gen_rules_adversarial(struct ruleset *rs, int n, uint64_t seed);
void gen_pkts_adversarial(struct cls_pkt *out, int n, uint64_t seed);

/* brute.c: the reference semantics, in the plainest code. */
struct ref_result {
	uint32_t band;		/* CLS_BAND_NONE when nothing matched */
	uint32_t winner;	/* rule index (in rs) */
	uint32_t count;		/* matched rules when no pass matched */
	uint32_t nmatch;	/* matched rules */
	uint32_t *match;	/* matched rule indices, count of them (caller allocates rs->n) */
};
int rule_matches(const struct rule *r, const struct cls_pkt *p);
void ref_classify(const struct ruleset *rs, const struct cls_pkt *p, struct ref_result *out);

#endif /* RULES_H */
