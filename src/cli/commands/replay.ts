// fwctl replay: a capture through the real XDP object, packet by packet, with what it decided.
// With --rules, the rules are compiled, planned and applied to the (unpinned) object first, and
// each packet's alerts come out as EVE records, before that packet's verdict record.
import { assertNoErrors, compileRuleFiles, ControlError, planOf } from '../../control/index.ts';
import { applyRuleset, capacityFor, Datapath, MAX_TEST_FRAME, setFlowConfig } from '../../datapath/index.ts';
import { formatEveAlert, formatEveBlock, RuleTable } from '../../events/index.ts';
import {
  applyRateLimits, loadConfigFile, type RateLimitConfig, RateLimitError, readAutoblockCounters, readLimitCounters,
} from '../../ratelimit/index.ts';
import { PcapError } from '../../pcap/index.ts';
import { type AlertTotals, replayWithRules } from '../../replay/alerts.ts';
import { formatDiagnostic } from '../../rules/index.ts';
import { replayCapture, type ReplayTotals } from '../../replay/replay.ts';
import { UsageError, type Command } from '../command.ts';
import { LineWriter } from '../lines.ts';
import { withControl } from './load.ts';

type RlTotals = { limits: ReturnType<typeof readLimitCounters>; auto: ReturnType<typeof readAutoblockCounters> } | null;

function statsRecord(t: ReplayTotals, alerts: AlertTotals | null, rl: RlTotals = null): Record<string, unknown> {
  const seconds = Number(t.elapsedNs) / 1e9;
  const rec: Record<string, unknown> = {
    event_type: 'stats',
    capture: { path: t.capture.path, format: t.capture.format, link_type: t.capture.linkType },
    packets: t.packets,
    bytes: t.bytes,
    verdicts: t.verdicts,
    reasons: t.reasons,
    xdp_actions: t.actions,
    oversize: t.oversize,
    runts: t.runts,
  };
  if (alerts) {
    rec.alerts = {
      total: alerts.total,
      by_sid: alerts.bySid,
      events: { emitted: alerts.emitted, suppressed: alerts.suppressed, lost: alerts.lost },
    };
    rec.blocks = alerts.blocks;
  }
  if (rl) {
    rec.rate_limits = rl.limits;
    rec.autoblock = rl.auto;
  }
  rec.elapsed_ms = Math.round(seconds * 1e6) / 1e3;
  rec.packets_per_sec = seconds > 0 ? Math.round(t.packets / seconds) : null;
  return rec;
}

