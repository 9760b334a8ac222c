// SPDX-License-Identifier: GPL-2.0
// bench/flood's SYN-flood generator and end pass-through (the live test uses both). Not part of the datapath.
//
// flood_syn runs under BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in the attacker's
// namespace: each frame of the run becomes a TCP SYN from a random source address inside
// cfg_src_base/cfg_src_mask and a random port, with a random sequence number and correct IPv4 and
// TCP checksums (a SYN-cookie gateway checks them before it answers), and is redirected into
// cfg_ifindex, whose peer receives it as an XDP frame. The frame is written whole from
// cfg_frame, Ethernet + IPv4 (no options) + a 24-byte TCP header (an MSS option) that userspace
// built (MACs, destination, port): live-frames pages are recycled with whatever the receiver left
// in them (a SYN-cookie gateway turns each SYN into a SYN-ACK in place), so no byte is trusted.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 cfg_ifindex = 0;
const volatile __u32 cfg_src_base = 0; /* host order */
const volatile __u32 cfg_src_mask = 0; /* host order: the random bits of the source */

#define FLOOD_FRAME_LEN 58
/* Not const: clang would fold a copy of a const array to its zero initializer. Userspace writes it
 * before load. */
__u8 cfg_frame[FLOOD_FRAME_LEN];

/* Frames rewritten (one generator thread per object: plain adds). */
__u64 flood_seq = 0;

#define FLOOD_TCP_LEN 24
_Static_assert(FLOOD_FRAME_LEN == sizeof(struct ethhdr) + sizeof(struct iphdr) + FLOOD_TCP_LEN, "frame layout");

struct flood_pseudo {
	__be32 saddr;
	__be32 daddr;
	__u8 zero;
	__u8 proto;
	__be16 len;
};

static __always_inline __u16 fold(__s64 csum)
{
	__u64 s = (__u32)csum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

SEC("xdp")
int flood_syn(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *th = (void *)(ip + 1);
	struct flood_pseudo ph = { .proto = IPPROTO_TCP, .len = bpf_htons(FLOOD_TCP_LEN) };
	__u32 r1 = bpf_get_prandom_u32(), r2 = bpf_get_prandom_u32();

	if (data + FLOOD_FRAME_LEN > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, cfg_frame, FLOOD_FRAME_LEN);
	flood_seq++;
	ip->saddr = bpf_htonl(cfg_src_base | (r1 & cfg_src_mask));
	ip->id = r2 & 0xffff;
	ip->check = 0;
	ip->check = fold(bpf_csum_diff(NULL, 0, (void *)ip, sizeof(*ip), 0));
	th->source = bpf_htons(1024 | (r2 >> 16));
	th->seq = r1 ^ (r2 << 7);
	th->check = 0;
	ph.saddr = ip->saddr;
	ph.daddr = ip->daddr;
	th->check = fold(bpf_csum_diff(NULL, 0, (void *)th, FLOOD_TCP_LEN,
				       bpf_csum_diff(NULL, 0, (void *)&ph, sizeof(ph), 0)));
	return bpf_redirect(cfg_ifindex, 0);
}

/* The pass-through on the client and attacker ends: veth hands an XDP_TX frame (the gateway's
 * SYN-ACK) to its peer only when the peer runs XDP. Its own section, so `ip link set ... xdp obj
 * flood_gen.bpf.o sec xdp.frags` picks it. */
SEC("xdp.frags")
int flood_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
