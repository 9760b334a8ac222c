/* SPDX-License-Identifier: MIT */
/* classify.h — the verdict for a well-formed IP packet.
 *
 * The seam for the classifier: it sees the parsed packet and fills the result. There are no rules
 * yet, so every packet gets the default verdict, PASS, with the reason that says why nothing
 * decided: pass_default, or fragment for a non-first fragment (no ports to match on).
 */
#ifndef FW_CLASSIFY_H
#define FW_CLASSIFY_H

#include "fwctl_abi.h"
#include "verdict.h"

static __always_inline void classify(const struct fw_pkt *pkt, struct fw_result *res)
{
	res->verdict = FW_VERDICT_PASS;
	res->reason = pkt->frag == FW_FRAG_NON_FIRST ? FW_REASON_FRAGMENT : FW_REASON_PASS_DEFAULT;
}

#endif /* FW_CLASSIFY_H */
