// fwctl lab: the live lab (src/lab). Builds client, gateway and server namespaces, attaches the
// datapath to the gateway, sends allowed and forbidden traffic, reports, removes what it made.
import { cleanupLab, cleanupLine, LAB_NAME, loadState, ownerAlive, renderText, runLab, statePath } from '../../lab/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';

export const labCommand: Command = {
  name: 'lab',
  summary: 'live lab: namespaces client/gateway/server, XDP on the gateway, real traffic, a report; removes it all',
  usage: '',
  options: [
    { name: 'mode', type: 'string', arg: 'MODE', description: 'XDP attach mode: native (default) or generic' },
    { name: 'keep', type: 'boolean', description: 'leave the lab up afterwards (remove it with --cleanup NAME)' },
    { name: 'cleanup', type: 'string', arg: 'NAME', description: 'remove a kept lab by its state file /run/fwctl-lab/NAME.json' },
  ],
  async run({ options, positionals, out, err, json }) {
    if (positionals.length > 0) throw new UsageError('E_CLI_USAGE', 'lab takes no arguments');
    const mode = (options.mode as string | undefined) ?? 'native';
    if (mode !== 'native' && mode !== 'generic') throw new UsageError('E_CLI_BAD_VALUE', `--mode takes native or generic, not "${mode}"`);

    if (options.cleanup !== undefined) {
      if (options.keep || options.mode !== undefined) throw new UsageError('E_CLI_USAGE', '--cleanup takes no other option');
      const name = options.cleanup as string;
      if (!LAB_NAME.test(name)) throw new UsageError('E_LAB_NAME', `"${name}" is not a lab name (fwl followed by digits)`);
      let state;
      try {
        state = loadState(name);
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') throw new UsageError('E_LAB_NOT_FOUND', `no lab ${name}: ${statePath(name)} does not exist`);
        throw e;
      }
      if (ownerAlive(state) && !state.kept) {
        throw new UsageError('E_LAB_RUNNING', `lab ${name} is running (pid ${state.pid}); it removes itself when it ends`);
      }
      const report = await cleanupLab(state);
      if (json) out(JSON.stringify({ event_type: 'lab_cleanup', ...report }));
      else out(cleanupLine(report));
      return report.errors.length === 0 ? EXIT.ok : EXIT.failure;
    }

    const report = await runLab({
      mode,
      keep: options.keep === true,
      log: json ? undefined : (l) => err(`lab: ${l}`),
      onProbe: json ? undefined : (r) => err(`lab: probe ${r.probe.id} ${r.probe.name} (${r.probe.proto}/v${r.probe.family}): ${r.observed}`),
    });
    if (json) out(JSON.stringify(report));
    else for (const l of renderText(report)) out(l);
    return report.ok ? EXIT.ok : EXIT.failure;
  },
};
