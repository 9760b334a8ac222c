// fwctl trace 'PACKET' | --pcap FILE --index N : one packet through the instance's program, and why.
// The description is one quoted argument (a bare "->" would read as an option), or written with "to".
import { trace, type TraceReport } from '../../control/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOf, instanceOpt, withControl } from './load.ts';

function text(r: TraceReport, out: (l: string) => void): void {
  out(`packet: ${r.packet.description}${r.packet.pcap ? ` (${r.packet.pcap} #${r.packet.pcapCnt})` : ''}`);
  out(`verdict: ${r.result.verdict} (${r.result.reason}, XDP ${r.result.action})${r.generation ? ` under load #${r.generation.tag}` : ''}`);
  if (r.winner) out(`decided by sid ${r.winner.sid} (${r.winner.action}) ${r.winner.file}:${r.winner.line}${r.winner.msg ? ` "${r.winner.msg}"` : ''}`);
  for (const n of r.notes) out(`note: ${n}`);
  out(`matching rules (${r.matching.length}, in decision order):`);
  for (const m of r.matching) out(`  ${m.winner ? '*' : ' '} sid ${m.sid} ${m.action.padEnd(7)} ${m.band.padEnd(6)} ${m.file}:${m.line} ${m.msg}`);
  if (r.nearest.length) {
    out('nearest rules that do not match:');
    for (const n of r.nearest) {
      out(`    sid ${n.sid} ${n.action} ${n.file}:${n.line} ${n.msg}`);
      for (const f of n.failed ?? []) out(`      ${f.field}: ${f.detail}`);
    }
  }
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'run one packet through an instance\'s program: verdict, deciding rule, and why',
  usage: "'PROTO SRC[:PORT] -> DST[:PORT] [flags F] [ttl N] [len N] [type T] [code C] [vlan N]'",
  options: [
    instanceOpt,
    { name: 'pcap', type: 'string', arg: 'FILE', description: 'take the packet from a capture' },
    { name: 'index', type: 'string', arg: 'N', description: 'the packet\'s 1-based index in --pcap (default 1)' },
    { name: 'near', type: 'string', arg: 'N', description: 'explain the N nearest non-matching rules (default 3)' },
  ],
  async run(input) {
    const { options, positionals, out, json } = input;
    const num = (name: string): number | undefined => {
      if (options[name] === undefined) return undefined;
      const n = Number(options[name]);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('E_CLI_BAD_VALUE', `--${name} takes a whole number, not "${String(options[name])}"`);
      return n;
    };
    if (options.index !== undefined && options.pcap === undefined) throw new UsageError('E_CLI_USAGE', '--index needs --pcap');
    return withControl(input, 'trace', () => {
      const r = trace({ instance: instanceOf(options), packet: positionals, pcap: options.pcap as string | undefined, index: num('index'), near: num('near') });
      if (json) out(JSON.stringify({ event_type: 'trace', ...r }));
      else text(r, out);
      return EXIT.ok;
    });
  },
};
