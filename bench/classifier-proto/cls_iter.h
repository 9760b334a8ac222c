/* SPDX-License-Identifier: MIT */
/* cls_iter.h — open-coded numeric iterators (kernel 6.4+). libbpf 1.1.2's bpf_helpers.h predates
 * bpf_for, so this is its definition from later libbpf. The verifier checks an iterator loop body
 * until its state converges instead of unrolling it, so nested data-dependent loops verify, and a
 * step costs a kfunc call rather than bpf_loop's callback. */
#ifndef CLS_ITER_H
#define CLS_ITER_H

#include <bpf/bpf_helpers.h>

/* The kernel's type, complete: libbpf matches the kfunc prototypes against it by BTF. */
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

#define cls_for(i, start, end) for (							\
	struct bpf_iter_num ___it __attribute__((aligned(8),				\
		cleanup(cls_iter_destroy))),						\
	*___p __attribute__((unused)) = (						\
		bpf_iter_num_new(&___it, (start), (end)),	\
		(void)bpf_iter_num_destroy, (void *)0);					\
	({										\
		int *___t = bpf_iter_num_next(&___it);		\
		(___t && ((i) = *___t, (i) >= (start) && (i) < (end)));		\
	});										\
)

static __always_inline void cls_iter_destroy(struct bpf_iter_num *it)
{
	bpf_iter_num_destroy(it);
}

#endif /* CLS_ITER_H */
