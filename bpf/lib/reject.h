/* SPDX-License-Identifier: MIT */
/* reject.h — Suricata's reject answered in XDP: the offending frame is rewritten in place into a
 * TCP RST (TCP) or an ICMP / ICMPv6 destination unreachable (everything else).
 *
 *   int reject_packet(ctx, pkt, kind)  ->  XDP_TX    answer to the source (reject, rejectsrc,
 *                                                    rejectboth)
 *                                          XDP_PASS  answer toward the destination (rejectdst):
 *                                                    the stack forwards it, or delivers it when
 *                                                    the destination is this host
 *                                          XDP_DROP  no answer is allowed (below) or possible
 *
 * The offending packet is always gone: either the frame now holds the answer, or it is dropped.
 * Call it last: it adjusts the frame's head and tail, so every packet pointer the caller holds
 * (data, data_end, data_meta, a struct fw_meta *) is invalid afterwards. The metadata area moves
 * with the frame (bpf_xdp_adjust_head memmoves it), so meta_get(ctx) finds it again.
 *
 * Never answered (the packet is dropped): a TCP RST (RFC 9293 §3.10.7.1); an ICMP or ICMPv6 error
 * (RFC 1122 §3.2.2, RFC 4443 §2.4 e.1; an unknown ICMP type counts as an error, as in Linux's
 * icmp_send); a non-first fragment (RFC 1122 §3.2.2; and no L4 header to answer); a TCP first
 * fragment (the segment length, and so the RST's ack, is unknown); a packet whose source or
 * destination is not one unicast host: Ethernet group address, IPv4 0/8, 127/8, 224/4 (multicast),
 * 240/4 (class E and 255.255.255.255), IPv6 ::, ::1, ff00::/8. A subnet-directed broadcast is not
 * recognisable without the routing table and is answered.
 *
 * TCP (as Linux tcp_v4_send_reset / tcp_v6_send_reset, RFC 9293 §3.10.7.1), to the source: if the
 * segment has ACK, <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>,
 * SEG.LEN counting SYN and FIN. Window 0, no options, no payload. Suricata sends RST|ACK always
 * and guesses "no ACK" from ack_seq == 0; a peer validating RSTs (RFC 5961) accepts ours.
 * To the destination (Suricata's REJECT_DIR_DST): <SEQ=SEG.SEQ>, plus <ACK=SEG.ACK> and ACK when
 * the segment had it: the next sequence number the destination expects, as the segment that
 * carried it was dropped.
 *
 * ICMP (as Suricata respond-reject-libnet11.c, which sends the same message for every non-TCP
 * protocol): IPv4 type 3 code cfg_reject_icmp4_code (default 10, ICMP_HOST_ANO), IPv6 type 1 code
 * cfg_reject_icmp6_code (default 1, administratively prohibited). The message quotes the offending
 * IP datagram from its IP header on, Ethernet padding excluded, up to FW_REJECT_QUOTE4 /
 * FW_REJECT_QUOTE6 bytes and never past the frame's linear part.
 *
 * Addresses and ports are swapped for the source (and kept for the destination); MACs likewise;
 * VLAN tags stay as they are. IPv4 options and IPv6 extension headers are not copied into the
 * answer. New IPv4 id (random), no fragment bits; TTL / hop limit cfg_reject_ttl.
 */
#ifndef FW_REJECT_H
#define FW_REJECT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwctl_abi.h"
#include "parse.h"

/* Knobs (set before load; see config.h for the convention). They live here rather than in
 * config.h so that every program including reject.h gets them. */
const volatile __u32 cfg_reject_ttl = 64;	  /* TTL / hop limit of the answer (Linux's default) */
const volatile __u32 cfg_reject_icmp4_code = 10; /* ICMP_HOST_ANO, what Suricata sends */
const volatile __u32 cfg_reject_icmp6_code = 1;	  /* ICMPV6_ADM_PROHIBITED, what Suricata sends */

