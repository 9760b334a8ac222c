// fwctl stats: per-rule hits of the active generation, most first (--top N), and packets per reason.
import { stats } from '../../control/index.ts';
import { flowSummaryText } from '../../datapath/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOf, instanceOpt, withControl } from './load.ts';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'per-rule hits (most first) and packets per reason of an instance',
  usage: '',
  options: [instanceOpt, { name: 'top', type: 'string', arg: 'N', description: 'show only the N rules with most hits' }],
  async run(input) {
    const { options, positionals, out, json } = input;
    if (positionals.length > 0) throw new UsageError('E_CLI_USAGE', 'stats takes no arguments');
    let top: number | undefined;
    if (options.top !== undefined) {
      top = Number(options.top);
      if (!Number.isInteger(top) || top < 0) throw new UsageError('E_CLI_BAD_VALUE', `--top takes a whole number, not "${String(options.top)}"`);
    }
    return withControl(input, 'stats', () => {
      const r = stats({ instance: instanceOf(options), top });
      if (json) {
        out(JSON.stringify({ event_type: 'stats', ...r }));
        return EXIT.ok;
      }
      out(`${r.instance}: ${r.generation ? `generation ${r.generation.index}, load #${r.generation.tag}` : 'no ruleset'}; ${r.rulesHit} of ${r.rulesTotal} rules hit`);
      if (r.rules.length) {
        out(`${'PACKETS'.padStart(12)} ${'BYTES'.padStart(14)}  ${'SID'.padEnd(10)} ${'ACTION'.padEnd(8)} MSG`);
        for (const h of r.rules) out(`${String(h.packets).padStart(12)} ${String(h.bytes).padStart(14)}  ${String(h.sid ?? `#${h.id}`).padEnd(10)} ${(h.action ?? '?').padEnd(8)} ${h.msg ?? ''}`);
      }
      out('reasons:');
      for (const x of r.reasons) out(`  ${x.reason.padEnd(20)} ${x.kind.padEnd(9)} ${String(x.packets).padStart(12)} packets ${String(x.bytes).padStart(14)} bytes`);
      out(`dropped: ${r.dropped.packets} packets, ${r.dropped.bytes} bytes`);
      out('flows:');
      for (const l of flowSummaryText(r.flows)) out(l);
      return EXIT.ok;
    });
  },
};
