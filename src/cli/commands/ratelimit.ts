// fwctl ratelimit load|add|del|list|clear: the rate limits and the scan / flood detectors of a
// running instance (bpf/lib/ratelimit.h, autoblock.h; docs/ratelimit.md).
import type { PinnedDatapath } from '../../datapath/index.ts';
import {
  applyRateLimits, type Detectors, EMPTY_CONFIG, type Limit, loadConfigFile, parseLimit, type RateLimitConfig, RateLimitError,
  readAutoblockCounters, readLimitCounters, readRateLimits,
} from '../../ratelimit/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOption, onInstance, subcommand } from './set.ts';

/** Rate-limit errors of the caller's input exit 1 with their code. */
function rlError(e: unknown): unknown {
  if (e instanceof RateLimitError && e.exit === 'invalid') return new UsageError(e.code, e.message);
  return e;
}

async function onRl<T>(options: Record<string, unknown>, fn: (dp: PinnedDatapath) => T): Promise<T> {
  try {
    return await onInstance(options as never, fn);
  } catch (e) {
    throw rlError(e);
  }
}

const seconds = (ns: bigint): number => Number(ns) / 1e9;

function limitRecord(l: Limit, c?: { passed: number; exceeded: number; blocked: number }): Record<string, unknown> {
  const r: Record<string, unknown> = { id: l.id, track: l.track };
  if (l.track === 'prefix') Object.assign(r, { prefix4: l.prefix4, prefix6: l.prefix6 });
  if (l.track === 'rule') r.sid = l.sid || null;
  if (l.pps) Object.assign(r, { pps: l.pps, burst: l.burst });
  if (l.bps) Object.assign(r, { bps: l.bps, bytes_burst: l.bytesBurst });
  r.action = l.action;
  r.block_s = l.blockNs ? seconds(l.blockNs) : null;
  if (c) Object.assign(r, { passed: c.passed, exceeded: c.exceeded, blocked: c.blocked });
  return r;
}

function detectorRecord(d: Detectors): Record<string, unknown> {
  return {
    scan: d.scan ? { ports: d.scan.ports, window_s: seconds(d.scan.windowNs) } : null,
    flood: d.flood ? { packets: d.flood.packets, window_s: seconds(d.flood.windowNs) } : null,
    block_s: seconds(d.blockNs),
    monitor: d.monitor,
  };
}

function limitLine(r: Record<string, unknown>): string {
  const what = r.track === 'prefix' ? `per source /${r.prefix4} /${r.prefix6}` : r.track === 'rule' ? `per rule${r.sid ? ` sid ${r.sid}` : ''}` : 'per source';
  const rate = [r.pps ? `${r.pps} pkt/s burst ${r.burst}` : '', r.bps ? `${r.bps} B/s burst ${r.bytes_burst}` : ''].filter(Boolean).join(', ');
  const blk = r.block_s ? `, block ${r.block_s}s` : '';
  const cnt = r.passed !== undefined ? `  passed ${r.passed} exceeded ${r.exceeded} blocked ${r.blocked}` : '';
  return `limit ${r.id}: ${what}, ${rate}, ${r.action}${blk}${cnt}`;
}

const num = (v: unknown, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError('E_CLI_BAD_VALUE', `--${name} takes a number, not "${String(v)}"`);
  return n;
};

