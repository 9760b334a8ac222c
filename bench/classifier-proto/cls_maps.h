/* SPDX-License-Identifier: MIT */
/* cls_maps.h — the prototype classifier's maps. All are ARRAYs, whose lookups the verifier
 * inlines into an index check and pointer arithmetic (a couple of ns), unlike hash or LPM maps.
 * Sizes are set by the loader (bpf_map__set_max_entries) from the compiled image; 1 here.
 * Writer: the loader (userspace), once per ruleset. Reader: the classifier. Exceptions noted. */
#ifndef CLS_MAPS_H
#define CLS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cls_abi.h"

#define CLS_ARRAY(name, vtype) \
	struct { \
		__uint(type, BPF_MAP_TYPE_ARRAY); \
		__uint(max_entries, 1); \
		__type(key, __u32); \
		__type(value, vtype); \
	} name SEC(".maps")

CLS_ARRAY(cls_cfg, struct cls_cfg);		/* one entry */
CLS_ARRAY(cls_root, struct cls_c32);		/* trie roots: 512 chunks (2 families x 65536) */
CLS_ARRAY(cls_node, struct cls_c32);		/* trie nodes: one chunk per node */
CLS_ARRAY(cls_skip, struct cls_skip);		/* trie path-compression runs */
CLS_ARRAY(cls_proj, struct cls_proj);		/* address class -> S, D classes and lists */
CLS_ARRAY(cls_dlist, struct cls_dlist);	/* direct lists */
CLS_ARRAY(cls_drule, struct cls_c32);		/* direct list entries (rule indices) */
CLS_ARRAY(cls_fld, struct cls_c32);		/* field value -> field class, CLS_OFF_* layout */
CLS_ARRAY(cls_rfc, struct cls_c32);		/* merge tables, cls_cfg.moff/mnb layout */
CLS_ARRAY(cls_rows, struct cls_row);		/* bitmap design: fbase[field] + class */
CLS_ARRAY(cls_rinfo, struct cls_rinfo);	/* per internal rule */
CLS_ARRAY(cls_fres, struct cls_fres);		/* rfc design: per final class */
CLS_ARRAY(cls_flist, struct cls_c32);		/* rfc design: matched-rule lists */

/* Per-rule hit counters (bitmap design) and per-final-class counters (rfc design, userspace sums
 * them per rule). Writer: the classifier; reader: userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cls_hits SEC(".maps");

static __always_inline __u32 cls_get32(void *map, __u32 i)
{
	__u32 k = i / CLS_C32;
	struct cls_c32 *c = bpf_map_lookup_elem(map, &k);

	return c ? c->e[i % CLS_C32] : 0;
}

static __always_inline __u64 cls_get64(void *map, __u32 i)
{
	__u32 k = i / CLS_C64;
	struct cls_c64 *c = bpf_map_lookup_elem(map, &k);

	return c ? c->e[i % CLS_C64] : 0;
}

static __always_inline void cls_count(__u32 idx, int d)
{
	__u64 *h = bpf_map_lookup_elem(&cls_hits, &idx);

	if (h)
		*h += d;
}

#endif /* CLS_MAPS_H */
