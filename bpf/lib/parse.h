/* SPDX-License-Identifier: MIT */
/* parse.h — the one parsing contract (after xdp-tools parsing_helpers.h).
 *
 * A cursor walks the frame. Each parse_<proto>() bounds-checks its header, fills the fw_pkt fields
 * it owns, advances the cursor, and returns the next protocol to parse, or -1 with p->reason set
 * to the malformed_<proto> reason. "Next protocol" is an ethertype after Ethernet and an IP
 * protocol number after IPv4/IPv6; IPPROTO_NONE (59) means "nothing more to parse" (IPv6 no-next-
 * header, and any non-first fragment, whose bytes are not an L4 header).
 *
 * Lengths are checked against the whole frame (frame_len: a multi-buffer frame's fragments
 * included), reads against the linear part (data_end): headers always sit in the linear part, a
 * jumbo frame's payload may not.
 * Two bounds apply to every read: the frame (data_end, which the verifier checks) and the IP
 * datagram (ip_end = IP header + its length field). A frame longer than ip_end carries Ethernet
 * padding, which is not payload; an ip_end past the frame is a truncated packet and malformed. A
 * field is written to fw_pkt only after its whole header passed both checks, so a malformed packet
 * never shows a partial L4 reading.
 */
#ifndef FW_PARSE_H
#define FW_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwctl_abi.h"

/* VLAN tags read before giving up. Two covers 802.1ad QinQ (S-tag + C-tag), the deepest stacking
 * a gateway's uplink uses; a third tag is far more often an evasion attempt than a real network. */
#ifndef FW_VLAN_MAX_DEPTH
#define FW_VLAN_MAX_DEPTH 2
#endif

/* IPv6 extension headers walked before giving up. Each costs the verifier a loop iteration; eight
 * is more than any legitimate chain (RFC 8200 recommends each header at most once, hop-by-hop
 * and destination options twice at most) while long chains are a known filter-evasion trick
 * (RFC 7112), so a longer chain is reported as ipv6_ext_depth rather than passed unread. */
#ifndef FW_IPV6_EXT_MAX_DEPTH
#define FW_IPV6_EXT_MAX_DEPTH 8
#endif

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* ICMP echo types (linux/icmp.h pulls in libc headers a BPF build cannot use). */
#define FW_ICMP_ECHOREPLY 0
#define FW_ICMP_ECHO 8
#define FW_ICMPV6_ECHO_REQUEST 128
#define FW_ICMPV6_ECHO_REPLY 129

#define FW_IPV4_MF 0x2000
#define FW_IPV4_DF 0x4000
#define FW_IPV4_RB 0x8000
#define FW_IPV4_OFFSET_MASK 0x1fff

/* The header cursor: the first byte not yet parsed. */
struct hdr_cursor {
	void *pos;
};

/* Parser state shared by the helpers (always inlined, so it lives in registers and stack slots
 * the verifier tracks). */
struct fw_parse {
	struct hdr_cursor nh;
	void *data;
	void *data_end;
	void *ip_end; /* one past the IP datagram per its length field (may lie in a fragment) */
	__u32 frame_len; /* the whole frame: linear part plus XDP fragments (bpf_xdp_get_buff_len) */
	__u32 reason; /* set when a helper returns -1 */
};

struct fw_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* IPv6 generic extension header start (hop-by-hop, routing, destination options, AH). */
struct fw_ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct fw_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-octet units << 3 | res | M */
	__be32 identification;
};

static __always_inline int fw_fail(struct fw_parse *p, __u32 reason)
{
	p->reason = reason;
	return -1;
}

/* True when len bytes at pos lie inside the frame and the IP datagram. The data_end comparison
 * must stay a plain `pos + const > data_end` so the verifier learns the readable range. */
#define fw_in_ip(p, pos, len) ((void *)(pos) + (len) <= (p)->data_end && (void *)(pos) + (len) <= (p)->ip_end)

static __always_inline int proto_is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD);
}

