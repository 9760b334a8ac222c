// fwctl block add|del|list|gc: the dynamic block list of a running instance.
import {
  blockAdd, blockDel, type BlockEntry, blockGc, blockList, formatDurationMs, monotonicNowNs, parseDurationMs, parsePrefix,
  wallTimeOf,
} from '../../addrset/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { cliError, instanceOption, onInstance, subcommand } from './set.ts';

/** An entry as printed: wall-clock times and the remaining time, computed from one "now". */
function entryRecord(e: BlockEntry, nowNs: bigint, nowMs: number): Record<string, unknown> {
  const remainingMs = e.expiresNs === null ? null : Math.max(Number(e.expiresNs - nowNs) / 1e6, 0);
  return {
    prefix: e.prefix,
    family: e.family === 4 ? 'ipv4' : 'ipv6',
    added: wallTimeOf(e.addedNs, nowNs, nowMs).toISOString(),
    expires: e.expiresNs === null ? null : wallTimeOf(e.expiresNs, nowNs, nowMs).toISOString(),
    remaining_ms: remainingMs === null ? null : Math.round(remainingMs),
    remaining: remainingMs === null ? 'never' : formatDurationMs(remainingMs),
    source: e.source,
    reason: e.reason,
    hits: Number(e.hits),
  };
}

function table(rows: Array<Record<string, unknown>>): string[] {
  const cols = ['prefix', 'added', 'expires', 'remaining', 'source', 'hits', 'reason'];
  const cell = (r: Record<string, unknown>, c: string) => (r[c] === null ? 'never' : String(r[c]));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(width[i]))).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r, c))))];
}

function onePrefix(sub: string, positionals: string[]): string {
  if (positionals.length !== 2) throw new UsageError('E_CLI_USAGE', `block ${sub} takes exactly one PREFIX`);
  try {
    parsePrefix(positionals[1]); // bad input is reported before the instance is opened
  } catch (e) {
    throw cliError(e);
  }
  return positionals[1];
}

export const blockCommand: Command = {
  name: 'block',
  summary: 'dynamic block list: add PREFIX [--ttl DUR] [--reason TEXT], del PREFIX, list, gc',
  usage: 'add PREFIX | del PREFIX | list | gc',
  options: [
    instanceOption,
    { name: 'ttl', type: 'string', arg: 'DURATION', description: 'add: how long the block lasts (90s, 10m, 1h30m, 2d; default never)' },
    { name: 'reason', type: 'string', arg: 'TEXT', description: 'add: why, shown by list (at most 40 bytes)' },
  ],
  async run({ options, positionals, out, json }) {
    const sub = subcommand('block', positionals, ['add', 'del', 'list', 'gc']);
    if (sub !== 'add' && (options.ttl !== undefined || options.reason !== undefined)) {
      throw new UsageError('E_CLI_USAGE', `--ttl and --reason belong to block add, not block ${sub}`);
    }
    if (sub === 'add') {
      const prefix = onePrefix(sub, positionals);
      let ttlMs: number | null = null;
      if (options.ttl !== undefined) {
        try {
          ttlMs = parseDurationMs(options.ttl as string);
        } catch (e) {
          throw new UsageError('E_ASET_BAD_TTL', (e as Error).message);
        }
        if (ttlMs === 0) throw new UsageError('E_ASET_BAD_TTL', 'a TTL must be longer than zero');
      }
      const nowNs = monotonicNowNs();
      const nowMs = Date.now();
      const r = await onInstance(options, (dp) =>
        blockAdd(dp, prefix, { ttlMs, reason: options.reason as string | undefined, source: 'manual', nowNs }));
      const rec = entryRecord(r.entry, nowNs, nowMs);
      if (json) out(JSON.stringify({ action: 'add', created: r.created, entry: rec }));
      else out(`${r.created ? 'blocked' : 'updated'} ${rec.prefix} ${rec.expires === null ? 'until deleted' : `until ${rec.expires} (${rec.remaining})`}`);
      return EXIT.ok;
    }
    if (sub === 'del') {
      const prefix = onePrefix(sub, positionals);
      const removed = await onInstance(options, (dp) => blockDel(dp, prefix));
      if (!removed) throw new UsageError('E_ASET_NOT_BLOCKED', `${prefix} is not in the block list`);
      if (json) out(JSON.stringify({ action: 'del', prefix, removed }));
      else out(`unblocked ${prefix}`);
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError('E_CLI_USAGE', `block ${sub} takes no arguments`);
    const nowNs = monotonicNowNs();
    const nowMs = Date.now();
    if (sub === 'gc') {
      const r = await onInstance(options, (dp) => blockGc(dp, { nowNs }));
      if (json) out(JSON.stringify({ action: 'gc', removed: r.removed.length, remaining: r.remaining }));
      else out(`removed ${r.removed.length} expired entr${r.removed.length === 1 ? 'y' : 'ies'}, ${r.remaining} left`);
      return EXIT.ok;
    }
    const entries = await onInstance(options, (dp) => blockList(dp, { nowNs }));
    const rows = entries.map((e) => entryRecord(e, nowNs, nowMs));
    if (json) out(JSON.stringify({ count: rows.length, entries: rows }));
    else if (rows.length === 0) out('the block list is empty');
    else for (const l of table(rows)) out(l);
    return EXIT.ok;
  },
};
