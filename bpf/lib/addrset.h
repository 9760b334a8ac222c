/* SPDX-License-Identifier: MIT */
/* addrset.h — the address sets: static allow and deny lists, the dynamic block list.
 *
 * Checked after parsing and before the classifier, in this order (bpf/README.md "Address sets"):
 *   allow  src or dst in it  -> PASS  allow_list   (nothing after it runs: a trusted list wins)
 *   deny   src or dst in it  -> DROP  deny_list
 *   block  src or dst in it, ts_ns < expires_ns -> DROP dyn_block
 * An LPM lookup is the expensive primitive here (75-150 ns), so each set is looked up only when
 * its entry count in fw_aset_count is non-zero: with every set empty a packet pays three array
 * reads, which the verifier inlines.
 */
#ifndef FW_ADDRSET_H
#define FW_ADDRSET_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"
#include "maps.h"
#include "verdict.h"

/* Shorter covering blocks tried when the longest matching block has expired (a /24 that expired
 * inside a live /16 must not hide the /16 until the next gc). Each retry is one more trie lookup,
 * paid only by packets that hit an expired entry; deeper nesting than this is unusual enough that
 * gc, which runs on every `fwctl block list` and in the daemon, is the answer. */
#ifndef FW_BLOCK_NEST_MAX
#define FW_BLOCK_NEST_MAX 4
#endif

/* BTF anchor for the address-set ABI types reached only through locals and userspace (see
 * debug.h for why): test/abi.test.ts checks them against src/abi. */
struct fw_aset_abi_types {
	enum fw_aset_kind kind;
	enum fw_aset_slot slot;
	enum fw_block_source source;
	struct fw_aset_owner owner;
};
struct fw_aset_abi_types *fw_aset_abi_anchor __attribute__((unused));

/* Non-zero when the set of `slot` may hold entries. */
static __always_inline int aset_nonempty(__u32 slot)
{
	__u32 *n = bpf_map_lookup_elem(&fw_aset_count, &slot);

	return n && *n;
}

/* 1 when the live generation of static set `kind` covers the packet's source or destination. */
static __always_inline int aset_static_hit(__u32 kind, const struct fw_pkt *pkt, int v6)
{
	void *trie;

	if (!v6) {
		struct fw_lpm_v4 k = { .prefixlen = 32, .addr = pkt->saddr[0] };

		trie = bpf_map_lookup_elem(&fw_aset4, &kind);
		if (!trie)
			return 0;
		if (bpf_map_lookup_elem(trie, &k))
			return 1;
		k.addr = pkt->daddr[0];
		return bpf_map_lookup_elem(trie, &k) != NULL;
	}
	struct fw_lpm_v6 k6 = { .prefixlen = 128 };

	trie = bpf_map_lookup_elem(&fw_aset6, &kind);
	if (!trie)
		return 0;
	__builtin_memcpy(k6.addr, pkt->saddr, sizeof(k6.addr));
	if (bpf_map_lookup_elem(trie, &k6))
		return 1;
	__builtin_memcpy(k6.addr, pkt->daddr, sizeof(k6.addr));
	return bpf_map_lookup_elem(trie, &k6) != NULL;
}

/* 1 when an unexpired block covers `key` (a full-length fw_lpm_v4/v6). The trie returns only its
 * longest match; when that one has expired, the next shorter block is tried by asking again with
 * the prefix length just below the expired entry's (a trie lookup only matches entries no longer
 * than the key's prefix length). */
static __always_inline int block_hit(void *map, void *key, __u64 ts)
{
	__u32 *plen = key; /* both key layouts start with prefixlen */
	struct fw_block *b;

	for (int i = 0; i < FW_BLOCK_NEST_MAX; i++) {
		b = bpf_map_lookup_elem(map, key);
		if (!b)
			return 0;
		if (ts < b->expires_ns) {
			__sync_fetch_and_add(&b->hits, 1);
			return 1;
		}
		if (b->prefixlen == 0)
			return 0;
		*plen = b->prefixlen - 1;
	}
	return 0;
}

static __always_inline int block_check(const struct fw_pkt *pkt, int v6)
{
	if (!v6) {
		struct fw_lpm_v4 k = { .prefixlen = 32, .addr = pkt->saddr[0] };

		if (block_hit(&fw_block4, &k, pkt->ts_ns))
			return 1;
		k.prefixlen = 32;
		k.addr = pkt->daddr[0];
		return block_hit(&fw_block4, &k, pkt->ts_ns);
	}
	struct fw_lpm_v6 k6 = { .prefixlen = 128 };

	__builtin_memcpy(k6.addr, pkt->saddr, sizeof(k6.addr));
	if (block_hit(&fw_block6, &k6, pkt->ts_ns))
		return 1;
	k6.prefixlen = 128;
	__builtin_memcpy(k6.addr, pkt->daddr, sizeof(k6.addr));
	return block_hit(&fw_block6, &k6, pkt->ts_ns);
}

/* Decides a well-formed IP packet by the address sets: 1 when one did (res filled), 0 to go on. */
static __always_inline int addrset_check(const struct fw_pkt *pkt, struct fw_result *res)
{
	int v6 = pkt->family == FW_FAMILY_IPV6;

	if (pkt->family != FW_FAMILY_IPV4 && !v6)
		return 0;
	if (aset_nonempty(FW_ASET_SLOT_ALLOW4 + v6) && aset_static_hit(FW_ASET_ALLOW, pkt, v6)) {
		res->verdict = FW_VERDICT_PASS;
		res->reason = FW_REASON_ALLOW_LIST;
		return 1;
	}
	if (aset_nonempty(FW_ASET_SLOT_DENY4 + v6) && aset_static_hit(FW_ASET_DENY, pkt, v6)) {
		res->verdict = FW_VERDICT_DROP;
		res->reason = FW_REASON_DENY_LIST;
		return 1;
	}
	if (aset_nonempty(FW_ASET_SLOT_BLOCK4 + v6) && block_check(pkt, v6)) {
		res->verdict = FW_VERDICT_DROP;
		res->reason = FW_REASON_DYN_BLOCK;
		return 1;
	}
	return 0;
}

#endif /* FW_ADDRSET_H */
