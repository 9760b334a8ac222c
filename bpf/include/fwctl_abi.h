/* SPDX-License-Identifier: MIT */
/* fwctl_abi.h — the one header shared between the XDP program and userspace.
 *
 * Everything userspace reads or writes is here: enums, structs, map names. Fixed-width types and
 * explicit padding only, so the layout is the same on every compiler; src/abi/ mirrors it and
 * test/abi.test.ts checks every size, offset and enum value against the object's BTF.
 *
 * Rules for changing it: enums are append-only (a number, once shipped, keeps its meaning: counters
 * and logs are keyed by it); a struct member is never moved or resized, only appended, and `_pad`
 * is renamed when it is used.
 */
#ifndef FWCTL_ABI_H
#define FWCTL_ABI_H

#include <linux/types.h>

/* Map names userspace opens (pinned under /sys/fs/bpf/fwctl/<instance>/<name>). */
#define FW_MAP_REASON_STATS "fw_reason_stats"
#define FW_MAP_DBG_PKT "fw_dbg_pkt"
/* Address sets (lib/addrset.h; bpf/README.md "Address sets"). Static sets have two generations,
 * _a and _b, of which fw_aset4/fw_aset6 point at the live one. */
#define FW_MAP_ASET4 "fw_aset4"
#define FW_MAP_ASET6 "fw_aset6"
#define FW_MAP_ALLOW4_A "fw_allow4_a"
#define FW_MAP_ALLOW4_B "fw_allow4_b"
#define FW_MAP_ALLOW6_A "fw_allow6_a"
#define FW_MAP_ALLOW6_B "fw_allow6_b"
#define FW_MAP_DENY4_A "fw_deny4_a"
#define FW_MAP_DENY4_B "fw_deny4_b"
#define FW_MAP_DENY6_A "fw_deny6_a"
#define FW_MAP_DENY6_B "fw_deny6_b"
#define FW_MAP_BLOCK4 "fw_block4"
#define FW_MAP_BLOCK6 "fw_block6"
#define FW_MAP_ASET_COUNT "fw_aset_count"
#define FW_MAP_ASET_LOCK "fw_aset_lock"

/* Why a packet got its verdict. Numbered and append-only (Cilium drop_reasons.h): the per-CPU
 * counters in fw_reason_stats are indexed by it and userspace prints the names in src/abi. */
enum fw_reason {
	FW_REASON_PASS_DEFAULT = 0,	   /* well-formed, nothing decided: passed */
	FW_REASON_NON_IP = 1,		   /* ARP, LLDP, 802.3 length frames...: passed */
	FW_REASON_MALFORMED_ETH = 2,	   /* frame shorter than an Ethernet header */
	FW_REASON_MALFORMED_VLAN = 3,	   /* VLAN tag truncated */
	FW_REASON_VLAN_DEPTH = 4,	   /* more than FW_VLAN_MAX_DEPTH tags */
	FW_REASON_MALFORMED_IPV4 = 5,	   /* truncated, version != 4, ihl < 5, bad total length */
	FW_REASON_MALFORMED_IPV6 = 6,	   /* truncated, version != 6, payload length past the frame */
	FW_REASON_IPV6_EXT_DEPTH = 7,	   /* more than FW_IPV6_EXT_MAX_DEPTH extension headers */
	FW_REASON_MALFORMED_IPV6_EXT = 8,  /* an extension header truncated or past the IPv6 payload */
	FW_REASON_MALFORMED_TCP = 9,	   /* truncated, data offset < 5 or past the IP payload */
	FW_REASON_MALFORMED_UDP = 10,	   /* truncated or length field inconsistent with IP */
	FW_REASON_MALFORMED_ICMP = 11,	   /* shorter than the 8-byte ICMP header */
	FW_REASON_MALFORMED_ICMPV6 = 12,   /* shorter than the 8-byte ICMPv6 header */
	FW_REASON_FRAGMENT = 13,	   /* non-first fragment: no L4 header, passed */
	/* Reserved for the classifier and the stages after it (named now so counters keep their
	 * numbers; nothing sets them yet). */
	FW_REASON_RULE_PASS = 14,
	FW_REASON_RULE_DROP = 15,
	FW_REASON_RULE_REJECT = 16,
	FW_REASON_RULE_ALERT = 17,
	FW_REASON_RULE_FLAG = 18,
	FW_REASON_DENY_LIST = 19,
	FW_REASON_ALLOW_LIST = 20,
	FW_REASON_DYN_BLOCK = 21,
	FW_REASON_FLOW_DROP = 22,
	FW_REASON_RATE_LIMIT = 23,
	FW_REASON_SYNCOOKIE = 24,
	FW_REASON_FLOW_INVALID = 25,	/* out of TCP state, and the flow table drops such packets (fw_flow_cfg.invalid) */
	FW_REASON__MAX,
};

/* Slots in fw_reason_stats. Larger than FW_REASON__MAX so a pinned map survives an upgrade that
 * appends reasons. */
#define FW_REASON_SLOTS 64

/* What happens to the packet. Alerting and DPI flagging are flags (FW_FLAG_*), not verdicts: an
 * alerted packet still passes or drops. */
enum fw_verdict {
	FW_VERDICT_PASS = 0,
	FW_VERDICT_DROP = 1,
	FW_VERDICT_REJECT = 2, /* drop, and userspace may answer with RST / ICMP unreachable */
	FW_VERDICT__MAX,
};

/* fw_meta.flags bits. */
enum fw_flag {
	FW_FLAG_MALFORMED = 1 << 0, /* the parser stopped on a malformed header (reason says which) */
	FW_FLAG_ALERT = 1 << 1,	    /* reserved: a rule raised an alert */
	FW_FLAG_DPI = 1 << 2,	    /* reserved: copy to the DPI worker */
	FW_FLAG_SYNCOOKIE = 1 << 3, /* the SYN was answered: the frame became a cookie SYN-ACK (XDP_TX) */
	FW_FLAG_COOKIE_ACK = 1 << 4, /* an ACK with a valid SYN cookie: the handshake ended through a
				      * cookie SYN-ACK, so the flow table starts the flow established */
	FW_FLAG_SYNPROXY = 1 << 5,   /* to a service behind `fwctl synproxy`: SYNPROXY translates the
				      * sequence numbers between its two halves, so the flow table does
				      * not track this flow's windows */
};

/* Values of the cfg_malformed_policy knob. */
enum fw_malformed_policy {
	FW_MALFORMED_PASS = 0,
	FW_MALFORMED_DROP = 1,
};

/* fw_pkt.family */
enum fw_family {
	FW_FAMILY_NONE = 0,
	FW_FAMILY_IPV4 = 4,
	FW_FAMILY_IPV6 = 6,
};

/* fw_pkt.frag */
enum fw_frag {
	FW_FRAG_NONE = 0,      /* not fragmented (an IPv6 atomic fragment counts as none) */
	FW_FRAG_FIRST = 1,     /* offset 0, more fragments: L4 header parsed */
	FW_FRAG_NON_FIRST = 2, /* offset > 0: there is no L4 header */
};

/* fw_pkt.frag_flags: the IPv4 flag bits (Suricata fragbits M, D, R); IPv6 sets only MF. */
enum fw_frag_flag {
	FW_FRAGF_MF = 1 << 0,
	FW_FRAGF_DF = 1 << 1,
	FW_FRAGF_RB = 1 << 2,
};