/* Ethernet and up to FW_VLAN_MAX_DEPTH tags. Returns the inner ethertype (host order). */
static __always_inline int parse_eth(struct fw_parse *p, struct fw_pkt *pkt)
{
	struct ethhdr *eth = p->nh.pos;
	__u16 h_proto;
	int i;

	if ((void *)(eth + 1) > p->data_end)
		return fw_fail(p, FW_REASON_MALFORMED_ETH);
	h_proto = eth->h_proto;
	p->nh.pos = eth + 1;

#pragma unroll
	for (i = 0; i < FW_VLAN_MAX_DEPTH; i++) {
		struct fw_vlan_hdr *vlh = p->nh.pos;

		if (!proto_is_vlan(h_proto))
			break;
		if ((void *)(vlh + 1) > p->data_end)
			return fw_fail(p, FW_REASON_MALFORMED_VLAN);
		pkt->vlan_id[i] = bpf_ntohs(vlh->tci) & 0x0fff;
		pkt->vlan_depth = i + 1;
		h_proto = vlh->encap_proto;
		p->nh.pos = vlh + 1;
	}
	if (proto_is_vlan(h_proto))
		return fw_fail(p, FW_REASON_VLAN_DEPTH);

	pkt->l3_proto = bpf_ntohs(h_proto);
	return pkt->l3_proto;
}

/* IPv4 header and options. Returns the IP protocol, or IPPROTO_NONE for a non-first fragment. */
static __always_inline int parse_ipv4(struct fw_parse *p, struct fw_pkt *pkt)
{
	struct iphdr *iph = p->nh.pos;
	__u32 hlen, tot_len;
	__u16 frag;

	if ((void *)(iph + 1) > p->data_end)
		return fw_fail(p, FW_REASON_MALFORMED_IPV4);
	if (iph->version != 4 || iph->ihl < 5)
		return fw_fail(p, FW_REASON_MALFORMED_IPV4);
	hlen = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	/* tot_len < hlen is nonsense; tot_len past the frame is a truncated datagram. The options
	 * are inside tot_len, so this also proves they are inside the frame. */
	if (tot_len < hlen || ((void *)iph - p->data) + tot_len > p->frame_len)
		return fw_fail(p, FW_REASON_MALFORMED_IPV4);

	p->ip_end = (void *)iph + tot_len;
	p->nh.pos = (void *)iph + hlen;

	pkt->family = FW_FAMILY_IPV4;
	pkt->l3_off = (void *)iph - p->data;
	pkt->l4_off = pkt->l3_off + hlen;
	pkt->ip_len = tot_len;
	pkt->saddr[0] = iph->saddr;
	pkt->daddr[0] = iph->daddr;
	pkt->l4_proto = iph->protocol;
	pkt->ttl = iph->ttl;
	pkt->tos = iph->tos;
	pkt->ip_opts = hlen > sizeof(*iph);

	frag = bpf_ntohs(iph->frag_off);
	pkt->frag_flags = (frag & FW_IPV4_MF ? FW_FRAGF_MF : 0) | (frag & FW_IPV4_DF ? FW_FRAGF_DF : 0) |
			  (frag & FW_IPV4_RB ? FW_FRAGF_RB : 0);
	pkt->frag_off = (frag & FW_IPV4_OFFSET_MASK) * 8;
	if (pkt->frag_off || (frag & FW_IPV4_MF)) {
		pkt->frag_id = bpf_ntohs(iph->id);
		pkt->frag = pkt->frag_off ? FW_FRAG_NON_FIRST : FW_FRAG_FIRST;
	}
	if (pkt->frag == FW_FRAG_NON_FIRST)
		return IPPROTO_NONE;
	return iph->protocol;
}

