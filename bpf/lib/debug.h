/* SPDX-License-Identifier: MIT */
/* debug.h — the cfg_debug_pkt copy of the parsed packet, and the BTF anchor of the ABI types. */
#ifndef FW_DEBUG_H
#define FW_DEBUG_H

#include "fwctl_abi.h"
#include "config.h"
#include "maps.h"

static __always_inline void debug_pkt(const struct fw_pkt *pkt)
{
	__u32 zero = 0;

	if (!cfg_debug_pkt)
		return;
	bpf_map_update_elem(&fw_dbg_pkt, &zero, pkt, BPF_ANY);
}

/* BTF anchor. clang emits BTF only for types that a global, a map or a program signature uses;
 * the ABI types reached only through locals (fw_meta, the verdict and flag enums) would be
 * missing, and test/abi.test.ts checks every one of them against src/abi. One never-read pointer
 * (8 bytes of .bss, the libbpf-bootstrap `struct event *unused` trick) names them all. */
struct fw_abi_types {
	struct fw_meta meta;
	struct fw_pkt pkt;
	struct fw_counter counter;
	enum fw_reason reason;
	enum fw_verdict verdict;
	enum fw_flag flag;
	enum fw_malformed_policy malformed_policy;
	enum fw_family family;
	enum fw_frag frag;
	enum fw_frag_flag frag_flag;
	enum fw_ext_bit ext_bit;
	enum fw_tcp_flag tcp_flag;
	enum fw_reject_kind reject_kind;
	struct fw_event event;
	struct fw_event_alerts event_alerts;
	enum fw_event_batch event_batch;
	enum fw_event_type event_type;
	enum fw_event_action event_action;
	enum fw_event_stat event_stat;
	enum fw_sc_mode sc_mode;
	enum fw_sc_stat sc_stat;
};
struct fw_abi_types *fw_abi_types_anchor __attribute__((unused));

#endif /* FW_DEBUG_H */