/* fw_pkt.ext_seen: which IPv6 extension headers the chain held. */
enum fw_ext_bit {
	FW_EXT_HOP = 1 << 0,	 /* 0 hop-by-hop options */
	FW_EXT_ROUTING = 1 << 1, /* 43 */
	FW_EXT_FRAG = 1 << 2,	 /* 44 */
	FW_EXT_DSTOPTS = 1 << 3, /* 60 */
	FW_EXT_AH = 1 << 4,	 /* 51 */
	FW_EXT_ESP = 1 << 5,	 /* 50: ends parsing */
	FW_EXT_NONE = 1 << 6,	 /* 59 no next header: ends parsing */
};

/* fw_pkt.tcp_flags: the TCP flag byte as on the wire. */
enum fw_tcp_flag {
	FW_TCP_FIN = 0x01,
	FW_TCP_SYN = 0x02,
	FW_TCP_RST = 0x04,
	FW_TCP_PSH = 0x08,
	FW_TCP_ACK = 0x10,
	FW_TCP_URG = 0x20,
	FW_TCP_ECE = 0x40,
	FW_TCP_CWR = 0x80,
};

/* Per-CPU counter (fw_reason_stats value): userspace sums the CPUs. */
struct fw_counter {
	__u64 packets;
	__u64 bytes; /* frame bytes from the Ethernet header, metadata excluded */
};

/* The XDP metadata area, used only under BPF_PROG_TEST_RUN (replay and tests).
 *
 * Userspace passes data_in = fw_meta + frame with xdp_md.data = sizeof(fw_meta) and
 * xdp_md.data_end = total length; the kernel puts the first 32 bytes in front of xdp->data as
 * data_meta. net/bpf/test_run.c accepts a metadata length only if xdp_metalen_invalid()
 * (include/net/xdp.h) does not reject it: a multiple of 4, at most 32 on older kernels (255 on
 * newer ones), so 32 works everywhere. The program reads ts_ns, writes the result fields, and
 * data_out returns the area in front of the frame (it starts at data_meta).
 *
 * Live traffic has no metadata (data_meta == data, or data + 1 on drivers without support), and a
 * stale area without FW_META_MAGIC is ignored: the program then takes bpf_ktime_get_ns().
 */
#define FW_META_MAGIC 0x4d57461fu	/* in:  "this area is a fw_meta" */
#define FW_META_MAGIC_DONE 0x4d57462fu	/* out: the program wrote the result fields */

struct fw_meta {
	__u64 ts_ns;	/* in:  packet time (pcap timestamp), so timeouts replay deterministically */
	__u32 magic;	/* in:  FW_META_MAGIC; out: FW_META_MAGIC_DONE */
	__u32 sig_id;	/* out: signature id of the deciding rule, 0 when none */
	__u16 verdict;	/* out: enum fw_verdict */
	__u16 reason;	/* out: enum fw_reason */
	__u32 flags;	/* out: enum fw_flag bits */
	__u32 _pad[2];	/* zero; keeps the area at 32 bytes */
};

/* The parsed packet: what the classifier matches on. The parser fills a field only once the header
 * that holds it is entirely inside both the frame and the IP length, so a truncated header never
 * leaves a partial reading. Addresses are in network byte order (IPv4 in saddr[0], the rest zero),
 * every other multi-byte field is in host byte order. Offsets are from the start of the frame.
 */
struct fw_pkt {
	__u64 ts_ns;		/* fw_meta.ts_ns under test run, bpf_ktime_get_ns() live */
	__u32 saddr[4];		/* network order */
	__u32 daddr[4];		/* network order */
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u32 frag_id;		/* IPv4 id (16 bits) or IPv6 fragment header id, when fragmented */
	__u16 l3_proto;		/* ethertype after the VLAN tags */
	__u16 l3_off;		/* offset of the IP header */
	__u16 l4_off;		/* offset of the L4 header (first byte after IP options/ext headers) */
	__u16 payload_off;	/* offset of the L4 payload (valid when has_l4) */
	__u16 ip_len;		/* IPv4 total length, or 40 + IPv6 payload length */
	__u16 dsize;		/* L4 payload length, from the IP length (Ethernet padding excluded) */
	__u16 sport;
	__u16 dport;
	__u16 tcp_win;
	__u16 icmp_id;		/* echo request/reply only */
	__u16 icmp_seq;		/* echo request/reply only */
	__u16 frag_off;		/* fragment offset in bytes */
	__u16 vlan_id[2];	/* VLAN ids (12 bits), outermost first */
	__u8 family;		/* enum fw_family */
	__u8 l4_proto;		/* IP protocol after the extension headers (50 ESP, 59 none...) */
	__u8 tcp_flags;		/* enum fw_tcp_flag bits */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 ttl;		/* IPv4 TTL or IPv6 hop limit */
	__u8 tos;		/* IPv4 TOS or IPv6 traffic class */
	__u8 vlan_depth;	/* VLAN tags read */
	__u8 ext_depth;		/* IPv6 extension headers read (ESP and no-next-header not counted) */
	__u8 ext_seen;		/* enum fw_ext_bit bits */
	__u8 frag;		/* enum fw_frag */
	__u8 frag_flags;	/* enum fw_frag_flag bits */
	__u8 has_l4;		/* 1 when the TCP/UDP/ICMP/ICMPv6 fields above were read */
	__u8 ip_opts;		/* 1 when the IPv4 header has options (ihl > 5) */
	__u8 tcp_wscale;	/* a SYN's window scale option (0-14), FW_WSCALE_NONE without one (lib/tcpopt.h) */
	__u8 _pad;
	__u32 ifindex;		/* xdp_md.ingress_ifindex (set by the entry; 1, lo, under test run) */
	__u32 frame_len;	/* whole frame, fragments included (bpf_xdp_get_buff_len) */
};

/* How a reject rule answers (Suricata reject / rejectsrc, rejectdst, rejectboth); bpf/lib/reject.h.
 * XDP emits one frame per packet: BOTH answers the source only. */
enum fw_reject_kind {
	FW_REJECT_SRC = 0,  /* reject, rejectsrc: RST / unreachable back to the source, XDP_TX */
	FW_REJECT_DST = 1,  /* rejectdst: the answer toward the destination, XDP_PASS to the stack */
	FW_REJECT_BOTH = 2, /* rejectboth: as SRC (the destination is not answered) */
};

/* ---- Address sets ---------------------------------------------------------------------------- */

/* The three address sets, in the order the packet meets them (allow wins). Also the slot of a
 * static set in fw_aset4/fw_aset6 and the key of its writer lock in fw_aset_lock. */
enum fw_aset_kind {
	FW_ASET_ALLOW = 0, /* static: src or dst in it -> PASS, reason allow_list, nothing else checked */
	FW_ASET_DENY = 1,  /* static: src or dst in it -> DROP, reason deny_list */
	FW_ASET_BLOCK = 2, /* dynamic, with expiry: src or dst blocked -> DROP, reason dyn_block */
	FW_ASET__MAX,
};

/* Slots of fw_aset_count: entries per set and family (kind * 2 + is_v6). Zero means "skip the
 * lookups", so writers keep it non-zero whenever the live set has entries: raised before an insert
 * or a flip to a non-empty generation, lowered only after a delete or a flip to an empty one. */
enum fw_aset_slot {
	FW_ASET_SLOT_ALLOW4 = 0,
	FW_ASET_SLOT_ALLOW6 = 1,
	FW_ASET_SLOT_DENY4 = 2,
	FW_ASET_SLOT_DENY6 = 3,
	FW_ASET_SLOT_BLOCK4 = 4,
	FW_ASET_SLOT_BLOCK6 = 5,
	FW_ASET_SLOT__MAX,
};

/* LPM trie keys (the kernel's struct bpf_lpm_trie_key layout: prefix length, then the address).
 * The address is in network byte order, as in fw_pkt. */