/* Quoted bytes of the offending datagram. IPv4: RFC 1812 §4.3.2.3 (and Linux icmp_send) keep
 * the ICMP error within 576 bytes: 576 - 20 - 8. IPv6: RFC 4443 §2.4 c (and icmp6_send) within
 * the minimum MTU: 1280 - 40 - 8. Both are also the verifier's loop bounds. */
#define FW_REJECT_QUOTE4 548
#define FW_REJECT_QUOTE6 1232

/* The L2 header in front of the IP header: Ethernet and at most FW_VLAN_MAX_DEPTH tags. */
#define FW_REJECT_L2_MAX (ETH_HLEN + 4 * FW_VLAN_MAX_DEPTH)

/* Checksum chunks: bpf_csum_diff takes at most 512 bytes, a multiple of 4, and the verifier must
 * see the whole chunk inside the packet, so the quote is summed in fixed 128-byte chunks, then
 * 4-byte words, then a zero-padded tail. */
#define FW_REJECT_CHUNK 128

#define FW_ICMP_DEST_UNREACH 3
#define FW_ICMPV6_DEST_UNREACH 1
#define FW_IPTOS_PREC_INTERNETCONTROL 0xc0

struct fw_pseudo4 {
	__be32 saddr;
	__be32 daddr;
	__u8 zero;
	__u8 proto;
	__be16 len;
};

struct fw_pseudo6 {
	__u32 saddr[4];
	__u32 daddr[4];
	__be32 len;
	__u8 zero[3];
	__u8 nexthdr;
};

/* bpf_csum_diff returns csum_partial's 32-bit running sum, in the byte order of the words in
 * memory; folded and complemented it is the checksum field, already in network order. */
static __always_inline __u16 rj_fold(__s64 csum)
{
	__u64 sum = (__u32)csum;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static __always_inline __u32 rj_sum(void *p, __u32 len, __u32 seed)
{
	return (__u32)bpf_csum_diff(NULL, 0, p, len, seed);
}

/* One host: not "this network" 0/8, loopback, multicast, class E / limited broadcast. */
static __always_inline int rj_v4_unicast(__be32 addr)
{
	__u32 first = bpf_ntohl(addr) >> 24;

	return first != 0 && first != 127 && first < 224;
}

/* One host: not ::, ::1, ff00::/8. */
static __always_inline int rj_v6_unicast(const __u32 *a)
{
	if ((bpf_ntohl(a[0]) >> 24) == 0xff)
		return 0;
	return a[0] | a[1] | a[2] || (a[3] != 0 && a[3] != bpf_htonl(1));
}

/* Linux icmp_pointers[]: informational types are echo (0, 8), timestamp (13, 14), info (15, 16)
 * and address mask (17, 18); every other type, unknown ones included, is treated as an error. */
static __always_inline int rj_icmp4_is_error(__u8 type)
{
	return !(type == 0 || type == 8 || (type >= 13 && type <= 18));
}

/* Whether anything may be sent about this packet at all (both protocols, both directions). */
static __always_inline int rj_answerable(struct xdp_md *ctx, const struct fw_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if ((eth->h_dest[0] & 1) || (eth->h_source[0] & 1))
		return 0;
	if (pkt->frag == FW_FRAG_NON_FIRST)
		return 0;
	if (pkt->family == FW_FAMILY_IPV4) {
		if (!rj_v4_unicast(pkt->saddr[0]) || !rj_v4_unicast(pkt->daddr[0]))
			return 0;
		if (pkt->l4_proto == IPPROTO_ICMP && (!pkt->has_l4 || rj_icmp4_is_error(pkt->icmp_type)))
			return 0;
	} else if (pkt->family == FW_FAMILY_IPV6) {
		if (!rj_v6_unicast(pkt->saddr) || !rj_v6_unicast(pkt->daddr))
			return 0;
		if (pkt->l4_proto == IPPROTO_ICMPV6 && (!pkt->has_l4 || pkt->icmp_type < 128))
			return 0;
	} else {
		return 0;
	}
	if (pkt->l4_proto == IPPROTO_TCP &&
	    (!pkt->has_l4 || pkt->frag != FW_FRAG_NONE || (pkt->tcp_flags & FW_TCP_RST)))
		return 0;
	return 1;
}

/* The L2 header length, bounded where the verifier can see it: clang re-reads pkt->l3_off after
 * a plain range check, and a packet offset of unknown range (up to 0xffff) gets no readable range
 * at all. The mask (a no-op at run time after the check) goes into the register that is used. */
static __always_inline __u32 rj_l2_len(const struct fw_pkt *pkt)
{
	__u32 l3 = pkt->l3_off;

	if (l3 > FW_REJECT_L2_MAX)
		return 0;
	asm volatile("%0 &= %1" : "+r"(l3) : "i"(0x1f));
	return l3;
}

/* Cuts (never grows) the whole frame, fragments included, to len bytes. */
static __always_inline int rj_trim(struct xdp_md *ctx, __u32 len)
{
	int delta = (int)len - (int)bpf_xdp_get_buff_len(ctx);

	if (delta > 0)
		return -1;
	if (delta == 0)
		return 0;
	return bpf_xdp_adjust_tail(ctx, delta);
}

static __always_inline void rj_swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
}

