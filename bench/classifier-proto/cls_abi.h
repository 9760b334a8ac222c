/* SPDX-License-Identifier: MIT */
/* cls_abi.h — the prototype classifier's ABI: the parsed packet it reads, the result it writes,
 * and the layout of every map value, shared by the BPF headers and the C harness.
 *
 * struct cls_pkt mirrors the fields of struct fw_pkt (bpf/include/fwctl_abi.h) that the classifier
 * reads, with the same names, so moving the classifier into bpf/lib/classify.h is a rename.
 */
#ifndef CLS_ABI_H
#define CLS_ABI_H

#include <linux/types.h>

/* Action bands in Suricata's order: a lower band wins. FLAG is the header half of a payload rule. */
enum cls_band { CLS_PASS = 0, CLS_DROP = 1, CLS_REJECT = 2, CLS_ALERT = 3, CLS_FLAG = 4, CLS_NBANDS = 5 };
#define CLS_BAND_NONE 255u

struct cls_pkt {
	__u32 saddr[4];		/* network order, IPv4 in [0] and the rest zero */
	__u32 daddr[4];
	__u16 sport;		/* host order */
	__u16 dport;
	__u16 dsize;		/* L4 payload length */
	__u8 family;		/* 4 or 6 */
	__u8 l4_proto;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 ttl;
	__u8 has_l4;		/* the L4 header fields above were read */
	__u8 _pad[3];
};

#define CLS_NFIN 8	/* FIN_N, needed before the enum */
#define CLS_FAST_LIST 32	/* the fast path's matches, at most CLS_FAST_BLOCKS x CLS_FAST_MATCHES */
#define CLS_MAX_LIST 16	/* rules listed in a result; `count` says how many matched in all */

struct cls_result {
	__u32 band;		/* winning band, CLS_BAND_NONE when no rule matched */
	__u32 winner;		/* internal rule index of the winner (lowest band, priority, sid) */
	__u32 count;		/* matched rules (one per sid) when no pass matched; 0 on pass */
	__u32 nlist;		/* entries used in list[] */
	__u32 list[CLS_MAX_LIST];	/* matched rule indices (first CLS_MAX_LIST found) */
	__u32 steps;		/* blocks opened, for the worst-case study */
	__u32 _pad;
	__u64 wkey;		/* band << 56 | priority << 32 | sid of the winner (scratch) */
	__u32 cls[CLS_NFIN];	/* the packet's classes (for trace and tests) */
	__u32 nfl;		/* bitmap-part matches of the fast path, counted at the end */
	__u32 fl[CLS_FAST_LIST];
};

/* Field values. A field the packet lacks (ports of ICMP, flags of UDP, ICMP type of TCP, anything
 * of a non-first fragment) reads as its NONE value: `any` covers NONE, a condition never does. */
enum cls_field { FLD_PROTO, FLD_SPORT, FLD_DPORT, FLD_FLAGS, FLD_ICMP, FLD_TTL, FLD_DSIZE, FLD_N };
#define CLS_PORT_NONE 65536u
#define CLS_FLAGS_NONE 256u
#define CLS_ICMP_NONE 65536u	/* an ICMP value is type << 8 | code */
/* The classifier's fields and their value domains. PF is proto x flags in one direct index
 * (proto * 257 + flags value), so one lookup classifies both. Offsets of each field's class
 * array inside the `fld` map. */
enum cls_ffield { FF_PF, FF_ICMP, FF_TTL, FF_DSIZE, FF_SPORT, FF_DPORT, FF_N };
#define CLS_DOM_PF (256u * 257u)
#define CLS_DOM_PORT 65537u
#define CLS_DOM_FLAGS 257u
#define CLS_DOM_ICMP 65537u
#define CLS_DOM_TTL 256u
#define CLS_DOM_DSIZE 65536u
#define CLS_OFF_PF 0u
#define CLS_OFF_ICMP (CLS_OFF_PF + CLS_DOM_PF)
#define CLS_OFF_TTL (CLS_OFF_ICMP + CLS_DOM_ICMP)
#define CLS_OFF_DSIZE (CLS_OFF_TTL + CLS_DOM_TTL)
#define CLS_OFF_SPORT (CLS_OFF_DSIZE + CLS_DOM_DSIZE)
#define CLS_OFF_DPORT (CLS_OFF_SPORT + CLS_DOM_PORT)
#define CLS_FLD_ENTRIES (CLS_OFF_DPORT + CLS_DOM_PORT)

/* The one definition of a packet's field values, used by BPF and by the brute-force matcher. */
static inline __attribute__((always_inline)) void cls_values(const struct cls_pkt *p, __u32 v[FLD_N])
{
	__u8 pr = p->l4_proto;
	int ports = p->has_l4 && (pr == 6 || pr == 17 || pr == 132);
	int icmp = p->has_l4 && ((p->family == 4 && pr == 1) || (p->family == 6 && pr == 58));

	v[FLD_PROTO] = pr;
	v[FLD_SPORT] = ports ? p->sport : CLS_PORT_NONE;
	v[FLD_DPORT] = ports ? p->dport : CLS_PORT_NONE;
	v[FLD_FLAGS] = (p->has_l4 && pr == 6) ? p->tcp_flags : CLS_FLAGS_NONE;
	v[FLD_ICMP] = icmp ? ((__u32)p->icmp_type << 8 | p->icmp_code) : CLS_ICMP_NONE;
	v[FLD_TTL] = p->ttl;
	v[FLD_DSIZE] = p->dsize;
}