struct fw_lpm_v4 {
	__u32 prefixlen;
	__u32 addr;
};

struct fw_lpm_v6 {
	__u32 prefixlen;
	__u32 addr[4];
};

/* Who added a dynamic block. */
enum fw_block_source {
	FW_BLOCK_MANUAL = 0, /* fwctl block add */
	FW_BLOCK_AUTO = 1,   /* a detector (scan, flood) through the same API */
};

/* fw_block.expires_ns of a block without a TTL. */
#define FW_BLOCK_NEVER 0xffffffffffffffffULL
#define FW_BLOCK_REASON_LEN 40

/* Value of fw_block4/fw_block6. Times are CLOCK_MONOTONIC nanoseconds, the bpf_ktime_get_ns()
 * domain of fw_pkt.ts_ns: a packet is dropped while ts_ns < expires_ns. */
struct fw_block {
	__u64 expires_ns;
	__u64 added_ns;
	__u64 hits;		/* packets this entry dropped (atomic add in XDP) */
	__u32 prefixlen;	/* the entry's own prefix length (the trie returns only the value) */
	__u8 source;		/* enum fw_block_source */
	__u8 _pad[3];
	char reason[FW_BLOCK_REASON_LEN]; /* UTF-8, NUL-padded, not necessarily NUL-terminated */
};

/* Value of fw_aset_lock: the process holding a set's writer lock. Userspace only. */
struct fw_aset_owner {
	__u32 pid;
	__u32 _pad;
	__u64 start_time; /* /proc/<pid>/stat field 22, so a reused pid is not taken for the owner */
};


/* ---- Events (bpf/lib/events.h; bpf/README.md "Events") ------------------------------------- */

#define FW_MAP_EVENTS "fw_events"		/* BPF_MAP_TYPE_RINGBUF of struct fw_event */
#define FW_MAP_EVENT_STATS "fw_event_stats"	/* per-CPU __u64 by enum fw_event_stat */
#define FW_MAP_EVENT_BUCKET "fw_event_bucket"	/* per-CPU struct fw_event_bucket (the flood guard) */

/* fw_event.type. Append-only. 0 is never written, so a zeroed record is recognisably not one. */
enum fw_event_type {
	FW_EVENT_ALERT = 1,	/* drop/reject/alert rules matched: a struct fw_event_alerts, one per packet */
	FW_EVENT_DPI_FLAG = 2,	/* reserved: a FLAG rule sent the packet to the DPI worker */
	FW_EVENT_BLOCK = 3,	/* a detector or a rate limit added a dynamic block (lib/autoblock.h) */
};

/* fw_event.action: the matching rule's action, in Suricata's action order (a lower value wins),
 * the same numbering as the classifier's action bands. The reject variants are all REJECT (the
 * kind is the rule's business, enum fw_reject_kind). EVE: DROP and REJECT are "blocked". */
enum fw_event_action {
	FW_EVENT_ACTION_PASS = 0,
	FW_EVENT_ACTION_DROP = 1,
	FW_EVENT_ACTION_REJECT = 2,
	FW_EVENT_ACTION_ALERT = 3,
};

/* Slots of fw_event_stats (per-CPU __u64 each). Append-only. */
enum fw_event_stat {
	FW_EVENT_STAT_EMITTED = 0,	/* alerts (and block events) written to fw_events */
	FW_EVENT_STAT_SUPPRESSED = 1,	/* not written: the flood guard (token bucket) said no */
	FW_EVENT_STAT_LOST = 2,		/* not written: fw_events was full (the ring write failed) */
	FW_EVENT_STAT__MAX,
};
#define FW_EVENT_STAT_SLOTS 8

/* cfg_event_cpu: the limiter and the counters use the running CPU's slot (live traffic). */
#define FW_EVENT_CPU_LOCAL 0xffffffffu

/* One ring-buffer record, 96 bytes. Everything a log line needs, so userspace never reads a map
 * to render it: the rule by both its sid (stable, what EVE prints) and its index in the compiled
 * ruleset (rule_idx = IR Rule.id: userspace finds msg/rev/classtype by index and checks the sid,
 * so BPF needs no rule-metadata table). Addresses network order as in fw_pkt (IPv4 in [0]), every
 * other field host order. Every byte is written, padding included. */
struct fw_event {
	__u64 ts_ns;		/* fw_pkt.ts_ns: pcap time under replay, bpf_ktime_get_ns() live */
	__u32 saddr[4];
	__u32 daddr[4];
	__u32 sid;		/* the rule's signature id */
	__u32 rule_idx;		/* the rule's index in the loaded ruleset */
	__u32 ifindex;		/* ingress interface */
	__u32 pkt_len;		/* frame length (fw_pkt.frame_len) */
	__u16 sport;		/* 0 without an L4 header, and for ICMP */
	__u16 dport;
	__u16 vlan_id[2];	/* outermost first; vlan_depth says how many are valid */
	__u8 type;		/* enum fw_event_type */
	__u8 action;		/* enum fw_event_action */
	__u8 verdict;		/* enum fw_verdict applied to the packet */
	__u8 family;		/* enum fw_family */
	__u8 l4_proto;
	__u8 tcp_flags;		/* enum fw_tcp_flag bits */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 vlan_depth;
	__u8 has_l4;		/* fw_pkt.has_l4: ports / flags / ICMP fields were read */
	__u8 _pad[6];
	/* FW_EVENT_BLOCK only (0 in other records): the block's expiry (fw_block.expires_ns), why
	 * (enum fw_ab_why) and the rate limit's id (FW_AB_WHY_RATE_LIMIT; 0 for the detectors). The
	 * packet fields describe the packet that tripped it; sid / rule_idx are its deciding rule. */
	__u64 expires_ns;
	__u32 block_why;
	__u32 block_id;
};

/* A packet's alerts, one ring record (lib/events.h): the fw_event header describes the packet and
 * carries its first alert (sid, rule_idx, action); `more` further alerts follow in `alerts`, and
 * the record is only as long as they need (offsetof(alerts) + more * sizeof(struct
 * fw_event_alert)). A packet with more than FW_EVENT_BATCH alerts writes several records. One
 * ring write per packet instead of one per alert: the reserve/commit pair costs ~50 ns. Block
 * records stay a bare struct fw_event. */
enum fw_event_batch {
	FW_EVENT_BATCH = 15, /* alerts per record at most (Suricata's packet_alert_max default) */
};

struct fw_event_alert {
	__u32 sid;
	__u32 rule_idx;
	__u8 action;		/* enum fw_event_action */
	__u8 _pad[3];
};

struct fw_event_alerts {
	struct fw_event ev;
	__u32 more;		/* alerts after the header's: entries of `alerts` in use */
	__u32 _pad;
	struct fw_event_alert alerts[FW_EVENT_BATCH - 1];
};

/* fw_event_bucket: one token bucket per CPU. tokens in units of 1e-9 event (one record costs
 * 1e9), so refill is an integer multiply: elapsed_ns * cfg_event_rate. */
struct fw_event_bucket {
	__u64 tokens;
	__u64 last_ns;		/* fw_pkt.ts_ns of the last refill */
	__u32 primed;		/* 0 until the first record: the bucket then starts full */
	__u32 _pad;
};

/* ---- SYN cookies (lib/syncookie.h; bpf/README.md "SYN cookies") -------------------------------- */