/* A 20-byte IPv4 header from `from` to `to` carrying l4_len bytes, checksummed. */
static __always_inline void rj_write_ipv4(struct iphdr *iph, __be32 from, __be32 to, __u8 proto, __u8 tos,
					  __u32 l4_len)
{
	*(__u8 *)iph = 0x45; /* version 4, ihl 5 */
	iph->tos = tos;
	iph->tot_len = bpf_htons(sizeof(*iph) + l4_len);
	iph->id = bpf_htons(bpf_get_prandom_u32() & 0xffff);
	iph->frag_off = 0;
	iph->ttl = cfg_reject_ttl;
	iph->protocol = proto;
	iph->check = 0;
	iph->saddr = from;
	iph->daddr = to;
	iph->check = rj_fold(rj_sum(iph, sizeof(*iph), 0));
}

/* A 40-byte IPv6 header (traffic class and flow label 0) from `from` to `to`. */
static __always_inline void rj_write_ipv6(struct ipv6hdr *ip6h, const __u32 *from, const __u32 *to, __u8 nexthdr,
					  __u32 l4_len)
{
	*(__be32 *)ip6h = bpf_htonl(6 << 28);
	ip6h->payload_len = bpf_htons(l4_len);
	ip6h->nexthdr = nexthdr;
	ip6h->hop_limit = cfg_reject_ttl;
	__builtin_memcpy(&ip6h->saddr, from, 16);
	__builtin_memcpy(&ip6h->daddr, to, 16);
}

/* Running sum of the pseudo-header for the answer's addresses. */
static __always_inline __u32 rj_pseudo_sum(int v6, const __u32 *from, const __u32 *to, __u8 proto, __u32 len)
{
	if (v6) {
		struct fw_pseudo6 ph = { .len = bpf_htonl(len), .nexthdr = proto };

		__builtin_memcpy(ph.saddr, from, 16);
		__builtin_memcpy(ph.daddr, to, 16);
		return rj_sum(&ph, sizeof(ph), 0);
	} else {
		struct fw_pseudo4 ph = { .saddr = from[0], .daddr = to[0], .proto = proto, .len = bpf_htons(len) };

		return rj_sum(&ph, sizeof(ph), 0);
	}
}

