/* SPDX-License-Identifier: MIT */
/* tokens.h — the token-bucket arithmetic of the alert flood guard (events.h) and the rate limits
 * (ratelimit.h). Tokens are in 1e-9 units, so a refill is elapsed_ns * rate and one event costs
 * FW_TOKEN (1e9): after the burst, the next event passes exactly 1e9 / rate ns later. */
#ifndef FW_TOKENS_H
#define FW_TOKENS_H

#include <linux/types.h>

#define FW_TOKEN 1000000000ULL

/* Adds dt * rate to *tokens, capped at burst * FW_TOKEN. dt * rate overflows only for gaps far
 * longer than a refill: those simply fill the bucket (cap <= 2^32 * 1e9 < 2^62, so the sum below
 * stays under 2^64). A zero rate refills nothing. */
static __always_inline void tokens_refill(__u64 *tokens, __u64 dt, __u64 rate, __u64 burst)
{
	__u64 cap = burst * FW_TOKEN;

	if (!rate)
		return;
	if (dt < cap / rate + 1)
		*tokens += dt * rate;
	else
		*tokens = cap;
	if (*tokens > cap)
		*tokens = cap;
}

#endif /* FW_TOKENS_H */
