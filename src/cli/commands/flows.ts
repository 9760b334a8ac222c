// fwctl flows list|config|flush: the flow table of a running instance (bpf/lib/flow.h), as
// `conntrack -L` / `-F` and Suricata's flow and stream settings are for an operator.
import { FlowState, type FlowStateName, FlowTimeout } from '../../abi/index.ts';
import { clearFlows, type FlowConfig, type FlowEntry, readFlowConfig, readFlows, setFlowConfig } from '../../datapath/index.ts';
import { durationNs } from '../../duration.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOption, onInstance, subcommand } from './set.ts';

type TimeoutName = keyof typeof FlowTimeout;
const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, icmpv6: 58 };
const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'ipv6-icmp' };

/** --timeout NAME=DURATION: the slot and seconds, or a usage error naming the slots. */
function parseTimeout(v: string): [TimeoutName, number] {
  const m = /^([a-z_]+)=(.+)$/.exec(v);
  const names = Object.keys(FlowTimeout) as TimeoutName[];
  if (!m || !names.includes(m[1] as TimeoutName)) {
    throw new UsageError('E_CLI_BAD_VALUE', `--timeout takes NAME=DURATION with NAME one of ${names.join(', ')}, not "${v}"`);
  }
  const ns = durationNs(m[2]);
  if (ns === null) throw new UsageError('E_CLI_BAD_VALUE', `--timeout ${m[1]}: "${m[2]}" is not a duration (90s, 10m, 1h30m, 2d)`);
  if (ns < 1_000_000_000n) throw new UsageError('E_CLI_BAD_VALUE', `--timeout ${m[1]}: at least one second, not "${m[2]}"`);
  return [m[1] as TimeoutName, Number(ns) / 1e9];
}

function onOff(v: unknown, name: string): boolean {
  if (v === 'on' || v === 'yes' || v === 'true') return true;
  if (v === 'off' || v === 'no' || v === 'false') return false;
  throw new UsageError('E_CLI_BAD_VALUE', `--${name} takes on or off, not "${String(v)}"`);
}

/** The list's filter from its options, checked before the instance is opened. */
function listFilter(options: Record<string, unknown>): (f: FlowEntry) => boolean {
  const state = options.state as string | undefined;
  if (state !== undefined && !(state in FlowState)) {
    throw new UsageError('E_CLI_BAD_VALUE', `--state takes one of ${Object.keys(FlowState).join(', ')}, not "${state}"`);
  }
  const p = options.proto as string | undefined;
  const proto = p === undefined ? undefined : PROTOS[p.toLowerCase()] ?? (/^\d+$/.test(p) && Number(p) < 256 ? Number(p) : NaN);
  if (Number.isNaN(proto)) throw new UsageError('E_CLI_BAD_VALUE', `--proto takes tcp, udp, icmp, ipv6-icmp or a number, not "${p}"`);
  const addr = options.addr as string | undefined;
  return (f) => (state === undefined || f.state === (state as FlowStateName)) && (proto === undefined || f.proto === proto) &&
    (addr === undefined || f.client.addr === addr || f.server.addr === addr);
}

function flowRecord(f: FlowEntry, nowNs: bigint): Record<string, unknown> {
  return {
    table: f.table, proto: PROTO_NAMES[f.proto] ?? f.proto, state: f.state,
    client: `${f.family === 6 ? `[${f.client.addr}]` : f.client.addr}:${f.client.port}`,
    server: `${f.family === 6 ? `[${f.server.addr}]` : f.server.addr}:${f.server.port}`,
    vlan: f.vlan.filter((v) => v !== 0),
    packets_to_server: Number(f.pkts.toServer), packets_to_client: Number(f.pkts.toClient),
    age_s: Math.max(Math.round(Number(nowNs - f.firstNs) / 1e9), 0), idle_s: Math.max(Math.round(Number(nowNs - f.lastNs) / 1e9), 0),
    verdict: f.verdict, ...(f.verdict !== 'none' ? { sid: f.sid } : {}),
  };
}

