// SPDX-License-Identifier: GPL-2.0
// bench/live's packet generator and receiver pass-through. Not part of the datapath.
//
// gen_redirect runs under BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in the sender's
// namespace: every frame of the run is rewritten from the next template (addresses, ports, IPv4
// checksum) and redirected into cfg_ifindex, the sender's veth end, whose peer then receives it as
// an XDP frame (native XDP on veth sees the frame without a copy, unlike an AF_PACKET sender).
// The test frame is Ethernet + IPv4 (no options) + UDP; its MACs, lengths and payload stay as the
// caller built them.
//
// gen_pass is attached to the receiving veth when no XDP firewall is: veth hands a redirected
// frame to its peer only when the peer runs an XDP program (or NAPI through GRO), so the kernel
// stack engines (nftables, iptables) get the same frames through the cheapest program there is.
// gen_drop counts and drops every frame: the path's ceiling (no parsing, no rules).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

#ifndef GEN_TEMPLATES_MAX
#define GEN_TEMPLATES_MAX 4096
#endif

// One flow: the fields that differ between templates, all in network byte order, and the IPv4
// header checksum userspace computed for them (so no checksum work per frame).
struct gen_template {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u16 ip_check;
	__u16 _pad;
};

struct { // userspace writes [0, cfg_ntemplates) before the run; gen_redirect reads
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GEN_TEMPLATES_MAX);
	__type(key, __u32);
	__type(value, struct gen_template);
} gen_templates SEC(".maps");

const volatile __u32 cfg_ifindex = 0;
// A power of two (userspace checks), so the rotation is a mask.
const volatile __u32 cfg_ntemplates = 1;

// Frames rewritten so far: the template index. One generator thread per object, so plain adds.
__u64 gen_seq = 0;

SEC("xdp")
int gen_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct udphdr *udp = (void *)(ip + 1);
	struct gen_template *t;
	__u32 i;

	if ((void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	i = (__u32)gen_seq++ & (cfg_ntemplates - 1);
	t = bpf_map_lookup_elem(&gen_templates, &i);
	if (!t)
		return XDP_ABORTED;
	ip->saddr = t->saddr;
	ip->daddr = t->daddr;
	ip->check = t->ip_check;
	udp->source = t->sport;
	udp->dest = t->dport;
	return bpf_redirect(cfg_ifindex, 0);
}

SEC("xdp")
int gen_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

struct { // [0]: frames gen_drop dropped, per CPU (userspace sums)
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gen_drops SEC(".maps");

SEC("xdp")
int gen_drop(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&gen_drops, &k);

	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
