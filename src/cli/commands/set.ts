// fwctl set load|list|flush|count: the static allow and deny lists of a running instance.
import {
  AddrSetError, blockCount, DEFAULT_INSTANCE, formatPrefixDiagnostic, openInstance, parsePrefixFiles, type ReplaceReport,
  setCount, setFlush, setList, setReplace, type StaticKind,
} from '../../addrset/index.ts';
import type { PinnedDatapath } from '../../datapath/index.ts';
import { EXIT, UsageError, type Command, type OptionDef, type OptionValues } from '../command.ts';
import { closest } from '../suggest.ts';

export const instanceOption: OptionDef = {
  name: 'instance', type: 'string', arg: 'NAME', description: `the pinned instance (default "${DEFAULT_INSTANCE}")`,
};

/** Runs fn on the instance's pinned datapath; address-set errors of the caller's input exit 1. */
export async function onInstance<T>(options: OptionValues, fn: (dp: PinnedDatapath) => T): Promise<T> {
  try {
    const dp = openInstance((options.instance as string | undefined) ?? DEFAULT_INSTANCE);
    try {
      return fn(dp);
    } finally {
      dp.close();
    }
  } catch (e) {
    throw cliError(e);
  }
}

/** An AddrSetError of the caller's input becomes a UsageError (exit 1); the rest exit 2 as they are. */
export function cliError(e: unknown): unknown {
  if (e instanceof AddrSetError && e.exit === 'invalid') return new UsageError(e.code, e.message);
  return e;
}

/** The subcommand (first positional), checked against the known ones with a suggestion. */
export function subcommand(cmd: string, positionals: string[], known: readonly string[]): string {
  const sub = positionals[0];
  if (!sub) throw new UsageError('E_CLI_MISSING_ARGUMENT', `${cmd} needs a subcommand: ${known.join(', ')}`);
  if (!known.includes(sub)) {
    const hint = closest(sub, known);
    throw new UsageError('E_CLI_UNKNOWN_COMMAND', `unknown ${cmd} subcommand "${sub}"`, hint);
  }
  return sub;
}

const SETS: readonly StaticKind[] = ['allow', 'deny'];

function setName(cmd: string, arg: string | undefined): StaticKind {
  if (arg === 'allow' || arg === 'deny') return arg;
  const hint = arg ? closest(arg, SETS) : undefined;
  throw new UsageError('E_CLI_USAGE', `set ${cmd} needs the set: allow or deny${arg ? `, not "${arg}"` : ''}`, hint);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function loadRecord(r: ReplaceReport, duplicates: number, parseMs: number): Record<string, unknown> {
  return {
    set: r.set,
    v4: r.v4.entries,
    v6: r.v6.entries,
    duplicates,
    generation: { v4: r.v4.generation, v6: r.v6.generation },
    cleared: { v4: r.v4.cleared, v6: r.v6.cleared },
    parse_ms: round(parseMs),
    fill_ms: round(r.fillMs),
    flip_ms: round(r.flipMs),
    clear_ms: round(r.clearMs),
  };
}

export const setCommand: Command = {
  name: 'set',
  summary: 'static address sets: load allow|deny FILE..., list|flush allow|deny, count',
  usage: 'load allow|deny FILE... | list allow|deny | flush allow|deny | count [allow|deny]',
  options: [instanceOption],
  async run({ options, positionals, out, err, json }) {
    const sub = subcommand('set', positionals, ['load', 'list', 'flush', 'count']);
    if (sub === 'count') {
      const which = positionals[1] === undefined ? SETS : [setName('count', positionals[1])];
      if (positionals.length > 2) throw new UsageError('E_CLI_USAGE', 'set count takes at most one set');
      const rows = await onInstance(options, (dp) => {
        const sets: Array<Record<string, unknown>> = which.map((k) => ({ ...setCount(dp, k) }));
        if (positionals[1] === undefined) sets.push({ set: 'block', ...blockCount(dp) });
        return sets;
      });
      if (json) out(JSON.stringify({ sets: rows }));
      else for (const r of rows) out(`${String(r.set).padEnd(6)} ${String(r.v4).padStart(9)} IPv4 ${String(r.v6).padStart(9)} IPv6`);
      return EXIT.ok;
    }
    const kind = setName(sub, positionals[1]);
    if (sub === 'load') {
      const files = positionals.slice(2);
      if (files.length === 0) throw new UsageError('E_CLI_MISSING_ARGUMENT', `set load ${kind} needs at least one FILE`);
      const t0 = performance.now();
      const parsed = parsePrefixFiles(files);
      const parseMs = performance.now() - t0;
      if (parsed.diagnostics.length > 0) {
        const total = parsed.diagnostics.length + parsed.moreErrors;
        const message = `${total} bad line${total === 1 ? '' : 's'} in ${files.join(', ')}; the ${kind} set is unchanged`;
        if (json) {
          out(JSON.stringify({ error: { code: 'E_ASET_PARSE', message, diagnostics: parsed.diagnostics, more_errors: parsed.moreErrors } }));
        } else {
          for (const d of parsed.diagnostics) err(formatPrefixDiagnostic(d));
          if (parsed.moreErrors > 0) err(`... and ${parsed.moreErrors} more`);
          err(`fwctl: ${message}`);
        }
        return EXIT.invalid;
      }
      const r = await onInstance(options, (dp) => setReplace(dp, kind, parsed.list));
      const rec = loadRecord(r, parsed.list.duplicates, parseMs);
      if (json) out(JSON.stringify(rec));
      else {
        out(
          `${kind}: ${r.v4.entries} IPv4 and ${r.v6.entries} IPv6 prefixes live` +
            (parsed.list.duplicates ? ` (${parsed.list.duplicates} duplicate line${parsed.list.duplicates === 1 ? '' : 's'} skipped)` : ''),
        );
        out(`parsed in ${rec.parse_ms} ms, written in ${rec.fill_ms} ms, switched in ${rec.flip_ms} ms, old list cleared in ${rec.clear_ms} ms`);
      }
      return EXIT.ok;
    }
    if (positionals.length > 2) throw new UsageError('E_CLI_USAGE', `set ${sub} takes one set, allow or deny`);
    if (sub === 'flush') {
      const r = await onInstance(options, (dp) => setFlush(dp, kind));
      if (json) out(JSON.stringify({ set: kind, flushed: { v4: r.v4.cleared, v6: r.v6.cleared } }));
      else out(`${kind}: flushed (${r.v4.cleared} IPv4 and ${r.v6.cleared} IPv6 prefixes removed)`);
      return EXIT.ok;
    }
    const prefixes = await onInstance(options, (dp) => setList(dp, kind));
    if (json) out(JSON.stringify({ set: kind, count: prefixes.length, prefixes }));
    else for (let i = 0; i < prefixes.length; i += 4096) out(prefixes.slice(i, i + 4096).join('\n'));
    return EXIT.ok;
  },
};