/* The fixed IPv6 header. Returns its next header (the start of the extension chain). */
static __always_inline int parse_ipv6(struct fw_parse *p, struct fw_pkt *pkt)
{
	struct ipv6hdr *ip6h = p->nh.pos;
	__u32 plen;

	if ((void *)(ip6h + 1) > p->data_end)
		return fw_fail(p, FW_REASON_MALFORMED_IPV6);
	if (ip6h->version != 6)
		return fw_fail(p, FW_REASON_MALFORMED_IPV6);
	/* A payload length of 0 would announce a jumbogram (RFC 2675), which no Ethernet frame can
	 * carry: it is simply an empty datagram here, and any header after it is out of bounds. */
	plen = bpf_ntohs(ip6h->payload_len);
	if (((void *)(ip6h + 1) - p->data) + plen > p->frame_len)
		return fw_fail(p, FW_REASON_MALFORMED_IPV6);

	p->ip_end = (void *)(ip6h + 1) + plen;
	p->nh.pos = ip6h + 1;

	pkt->family = FW_FAMILY_IPV6;
	pkt->l3_off = (void *)ip6h - p->data;
	pkt->ip_len = sizeof(*ip6h) + plen;
	__builtin_memcpy(pkt->saddr, &ip6h->saddr, sizeof(pkt->saddr));
	__builtin_memcpy(pkt->daddr, &ip6h->daddr, sizeof(pkt->daddr));
	pkt->ttl = ip6h->hop_limit;
	pkt->tos = (ip6h->priority << 4) | (ip6h->flow_lbl[0] >> 4);
	return ip6h->nexthdr;
}

static __always_inline int ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_FRAGMENT ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH;
}

/* Frame offsets the extension chain may reach. XDP frames without multi-buffer fit in a page,
 * and BPF_PROG_TEST_RUN limits data the same way, so 13 bits hold any real offset. */
#define FW_OFF_MASK 0x1fff

/* Verifier workaround: each extension header adds a different length range to the cursor, so
 * without this every iteration of the chain walk carries its own offset range and the verifier
 * explores each combination of header kinds (it ran past 1M instructions). Masking the offset
 * (a no-op at run time: the caller checked it is below FW_OFF_MASK) gives every path the same
 * range, so the states at the loop head prune. The asm keeps clang from dropping the mask. */
static __always_inline __u32 fw_forget_off(__u32 off)
{
	asm volatile("%0 &= %1" : "+r"(off) : "i"(FW_OFF_MASK));
	return off;
}

/* One extension header at frame offset off. Returns the header after it (IPPROTO_NONE when a
 * non-first fragment ends the chain) and its length in *len. */
static __always_inline int parse_ipv6_ext(struct fw_parse *p, struct fw_pkt *pkt, __u8 nexthdr, __u32 off,
					  __u32 *len)
{
	void *pos = p->data + off;

	if (nexthdr == IPPROTO_FRAGMENT) {
		struct fw_ipv6_frag_hdr *fh = pos;
		__u16 frag;

		if (!fw_in_ip(p, fh, sizeof(*fh)))
			return fw_fail(p, FW_REASON_MALFORMED_IPV6_EXT);
		frag = bpf_ntohs(fh->frag_off);
		pkt->ext_seen |= FW_EXT_FRAG;
		pkt->frag_off = frag & 0xfff8;
		pkt->frag_flags = frag & 1 ? FW_FRAGF_MF : 0;
		/* offset 0 without M is an atomic fragment (RFC 6946): a whole datagram. */
		if (pkt->frag_off || (frag & 1)) {
			pkt->frag = pkt->frag_off ? FW_FRAG_NON_FIRST : FW_FRAG_FIRST;
			pkt->frag_id = bpf_ntohl(fh->identification);
		}
		*len = sizeof(*fh);
		return fh->nexthdr;
	} else {
		struct fw_ipv6_opt_hdr *oh = pos;

		if (!fw_in_ip(p, oh, sizeof(*oh)))
			return fw_fail(p, FW_REASON_MALFORMED_IPV6_EXT);
		if (nexthdr == IPPROTO_AH) {
			*len = ((__u32)oh->hdrlen + 2) * 4; /* AH counts 4-octet units, minus 2 */
			pkt->ext_seen |= FW_EXT_AH;
		} else {
			*len = ((__u32)oh->hdrlen + 1) * 8; /* the others count 8-octet units, minus 1 */
			pkt->ext_seen |= nexthdr == IPPROTO_HOPOPTS ? FW_EXT_HOP :
					 nexthdr == IPPROTO_ROUTING ? FW_EXT_ROUTING : FW_EXT_DSTOPTS;
		}
		return oh->nexthdr;
	}
}