function table(rows: Array<Record<string, unknown>>): string[] {
  const cols = ['proto', 'state', 'client', 'server', 'packets_to_server', 'packets_to_client', 'idle_s', 'verdict'];
  const head = ['PROTO', 'STATE', 'CLIENT', 'SERVER', 'PKTS>', 'PKTS<', 'IDLE', 'VERDICT'];
  const cell = (r: Record<string, unknown>, c: string) => (c === 'verdict' && r.verdict !== 'none' ? `${r.verdict} (sid ${r.sid})` : String(r[c]));
  const width = cols.map((c, i) => Math.max(head[i].length, ...rows.map((r) => cell(r, c).length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(width[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map((r) => line(cols.map((c) => cell(r, c))))];
}

export const flowsCommand: Command = {
  name: 'flows',
  summary: 'the flow table: list [--state S] [--proto P] [--addr A] [--limit N], config [--midstream on|off] [--invalid pass|drop] [--timeout NAME=DUR], flush',
  usage: 'list | config | flush',
  options: [
    instanceOption,
    { name: 'state', type: 'string', arg: 'STATE', description: 'list: only flows in this state (established, syn_sent, fin_wait...)' },
    { name: 'proto', type: 'string', arg: 'PROTO', description: 'list: only this protocol (tcp, udp, icmp, ipv6-icmp or a number)' },
    { name: 'addr', type: 'string', arg: 'ADDR', description: 'list: only flows with this address at either end' },
    { name: 'limit', type: 'string', arg: 'N', description: 'list: at most N flows, the most recently active first (default 1000)' },
    { name: 'midstream', type: 'string', arg: 'on|off', description: 'config: pick up TCP flows that start without a SYN (Suricata stream.midstream)' },
    { name: 'invalid', type: 'string', arg: 'pass|drop', description: "config: TCP packets out of state: classified (pass, default) or dropped before the rules (nftables' ct state invalid drop)" },
    { name: 'timeout', type: 'string', multiple: true, arg: 'NAME=DUR', description: `config: a state's idle timeout (${Object.keys(FlowTimeout).join(', ')})` },
  ],
  async run({ options, positionals, out, json }) {
    const sub = subcommand('flows', positionals, ['list', 'config', 'flush']);
    const listOnly = ['state', 'proto', 'addr', 'limit'].filter((o) => options[o] !== undefined);
    const configOnly = ['midstream', 'timeout', 'invalid'].filter((o) => options[o] !== undefined);
    if (sub !== 'list' && listOnly.length) throw new UsageError('E_CLI_USAGE', `--${listOnly[0]} belongs to flows list`);
    if (sub !== 'config' && configOnly.length) throw new UsageError('E_CLI_USAGE', `--${configOnly[0]} belongs to flows config`);
    if (sub === 'list') {
      const keep = listFilter(options);
      const limit = options.limit === undefined ? 1000 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('E_CLI_BAD_VALUE', `--limit takes a positive integer, not "${String(options.limit)}"`);
      const { flows, nowNs } = await onInstance(options, (dp) => ({ flows: readFlows(dp), nowNs: process.hrtime.bigint() }));
      const shown = flows.filter(keep).sort((a, b) => (b.lastNs > a.lastNs ? 1 : b.lastNs < a.lastNs ? -1 : 0));
      const rows = shown.slice(0, limit).map((f) => flowRecord(f, nowNs));
      if (json) out(JSON.stringify({ flows: rows, matched: shown.length, total: flows.length }));
      else {
        for (const l of table(rows)) out(l);
        out(`${rows.length} of ${shown.length} matching flows shown (${flows.length} in the table)`);
      }
      return EXIT.ok;
    }
    if (sub === 'flush') {
      const n = await onInstance(options, (dp) => clearFlows(dp));
      out(json ? JSON.stringify({ action: 'flush', removed: n }) : `removed ${n} flows`);
      return EXIT.ok;
    }
    // config: show, or change what was given and keep the rest
    const change: FlowConfig = {};
    if (options.midstream !== undefined) change.midstream = onOff(options.midstream, 'midstream');
    if (options.invalid !== undefined) {
      if (options.invalid !== 'pass' && options.invalid !== 'drop') throw new UsageError('E_CLI_BAD_VALUE', `--invalid takes pass or drop, not "${String(options.invalid)}"`);
      change.invalid = options.invalid;
    }
    const timeouts = ((options.timeout as string[] | undefined) ?? []).map(parseTimeout);
    const cfg = await onInstance(options, (dp) => {
      if (change.midstream !== undefined || change.invalid !== undefined || timeouts.length) {
        const now = readFlowConfig(dp);
        setFlowConfig(dp, {
          midstream: change.midstream ?? now.midstream,
          invalid: change.invalid ?? now.invalid,
          timeouts: { ...now.timeouts, ...Object.fromEntries(timeouts) },
        });
      }
      return readFlowConfig(dp);
    });
    if (json) out(JSON.stringify({ midstream: cfg.midstream, invalid: cfg.invalid, timeouts_s: cfg.timeouts }));
    else {
      out(`midstream pickup: ${cfg.midstream ? 'on' : 'off'}`);
      out(`TCP packets out of state: ${cfg.invalid === 'drop' ? 'dropped (flow_invalid)' : 'classified'}`);
      out(`timeouts: ${Object.entries(cfg.timeouts).map(([k, s]) => `${k} ${s}s`).join(', ')}`);
    }
    return EXIT.ok;
  },
};
