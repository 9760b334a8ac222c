/* SPDX-License-Identifier: MIT */
/* config.h — load-time knobs (libbpf-bootstrap style).
 *
 * `const volatile` globals live in .rodata: userspace sets them before load (Datapath options),
 * the kernel freezes them, and the verifier treats them as constants, so a branch on a knob that
 * is off is pruned from the verified program. Every knob is 4 bytes and defaults to the value a
 * gateway should run with.
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include <linux/types.h>

#include "fwctl_abi.h"

/* enum fw_malformed_policy for packets the parser could not read (reasons malformed_* and the two
 * depth limits). Default DROP: a packet the parser could not read cannot be classified, and
 * passing it would let anyone skip every rule by truncating or corrupting a header (a TCP header
 * cut before its ports matches no port rule); the host stack discards such packets anyway, so
 * dropping them early costs nothing legitimate. PASS exists for monitoring-only deployments. */
const volatile __u32 cfg_malformed_policy = FW_MALFORMED_DROP;

/* Non-zero: copy each packet's struct fw_pkt into fw_dbg_pkt (tests, `fwctl` debugging). */
const volatile __u32 cfg_debug_pkt = 0;

#endif /* FW_CONFIG_H */