/* The extension header chain after the fixed header. Returns the upper-layer protocol, or
 * IPPROTO_NONE after a non-first fragment; ESP (its payload is encrypted) and no-next-header end
 * the walk with nothing more to parse. */
static __always_inline int parse_ipv6_exts(struct fw_parse *p, struct fw_pkt *pkt, int nexthdr)
{
	__u32 off = p->nh.pos - p->data;
	__u32 end = p->ip_end - p->data;
	__u32 len = 0;
	int i;

	for (i = 0; i < FW_IPV6_EXT_MAX_DEPTH; i++) {
		if (!ipv6_is_ext(nexthdr))
			break;
		off = fw_forget_off(off);
		nexthdr = parse_ipv6_ext(p, pkt, nexthdr, off, &len);
		if (nexthdr < 0)
			return -1;
		/* The whole header must be inside the datagram (end <= the frame was checked). */
		if (off + len > end || off + len > FW_OFF_MASK)
			return fw_fail(p, FW_REASON_MALFORMED_IPV6_EXT);
		off += len;
		pkt->ext_depth++;
		if (pkt->frag == FW_FRAG_NON_FIRST) {
			pkt->l4_proto = nexthdr;
			nexthdr = IPPROTO_NONE;
			break;
		}
	}
	off = fw_forget_off(off);
	p->nh.pos = p->data + off;
	pkt->l4_off = off;
	if (pkt->frag == FW_FRAG_NON_FIRST)
		return IPPROTO_NONE;
	if (ipv6_is_ext(nexthdr))
		return fw_fail(p, FW_REASON_IPV6_EXT_DEPTH);
	pkt->l4_proto = nexthdr;
	if (nexthdr == IPPROTO_ESP)
		pkt->ext_seen |= FW_EXT_ESP;
	else if (nexthdr == IPPROTO_NONE)
		pkt->ext_seen |= FW_EXT_NONE;
	return nexthdr;
}

static __always_inline void fw_set_payload(struct fw_parse *p, struct fw_pkt *pkt, void *payload)
{
	pkt->payload_off = payload - p->data;
	pkt->dsize = p->ip_end - payload;
	pkt->has_l4 = 1;
}

static __always_inline int parse_tcp(struct fw_parse *p, struct fw_pkt *pkt)
{
	struct tcphdr *th = p->nh.pos;
	__u32 hlen;

	if (!fw_in_ip(p, th, sizeof(*th)))
		return fw_fail(p, FW_REASON_MALFORMED_TCP);
	hlen = th->doff * 4;
	/* The options are not read, but they must be inside the datagram: a header that claims more
	 * than the datagram holds (RFC 1858 tiny fragments included) is malformed. */
	if (hlen < sizeof(*th) || (void *)th + hlen > p->ip_end)
		return fw_fail(p, FW_REASON_MALFORMED_TCP);

	pkt->sport = bpf_ntohs(th->source);
	pkt->dport = bpf_ntohs(th->dest);
	pkt->tcp_seq = bpf_ntohl(th->seq);
	pkt->tcp_ack = bpf_ntohl(th->ack_seq);
	pkt->tcp_win = bpf_ntohs(th->window);
	pkt->tcp_flags = ((__u8 *)th)[13]; /* the flag byte: CWR ECE URG ACK PSH RST SYN FIN */
	p->nh.pos = (void *)th + hlen;
	fw_set_payload(p, pkt, p->nh.pos);
	return 0;
}

