/* SPDX-License-Identifier: MIT */
/* classify.h — the verdict of the header rules for a well-formed IP packet.
 *
 * The ruleset is compiled by src/rules/plan into the maps of cls_maps.h and made active by one
 * index flip (src/datapath/ruleset.ts). Per packet: the active generation (one array read), the
 * flow's state (lib/flow.h, looked up before), each field's class (cls_classes.h), the bitmap walk (cls_walk.h), then the
 * decision exactly as src/rules/reference/README.md states it:
 *
 *   winner's band | verdict | reason      | alerts                                  | dpi flag
 *   none          | pass    | pass_default (fragment for a non-first fragment)     | -
 *   pass          | pass    | rule_pass   | none                                    | -
 *   drop / reject | drop / reject | rule_drop / rule_reject | every matching drop/reject/alert rule | -
 *   alert         | pass    | rule_alert  | as drop                                 | if a FLAG rule matched
 *   flag          | pass    | rule_flag   | none                                    | yes
 *
 * and the act phase: per-rule counters and one alert_push per alerting match, one alerts_flush. The flow table
 * (lib/flow.h) stores the verdict on the flow afterwards (flow_record). The caller answers a REJECT with reject_packet().
 */
#ifndef FW_CLASSIFY_H
#define FW_CLASSIFY_H

#include "fwctl_abi.h"
#include "verdict.h"
#include "parse.h"
#include "cls_maps.h"
#include "cls_classes.h"
#include "cls_walk.h"
#include "optwalk.h"

/* The IPv4 option types `ipopts` names, and their enum fw_cls_ipopt. */
#define CLS_IPOPT_TYPES 9
static const __u8 cls_ipopt_types[CLS_IPOPT_TYPES][2] = {
	{ 0, FW_CLS_IPOPT_EOL },    { 1, FW_CLS_IPOPT_NOP },	  { 7, FW_CLS_IPOPT_RR },
	{ 68, FW_CLS_IPOPT_TS },    { 130, FW_CLS_IPOPT_SEC },	  { 131, FW_CLS_IPOPT_LSRR },
	{ 133, FW_CLS_IPOPT_ESEC }, { 136, FW_CLS_IPOPT_SATID }, { 137, FW_CLS_IPOPT_SSRR },
};

/* The enum fw_cls_ipopt bits of the option types the packet's IPv4 options hold (lib/optwalk.h). */
static __always_inline __u16 cls_ipopts(struct xdp_md *ctx, const struct fw_pkt *pkt)
{
	struct opt_walk *w = opt_walk(ctx, pkt->l3_off + 20, pkt->l4_off - pkt->l3_off - 20, 0, 0);
	__u16 mask = 0;

	if (!w)
		return 0;
	for (int k = 0; k < CLS_IPOPT_TYPES; k++)
		if (opt_seen(w, cls_ipopt_types[k][0]))
			mask |= 1 << cls_ipopt_types[k][1];
	return mask;
}

/* The per-packet inputs of the rare keywords (struct cls_pktx). */
static __always_inline void cls_extras(struct xdp_md *ctx, const struct fw_pkt *pkt, const struct fw_cls_cfg *cfg,
				       struct cls_walk *s)
{
	int icmp4 = pkt->has_l4 && pkt->family == FW_FAMILY_IPV4 && pkt->l4_proto == IPPROTO_ICMP;
	int icmp6 = pkt->has_l4 && pkt->family == FW_FAMILY_IPV6 && pkt->l4_proto == IPPROTO_ICMPV6;
	__u8 t = pkt->icmp_type;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct cls_pktx *x = &s->x;
	const __u8 *h;

	x->is_v4 = pkt->family == FW_FAMILY_IPV4;
	x->is_nd = icmp6 && t >= 133 && t <= 137;
	x->sameip = pkt->saddr[0] == pkt->daddr[0] && pkt->saddr[1] == pkt->daddr[1] &&
		    pkt->saddr[2] == pkt->daddr[2] && pkt->saddr[3] == pkt->daddr[3];
	x->frag_flags = pkt->frag_flags;
	x->ip_opts = pkt->ip_opts;
	x->ipopts = 0;
	if ((cfg->features & FW_CLS_FEAT_IPOPTS) && x->is_v4 && pkt->ip_opts)
		x->ipopts = cls_ipopts(ctx, pkt);
	/* Echo, timestamp, information and address-mask messages carry id and seq (the parser reads
	 * them for echo only). */
	x->id_ok = (icmp4 && (t == 0 || t == 8 || (t >= 13 && t <= 18))) || (icmp6 && (t == 128 || t == 129));
	x->icmp_id = 0;
	x->icmp_seq = 0;
	h = data + (pkt->l4_off & 0xfff); /* the header was read from the linear part: < 4 KiB */
	if (x->id_ok && (void *)(h + 8) <= data_end) {
		x->icmp_id = (__u16)h[4] << 8 | h[5];
		x->icmp_seq = (__u16)h[6] << 8 | h[7];
	}
}

