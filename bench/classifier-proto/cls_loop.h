/* SPDX-License-Identifier: MIT */
/* cls_loop.h — cond_break: a loop bound the verifier checks by convergence, not by unrolling.
 *
 * `may_goto` (kernel 6.9+) is a jump taken once a per-program budget of iterations runs out; the
 * verifier then treats the loop like an open-coded iterator (it stops exploring when the state
 * at the back edge repeats), so data-dependent loops verify, and an iteration costs a counter
 * decrement instead of a call. clang 14 has no mnemonic for it, so it is emitted as bytes (the
 * same trick as libbpf's bpf_experimental.h). Exhausting the budget (millions of iterations)
 * ends the loop early; the classifier never gets near it.
 */
#ifndef CLS_LOOP_H
#define CLS_LOOP_H

#define cls_cond_break							\
	({								\
		__label__ l_break, l_continue;				\
		asm volatile goto("1:.byte 0xe5;			\
			      .byte 0;					\
			      .long ((%l[l_break] - 1b - 8) / 8) & 0xffff;	\
			      .short 0"					\
			      :::: l_break);				\
		goto l_continue;					\
	l_break:							\
		break;							\
	l_continue:;							\
	})

#endif /* CLS_LOOP_H */