/* An array map element is rounded up to 8 bytes, so small entries are packed into chunks: entry i
 * of a chunked map is chunk i / N, slot i % N. */
#define CLS_C32 256	/* u32 entries per chunk */
#define CLS_C64 32	/* u64 entries per chunk */
struct cls_c32 { __u32 e[CLS_C32]; };
struct cls_c64 { __u64 e[CLS_C64]; };

/* Address trie. An entry is a leaf (address class), an index into the node array (256 entries
 * per node, one per byte value), or an index into the skip array. The root has 65536 entries per
 * family (the first two address bytes): [0, 65536) IPv4, [65536, 131072) IPv6. */
#define CLS_ENT_TYPE(e) ((e) >> 30)
#define CLS_ENT_IDX(e) ((e) & 0x3fffffffu)
#define CLS_ENT_LEAF 0u
#define CLS_ENT_NODE 1u
#define CLS_ENT_SKIP 2u
#define CLS_MK_ENT(t, i) ((__u32)(t) << 30 | (__u32)(i))

/* A path-compressed run of bytes: the address matches when (addr & mask) == val over its 16 bytes
 * (loaded as two u64 in memory order, as the packet's address is); then the walk continues at
 * `next` with byte `depth`; otherwise the address's class is `miss`. */
struct cls_skip {
	__u64 mask[2];
	__u64 val[2];
	__u32 next;
	__u32 miss;
	__u32 depth;
	__u32 _pad;
};

/* An address class maps to its source-side and destination-side classes (bitmap rows), and to
 * the lists of address-only rules (IP reputation) that accept it on either side. */
struct cls_proj {
	__u32 s;
	__u32 d;
	__u32 s_list;		/* index into cls_dlist; 0 is the empty list */
	__u32 d_list;
};

/* A list of direct rules: cls_drule[off, off + n). */
struct cls_dlist {
	__u32 off;
	__u32 n;
};

#ifndef CLS_MAX_DIRECT
#define CLS_MAX_DIRECT 256
#endif	/* longest direct list; the compiler keeps longer ones in bitmaps */

/* Final fields: every one has a class per packet. */
enum cls_final { FIN_S, FIN_D, FIN_PF, FIN_ICMP, FIN_TTL, FIN_DSIZE, FIN_SPORT, FIN_DPORT, FIN_N };

/* Bitmap design: one row per (final field, class): the 64-rule-block summary, then the rule
 * bitmap. A fixed width lets the verifier bound every word access at load time, so a packet costs
 * one lookup per field and plain loads after it. */
#ifndef CLS_MAX_WORDS
#define CLS_MAX_WORDS 256	/* 16384 rule slots */
#endif
#define CLS_SUM_WORDS (CLS_MAX_WORDS / 64)
struct cls_row {
	__u64 sum[CLS_SUM_WORDS];
	__u64 bm[CLS_MAX_WORDS];
};

/* rfc design: merge tables fold class pairs (a, b) into a class, at off + a * nb + b in `rfc`. */
enum cls_merge {
	MRG_PFI,	/* PF x ICMP */
	MRG_TD,		/* TTL x DSIZE */
	MRG_X,		/* PFI x TD */
	MRG_P,		/* SPORT x DPORT */
	MRG_L,		/* X x P */
	MRG_SL,		/* S x L */
	MRG_F,		/* SL x D: the final class */
	MRG_N
};

struct cls_cfg {
	__u32 nrules;		/* internal rules (a bidirectional rule is two) */
	__u32 nwords;		/* u64 words per rule bitmap: ceil(nrules / 64) */
	__u32 nsum;		/* u64 words per summary: ceil(nwords / 64) rounded up to a power of
				 * two, so a summary row never straddles a 32-word chunk */
	__u32 _pad;
	__u32 fbase[FIN_N];	/* first row of each final field in `bm` / `sum` */
	__u32 moff[MRG_N];	/* merge table offsets in `rfc` */
	__u32 mnb[MRG_N];	/* merge table row width (classes of the right operand) */
};

#define CLS_RF_TWIN2 1u	/* second half of a `<>` rule: counts only if the first half did not match */

struct cls_rinfo {
	__u32 sid;
	__u32 twin;		/* internal index of the other half of a `<>` rule */
	__u16 prio;
	__u8 band;
	__u8 flags;
	__u32 _pad;
};

/* rfc design: the final class's precomputed outcome; its matched rules are fres_list[off, off+n). */
struct cls_fres {
	__u32 band;
	__u32 winner;
	__u32 count;
	__u32 off;
};

#endif /* CLS_ABI_H */
