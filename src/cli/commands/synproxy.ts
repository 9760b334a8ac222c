// fwctl synproxy add|del|list: SYN-flood defence for services behind (or on) the gateway. Each
// service gets SYN cookies answered from XDP in cookie mode (bpf/lib/syncookie.h) and the nftables
// SYNPROXY rules behind them, in the instance's own table (src/synproxy).
import { DEFAULT_INSTANCE, openInstance } from '../../addrset/index.ts';
import type { PinnedDatapath } from '../../datapath/index.ts';
import {
  applySysctls, formatService, parseService, protect, readScStats, type Service, serviceList, SynproxyError,
  tableName, unprotect,
} from '../../synproxy/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { cliError, instanceOption, subcommand } from './set.ts';

function spError(e: unknown): unknown {
  if (e instanceof SynproxyError && e.exit === 'invalid') return new UsageError(e.code, e.message);
  return cliError(e);
}

async function onInstance<T>(instance: string, fn: (dp: PinnedDatapath) => T): Promise<T> {
  try {
    const dp = openInstance(instance);
    try {
      return fn(dp);
    } finally {
      dp.close();
    }
  } catch (e) {
    throw spError(e);
  }
}

function record(s: Service): Record<string, unknown> {
  return {
    service: formatService(s),
    mode: s.settings.mode,
    threshold: s.settings.threshold,
    window_ms: s.settings.windowMs,
    mss: s.settings.mss,
    wscale: s.settings.wscale,
    cookie_mode: s.state.cookieOn,
    half_open_prev: s.state.prevHalfOpen,
    window_syn: s.state.windowSyn,
    window_done: s.state.windowDone,
    syn_answered: Number(s.state.synAnswered),
    ack_valid: Number(s.state.ackValid),
    ack_invalid: Number(s.state.ackInvalid),
  };
}

function intOption(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new UsageError('E_SP_BAD_OPTION', `--${name} takes a whole number, not "${s}"`);
  return Number(s);
}

function windowMs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s)?$/.exec(String(v));
  if (!m) throw new UsageError('E_SP_BAD_OPTION', `--window takes a duration in ms or s (500ms, 1s), not "${String(v)}"`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

const ADD_ONLY = ['mode', 'threshold', 'window', 'mss', 'wscale', 'sysctl'] as const;

export const synproxyCommand: Command = {
  name: 'synproxy',
  summary: 'SYN-flood defence: add SERVICE [--mode auto|always] [--threshold N] [--window DUR], del SERVICE, list',
  usage: 'add ADDR:PORT | del ADDR:PORT | list   (IPv6: [ADDR]:PORT)',
  options: [
    instanceOption,
    { name: 'mode', type: 'string', arg: 'auto|always', description: 'add: cookies from XDP always, or while half-open SYNs exceed the threshold (default auto)' },
    { name: 'threshold', type: 'string', arg: 'N', description: 'add: half-open SYNs per window tolerated before cookie mode (default 1000)' },
    { name: 'window', type: 'string', arg: 'DUR', description: 'add: the half-open window, e.g. 500ms or 1s (default 1s)' },
    { name: 'mss', type: 'string', arg: 'N', description: 'add: MSS of the SYN-ACK (default 1460 IPv4, 1440 IPv6)' },
    { name: 'wscale', type: 'string', arg: 'N', description: 'add: window scale of the SYN-ACK, 0-14 (default 7)' },
    { name: 'sysctl', type: 'boolean', description: 'add: set nf_conntrack_tcp_loose=0, tcp_syncookies=2, tcp_timestamps=1 in this network namespace' },
  ],
  async run({ options, positionals, out, err, json }) {
    const sub = subcommand('synproxy', positionals, ['add', 'del', 'list']);
    const instance = (options.instance as string | undefined) ?? DEFAULT_INSTANCE;
    if (sub !== 'add') {
      const given = ADD_ONLY.filter((o) => options[o] !== undefined);
      if (given.length) throw new UsageError('E_CLI_USAGE', `--${given[0]} belongs to synproxy add, not synproxy ${sub}`);
    }
    if (sub === 'list') {
      if (positionals.length !== 1) throw new UsageError('E_CLI_USAGE', 'synproxy list takes no arguments');
      const { services, stats } = await onInstance(instance, (dp) => ({ services: serviceList(dp), stats: readScStats(dp) }));
      const rows = services.map(record);
      const counters = Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Number(v)]));
      if (json) {
        out(JSON.stringify({ count: rows.length, table: tableName(instance), services: rows, counters }));
      } else if (rows.length === 0) {
        out('no protected services');
      } else {
        for (const r of rows) {
          out(`${String(r.service)}  mode ${String(r.mode)} (${r.cookie_mode ? 'cookies on' : 'cookies off'})  threshold ${String(r.threshold)}/${String(r.window_ms)}ms` +
            `  answered ${String(r.syn_answered)}  ack valid ${String(r.ack_valid)} invalid ${String(r.ack_invalid)}`);
        }
        out(Object.entries(counters).map(([k, v]) => `${k} ${v}`).join('  '));
      }
      return EXIT.ok;
    }
    if (positionals.length !== 2) throw new UsageError('E_CLI_USAGE', `synproxy ${sub} takes exactly one SERVICE (ADDR:PORT or [ADDR]:PORT)`);
    let svc;
    try {
      svc = parseService(positionals[1]);
    } catch (e) {
      throw spError(e);
    }
    if (sub === 'del') {
      await onInstance(instance, (dp) => unprotect(dp, instance, svc));
      if (json) out(JSON.stringify({ action: 'del', service: formatService(svc) }));
      else out(`unprotected ${formatService(svc)}`);
      return EXIT.ok;
    }
    const mode = options.mode as string | undefined;
    if (mode !== undefined && mode !== 'auto' && mode !== 'always') {
      throw new UsageError('E_SP_BAD_OPTION', `--mode is auto or always, not "${mode}"`);
    }
    const settings = {
      mode: mode as 'auto' | 'always' | undefined,
      threshold: intOption('threshold', options.threshold),
      windowMs: windowMs(options.window),
      mss: intOption('mss', options.mss),
      wscale: intOption('wscale', options.wscale),
    };
    const r = await onInstance(instance, (dp) => {
      const changed = options.sysctl ? applySysctls() : {};
      for (const [k, v] of Object.entries(changed)) err(`synproxy: set ${k.replaceAll('/', '.')} (was ${v ?? 'absent'})`);
      return protect(dp, instance, svc, Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)));
    });
    if (json) out(JSON.stringify({ action: 'add', created: r.created, table: tableName(instance), service: record(r.service) }));
    else out(`${r.created ? 'protected' : 'updated'} ${formatService(svc)} (${r.service.settings.mode}, nft table inet ${tableName(instance)})`);
    return EXIT.ok;
  },
};