static __always_inline int parse_udp(struct fw_parse *p, struct fw_pkt *pkt)
{
	struct udphdr *uh = p->nh.pos;
	__u32 ulen, avail;

	if (!fw_in_ip(p, uh, sizeof(*uh)))
		return fw_fail(p, FW_REASON_MALFORMED_UDP);
	ulen = bpf_ntohs(uh->len);
	avail = p->ip_end - (void *)uh;
	/* Linux's rule (udp_rcv): 8 <= len <= what the datagram holds; the socket then sees len - 8
	 * bytes. A first fragment holds only part of the datagram, so there len >= what is here. */
	if (ulen < sizeof(*uh))
		return fw_fail(p, FW_REASON_MALFORMED_UDP);
	if (pkt->frag == FW_FRAG_NONE ? ulen > avail : ulen < avail)
		return fw_fail(p, FW_REASON_MALFORMED_UDP);

	pkt->sport = bpf_ntohs(uh->source);
	pkt->dport = bpf_ntohs(uh->dest);
	p->nh.pos = uh + 1;
	fw_set_payload(p, pkt, p->nh.pos);
	if (pkt->frag == FW_FRAG_NONE)
		pkt->dsize = ulen - sizeof(*uh);
	return 0;
}

/* ICMP and ICMPv6 share the 8-byte layout: type, code, checksum, then id/seq for echo. */
struct fw_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 seq;
};

static __always_inline int parse_icmp_common(struct fw_parse *p, struct fw_pkt *pkt, __u32 reason, __u8 echo_req,
					     __u8 echo_rep)
{
	struct fw_icmp_hdr *ih = p->nh.pos;

	if (!fw_in_ip(p, ih, sizeof(*ih)))
		return fw_fail(p, reason);
	pkt->icmp_type = ih->type;
	pkt->icmp_code = ih->code;
	if (ih->type == echo_req || ih->type == echo_rep) {
		pkt->icmp_id = bpf_ntohs(ih->id);
		pkt->icmp_seq = bpf_ntohs(ih->seq);
	}
	p->nh.pos = ih + 1;
	fw_set_payload(p, pkt, p->nh.pos);
	return 0;
}

static __always_inline int parse_icmp(struct fw_parse *p, struct fw_pkt *pkt)
{
	return parse_icmp_common(p, pkt, FW_REASON_MALFORMED_ICMP, FW_ICMP_ECHO, FW_ICMP_ECHOREPLY);
}

static __always_inline int parse_icmpv6(struct fw_parse *p, struct fw_pkt *pkt)
{
	return parse_icmp_common(p, pkt, FW_REASON_MALFORMED_ICMPV6, FW_ICMPV6_ECHO_REQUEST,
				 FW_ICMPV6_ECHO_REPLY);
}

/* The whole packet. Returns FW_REASON_PASS_DEFAULT for a well-formed IP packet (with or without
 * an L4 header: other protocols, ESP and non-first fragments are well-formed), FW_REASON_NON_IP,
 * or the malformed reason of the first header that failed. */
static __always_inline __u32 parse_packet(struct fw_parse *p, struct fw_pkt *pkt)
{
	int proto;

	proto = parse_eth(p, pkt);
	if (proto < 0)
		return p->reason;

	if (proto == ETH_P_IP) {
		proto = parse_ipv4(p, pkt);
		if (proto < 0)
			return p->reason;
		if (proto == IPPROTO_TCP)
			proto = parse_tcp(p, pkt);
		else if (proto == IPPROTO_UDP)
			proto = parse_udp(p, pkt);
		else if (proto == IPPROTO_ICMP)
			proto = parse_icmp(p, pkt);
	} else if (proto == ETH_P_IPV6) {
		proto = parse_ipv6(p, pkt);
		if (proto < 0)
			return p->reason;
		proto = parse_ipv6_exts(p, pkt, proto);
		if (proto < 0)
			return p->reason;
		if (proto == IPPROTO_TCP)
			proto = parse_tcp(p, pkt);
		else if (proto == IPPROTO_UDP)
			proto = parse_udp(p, pkt);
		else if (proto == IPPROTO_ICMPV6)
			proto = parse_icmpv6(p, pkt);
	} else {
		return FW_REASON_NON_IP;
	}
	return proto < 0 ? p->reason : FW_REASON_PASS_DEFAULT;
}

#endif /* FW_PARSE_H */
