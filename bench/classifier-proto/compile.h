/* SPDX-License-Identifier: MIT */
/* compile.h — ruleset -> map image for both prototype designs. */
#ifndef COMPILE_H
#define COMPILE_H

#include "rules.h"

struct image {
	struct cls_cfg cfg;
	uint32_t *root;			/* 131072 entries */
	uint32_t *node; uint32_t nnode;	/* nnode * 256 entries */
	struct cls_skip *skip; uint32_t nskip;
	struct cls_proj *proj; uint32_t nproj;
	uint32_t *fld;			/* CLS_FLD_ENTRIES */
	uint32_t *rfc; uint64_t nrfc;
	uint64_t *sum; uint64_t nsumw;
	uint64_t *bm; uint64_t nbmw;
	uint32_t nrows;
	struct cls_rinfo *rinfo;
	uint32_t *irule;		/* slot -> index in the ruleset, UINT32_MAX when empty */
	uint8_t *isig;			/* internal rule -> wildcard signature (S, D, X, P bits) */
	uint32_t ni;			/* rule slots (internal rules plus block padding) */
	uint32_t nreal;			/* internal rules */
	uint32_t dbase;			/* first direct slot; bitmaps cover [0, dbase) */
	struct cls_dlist *dlist; uint32_t ndlist, max_dlist;
	uint32_t *drule; uint64_t ndrule;
	/* rfc design (when rfc_ok) */
	int rfc_ok;
	char rfc_err[160];
	struct cls_fres *fres; uint32_t nfres;
	uint32_t *flist; uint64_t nflist;
	/* statistics */
	uint32_t ncls_fld[FF_N], ncls_addr, ncls_fin[FIN_N], ncls_mrg[MRG_N];
	double ms_classes, ms_trie, ms_bitmap, ms_rfc;
};

/* rfc_budget: the most merge-table entries the rfc design may use (0: do not build it).
 * use_direct: address-only rules go to direct lists (the bitmap design); 0 keeps every rule in
 * the bitmaps (the rfc design, which has no lists). */
int compile_ruleset(const struct ruleset *rs, struct image *img, uint64_t rfc_budget, int use_direct);
void free_image(struct image *img);

/* Give a multi-field rule one slot per element of its most selective field (default 1). */
extern int compile_split;

#endif /* COMPILE_H */