#define FW_MAP_SC_SVC "fw_sc_svc"	/* HASH fw_sc_key -> fw_sc_svc: the protected services */
#define FW_MAP_SC_COUNT "fw_sc_count"	/* ARRAY[1] of __u32: entries in fw_sc_svc (0: skip the lookup) */
#define FW_MAP_SC_STATS "fw_sc_stats"	/* per-CPU __u64 by enum fw_sc_stat */

/* fw_sc_svc.mode: when the service's SYNs are answered from XDP. */
enum fw_sc_mode {
	FW_SC_MODE_AUTO = 0,	/* while the half-open estimate exceeds the threshold */
	FW_SC_MODE_ALWAYS = 1,	/* every SYN */
};

/* Slots of fw_sc_stats (per-CPU __u64 each). Append-only. */
enum fw_sc_stat {
	FW_SC_STAT_SYN_ANSWERED = 0,	/* cookie SYN-ACK sent from XDP (XDP_TX) */
	FW_SC_STAT_SYN_PASSED = 1,	/* cookie mode off: the SYN went on (the kernel's synproxy answers) */
	FW_SC_STAT_SYN_SLOW = 2,	/* cookie mode on, not answerable here (IP options, IPv6 extension
					 * headers, payload, non-linear frame): passed to the kernel's synproxy */
	FW_SC_STAT_SYN_BAD_CSUM = 3,	/* cookie mode on, bad IPv4 or TCP checksum: dropped, not answered */
	FW_SC_STAT_ACK_VALID = 4,	/* no conntrack entry, valid cookie: passed (a completed handshake) */
	FW_SC_STAT_ACK_INVALID = 5,	/* no conntrack entry, invalid cookie: dropped, reason syncookie */
	FW_SC_STAT_ACK_CONNTRACK = 6,	/* belongs to a conntrack entry: passed unchecked */
	FW_SC_STAT_MODE_ON = 7,		/* SYNs that met cookie mode on (answered, slow or bad) */
	FW_SC_STAT_CT_REOPENED = 8,	/* a TIME_WAIT/CLOSE conntrack entry expired for a new connection
					 * on its tuple (a SYN, or an ACK with a valid cookie) */
	FW_SC_STAT__MAX,
};
#define FW_SC_STAT_SLOTS 16

/* A protected service: destination address and port. */
struct fw_sc_key {
	__u32 addr[4];		/* network order, IPv4 in [0], the rest zero */
	__u16 port;		/* host order */
	__u8 family;		/* enum fw_family */
	__u8 _pad;
};

/* A protected service's settings (userspace) and half-open estimate (XDP).
 *
 * The half-open estimate of a window: SYNs to the service in the window (win_syn) minus the
 * handshakes completed in it (win_done: ACKs with a valid cookie and no conntrack entry), floored
 * at 0. A window opens with the first SYN at least window_ns after the current one opened; it then
 * carries the estimate of the window that closed (prev_half_open; 0 when that closed more than one
 * window ago). Cookie mode is on for a SYN when mode is ALWAYS, or prev_half_open > threshold, or
 * the current window's estimate (this SYN included) > threshold. Written with atomic adds by every
 * CPU; a window roll on two CPUs at once may lose a few counts. */
struct fw_sc_svc {
	__u64 window_ns;	/* userspace: window length */
	__u32 threshold;	/* userspace: half-open SYNs per window tolerated before cookie mode */
	__u8 mode;		/* userspace: enum fw_sc_mode */
	__u8 wscale;		/* userspace: window scale in the SYN-ACK (nft synproxy wscale) */
	__u16 mss;		/* userspace: MSS in the SYN-ACK (nft synproxy mss) */
	__u64 win_start_ns;	/* XDP: fw_pkt.ts_ns that opened the current window */
	__u32 win_syn;		/* XDP: SYNs in the current window */
	__u32 win_done;		/* XDP: completed handshakes in the current window */
	__u32 prev_half_open;	/* XDP: the estimate of the window before */
	__u32 cookie_on;	/* XDP: 1 when the last SYN met cookie mode */
	__u64 syn_answered;	/* XDP: totals since the entry was written */
	__u64 ack_valid;
	__u64 ack_invalid;
};

/* ---- Classifier (lib/classify.h, lib/cls_*.h; bpf/README.md "Classifier") ------------------ */

/* Every classifier map holds two generations; which one packets use is fw_cls_active[0]. Userspace
 * (src/datapath/ruleset.ts) writes the idle generation, flips the index, then waits for running
 * programs through fw_cls_barrier (a map-in-map update returns after an RCU grace period). */
#define FW_MAP_CLS_ACTIVE "fw_cls_active"	/* ARRAY[1] of __u32: the active generation, 0 or 1 */
#define FW_MAP_CLS_BARRIER "fw_cls_barrier"	/* ARRAY_OF_MAPS[1]: updated only to wait for readers */
#define FW_MAP_CLS_CFG "fw_cls_cfg"		/* ARRAY[2] of struct fw_cls_cfg, by generation */
#define FW_MAP_CLS_ROOT "fw_cls_root"		/* ARRAY of struct fw_cls_c32: address trie roots */
#define FW_MAP_CLS_NODE "fw_cls_node"		/* ARRAY of struct fw_cls_c32: address trie nodes */
#define FW_MAP_CLS_SKIP "fw_cls_skip"		/* ARRAY of struct fw_cls_skip: path-compressed runs */
#define FW_MAP_CLS_PROJ "fw_cls_proj"		/* ARRAY of struct fw_cls_proj: address class -> side classes */
#define FW_MAP_CLS_FLD "fw_cls_fld"		/* ARRAY of struct fw_cls_c32: field value -> class */
#define FW_MAP_CLS_SUM "fw_cls_sum"		/* ARRAY of struct fw_cls_c64: block summaries per class */
#define FW_MAP_CLS_BM "fw_cls_bm"		/* ARRAY of struct fw_cls_c64: rule bitmaps per class */
#define FW_MAP_CLS_RULE "fw_cls_rule"		/* ARRAY of struct fw_cls_rule, by rule slot */
#define FW_MAP_CLS_HITS "fw_cls_hits"		/* PERCPU_ARRAY of struct fw_counter, by rule slot */
#define FW_MAP_CLS_SCRATCH "fw_cls_scratch"	/* PERCPU_ARRAY[1]: the walk's state (internal) */

/* Action bands in Suricata's order, a lower band wins; FLAG is the header half of a rule that
 * needs DPI (whatever its action). Same numbers as enum fw_event_action for pass..alert. */
enum fw_cls_band {
	FW_CLS_BAND_PASS = 0,
	FW_CLS_BAND_DROP = 1,
	FW_CLS_BAND_REJECT = 2,
	FW_CLS_BAND_ALERT = 3,
	FW_CLS_BAND_FLAG = 4,
	FW_CLS_BAND__MAX,
};

/* The final fields: each gives a packet one class, and each class a bitmap over the rule slots. */
enum fw_cls_fin {
	FW_CLS_FIN_SRC = 0,	/* source address (through the trie and fw_cls_proj.s) */
	FW_CLS_FIN_DST = 1,	/* destination address (fw_cls_proj.d) */
	FW_CLS_FIN_PF = 2,	/* IP protocol x TCP flags */
	FW_CLS_FIN_ICMP = 3,	/* ICMP/ICMPv6 type << 8 | code */
	FW_CLS_FIN_TTL = 4,
	FW_CLS_FIN_DSIZE = 5,
	FW_CLS_FIN_SPORT = 6,
	FW_CLS_FIN_DPORT = 7,
	FW_CLS_FIN__MAX,
};

