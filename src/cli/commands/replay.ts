// fwctl replay: a capture through the real XDP object, packet by packet, with what it decided.
import { Datapath, MAX_TEST_FRAME } from '../../datapath/index.ts';
import { PcapError } from '../../pcap/index.ts';
import { replayCapture, type ReplayTotals } from '../../replay/replay.ts';
import { UsageError, type Command } from '../command.ts';
import { LineWriter } from '../lines.ts';

function statsRecord(t: ReplayTotals): Record<string, unknown> {
  const seconds = Number(t.elapsedNs) / 1e9;
  return {
    event_type: 'stats',
    capture: { path: t.capture.path, format: t.capture.format, link_type: t.capture.linkType },
    packets: t.packets,
    bytes: t.bytes,
    verdicts: t.verdicts,
    reasons: t.reasons,
    xdp_actions: t.actions,
    oversize: t.oversize,
    runts: t.runts,
    elapsed_ms: Math.round(seconds * 1e6) / 1e3,
    packets_per_sec: seconds > 0 ? Math.round(t.packets / seconds) : null,
  };
}

function humanSummary(t: ReplayTotals, out: (l: string) => void): void {
  const seconds = Number(t.elapsedNs) / 1e9;
  out(`${t.capture.path}: ${t.packets} packets (${t.bytes} bytes), link type ${t.capture.linkType}, ${t.capture.format}`);
  const verdicts = Object.entries(t.verdicts).map(([k, v]) => `${k} ${v}`).join(', ');
  out(`verdicts: ${verdicts || 'none'}`);
  out('reasons:');
  for (const [reason, n] of Object.entries(t.reasons).sort((a, b) => b[1] - a[1])) {
    out(`  ${reason.padEnd(20)} ${String(n).padStart(10)}`);
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
    { name: 'var', type: 'string', multiple: true, arg: 'NAME=VALUE', description: 'define a rule variable' },
    { name: 'malformed', type: 'string', arg: 'POLICY', description: 'packets the parser cannot read: drop (default) or pass' },
    { name: 'object', type: 'string', arg: 'PATH', description: 'the compiled XDP object (default build/bpf/fwctl.bpf.o)' },
  ],
  async run({ options, positionals, out, json }) {
    if (positionals.length !== 1) throw new UsageError('E_CLI_USAGE', 'replay takes exactly one capture file');
    if (options.rules || options.var) {
      // Accepted by the table so the error is precise; enforced once the classifier compiles rules.
      throw new UsageError('E_CLI_NOT_SUPPORTED', '--rules/--var need the rule classifier, which this build does not have yet');
    }
    const malformed = options.malformed ?? 'drop';
    if (malformed !== 'drop' && malformed !== 'pass') {
      throw new UsageError('E_CLI_BAD_VALUE', `--malformed takes "drop" or "pass", not "${String(malformed)}"`);
    }
    if (options.verdicts && !json) throw new UsageError('E_CLI_USAGE', '--verdicts writes JSON records: add -o json');

    const datapath = Datapath.open({ malformedPolicy: malformed, objectPath: options.object as string | undefined });
    const lines = new LineWriter(out);
    try {
      const totals = replayCapture(datapath, positionals[0], {
        onPacket: options.verdicts
          ? ({ pcapCnt, result }) => {
              lines.push(
                `{"event_type":"verdict","pcap_cnt":${pcapCnt},"verdict":"${result.verdict}","reason":"${result.reason}",` +
                  `"signature_id":${result.sigId === 0 ? 'null' : result.sigId}}`,
              );
            }
          : undefined,
      });
      lines.flush();
      if (json) out(JSON.stringify(statsRecord(totals)));
      else humanSummary(totals, out);
      return 0;
    } catch (err) {
      // A capture that cannot be read is bad input, not a runtime failure.
      if (err instanceof PcapError) {
        throw new UsageError(`E_PCAP_${err.code.toUpperCase().replaceAll('-', '_')}`, err.message);
      }
      throw err;
    } finally {
      lines.flush(); // the records of the packets before a read error still go out
      datapath.close();
    }
  },
};
