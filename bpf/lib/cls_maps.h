/* SPDX-License-Identifier: MIT */
/* cls_maps.h — the classifier's maps (lib/classify.h; bpf/README.md "Classifier").
 *
 * Kept apart from maps.h so the test fixtures that include maps.h do not create them. Every
 * ruleset map holds two generations side by side: fw_cls_cfg[g] says where generation g's part of
 * each map starts (base_*), and fw_cls_active[0] which generation packets use. All are ARRAYs,
 * whose lookups the verifier inlines into a bounds check and pointer arithmetic.
 *
 * Sizes are #ifndef defaults for BOTH generations together (userspace may resize them before load,
 * Datapath option `classifier`); userspace reads max_entries back and gives each generation half.
 * Writer: userspace (src/datapath/ruleset.ts), only into the generation that is not active.
 * Reader: the classifier. Exceptions are noted.
 */
#ifndef FW_CLS_MAPS_H
#define FW_CLS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"

/* Rule slots per generation (rules, `<>` rules twice, plus padding to 64-slot blocks). */
#ifndef FW_CLS_SLOTS
#define FW_CLS_SLOTS 16384
#endif
/* Trie node chunks (1 KiB each) per generation. */
#ifndef FW_CLS_NODES
#define FW_CLS_NODES 4096
#endif
#ifndef FW_CLS_SKIPS
#define FW_CLS_SKIPS 8192
#endif
/* Address classes per generation. */
#ifndef FW_CLS_ADDR_CLASSES
#define FW_CLS_ADDR_CLASSES 65536
#endif
/* Bitmap chunks (32 words = 2048 rule bits each) per generation: rows (classes) x words per row. */
#ifndef FW_CLS_BM_CHUNKS
#define FW_CLS_BM_CHUNKS 32768
#endif
#ifndef FW_CLS_SUM_CHUNKS
#define FW_CLS_SUM_CHUNKS 4096
#endif

#define FW_CLS_ARRAY(name, vtype, n) \
	struct { \
		__uint(type, BPF_MAP_TYPE_ARRAY); \
		__uint(max_entries, n); \
		__type(key, __u32); \
		__type(value, vtype); \
	} name SEC(".maps")

/* The active generation, 0 or 1: one u32, read once per packet; flipping it is the ruleset swap. */
struct fw_cls_u32_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};
struct fw_cls_u32_array fw_cls_active SEC(".maps");

/* Never read by the program. Userspace updates its one slot after each flip: the kernel returns
 * from a map-in-map update only after an RCU grace period (maybe_wait_bpf_programs), so no packet
 * still classifies against the generation just left, and the next load may overwrite it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct fw_cls_u32_array);
} fw_cls_barrier SEC(".maps") = {
	.values = { [0] = &fw_cls_active },
};

FW_CLS_ARRAY(fw_cls_cfg, struct fw_cls_cfg, 2);

/* The generation packets use now. fw_xdp reads it once per packet and hands it to every stage
 * that depends on the ruleset (flow table epochs, classifier), so a flip between two stages never
 * splits a packet across two rulesets. */
static __always_inline __u32 cls_active_gen(void)
{
	__u32 zero = 0;
	__u32 *active = bpf_map_lookup_elem(&fw_cls_active, &zero);

	return active ? *active & 1 : 0;
}
FW_CLS_ARRAY(fw_cls_root, struct fw_cls_c32, 2 * FW_CLS_ROOT_CHUNKS);
FW_CLS_ARRAY(fw_cls_node, struct fw_cls_c32, 2 * FW_CLS_NODES);
FW_CLS_ARRAY(fw_cls_skip, struct fw_cls_skip, 2 * FW_CLS_SKIPS);
FW_CLS_ARRAY(fw_cls_proj, struct fw_cls_proj, 2 * FW_CLS_ADDR_CLASSES);
FW_CLS_ARRAY(fw_cls_fld, struct fw_cls_c32, 2 * FW_CLS_FLD_CHUNKS);
FW_CLS_ARRAY(fw_cls_sum, struct fw_cls_c64, 2 * FW_CLS_SUM_CHUNKS);
FW_CLS_ARRAY(fw_cls_bm, struct fw_cls_c64, 2 * FW_CLS_BM_CHUNKS);
FW_CLS_ARRAY(fw_cls_rule, struct fw_cls_rule, 2 * FW_CLS_SLOTS);

/* Per-rule-slot packet and byte counters of both generations (cfg.base_rule + slot).
 * Writer: the classifier (per-CPU, no atomics); userspace zeroes a generation before loading it.
 * Reader: userspace (readRuleCounters), summing the CPUs and the two halves of `<>` rules. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * FW_CLS_SLOTS);
	__type(key, __u32);
	__type(value, struct fw_counter);
} fw_cls_hits SEC(".maps");

/* BTF anchor of the classifier's ABI enums (as debug.h's for the rest): the program uses them
 * only as constants, so without it clang would not emit them and test/abi.test.ts could not check
 * src/abi against them. */
struct fw_cls_abi_types {
	enum fw_cls_band band;
	enum fw_cls_fin fin;
	enum fw_cls_layout layout;
	enum fw_cls_ent ent;
	enum fw_cls_rule_flag rule_flag;
	enum fw_cls_frag_mode frag_mode;
	enum fw_cls_ipopt ipopt;
	enum fw_cls_feature feature;
	enum fw_cls_flow_flag flow_flag;
	enum fw_cls_scope scope;
};
struct fw_cls_abi_types *fw_cls_abi_types_anchor __attribute__((unused));

#endif /* FW_CLS_MAPS_H */
