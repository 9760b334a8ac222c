/* SPDX-License-Identifier: MIT */
/* optwalk.h — one walk for the two option lists of the same layout: IPv4 options (classify.h
 * cls_ipopts, the `ipopts` keyword) and TCP options (tcpopt.h, a SYN's window scale). EOL (0) ends
 * the list, NOP (1) is one byte, any other option is kind/length/data; a length < 2 or past the end
 * ends the walk (as the reference decoder walks them). The options are copied into a per-CPU
 * scratch and walked one bpf_loop step per option (a plain loop's paths multiply in the verifier,
 * and the stack is the classifier's). The walk records every kind it met in full, and the first
 * data byte of the one option the caller asks for.
 */
#ifndef FW_OPTWALK_H
#define FW_OPTWALK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fwctl_abi.h"

#define FW_OPT_MAX 40		/* IPv4 and TCP options both fit in 40 bytes */
#define FW_OPT_NONE 0xffffffffu	/* opt_walk.val when the wanted option was not met */

struct opt_walk {
	__u8 b[FW_OPT_MAX];
	__u32 len;
	__u32 i;
	__u64 seen[4];		/* bit per kind met (EOL and NOP included) */
	__u32 want;		/* the kind whose first data byte is wanted (0: none) */
	__u32 want_len;		/* and its length */
	__u32 val;		/* that byte, FW_OPT_NONE when not met */
	__u32 _pad;
};

/* Internal, per CPU: one walk at a time on a CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct opt_walk);
} fw_opt_scratch SEC(".maps");

static __always_inline int opt_seen(const struct opt_walk *w, __u8 kind)
{
	return (w->seen[(kind >> 6) & 3] >> (kind & 63)) & 1;
}

static long opt_step(__u32 n, void *data)
{
	__u32 zero = 0, i, len;
	struct opt_walk *w = bpf_map_lookup_elem(&fw_opt_scratch, &zero);
	__u8 t, l;

	if (!w)
		return 1;
	i = w->i;
	len = w->len;
	if (i >= len || i >= FW_OPT_MAX)
		return 1;
	t = w->b[i];
	if (t == 0) {
		w->seen[0] |= 1;
		return 1;
	}
	if (t == 1) {
		w->seen[0] |= 2;
		w->i = i + 1;
		return 0;
	}
	if (len - i < 2 || i + 1 >= FW_OPT_MAX)
		return 1;
	l = w->b[i + 1];
	if (l < 2 || l > len - i)
		return 1;
	w->seen[(t >> 6) & 3] |= 1ULL << (t & 63);
	if (t == w->want && l == w->want_len && i + 2 < FW_OPT_MAX)
		w->val = w->b[i + 2];
	w->i = i + l;
	return 0;
}

/* Walks the len bytes of options at packet offset off; wants the first data byte of the option of
 * kind want and length want_len (want 0: none). Returns the scratch with what it found, or NULL
 * when there are no options or they cannot be read. */
static __always_inline struct opt_walk *opt_walk(struct xdp_md *ctx, __u32 off, __u32 len, __u32 want, __u32 want_len)
{
	__u32 zero = 0;
	struct opt_walk *w;

	if (len == 0 || len > FW_OPT_MAX)
		return NULL;
	w = bpf_map_lookup_elem(&fw_opt_scratch, &zero);
	if (!w)
		return NULL;
	w->len = len;
	w->i = 0;
	w->seen[0] = w->seen[1] = w->seen[2] = w->seen[3] = 0;
	w->want = want;
	w->want_len = want_len;
	w->val = FW_OPT_NONE;
	if (bpf_xdp_load_bytes(ctx, off, w->b, len))
		return NULL;
	bpf_loop(FW_OPT_MAX, opt_step, 0, 0);
	return w;
}

#endif /* FW_OPTWALK_H */