/* Layout constants (an enum so that BTF carries them and test/abi.test.ts checks the mirror).
 * A field the packet lacks reads as its NONE value: ports of anything but TCP/UDP, flags of
 * anything but TCP, ICMP type/code of anything but ICMP (v4) / ICMPv6 (v6), dsize without an L4
 * header; a rule's `any` covers NONE, a condition never does. fw_cls_fld holds one u32 class per
 * value of each field, at FW_CLS_OFF_<field> + value. */
enum fw_cls_layout {
	FW_CLS_C32 = 256,		/* u32 entries per struct fw_cls_c32 */
	FW_CLS_C64 = 32,		/* u64 entries per struct fw_cls_c64 */
	FW_CLS_NONE_FLAGS = 256,	/* PF value = proto * FW_CLS_DOM_FLAGS + flags */
	FW_CLS_DOM_FLAGS = 257,
	FW_CLS_NONE_U16 = 65536,	/* ICMP, DSIZE, SPORT, DPORT */
	FW_CLS_DOM_U16 = 65537,
	FW_CLS_OFF_PF = 0,
	FW_CLS_OFF_ICMP = 65792,	/* 256 * 257 */
	FW_CLS_OFF_TTL = 131329,	/* + 65537 */
	FW_CLS_OFF_DSIZE = 131585,	/* + 256 */
	FW_CLS_OFF_SPORT = 197122,	/* + 65537 */
	FW_CLS_OFF_DPORT = 262659,	/* + 65537 */
	FW_CLS_FLD_ENTRIES = 328196,	/* + 65537 */
	FW_CLS_FLD_CHUNKS = 1283,	/* ceil(FW_CLS_FLD_ENTRIES / FW_CLS_C32) per generation */
	FW_CLS_ROOT_ENTRIES = 131072,	/* 65536 first-two-byte entries per family: IPv4, then IPv6 */
	FW_CLS_ROOT_CHUNKS = 512,	/* per generation */
	FW_CLS_MAX_SUM = 32,		/* summary words per class at most: 32 * 64 blocks * 64 slots */
};

/* Trie entries: a leaf (an address class), a node (a chunk of fw_cls_node: 256 entries, one per
 * byte value) or a skip (an entry of fw_cls_skip). Type in the top two bits; the index is relative
 * to the generation's cfg.base_proj / base_node / base_skip, so an image loads into either
 * generation unchanged. */
enum fw_cls_ent {
	FW_CLS_ENT_LEAF = 0,
	FW_CLS_ENT_NODE = 1,
	FW_CLS_ENT_SKIP = 2,
};

/* fw_cls_rule.flags */
enum fw_cls_rule_flag {
	FW_CLS_RF_TWIN2 = 1 << 0,	/* second half of a `<>` rule: reported only if the first did not match */
	FW_CLS_RF_NOALERT = 1 << 1,	/* acts, raises no alert */
	FW_CLS_RF_NOT_ND = 1 << 2,	/* drop/reject without itype: never matches IPv6 neighbour discovery */
	FW_CLS_RF_SAMEIP = 1 << 3,	/* source == destination */
	FW_CLS_RF_ICMP_ID = 1 << 4,	/* icmp_id == fw_cls_rule.icmp_id (echo-like types only) */
	FW_CLS_RF_ICMP_SEQ = 1 << 5,	/* icmp_seq == fw_cls_rule.icmp_seq */
	FW_CLS_RF_FRAGBITS = 1 << 6,	/* IPv4 fragbits, frag_mode / frag_bits */
	FW_CLS_RF_IPOPTS = 1 << 7,	/* IPv4 option ipopt (enum fw_cls_ipopt) present */
};

/* fw_cls_rule.frag_mode (Suricata 7 FragBitsMatch), bits in fw_pkt.frag_flags layout. */
enum fw_cls_frag_mode {
	FW_CLS_FRAG_EXACT = 0,
	FW_CLS_FRAG_ALL = 1,	/* these set and at least one other */
	FW_CLS_FRAG_ANY = 2,
	FW_CLS_FRAG_NOT = 3,	/* not all of these */
};

/* fw_cls_rule.ipopt: bit numbers of the options a packet carries (ANY: ihl > 5). */
enum fw_cls_ipopt {
	FW_CLS_IPOPT_EOL = 0,
	FW_CLS_IPOPT_NOP = 1,
	FW_CLS_IPOPT_RR = 2,
	FW_CLS_IPOPT_TS = 3,
	FW_CLS_IPOPT_SEC = 4,
	FW_CLS_IPOPT_LSRR = 5,
	FW_CLS_IPOPT_ESEC = 6,
	FW_CLS_IPOPT_SATID = 7,
	FW_CLS_IPOPT_SSRR = 8,
	FW_CLS_IPOPT_ANY = 15,
};

/* fw_cls_cfg.features: what the packet needs computed before the walk. */
enum fw_cls_feature {
	FW_CLS_FEAT_IPOPTS = 1 << 0,	/* some rule tests ipopts: walk the IPv4 options */
	FW_CLS_FEAT_THRESH = 1 << 1,	/* some rule has threshold / detection_filter (lib/cls_thresh.h) */
	FW_CLS_FEAT_PASS_LATE = 1 << 2,	/* the action order does not put pass first (cls_order) */
};

/* One generation's parameters. loaded = 0: no ruleset (every packet passes, pass_default). */
struct fw_cls_cfg {
	__u32 loaded;
	__u32 nslots;		/* rule slots: internal rules plus block padding */
	__u32 nwords;		/* u64 words per bitmap row: ceil(nslots / 64) */
	__u32 nsum;		/* u64 words per summary row: a power of two <= FW_CLS_MAX_SUM */
	__u32 fbase[FW_CLS_FIN__MAX];	/* first row of each final field */
	__u32 base_root;	/* this generation's first chunk in fw_cls_root */
	__u32 base_fld;		/* first chunk in fw_cls_fld */
	__u32 base_proj;	/* first entry in fw_cls_proj */
	__u32 base_rule;	/* first entry in fw_cls_rule and fw_cls_hits */
	__u32 base_sum;		/* first u64 word in fw_cls_sum (a chunk boundary) */
	__u32 base_bm;		/* first u64 word in fw_cls_bm (a chunk boundary) */
	__u32 base_node;	/* first chunk in fw_cls_node (trie entries are relative to it) */
	__u32 base_skip;	/* first entry in fw_cls_skip (trie entries are relative to it) */
	__u32 features;		/* enum fw_cls_feature */
	__u32 rule_count;	/* IR rules in this generation */
	__u32 epoch;		/* flow verdicts and flowbits stored under another epoch are ignored (lib/flow.h) */
	__u32 tag;		/* the loader's tag (fwctl: a hash of the rule files) */
	__u64 loaded_at_ns;	/* CLOCK_MONOTONIC when it was written */
};

/* struct fw_cls_c32 / fw_cls_c64: an array map element is rounded up to 8 bytes, so small entries
 * are packed into chunks: entry i is chunk i / N, slot i % N. */
struct fw_cls_c32 {
	__u32 e[256];
};

struct fw_cls_c64 {
	__u64 e[32];
};

/* A path-compressed run of the trie: the address matches when (addr & mask) == val over its 16
 * bytes (read as two u64 in memory order, as the packet's address is); the walk then continues
 * at `next` with byte `depth`; otherwise the address's class is `miss`. */
struct fw_cls_skip {
	__u64 mask[2];
	__u64 val[2];
	__u32 next;
	__u32 miss;
	__u32 depth;
	__u32 _pad;
};

/* An address class maps to a source-side and a destination-side class. */
struct fw_cls_proj {
	__u32 s;
	__u32 d;
};

/* One rule slot (a `<>` rule has two). rank orders the rules as the reference does (band,
 * priority, sid, gid, load order): the matching rule of lowest rank wins. */
