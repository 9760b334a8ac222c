/* SPDX-License-Identifier: MIT */
/* meta.h — the struct fw_meta area in front of the frame (BPF_PROG_TEST_RUN only; see
 * fwctl_abi.h for the protocol). */
#ifndef FW_META_H
#define FW_META_H

#include <linux/bpf.h>

#include "fwctl_abi.h"
#include "verdict.h"

/* The metadata area, or NULL for live traffic. The area must hold a fw_meta (the verifier learns
 * the readable range only from a `meta + len > data` test, so that is the test) and carry the
 * magic: a driver that supports metadata may show an area another program left, which is never
 * ours unless it says FW_META_MAGIC. */
static __always_inline struct fw_meta *meta_get(struct xdp_md *ctx)
{
	struct fw_meta *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;

	if ((void *)(meta + 1) > data)
		return NULL;
	if (meta->magic != FW_META_MAGIC)
		return NULL;
	return meta;
}

static __always_inline void meta_write(struct fw_meta *meta, const struct fw_result *res)
{
	if (!meta)
		return;
	meta->magic = FW_META_MAGIC_DONE;
	meta->sig_id = res->sig_id;
	meta->verdict = res->verdict;
	meta->reason = res->reason;
	meta->flags = res->flags;
}

#endif /* FW_META_H */