/* The RST. v6 is a literal at each call, so each family is its own straight-line code. */
static __always_inline int rj_tcp(struct xdp_md *ctx, const struct fw_pkt *pkt, int to_src, const int v6)
{
	const __u32 iphlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	const __u32 *from = to_src ? pkt->daddr : pkt->saddr;
	const __u32 *to = to_src ? pkt->saddr : pkt->daddr;
	__u32 l3 = rj_l2_len(pkt), seq, ack = 0;
	__u8 flags = FW_TCP_RST;
	void *data, *data_end;
	struct tcphdr *th;
	__u32 sum;

	if (to_src) {
		if (pkt->tcp_flags & FW_TCP_ACK) {
			seq = pkt->tcp_ack;
		} else {
			seq = 0;
			ack = pkt->tcp_seq + pkt->dsize + !!(pkt->tcp_flags & FW_TCP_SYN) +
			      !!(pkt->tcp_flags & FW_TCP_FIN);
			flags |= FW_TCP_ACK;
		}
	} else {
		seq = pkt->tcp_seq;
		if (pkt->tcp_flags & FW_TCP_ACK) {
			ack = pkt->tcp_ack;
			flags |= FW_TCP_ACK;
		}
	}

	if (!l3)
		return XDP_DROP;
	if (rj_trim(ctx, l3 + iphlen + sizeof(*th)))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + l3 + iphlen + sizeof(*th) > data_end || data + sizeof(struct ethhdr) > data_end)
		return XDP_DROP;
	if (to_src)
		rj_swap_mac(data);
	th = data + l3 + iphlen;
	if ((void *)(th + 1) > data_end)
		return XDP_DROP;

	if (v6) {
		struct ipv6hdr *ip6h = data + l3;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		rj_write_ipv6(ip6h, from, to, IPPROTO_TCP, sizeof(*th));
	} else {
		struct iphdr *iph = data + l3;

		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		rj_write_ipv4(iph, from[0], to[0], IPPROTO_TCP, 0, sizeof(*th));
	}

	th->source = bpf_htons(to_src ? pkt->dport : pkt->sport);
	th->dest = bpf_htons(to_src ? pkt->sport : pkt->dport);
	th->seq = bpf_htonl(seq);
	th->ack_seq = bpf_htonl(ack);
	((__u8 *)th)[12] = (sizeof(*th) / 4) << 4; /* data offset 5, reserved bits 0 */
	((__u8 *)th)[13] = flags;
	th->window = 0;
	th->check = 0;
	th->urg_ptr = 0;
	sum = rj_pseudo_sum(v6, from, to, IPPROTO_TCP, sizeof(*th));
	th->check = rj_fold(rj_sum(th, sizeof(*th), sum));
	return to_src ? XDP_TX : XDP_PASS;
}

/* The unreachable: grow the head by a new IP + ICMP header, keep the original datagram in place
 * behind them as the quote, cut the tail after the quote. */