struct fw_cls_rule {
	__u32 rule_id;		/* IR Rule.id (events' rule_idx); 0xffffffff for an empty slot */
	__u32 sid;
	__u32 rank;
	__u32 twin;		/* the other half's slot of a `<>` rule, else this slot */
	__u8 band;		/* enum fw_cls_band */
	__u8 action;		/* enum fw_event_action */
	__u8 reject_kind;	/* enum fw_reject_kind (band REJECT) */
	__u8 flags;		/* enum fw_cls_rule_flag */
	__u8 frag_mode;		/* enum fw_cls_frag_mode */
	__u8 frag_bits;		/* enum fw_frag_flag bits */
	__u8 ipopt;		/* enum fw_cls_ipopt */
	__u8 flow;		/* enum fw_cls_flow_flag: flow keywords and flowbits (lib/flow.h flow_residual) */
	__u16 icmp_id;
	__u16 icmp_seq;
	__u32 thr_count;	/* threshold / detection_filter count (lib/cls_thresh.h), when thr_type */
	/* flowbits (bit numbers assigned by the planner, at most 64 names per ruleset), tested on the
	 * flow's bits as the packet found them: every bit of fb_all set, one of fb_any set (when
	 * non-zero: an `isset,a|b`), every bit of fb_none clear, one of fb_notany clear. A matching
	 * rule's effects are gathered over the packet's matches and applied after it:
	 * bits = ((bits | set) & ~unset) ^ toggle. */
	__u64 fb_all;
	__u64 fb_any;
	__u64 fb_none;
	__u64 fb_notany;
	__u64 fb_set;
	__u64 fb_unset;
	__u64 fb_toggle;
	__u32 thr_seconds;	/* threshold / detection_filter seconds */
	__u8 thr_type;		/* enum fw_thr_type: 0 none */
	__u8 thr_track;		/* enum fw_thr_track */
	__u8 scope;		/* enum fw_cls_scope: what the rule's deciding verdict applies to */
	__u8 _pad3;
};

/* fw_cls_rule.scope: whether a drop/reject/pass that decides a packet is stored on its flow
 * (lib/flow.h flow_record). The planner sets it by the ruleset's action-scope policy
 * (src/rules/action-scope.ts): FLOW for every rule under `flow`; FLOW_ANY for IP-only rules and
 * PACKET for the others under `suricata`. */
enum fw_cls_scope {
	FW_CLS_SCOPE_FLOW = 0,	   /* a TCP flow keeps it: dropped stays dropped, passed is not classified again */
	FW_CLS_SCOPE_PACKET = 1,   /* the verdict is this packet's alone */
	FW_CLS_SCOPE_FLOW_ANY = 2, /* as FLOW, for a flow of any protocol (UDP, ICMP...) */
};

/* fw_cls_rule.flow: the flow keyword's conditions on the packet's flow (lib/flow.h), and whether
 * the rule reads or writes flowbits. A packet without a flow (a non-first fragment) matches none
 * of them, stateless included (Suricata: "packets not seen as part of a flow won't match"). */
enum fw_cls_flow_flag {
	FW_CLS_FL_ESTABLISHED = 1 << 0,	/* flow:established */
	FW_CLS_FL_NOT_ESTABLISHED = 1 << 1,	/* flow:not_established */
	FW_CLS_FL_TO_SERVER = 1 << 2,	/* flow:to_server / from_client */
	FW_CLS_FL_TO_CLIENT = 1 << 3,	/* flow:to_client / from_server */
	FW_CLS_FL_STATELESS = 1 << 4,	/* flow:stateless (any packet of a flow, whatever its state) */
	FW_CLS_FL_FLOWBITS = 1 << 5,	/* fb_* tests or effects */
};

/* ---- Flow table (lib/flow.h; bpf/README.md "Flow table") ------------------------------------ */

#define FW_MAP_FLOW_HALF "fw_flow_half"		/* LRU_HASH fw_flow_key -> fw_flow: not (yet) established */
#define FW_MAP_FLOW_EST "fw_flow_est"		/* LRU_HASH fw_flow_key -> fw_flow: established flows */
#define FW_MAP_FLOW_STATS "fw_flow_stats"	/* PERCPU_ARRAY of __u64 by enum fw_flow_stat */
#define FW_MAP_FLOW_CFG "fw_flow_cfg"		/* ARRAY[1] of struct fw_flow_cfg: timeouts, midstream */

/* fw_flow.state. TCP follows the handshake and teardown; UDP, ICMP and other protocols have two
 * pseudo-states, NEW (one direction seen) and ESTABLISHED (both). */
enum fw_flow_state {
	FW_FLOW_NEW = 0,		/* UDP/ICMP/other: only the client has sent */
	FW_FLOW_SYN_SENT = 1,		/* TCP: SYN seen */
	FW_FLOW_SYN_RECV = 2,		/* TCP: SYN-ACK seen */
	FW_FLOW_ESTABLISHED = 3,	/* TCP: handshake's ACK seen; UDP/ICMP: both directions seen */
	FW_FLOW_FIN_WAIT = 4,		/* TCP: one side sent FIN */
	FW_FLOW_CLOSING = 5,		/* TCP: both sides sent FIN */
	FW_FLOW_TIME_WAIT = 6,		/* TCP: the last FIN acknowledged */
	FW_FLOW_CLOSED = 7,		/* TCP: RST */
	FW_FLOW_UNTRACKED = 8,		/* TCP: began without a SYN while midstream pickup is off */
	FW_FLOW_STATE__MAX,
};

/* fw_flow.verdict: what a rule decided for the rest of the flow (TCP only, bpf/README.md). */
enum fw_flow_verdict {
	FW_FLOW_V_NONE = 0,
	FW_FLOW_V_DROP = 1,	/* a drop/reject rule dropped a packet: later packets flow_drop */
	FW_FLOW_V_PASS = 2,	/* a pass rule won: later packets rule_pass, not classified */
};

/* Slots of fw_flow_cfg.timeout_ns (0 there: the default, Suricata's flow-timeouts). */
enum fw_flow_timeout {
	FW_FLOW_TO_TCP_NEW = 0,		/* SYN_SENT, SYN_RECV, UNTRACKED: 60 s */
	FW_FLOW_TO_TCP_EST = 1,		/* ESTABLISHED, FIN_WAIT, CLOSING: 600 s */
	FW_FLOW_TO_TCP_CLOSED = 2,	/* TIME_WAIT, CLOSED: 60 s */
	FW_FLOW_TO_UDP_NEW = 3,		/* 30 s */
	FW_FLOW_TO_UDP_EST = 4,		/* 300 s */
	FW_FLOW_TO_ICMP_NEW = 5,	/* 30 s */
	FW_FLOW_TO_ICMP_EST = 6,	/* 300 s */
	FW_FLOW_TO_OTHER_NEW = 7,	/* 30 s */
	FW_FLOW_TO_OTHER_EST = 8,	/* 300 s */
	FW_FLOW_TO__MAX,
};

/* fw_flow_cfg.midstream */
enum fw_flow_midstream {
	FW_FLOW_MIDSTREAM_OFF = 0,	/* default (Suricata stream.midstream: false): UNTRACKED */
	FW_FLOW_MIDSTREAM_ON = 1,	/* an ACK without a flow starts ESTABLISHED (sender = client), a SYN-ACK SYN_RECV */
};

/* fw_flow_cfg.invalid: what happens to a TCP packet out of state (a transition the state machine
 * refuses, or a packet of a flow it could not pick up: no SYN, midstream off) — nftables'
 * `ct state invalid`, Suricata's stream.drop-invalid. */