export const ratelimitCommand: Command = {
  name: 'ratelimit',
  summary: 'rate limits and scan/flood auto-blocking: load FILE, add --id N ..., del ID, list, clear',
  usage: 'load FILE | add | del ID | list | clear',
  options: [
    instanceOption,
    { name: 'id', type: 'string', arg: 'N', description: 'add: the limit\'s id (1..4294967295)' },
    { name: 'track', type: 'string', arg: 'WHAT', description: 'add: src (default), prefix or rule' },
    { name: 'prefix4', type: 'string', arg: 'LEN', description: 'add, track prefix: IPv4 prefix length (default 24)' },
    { name: 'prefix6', type: 'string', arg: 'LEN', description: 'add, track prefix: IPv6 prefix length (default 64)' },
    { name: 'sid', type: 'string', arg: 'SID', description: 'add, track rule: only this rule (default every rule)' },
    { name: 'pps', type: 'string', arg: 'N', description: 'add: packets per second' },
    { name: 'burst', type: 'string', arg: 'N', description: 'add: packet burst (default pps)' },
    { name: 'bps', type: 'string', arg: 'N', description: 'add: bytes per second' },
    { name: 'bytes-burst', type: 'string', arg: 'N', description: 'add: byte burst (default bps)' },
    { name: 'action', type: 'string', arg: 'ACTION', description: 'add: drop (default) or monitor' },
    { name: 'block', type: 'string', arg: 'DURATION', description: 'add: block an exceeding source this long (90s, 10m)' },
  ],
  async run({ options, positionals, out, json }) {
    const sub = subcommand('ratelimit', positionals, ['load', 'add', 'del', 'list', 'clear']);
    const addOnly = ['id', 'track', 'prefix4', 'prefix6', 'sid', 'pps', 'burst', 'bps', 'bytes-burst', 'action', 'block'];
    if (sub !== 'add') {
      const stray = addOnly.find((o) => options[o] !== undefined);
      if (stray) throw new UsageError('E_CLI_USAGE', `--${stray} belongs to ratelimit add, not ratelimit ${sub}`);
    }
    if (sub === 'load') {
      if (positionals.length !== 2) throw new UsageError('E_CLI_USAGE', 'ratelimit load takes exactly one FILE');
      let cfg: RateLimitConfig;
      try {
        cfg = loadConfigFile(positionals[1]);
      } catch (e) {
        throw rlError(e);
      }
      await onRl(options, (dp) => applyRateLimits(dp, cfg));
      if (json) out(JSON.stringify({ action: 'load', limits: cfg.limits.map((l) => limitRecord(l)), detectors: detectorRecord(cfg.detectors) }));
      else out(`loaded ${cfg.limits.length} limit${cfg.limits.length === 1 ? '' : 's'}; scan ${cfg.detectors.scan ? 'on' : 'off'}, flood ${cfg.detectors.flood ? 'on' : 'off'}`);
      return EXIT.ok;
    }
    if (sub === 'add') {
      if (positionals.length !== 1) throw new UsageError('E_CLI_USAGE', 'ratelimit add takes options only (--id, --pps ...)');
      let limit: Limit;
      try {
        limit = parseLimit({
          id: num(options.id, 'id'), track: options.track, prefix4: num(options.prefix4, 'prefix4'), prefix6: num(options.prefix6, 'prefix6'),
          sid: num(options.sid, 'sid'), pps: num(options.pps, 'pps'), burst: num(options.burst, 'burst'), bps: num(options.bps, 'bps'),
          bytes_burst: num(options['bytes-burst'], 'bytes-burst'), action: options.action, block: options.block,
        });
      } catch (e) {
        throw rlError(e);
      }
      const replaced = await onRl(options, (dp) => {
        const cur = readRateLimits(dp);
        const i = cur.limits.findIndex((l) => l.id === limit.id);
        const limits = i < 0 ? [...cur.limits, limit] : cur.limits.map((l, j) => (j === i ? limit : l));
        if (limits.length > 16) throw new RateLimitError('E_RL_TOO_MANY', `the instance holds ${cur.limits.length} limits already, at most 16`);
        applyRateLimits(dp, { ...cur, limits });
        return i >= 0;
      });
      if (json) out(JSON.stringify({ action: 'add', replaced, limit: limitRecord(limit) }));
      else out(`${replaced ? 'replaced' : 'added'} ${limitLine(limitRecord(limit))}`);
      return EXIT.ok;
    }
    if (sub === 'del') {
      if (positionals.length !== 2) throw new UsageError('E_CLI_USAGE', 'ratelimit del takes exactly one ID');
      const id = num(positionals[1], 'id');
      await onRl(options, (dp) => {
        const cur = readRateLimits(dp);
        if (!cur.limits.some((l) => l.id === id)) throw new RateLimitError('E_RL_NOT_FOUND', `no limit has id ${positionals[1]}`);
        applyRateLimits(dp, { ...cur, limits: cur.limits.filter((l) => l.id !== id) });
      });
      if (json) out(JSON.stringify({ action: 'del', id }));
      else out(`deleted limit ${id}`);
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError('E_CLI_USAGE', `ratelimit ${sub} takes no arguments`);
    if (sub === 'clear') {
      await onRl(options, (dp) => applyRateLimits(dp, EMPTY_CONFIG));
      if (json) out(JSON.stringify({ action: 'clear' }));
      else out('no rate limits, detectors off');
      return EXIT.ok;
    }
    const r = await onRl(options, (dp) => {
      const cfg = readRateLimits(dp);
      const counters = readLimitCounters(dp);
      return { cfg, counters, auto: readAutoblockCounters(dp) };
    });
    const limits = r.cfg.limits.map((l, i) => limitRecord(l, r.counters[i]));
    const detectors = detectorRecord(r.cfg.detectors);
    if (json) {
      out(JSON.stringify({ limits, detectors, autoblock: r.auto }));
      return EXIT.ok;
    }
    if (limits.length === 0) out('no rate limits');
    for (const l of limits) out(limitLine(l));
    const d = r.cfg.detectors;
    out(`scan: ${d.scan ? `more than ${d.scan.ports} ports in ${seconds(d.scan.windowNs)}s` : 'off'}; flood: ${d.flood ? `more than ${d.flood.packets} packets in ${seconds(d.flood.windowNs)}s` : 'off'}; block ${seconds(d.blockNs)}s${d.monitor ? ' (monitor only)' : ''}`);
    out(`detected: ${r.auto.scan} scans, ${r.auto.flood} floods; rate limits blocked ${r.auto.rl_block} sources; ${r.auto.block_failed} failed block inserts`);
    return EXIT.ok;
  },
};
