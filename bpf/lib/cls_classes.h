/* SPDX-License-Identifier: MIT */
/* cls_classes.h — the classifier's first stage: every final field of the packet becomes a class
 * (values that no rule tells apart share one). Small fields are direct-indexed arrays
 * (fw_cls_fld, one u32 per value); addresses walk a multibit trie over arrays (a 16-bit root,
 * then 8-bit nodes and path-compressed runs), whose leaf is an address class that fw_cls_proj
 * splits into a source-side and a destination-side class. No hash or LPM lookup: every step is an
 * inlined array access. */
#ifndef FW_CLS_CLASSES_H
#define FW_CLS_CLASSES_H

#include "fwctl_abi.h"
#include "cls_maps.h"

#define FW_CLS_ENT_TYPE(e) ((e) >> 30)
#define FW_CLS_ENT_IDX(e) ((e) & 0x3fffffffu)

/* An IPv6 walk takes at most one step per byte after the 2-byte root (14) plus the leaf; a skip
 * consumes at least one byte, so it never adds steps. */
#define FW_CLS_TRIE_STEPS 16

static __always_inline __u32 cls_get32(void *map, __u32 base_chunk, __u32 i)
{
	__u32 k = base_chunk + i / FW_CLS_C32;
	struct fw_cls_c32 *c = bpf_map_lookup_elem(map, &k);

	return c ? c->e[i % FW_CLS_C32] : 0;
}

static __always_inline __u64 cls_get64(void *map, __u32 base_word, __u32 i)
{
	__u32 w = base_word + i;
	__u32 k = w / FW_CLS_C64;
	struct fw_cls_c64 *c = bpf_map_lookup_elem(map, &k);

	return c ? c->e[w % FW_CLS_C64] : 0;
}

/* The address class of a (network order) address: IPv4 in a32[0], the rest zero. */
static __always_inline __u32 cls_addr_class(const struct fw_cls_cfg *cfg, const __u32 *a32, __u8 family)
{
	const __u8 *a = (const __u8 *)a32;
	__u64 w0 = ((const __u64 *)a32)[0];
	__u64 w1 = ((const __u64 *)a32)[1];
	__u32 e = cls_get32(&fw_cls_root, cfg->base_root, (family == FW_FAMILY_IPV6 ? 65536u : 0u) + ((__u32)a[0] << 8 | a[1]));
	__u32 depth = 2;

	for (int i = 0; i < FW_CLS_TRIE_STEPS; i++) {
		__u32 t = FW_CLS_ENT_TYPE(e);
		__u32 k = FW_CLS_ENT_IDX(e);

		if (t == FW_CLS_ENT_LEAF)
			return k;
		if (t == FW_CLS_ENT_NODE) {
			e = cls_get32(&fw_cls_node, cfg->base_node + k, a[depth & 15]);
			depth++;
		} else {
			struct fw_cls_skip *s;

			k += cfg->base_skip;
			s = bpf_map_lookup_elem(&fw_cls_skip, &k);
			if (!s)
				return 0;
			if ((w0 & s->mask[0]) != s->val[0] || (w1 & s->mask[1]) != s->val[1])
				return s->miss;
			e = s->next;
			depth = s->depth;
		}
	}
	return 0; /* unreachable with a well-formed trie */
}

/* The packet's value of each small field (FW_CLS_NONE_* when it lacks the field), as the
 * reference evaluator states it (src/rules/reference/README.md "Which rules match a packet"). */
static __always_inline void cls_field_classes(const struct fw_cls_cfg *cfg, const struct fw_pkt *pkt, __u32 cls[FW_CLS_FIN__MAX])
{
	__u32 pr = pkt->l4_proto;
	int l4 = pkt->has_l4;
	int ports = l4 && (pr == IPPROTO_TCP || pr == IPPROTO_UDP);
	int icmp = l4 && ((pkt->family == FW_FAMILY_IPV4 && pr == IPPROTO_ICMP) ||
			  (pkt->family == FW_FAMILY_IPV6 && pr == IPPROTO_ICMPV6));
	__u32 flags = (l4 && pr == IPPROTO_TCP) ? pkt->tcp_flags : FW_CLS_NONE_FLAGS;
	__u32 b = cfg->base_fld;

	cls[FW_CLS_FIN_PF] = cls_get32(&fw_cls_fld, b, FW_CLS_OFF_PF + pr * FW_CLS_DOM_FLAGS + flags);
	cls[FW_CLS_FIN_ICMP] = cls_get32(&fw_cls_fld, b, FW_CLS_OFF_ICMP +
					 (icmp ? ((__u32)pkt->icmp_type << 8 | pkt->icmp_code) : FW_CLS_NONE_U16));
	cls[FW_CLS_FIN_TTL] = cls_get32(&fw_cls_fld, b, FW_CLS_OFF_TTL + pkt->ttl);
	cls[FW_CLS_FIN_DSIZE] = cls_get32(&fw_cls_fld, b, FW_CLS_OFF_DSIZE + (l4 ? pkt->dsize : FW_CLS_NONE_U16));
	cls[FW_CLS_FIN_SPORT] = cls_get32(&fw_cls_fld, b, FW_CLS_OFF_SPORT + (ports ? pkt->sport : FW_CLS_NONE_U16));
	cls[FW_CLS_FIN_DPORT] = cls_get32(&fw_cls_fld, b, FW_CLS_OFF_DPORT + (ports ? pkt->dport : FW_CLS_NONE_U16));
}

/* Every final field's row in the bitmaps: cfg.fbase[field] + the packet's class. */
static __always_inline void cls_rows(const struct fw_cls_cfg *cfg, const struct fw_pkt *pkt, __u32 row[FW_CLS_FIN__MAX])
{
	__u32 *cls = row; /* the classes first, in place (the stack is short) */
	struct fw_cls_proj *ps, *pd;
	__u32 as, ad;

	as = cfg->base_proj + cls_addr_class(cfg, pkt->saddr, pkt->family);
	ad = cfg->base_proj + cls_addr_class(cfg, pkt->daddr, pkt->family);
	ps = bpf_map_lookup_elem(&fw_cls_proj, &as);
	pd = bpf_map_lookup_elem(&fw_cls_proj, &ad);
	cls[FW_CLS_FIN_SRC] = ps ? ps->s : 0;
	cls[FW_CLS_FIN_DST] = pd ? pd->d : 0;
	cls_field_classes(cfg, pkt, cls);
	for (int f = 0; f < FW_CLS_FIN__MAX; f++)
		row[f] += cfg->fbase[f];
}

#endif /* FW_CLS_CLASSES_H */
