// fwctl trace: one packet through the instance's loaded program (BPF_PROG_TEST_RUN on the pinned
// fw_xdp, with the instance's maps), and why: the winning rule, every rule whose header matches
// (in decision order), and the nearest rules that do not, with the fields that failed. The rules
// are the active generation's, compiled again from the text it was loaded from (same text, same
// IR ids). The run is real: the packet is counted in the instance's counters, alert rules emit
// alert events, and a dropped TCP packet marks its flow dropped, exactly as on the wire.
import { monotonicNowNs } from '../addrset/index.ts';
import { activeGeneration, MIN_TEST_FRAME, MAX_TEST_FRAME } from '../datapath/index.ts';
import { openPcap, PcapError } from '../pcap/index.ts';
import { type ActionOrder, DEFAULT_ACTION_ORDER, type Rule } from '../rules/index.ts';
import { band, compareRules, decodeFrame, type DecodedPacket, evaluate, hasThreshold, unmodelled } from '../rules/reference/index.ts';
import { recompile } from './compile.ts';
import { ControlError } from './errors.ts';
import { explainRule, type FieldCheck } from './explain.ts';
import { dirOf, openPinned, type Where } from './instance.ts';
import { readGeneration, readGenerationSources, ruleInfo } from './meta.ts';
import { buildPacket, formatPacketSpec, parsePacketSpec } from './packet-spec.ts';
import type { RuleInfo } from './state.ts';

export interface TraceRequest extends Where {
  /** A packet description (words), or */
  packet?: string[];
  /** a capture and the 1-based index of the packet in it. */
  pcap?: string;
  index?: number;
  /** Non-matching rules to explain (default 3). */
  near?: number;
}

export interface TracedRule extends RuleInfo {
  winner?: boolean;
  failed?: FieldCheck[];
}

export interface TraceReport {
  instance: string;
  packet: { description: string; bytes: number; pcap?: string; pcapCnt?: number };
  result: { verdict: string; reason: string; action: string; sigId: number; flags: number };
  generation: { index: 0 | 1; tag: number } | null;
  winner: RuleInfo | null;
  /** Every rule whose header matches, in decision order (band, priority, sid). */
  matching: TracedRule[];
  /** The rules that fail on the fewest fields, with those fields. */
  nearest: TracedRule[];
  /** The reference evaluator's decision on the packet alone (no address sets, no flow state). */
  reference: { verdict: string; reason: string; sigId: number; alerts: number[] } | null;
  notes: string[];
}

const BEFORE_RULES: Record<string, string> = {
  allow_list: 'the allow list passed it before any rule was asked',
  deny_list: 'the deny list dropped it before any rule was asked',
  dyn_block: 'the dynamic block list dropped it before any rule was asked',
  flow_drop: 'its flow was dropped earlier by a rule (the flow table); no rule was asked',
  flow_invalid: 'out of TCP state, and the flow table drops such packets (fwctl flows config --invalid drop); no rule was asked',
  rate_limit: 'a rate limit dropped it',
  non_ip: 'not IP: rules never see it',
  fragment: 'a non-first fragment no rule matched',
};

function pickPacket(req: TraceRequest): { frame: Buffer; description: string; pcap?: string; pcapCnt?: number } {
  if (req.pcap !== undefined) {
    if (req.packet && req.packet.length > 0) throw new ControlError('E_CLI_USAGE', 'args', 'invalid', 'give a packet description or --pcap FILE --index N, not both');
    const index = req.index ?? 1;
    if (!Number.isInteger(index) || index < 1) throw new ControlError('E_CLI_BAD_VALUE', 'args', 'invalid', `--index is 1-based, not ${req.index}`);
    try {
      for (const p of openPcap(req.pcap)) {
        if (p.index === index) return { frame: Buffer.from(p.frame), description: describeDecoded(decodeFrame(p.frame)), pcap: req.pcap, pcapCnt: index };
      }
    } catch (e) {
      if (e instanceof PcapError) throw new ControlError(`E_PCAP_${e.code.toUpperCase().replaceAll('-', '_')}`, 'args', 'invalid', e.message);
      throw e;
    }
    throw new ControlError('E_TRACE_INDEX', 'args', 'invalid', `${req.pcap} has fewer than ${index} packets`);
  }
  if (!req.packet || req.packet.length === 0) throw new ControlError('E_CLI_MISSING_ARGUMENT', 'args', 'invalid', 'trace needs a packet description (e.g. "tcp 198.18.1.2:1234 -> 198.18.2.2:80 flags S") or --pcap FILE --index N');
  const spec = parsePacketSpec(req.packet);
  return { frame: buildPacket(spec), description: formatPacketSpec(spec) };
}