enum fw_flow_invalid {
	FW_FLOW_INVALID_PASS = 0,	/* default: counted (FW_FLOW_STAT_INVALID), then classified as any packet */
	FW_FLOW_INVALID_DROP = 1,	/* dropped before the rules, reason FW_REASON_FLOW_INVALID */
};

/* Value of fw_flow_cfg[0]. Userspace writes it (Datapath flows option); a packet reads it once. */
struct fw_flow_cfg {
	__u64 timeout_ns[16];	/* by enum fw_flow_timeout; 0: the default */
	__u32 midstream;	/* enum fw_flow_midstream */
	__u32 invalid;		/* enum fw_flow_invalid */
};

/* Slots of fw_flow_stats (per-CPU __u64 each). Append-only. Evictions are not seen by the program
 * (the LRU drops an entry inside an insert): userspace derives them per map as
 * inserts - deletes - live entries. */
enum fw_flow_stat {
	FW_FLOW_STAT_CREATED = 0,	/* flows created (a first packet, or a SYN reusing a closed flow) */
	FW_FLOW_STAT_HALF_INSERT = 1,	/* entries inserted into fw_flow_half */
	FW_FLOW_STAT_HALF_DELETE = 2,	/* entries the program deleted from fw_flow_half (promotion, expiry, reuse) */
	FW_FLOW_STAT_EST_INSERT = 3,	/* entries inserted into fw_flow_est */
	FW_FLOW_STAT_EST_DELETE = 4,	/* entries the program deleted from fw_flow_est (expiry, reuse) */
	FW_FLOW_STAT_PROMOTED = 5,	/* flows moved from half to est */
	FW_FLOW_STAT_EXPIRED = 6,	/* flows found past their state's timeout (replaced by a new one) */
	FW_FLOW_STAT_REUSED = 7,	/* a SYN on a TIME_WAIT / CLOSED / UNTRACKED flow started a new one */
	FW_FLOW_STAT_INVALID = 8,	/* TCP packets out of state (the state is kept, the packet classified) */
	FW_FLOW_STAT_INSERT_FAILED = 9,	/* an insert failed: the packet went on without a flow */
	FW_FLOW_STAT_VERDICT_DROP = 10,	/* packets dropped by a stored drop verdict (flow_drop) */
	FW_FLOW_STAT_VERDICT_PASS = 11,	/* packets passed by a stored pass verdict, unclassified */
	FW_FLOW_STAT_NO_FLOW = 12,	/* IP packets without a flow (non-first fragments) */
	FW_FLOW_STAT_ENTER = 16,	/* + enum fw_flow_state: transitions into that state (creation included) */
	FW_FLOW_STAT__MAX = 32,
};
#define FW_FLOW_STAT_SLOTS 32

/* THE flow key: both directions give one key (the lower endpoint, by address then port, first;
 * addresses compared as big-endian numbers), VLAN ids in it (outermost first, 0 when absent).
 * TCP/UDP: the ports; ICMP/ICMPv6 echo request and reply: the identifier on both sides (so a
 * reply finds its request); other ICMP and other protocols: ports 0. */
struct fw_flow_key {
	__u32 addr[2][4];	/* network order, IPv4 in [i][0] */
	__u16 port[2];
	__u16 vlan[2];
	__u8 family;
	__u8 proto;
	__u16 _pad;
};

/* One side's TCP sequence space, as the flow table tracks it (lib/flow.h flow_window; the
 * window tracking of Linux conntrack's tcp_in_window): what it sent and what the other side lets it
 * send. Sequence numbers compare modulo 2^32. */
struct fw_flow_win {
	__u32 end;		/* the highest seq + len (+1 for SYN, FIN) it sent */
	__u32 maxend;		/* the highest seq it may send: the other side's ack + window */
	__u32 maxwin;		/* the largest window it advertised (scaled) */
	__u8 scale;		/* its window scale (0 unless both SYNs carried the option) */
	__u8 known;		/* 1 once a packet of this side set the fields */
	__u16 _pad;
};

/* fw_pkt.tcp_wscale without the option. */
enum fw_wscale {
	FW_WSCALE_NONE = 0xff,
};

/* A flow (value of fw_flow_half / fw_flow_est). Endpoint i is key.addr[i], key.port[i]. */
struct fw_flow {
	__u64 first_ns;		/* fw_pkt.ts_ns of its first packet */
	__u64 last_ns;		/* of its last packet (timeouts count from here) */
	__u64 flowbits;		/* bit per flowbit name (the planner's numbering) */
	__u64 pkts[2];		/* packets from the client [0] and from the server [1] */
	__u32 sid;		/* the rule of the stored verdict */
	__u32 epoch;		/* fw_cls_cfg.epoch the verdict and the flowbits belong to */
	__u8 state;		/* enum fw_flow_state */
	__u8 client;		/* index (0/1) of the client endpoint in the key */
	__u8 verdict;		/* enum fw_flow_verdict */
	__u8 fin;		/* FIN seen: bit 0 from the client, bit 1 from the server */
	__u8 nowin;		/* windows not tracked (a service behind SYNPROXY: FW_FLAG_SYNPROXY) */
	__u8 _pad[3];
	struct fw_flow_win win[2]; /* the client's [0] and the server's [1] (TCP) */
};

#ifdef __bpf__
/* Builds the key of a parsed packet; returns the index (0/1) of the sender's endpoint in it, or
 * -1 when the packet has no flow (no IP header, or a non-first fragment: no ports). The one
 * function that builds flow keys (Suricata's bypass broke on keys built two ways). */
static __always_inline int fw_flow_key(const struct fw_pkt *pkt, struct fw_flow_key *key)
{
	__u16 sp = 0, dp = 0;
	int c = 0, swap;

	if (pkt->family != FW_FAMILY_IPV4 && pkt->family != FW_FAMILY_IPV6)
		return -1;
	if (pkt->frag == FW_FRAG_NON_FIRST)
		return -1;
	if (pkt->has_l4 && (pkt->l4_proto == 6 || pkt->l4_proto == 17)) {
		sp = pkt->sport;
		dp = pkt->dport;
	} else if (pkt->has_l4 && (pkt->l4_proto == 1 || pkt->l4_proto == 58)) {
		__u8 t = pkt->icmp_type;

		if (t == 0 || t == 8 || t == 128 || t == 129)
			sp = dp = pkt->icmp_id;
	}
	for (int i = 0; i < 4 && !c; i++) {
		__u32 x = __builtin_bswap32(pkt->saddr[i]), y = __builtin_bswap32(pkt->daddr[i]);

		c = x < y ? -1 : x > y ? 1 : 0;
	}
	swap = c > 0 || (c == 0 && sp > dp);
	__builtin_memcpy(key->addr[0], swap ? pkt->daddr : pkt->saddr, 16);
	__builtin_memcpy(key->addr[1], swap ? pkt->saddr : pkt->daddr, 16);
	key->port[0] = swap ? dp : sp;
	key->port[1] = swap ? sp : dp;
	key->vlan[0] = pkt->vlan_depth > 0 ? pkt->vlan_id[0] : 0;
	key->vlan[1] = pkt->vlan_depth > 1 ? pkt->vlan_id[1] : 0;
	key->family = pkt->family;
	key->proto = pkt->l4_proto;
	key->_pad = 0;
	return swap;
}
#endif

/* ---- Thresholds (lib/cls_thresh.h; bpf/README.md "Thresholds") ------------------------------ */

#define FW_MAP_THR_STATE "fw_thr_state"	/* LRU_HASH fw_thr_key -> fw_thr_state */