function humanSummary(t: ReplayTotals, alerts: AlertTotals | null, sigs: Map<number, string>, out: (l: string) => void): void {
  const seconds = Number(t.elapsedNs) / 1e9;
  out(`${t.capture.path}: ${t.packets} packets (${t.bytes} bytes), link type ${t.capture.linkType}, ${t.capture.format}`);
  const verdicts = Object.entries(t.verdicts).map(([k, v]) => `${k} ${v}`).join(', ');
  out(`verdicts: ${verdicts || 'none'}`);
  out('reasons:');
  for (const [reason, n] of Object.entries(t.reasons).sort((a, b) => b[1] - a[1])) {
    out(`  ${reason.padEnd(20)} ${String(n).padStart(10)}`);
  }
  if (alerts) {
    out(`alerts: ${alerts.total}${alerts.suppressed || alerts.lost ? ` (${alerts.suppressed} suppressed by the flood guard, ${alerts.lost} lost)` : ''}`);
    for (const [sid, n] of Object.entries(alerts.bySid).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))) {
      out(`  sid ${sid.padEnd(10)} ${String(n).padStart(10)}  ${sigs.get(Number(sid)) ?? ''}`);
    }
  }
  if (t.oversize) out(`note: ${t.oversize} frames longer than ${MAX_TEST_FRAME} bytes ran with their trailer cut`);
  if (t.runts) out(`note: ${t.runts} frames shorter than an Ethernet header were judged malformed_eth`);
  if (seconds > 0) out(`${Math.round(t.packets / seconds)} packets/s (${(seconds * 1e3).toFixed(1)} ms)`);
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run a capture (pcap or pcapng) through the XDP program and report its decisions',
  usage: 'PCAP',
  options: [
    { name: 'verdicts', type: 'boolean', description: 'one verdict record per packet (with -o json)' },
    { name: 'rules', type: 'string', multiple: true, arg: 'FILE', description: 'rule files to enforce during the replay' },
    { name: 'var', type: 'string', multiple: true, arg: 'NAME=VALUE', description: 'define a rule variable (with --rules)' },
    { name: 'vars', type: 'string', multiple: true, arg: 'FILE', description: 'JSON vars file (with --rules)' },
    { name: 'strict', type: 'boolean', description: 'report keywords fwctl cannot evaluate yet as errors (with --rules)' },
    { name: 'threshold-config', type: 'string', arg: 'FILE', description: "Suricata's threshold.config to apply to the rules (with --rules)" },
    { name: 'action-order', type: 'string', arg: 'A,B,C,D', description: "the order matching rules decide in, Suricata's action-order (with --rules; default pass,drop,reject,alert)" },
    { name: 'action-scope', type: 'string', arg: 'SCOPE', description: "what a deciding drop/pass of a TCP packet applies to: flow (default) or suricata (with --rules)" },
    { name: 'ratelimit', type: 'string', arg: 'FILE', description: 'rate limits and scan/flood detection to enforce (JSON, docs/ratelimit.md)' },
    { name: 'malformed', type: 'string', arg: 'POLICY', description: 'packets the parser cannot read: drop (default) or pass' },
    { name: 'alert-rate', type: 'string', arg: 'RATE[/BURST]', description: 'apply the live alert flood guard on pcap time (default: off, every alert is written)' },
    { name: 'midstream', type: 'boolean', description: 'pick up TCP flows that start without a SYN (Suricata stream.midstream)' },
    { name: 'invalid', type: 'string', arg: 'pass|drop', description: 'TCP packets out of state: classified (pass, default) or dropped before the rules' },
    { name: 'object', type: 'string', arg: 'PATH', description: 'the compiled XDP object (default build/bpf/fwctl.bpf.o)' },
  ],
  async run(input) {
    const { options, positionals, out, err, json } = input;
    if (positionals.length !== 1) throw new UsageError('E_CLI_USAGE', 'replay takes exactly one capture file');
    const ruleFiles = (options.rules as string[] | undefined) ?? [];
    if (ruleFiles.length === 0 && (options.var || options.vars || options.strict || options['threshold-config'] || options['action-scope'] || options['action-order'])) {
      throw new UsageError('E_CLI_USAGE', '--var, --vars, --strict, --threshold-config, --action-scope and --action-order apply to --rules: give the rule files with --rules FILE');
    }
    const malformed = options.malformed ?? 'drop';
    if (malformed !== 'drop' && malformed !== 'pass') {
      throw new UsageError('E_CLI_BAD_VALUE', `--malformed takes "drop" or "pass", not "${String(malformed)}"`);
    }
    if (options.invalid !== undefined && options.invalid !== 'drop' && options.invalid !== 'pass') {
      throw new UsageError('E_CLI_BAD_VALUE', `--invalid takes "pass" or "drop", not "${String(options.invalid)}"`);
    }
    if (options.verdicts && !json) throw new UsageError('E_CLI_USAGE', '--verdicts writes JSON records: add -o json');
    // An offline replay writes every alert (as Suricata reading a capture); --alert-rate puts the
    // live flood guard (alerts per second of packet time, and a burst) in front of them.
    let guard: { eventRateLimit: boolean; eventRate?: number; eventBurst?: number } = { eventRateLimit: false };
    if (options['alert-rate'] !== undefined) {
      const m = /^(\d+)(?:\/(\d+))?$/.exec(String(options['alert-rate']));
      if (!m || [m[1], m[2] ?? m[1]].some((x) => Number(x) < 1 || Number(x) > 0xffffffff)) {
        throw new UsageError('E_CLI_BAD_VALUE', `--alert-rate takes RATE or RATE/BURST (alerts per second, positive integers), not "${String(options['alert-rate'])}"`);
      }
      guard = { eventRateLimit: true, eventRate: Number(m[1]), eventBurst: Number(m[2] ?? m[1]) };
    }
    let rlConfig: RateLimitConfig | null = null;
    if (options.ratelimit !== undefined) {
      try {
        rlConfig = loadConfigFile(options.ratelimit as string);
      } catch (e) {
        if (e instanceof RateLimitError && e.exit === 'invalid') throw new UsageError(e.code, e.message);
        throw e;
      }
    }

    return withControl(input, 'replay', async () => {
      // Bad rules stop the replay before anything runs: diagnostics, exit 1.
      let compiled = null;
      if (ruleFiles.length > 0) {
        compiled = await compileRuleFiles({ files: ruleFiles, vars: options.var as string[] | undefined, varFiles: options.vars as string[] | undefined, strict: options.strict === true,
          thresholdConfig: options['threshold-config'] as string | undefined, actionScope: options['action-scope'] as string | undefined,
          actionOrder: options['action-order'] as string | undefined });
        assertNoErrors(compiled);
        if (!json) for (const d of compiled.result.diagnostics) err(formatDiagnostic(d));
      }
      const plan = compiled ? planOf(compiled) : null;
      // With rules: one flood-guard bucket (eventCpu 0) and classifier maps sized for the plan.
      const datapath = Datapath.open({
        malformedPolicy: malformed, objectPath: options.object as string | undefined, ...guard,
        ...(plan ? { eventCpu: 0, classifier: capacityFor(plan, 1) } : rlConfig ? { eventCpu: 0 } : {}),
      });
      const lines = new LineWriter(out);
      try {
        if (plan) {
          try {
            applyRuleset(datapath, plan);
          } catch (e) {
            const er = e as { code?: string; step?: string; message?: string };
            throw new ControlError(er.code ?? 'E_APPLY', 'apply', 'failure', `applying the ruleset failed${er.step ? ` at ${er.step}` : ''}: ${er.message}`, {}, { cause: e });
          }
        }
        if (options.midstream || options.invalid === 'drop') setFlowConfig(datapath, { midstream: options.midstream === true, invalid: options.invalid as 'pass' | 'drop' | undefined });
        if (rlConfig) applyRateLimits(datapath, rlConfig);
        const verdictLine = (pcapCnt: number, r: { verdict: string; reason: string; sigId: number }) =>
          `{"event_type":"verdict","pcap_cnt":${pcapCnt},"verdict":"${r.verdict}","reason":"${r.reason}",` +
          `"signature_id":${r.sigId === 0 ? 'null' : r.sigId}}`;
        let totals: ReplayTotals;
        let alerts: AlertTotals | null = null;
        if (compiled || rlConfig) {
          const table = RuleTable.fromRules(compiled?.result.rules ?? []);
          const t = replayWithRules(datapath, positionals[0], {
            rules: compiled?.result.rules, actionOrder: compiled?.actionOrder,
            onAlert: json ? (e, pcapCnt) => lines.push(formatEveAlert(e, table, { pcapCnt })) : undefined,
            onBlock: json ? (e, pcapCnt) => lines.push(formatEveBlock(e, { pcapCnt })) : undefined,
            onPacket: options.verdicts ? ({ pcapCnt, result }) => lines.push(verdictLine(pcapCnt, result)) : undefined,
          });
          totals = t;
          alerts = t.alerts;
        } else {
          totals = replayCapture(datapath, positionals[0], {
            onPacket: options.verdicts ? ({ pcapCnt, result }) => lines.push(verdictLine(pcapCnt, result)) : undefined,
          });
        }
        lines.flush();
        const rl: RlTotals = rlConfig ? { limits: readLimitCounters(datapath), auto: readAutoblockCounters(datapath) } : null;
        if (json) out(JSON.stringify(statsRecord(totals, alerts, rl)));
        else {
          const sigs = new Map<number, string>();
          for (const r of compiled?.result.rules ?? []) if (!sigs.has(r.meta.sid)) sigs.set(r.meta.sid, r.meta.msg);
          humanSummary(totals, alerts, sigs, out);
          if (alerts?.blocks) out(`automatic blocks: ${alerts.blocks}`);
          for (const l of rl?.limits ?? []) out(`rate limit ${l.id}: ${l.passed} passed, ${l.exceeded} exceeded, ${l.blocked} sources blocked`);
        }
        return 0;
      } catch (e) {
        // A capture that cannot be read is bad input, not a runtime failure.
        if (e instanceof PcapError) {
          throw new UsageError(`E_PCAP_${e.code.toUpperCase().replaceAll('-', '_')}`, e.message);
        }
        throw e;
      } finally {
        lines.flush(); // the records of the packets before a read error still go out
        datapath.close();
      }
    });
  },
};