static __always_inline int rj_icmp(struct xdp_md *ctx, const struct fw_pkt *pkt, int to_src, const int v6)
{
	const __u32 iphlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	const __u32 hdr = iphlen + sizeof(struct fw_icmp_hdr);
	const __u32 cap = v6 ? FW_REJECT_QUOTE6 : FW_REJECT_QUOTE4;
	const __u32 *from = to_src ? pkt->daddr : pkt->saddr;
	const __u32 *to = to_src ? pkt->saddr : pkt->daddr;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3 = rj_l2_len(pkt), q = pkt->ip_len, linear, off = 0, sum, rem;
	struct fw_icmp_hdr *ih;
	__u32 tail = 0;
	void *quote;
	int i;

	if (!l3)
		return XDP_DROP;
	/* The quote: the datagram (not the padding), capped, and inside the linear part, where the
	 * checksum can read it (a multi-buffer frame keeps at least the headers there). */
	linear = data_end - data;
	if (q > cap)
		q = cap;
	if (l3 + q > linear)
		q = linear - l3;
	if (q < iphlen || q > cap) /* cannot happen (the parser saw the header); tells the verifier */
		return XDP_DROP;

	if (rj_trim(ctx, l3 + q))
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, -(int)hdr))
		return XDP_DROP;

	/* Every pointer is re-derived after the adjusts. The new frame is l2 | ip | icmp | quote, the
	 * L2 header moves hdr bytes to the front. Copying FW_REJECT_L2_MAX bytes whatever the tags
	 * is safe: the source lies inside the frame (l2 >= 14 and the quote >= 20 bytes), the ranges
	 * do not overlap (hdr >= 28 > 22), and the bytes past l3 are overwritten by the new IP header. */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + hdr + FW_REJECT_L2_MAX > data_end)
		return XDP_DROP;
	__builtin_memcpy(data, data + hdr, FW_REJECT_L2_MAX);
	if (to_src)
		rj_swap_mac(data);

	ih = data + l3 + iphlen;
	if ((void *)(ih + 1) > data_end)
		return XDP_DROP;
	if (v6) {
		struct ipv6hdr *ip6h = data + l3;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		rj_write_ipv6(ip6h, from, to, IPPROTO_ICMPV6, sizeof(*ih) + q);
		ih->type = FW_ICMPV6_DEST_UNREACH;
		ih->code = cfg_reject_icmp6_code;
		sum = rj_pseudo_sum(1, from, to, IPPROTO_ICMPV6, sizeof(*ih) + q);
	} else {
		struct iphdr *iph = data + l3;

		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		/* RFC 1812 §4.3.2.5: ICMP errors carry precedence 6 (Linux icmp_send does too). */
		rj_write_ipv4(iph, from[0], to[0], IPPROTO_ICMP, FW_IPTOS_PREC_INTERNETCONTROL, sizeof(*ih) + q);
		ih->type = FW_ICMP_DEST_UNREACH;
		ih->code = cfg_reject_icmp4_code;
		sum = 0;
	}
	ih->checksum = 0;
	ih->id = 0; /* the unused word; RFC 4884 length and next-hop MTU stay 0 */
	ih->seq = 0;
	sum = rj_sum(ih, sizeof(*ih), sum);

	quote = (void *)(ih + 1);
	for (i = 0; i < cap / FW_REJECT_CHUNK; i++) {
		void *p = quote + off;

		if (off + FW_REJECT_CHUNK > q)
			break;
		if (p + FW_REJECT_CHUNK > data_end)
			return XDP_DROP;
		sum = rj_sum(p, FW_REJECT_CHUNK, sum);
		off += FW_REJECT_CHUNK;
	}
	for (i = 0; i < FW_REJECT_CHUNK / 4; i++) {
		void *p = quote + off;

		if (off + 4 > q)
			break;
		if (p + 4 > data_end)
			return XDP_DROP;
		sum = rj_sum(p, 4, sum);
		off += 4;
	}
	/* 0..3 bytes left: zero-padded on the right, as RFC 1071 pads an odd byte. */
	rem = q - off;
	if (rem) {
		__u8 *p = quote + off, *t = (__u8 *)&tail;

		if ((void *)(p + 1) > data_end)
			return XDP_DROP;
		t[0] = p[0];
		if (rem > 1) {
			if ((void *)(p + 2) > data_end)
				return XDP_DROP;
			t[1] = p[1];
		}
		if (rem > 2) {
			if ((void *)(p + 3) > data_end)
				return XDP_DROP;
			t[2] = p[2];
		}
		sum = rj_sum(&tail, 4, sum);
	}
	ih->checksum = rj_fold(sum);
	return to_src ? XDP_TX : XDP_PASS;
}

/* kind: enum fw_reject_kind. FW_REJECT_BOTH answers the source only (XDP emits one frame per
 * packet and cannot clone); an unknown kind is treated as plain reject (the source). */
static __always_inline int reject_packet(struct xdp_md *ctx, const struct fw_pkt *pkt, __u32 kind)
{
	int to_src = kind != FW_REJECT_DST;

	if (!rj_answerable(ctx, pkt))
		return XDP_DROP;
	if (pkt->family == FW_FAMILY_IPV6)
		return pkt->l4_proto == IPPROTO_TCP ? rj_tcp(ctx, pkt, to_src, 1) : rj_icmp(ctx, pkt, to_src, 1);
	return pkt->l4_proto == IPPROTO_TCP ? rj_tcp(ctx, pkt, to_src, 0) : rj_icmp(ctx, pkt, to_src, 0);
}

#endif /* FW_REJECT_H */