/* fw_cls_rule.thr_type: Suricata's threshold types and detection_filter. */
enum fw_thr_type {
	FW_THR_NONE = 0,
	FW_THR_LIMIT = 1,	/* threshold type limit: alert on the first count matches per window */
	FW_THR_THRESHOLD = 2,	/* threshold type threshold: act and alert on every count-th match */
	FW_THR_BOTH = 3,	/* threshold type both: act and alert on the count-th match, act silently after */
	FW_THR_DETECTION = 4,	/* detection_filter: match only after count matches within seconds */
};

/* fw_cls_rule.thr_track: what one counter is kept per. */
enum fw_thr_track {
	FW_THR_BY_SRC = 0,
	FW_THR_BY_DST = 1,
	FW_THR_BY_RULE = 2,
	FW_THR_BY_BOTH = 3,	/* the address pair, either direction */
	FW_THR_BY_FLOW = 4,	/* the 5-tuple, either direction */
};

/* One counter: the rule (its IR id and its generation's epoch, so a new ruleset starts afresh)
 * and the tracked addresses (network order; by_both / by_flow: the lower endpoint first). */
struct fw_thr_key {
	__u32 rule_id;
	__u32 epoch;
	__u32 addr[2][4];
	__u16 port[2];
	__u8 family;
	__u8 proto;
	__u8 track;
	__u8 _pad;
};

struct fw_thr_state {
	__u64 tv1_ns;		/* the window's start (Suricata tv1) */
	__u64 seq;		/* the packet that last updated it (so a packet counts once) */
	__u32 count;		/* Suricata current_count */
	__u32 result;		/* that packet's outcome: 0 no match, 1 match and alert, 2 match, no alert */
};

/* ---- Rate limits and automatic blocks (lib/ratelimit.h, lib/autoblock.h) -------------------- */

#define FW_MAP_RL_CTL "fw_rl_ctl"	/* ARRAY[1] of struct fw_rl_ctl: what is on (userspace writes) */
#define FW_MAP_RL_CFG "fw_rl_cfg"	/* ARRAY[FW_RL_MAX] of struct fw_rl_limit (userspace writes) */
#define FW_MAP_RL_STATE "fw_rl_state"	/* LRU_HASH fw_rl_key -> fw_rl_bucket */
#define FW_MAP_RL_STATS "fw_rl_stats"	/* PERCPU_ARRAY[FW_RL_MAX] of struct fw_rl_stat */
#define FW_MAP_AB_STATE "fw_ab_state"	/* LRU_HASH fw_ab_key -> fw_ab_src: detector state per source */
#define FW_MAP_AB_PORTS "fw_ab_ports"	/* LRU_HASH fw_ab_port_key -> __u8: ports a source probed */
#define FW_MAP_AB_STATS "fw_ab_stats"	/* PERCPU_ARRAY[FW_AB_STAT_SLOTS] of __u64 by enum fw_ab_stat */

/* Rate limit slots (fw_rl_cfg entries). */
#define FW_RL_MAX 16
#define FW_AB_STAT_SLOTS 8

/* fw_rl_limit.track: what one bucket is kept per. */
enum fw_rl_track {
	FW_RL_TRACK_SRC = 0,	/* the source address */
	FW_RL_TRACK_PREFIX = 1,	/* the source's prefix4 / prefix6 */
	FW_RL_TRACK_RULE = 2,	/* the deciding rule (its sid): packets a rule decided, one bucket each */
};

/* fw_rl_limit.flags */
enum fw_rl_flag {
	FW_RL_F_MONITOR = 1 << 0,	/* count what exceeds, pass it, block nothing */
};

/* fw_rl_ctl.ab_flags */
enum fw_ab_flag {
	FW_AB_F_SCAN = 1 << 0,		/* port-scan detection on */
	FW_AB_F_FLOOD = 1 << 1,		/* flood detection on */
	FW_AB_F_MONITOR = 1 << 2,	/* detect and log, block nothing */
};

/* Why an automatic block was added (fw_event.block_why; the reason text in fw_block). */
enum fw_ab_why {
	FW_AB_WHY_RATE_LIMIT = 1,
	FW_AB_WHY_SCAN = 2,
	FW_AB_WHY_FLOOD = 3,
};

/* Slots of fw_ab_stats. Append-only. */
enum fw_ab_stat {
	FW_AB_STAT_SCAN = 0,		/* sources found scanning */
	FW_AB_STAT_FLOOD = 1,		/* sources found flooding */
	FW_AB_STAT_RL_BLOCK = 2,	/* sources a rate limit blocked */
	FW_AB_STAT_BLOCK_FAILED = 3,	/* a block-list insert failed (the trie full) */
	FW_AB_STAT__MAX,
};

/* The switches, read once per packet: nothing below costs more than this read when all is off.
 * Userspace writes the limits first, then this. */
struct fw_rl_ctl {
	__u32 nlimits;		/* fw_rl_cfg[0 .. nlimits) are in force */
	__u32 ab_flags;		/* enum fw_ab_flag */
	__u32 scan_ports;	/* a source probing more distinct destination ports than this per window is a scan */
	__u32 _pad;
	__u64 scan_window_ns;
	__u64 flood_packets;	/* a source sending more packets than this per window is a flood */
	__u64 flood_window_ns;
	__u64 block_ns;		/* how long a detector's block lasts */
};

/* One rate limit: token buckets in packets and bytes per second (0: that one is off), each with
 * a burst. Tokens are in 1e-9 units (events.h's arithmetic): a refill is elapsed_ns * rate. */
struct fw_rl_limit {
	__u32 id;		/* the operator's id; part of the bucket key, so a changed limit starts afresh */
	__u32 flags;		/* enum fw_rl_flag */
	__u8 track;		/* enum fw_rl_track */
	__u8 prefix4;		/* FW_RL_TRACK_PREFIX: 0..32 */
	__u8 prefix6;		/* 0..128 */
	__u8 _pad;
	__u32 sid;		/* FW_RL_TRACK_RULE: only this sid (0: every rule) */
	__u64 pps;		/* packets per second */
	__u64 pburst;		/* packets */
	__u64 bps;		/* bytes per second */
	__u64 bburst;		/* bytes */
	__u64 block_ns;		/* > 0: an exceeding source is put in the block list for this long */
};

struct fw_rl_key {
	__u32 id;		/* fw_rl_limit.id */
	__u32 sid;		/* FW_RL_TRACK_RULE */
	__u32 addr[4];		/* the source (masked for PREFIX), network order */
	__u8 family;
	__u8 _pad[3];
};

struct fw_rl_bucket {
	__u64 ptokens;
	__u64 btokens;
	__u64 last_ns;
};

/* Per-CPU counters of one limit. */
struct fw_rl_stat {
	__u64 passed;		/* packets within the limit */
	__u64 exceeded;		/* packets beyond it (dropped, or passed in monitor mode) */
	__u64 blocked;		/* sources it put in the block list */
};

struct fw_ab_key {
	__u32 addr[4];
	__u8 family;
	__u8 _pad[3];
};

struct fw_ab_src {
	__u64 scan_start;	/* the scan window's start; 0: none yet */
	__u64 flood_start;
	__u64 flood_count;
	__u32 scan_count;	/* distinct (protocol, port) probed in the window */
	__u32 _pad;
};

/* A probed port: a new key in a window counts once. */
struct fw_ab_port_key {
	__u32 addr[4];
	__u64 win;		/* fw_ab_src.scan_start */
	__u16 port;
	__u8 family;
	__u8 proto;
	__u32 _pad;
};

#endif /* FWCTL_ABI_H */