static __always_inline void cls_decide(const struct cls_walk *s, struct fw_result *res)
{
	res->sig_id = s->wsid;
	switch (s->band) {
	case FW_CLS_BAND_PASS:
		res->reason = FW_REASON_RULE_PASS;
		return;
	case FW_CLS_BAND_DROP:
		res->verdict = FW_VERDICT_DROP;
		res->reason = FW_REASON_RULE_DROP;
		break;
	case FW_CLS_BAND_REJECT:
		res->verdict = FW_VERDICT_REJECT;
		res->reason = FW_REASON_RULE_REJECT;
		break;
	case FW_CLS_BAND_ALERT:
		res->reason = FW_REASON_RULE_ALERT;
		if (s->flagged)
			res->flags |= FW_FLAG_DPI;
		break;
	default:
		res->reason = FW_REASON_RULE_FLAG;
		res->flags |= FW_FLAG_DPI;
		return;
	}
}

/* An action order without pass first (FW_CLS_FEAT_PASS_LATE): the matches apply in rank order up
 * to the first pass rule (Suricata's PacketAlertFinalize), so the packet is decided by the
 * best-ranked drop/reject rule ranked before that pass, else by the pass, else by the best match
 * (an alert or a DPI flag). The decision fields are re-pointed at that rule; which matches count
 * and alert is cls_applies's business in the act phase. */
static __always_inline void cls_order(struct cls_walk *s)
{
	struct fw_cls_rule *ri;
	__u32 slot;

	if (s->dr_rank < s->pass_rank)
		slot = s->dr_slot;
	else if (s->pass_rank != FW_CLS_RANK_NONE)
		slot = s->pass_slot;
	else
		return;
	ri = cls_rule(s, slot);
	if (!ri)
		return;
	s->winner = slot;
	s->band = ri->band;
	s->wsid = ri->sid;
	s->wrule = ri->rule_id;
	s->wkind = ri->reject_kind;
	s->wscope = ri->scope;
}

/* Fills res (verdict, reason, sig_id, flags) from ruleset generation gen (cls_active_gen(), read
 * once by fw_xdp: the flow table and the classifier see the same one); returns the enum
 * fw_reject_kind for a REJECT. A global function: the verifier checks it once, apart from the
 * parser's many paths (inlined, the two multiply). It re-derives the packet pointers from ctx,
 * which it must not move. */
__noinline int fw_classify(struct xdp_md *ctx, const struct fw_pkt *pkt, struct fw_result *res, __u32 gen)
{
	struct fw_cls_cfg *cfg;
	struct cls_walk *s;
	__u32 zero = 0;

	if (!ctx || !pkt || !res)
		return 0;
	res->verdict = FW_VERDICT_PASS;
	res->reason = pkt->frag == FW_FRAG_NON_FIRST ? FW_REASON_FRAGMENT : FW_REASON_PASS_DEFAULT;
	gen &= 1;
	cfg = bpf_map_lookup_elem(&fw_cls_cfg, &gen);
	if (!cfg || !cfg->loaded)
		return 0;
	s = bpf_map_lookup_elem(&fw_cls_scratch, &zero);
	if (!s)
		return 0;
	s->nsum = cfg->nsum;
	s->nwords = cfg->nwords;
	s->base_sum = cfg->base_sum;
	s->base_bm = cfg->base_bm;
	s->base_rule = cfg->base_rule;
	s->pass_late = !!(cfg->features & FW_CLS_FEAT_PASS_LATE);
	cls_extras(ctx, pkt, cfg, s);
	cls_rows(cfg, pkt, s->row);
	for (int f = 0; f < FW_CLS_FIN__MAX; f++) {
		s->sum_at[f] = s->base_sum + s->row[f] * s->nsum;
		s->bm_at[f] = s->base_bm + s->row[f] * s->nwords;
	}
	cls_reset(s);
	cls_thresh_begin(cfg);
	cls_walk(s, pkt, 0);
	flow_freeze();
	if (s->rank == FW_CLS_RANK_NONE)
		return 0;
	s->silenced = s->band == FW_CLS_BAND_PASS; /* a pass ranked first: nothing else applies */
	s->emit = cls_band_alerts(s->band);
	if (s->pass_late)
		cls_order(s);
	cls_decide(s, res);
	flow_scope(s->wscope);
	s->verdict = res->verdict;
	alerts_begin();
	cls_act(s, pkt);
	if (s->emit && s->nalert)
		alerts_flush(pkt, s->verdict);
	if (s->raised)
		res->flags |= FW_FLAG_ALERT;
	return s->wkind;
}

#endif /* FW_CLASSIFY_H */