function describeDecoded(p: DecodedPacket): string {
  if (p.family === 0) return `${p.reason} frame of ${p.frameLen} bytes`;
  const proto = ({ 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' } as Record<number, string>)[p.l4Proto] ?? `ip proto ${p.l4Proto}`;
  const ep = (a: string, port: number) => (p.family === 6 ? `[${a}]:${port}` : `${a}:${port}`);
  const ported = p.hasL4 && (p.l4Proto === 6 || p.l4Proto === 17);
  let s = `${proto} ${ported ? ep(p.srcText, p.sport) : p.srcText} -> ${ported ? ep(p.dstText, p.dport) : p.dstText}`;
  if (p.hasL4 && p.l4Proto === 6) s += ` flags ${'FSRPAUEC'.split('').filter((_, i) => p.tcpFlags & (1 << i)).join('') || '0'}`;
  if (p.hasL4 && (p.l4Proto === 1 || p.l4Proto === 58)) s += ` type ${p.icmpType} code ${p.icmpCode}`;
  return `${s} ttl ${p.ttl} len ${p.dsize}`;
}

export function trace(req: TraceRequest): TraceReport {
  const dir = dirOf(req);
  const pkt = pickPacket(req);
  if (pkt.frame.length < MIN_TEST_FRAME || pkt.frame.length > MAX_TEST_FRAME) {
    throw new ControlError('E_TRACE_PACKET', 'args', 'invalid', `a frame of ${pkt.frame.length} bytes cannot be test-run (${MIN_TEST_FRAME}..${MAX_TEST_FRAME})`);
  }
  const dp = openPinned(req.instance, 'trace');
  try {
    const gen = activeGeneration(dp);
    const r = dp.runPacket(pkt.frame, monotonicNowNs());
    const result = { verdict: r.verdict, reason: r.reason, action: r.action, sigId: r.sigId, flags: r.flags };
    const notes: string[] = [];
    if (BEFORE_RULES[r.reason]) notes.push(BEFORE_RULES[r.reason]);
    let rules: Rule[] = [];
    let order: ActionOrder = DEFAULT_ACTION_ORDER;
    if (gen) {
      const meta = readGeneration(dir, gen.index);
      const src = readGenerationSources(dir, gen.index);
      if (!meta || !src || meta.tag !== gen.tag || src.hash !== meta.hash) {
        notes.push(`no metadata for the active generation (load #${gen.tag}) in ${dir}: rules cannot be explained`);
      } else {
        rules = recompile(src).rules;
        order = src.actionOrder ?? DEFAULT_ACTION_ORDER;
        if (rules.length !== meta.rules.length) notes.push(`the stored rules compile to ${rules.length} rules, the generation has ${meta.rules.length}`);
      }
    } else notes.push('the instance has no active ruleset');
    const p = decodeFrame(pkt.frame);
    const matching: TracedRule[] = [];
    const misses: Array<{ r: Rule; failed: FieldCheck[] }> = [];
    if (p.family !== 0 && !isMalformedReason(p.reason)) {
      const matched: Rule[] = [];
      for (const rule of rules) {
        const x = explainRule(rule, p);
        if (x.matches) matched.push(rule);
        else misses.push({ r: rule, failed: x.fields.filter((f) => !f.ok) });
      }
      matched.sort((a, b) => compareRules(a, b, order));
      for (const m of matched) matching.push({ ...ruleInfo(m), ...(m.meta.sid === r.sigId && matching.every((x) => !x.winner) ? { winner: true } : {}) });
    }
    misses.sort((a, b) => a.failed.length - b.failed.length || compareRules(a.r, b.r, order));
    const nearest = misses.slice(0, req.near ?? 3).map((m) => ({ ...ruleInfo(m.r), failed: m.failed }));
    let reference: TraceReport['reference'] = null;
    // threshold / detection_filter depend on earlier packets, which one trace does not have
    if (rules.every((x) => unmodelled(x) === null && (band(x) === 'flag' || !hasThreshold(x)))) {
      const d = evaluate(rules, p, { actionOrder: order });
      reference = { verdict: d.verdict, reason: d.reason, sigId: d.sigId, alerts: d.alerts };
      if (!BEFORE_RULES[r.reason] && (d.verdict !== r.verdict || d.sigId !== r.sigId)) {
        notes.push(`the reference evaluator decides ${d.verdict} (${d.reason}, sid ${d.sigId || 'none'}) where the program decided ${r.verdict} (${r.reason}, sid ${r.sigId || 'none'})`);
      }
    } else notes.push('some rules use flow or rate keywords the reference evaluator does not model: no reference decision');
    const winner = r.sigId ? (matching.find((m) => m.winner) ?? null) : null;
    if (winner && band(rules[winner.id]) === 'flag') notes.push('the winner is a payload rule: XDP only marks the flow for the DPI worker');
    return {
      instance: req.instance,
      packet: { description: pkt.description, bytes: pkt.frame.length, ...(pkt.pcap ? { pcap: pkt.pcap, pcapCnt: pkt.pcapCnt } : {}) },
      result, generation: gen ? { index: gen.index, tag: gen.tag } : null,
      winner: winner ? stripTrace(winner) : null, matching, nearest, reference, notes,
    };
  } finally {
    dp.close();
  }
}

function isMalformedReason(reason: string): boolean {
  return reason.startsWith('malformed_') || reason.endsWith('_depth');
}

function stripTrace(t: TracedRule): RuleInfo {
  const { winner: _w, failed: _f, ...info } = t;
  return info;
}
