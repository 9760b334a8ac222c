// fwctl unload: detach, unpin and forget what `fwctl load` made for an instance (only that).
import { unload } from '../../control/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOf, instanceOpt, withControl } from './load.ts';

export const unloadCommand: Command = {
  name: 'unload',
  summary: 'detach an instance from its interfaces, remove its pins and state (only what load made)',
  usage: '',
  options: [instanceOpt],
  async run(input) {
    if (input.positionals.length > 0) throw new UsageError('E_CLI_USAGE', 'unload takes no arguments');
    return withControl(input, 'unload', () => {
      const r = unload({ instance: instanceOf(input.options) });
      if (input.json) {
        input.out(JSON.stringify({ event_type: 'unload', instance: r.instance, interfaces: r.interfaces, unpinned: r.unpinned, cleared: r.cleared, cancelled_confirm: r.cancelledConfirm }));
      } else {
        input.out(`${r.instance}: unloaded`);
        for (const i of r.interfaces) input.out(`  ${i.name}: ${i.outcome.replace('_', ' ')}`);
        input.out(r.unpinned ? `  ${r.unpinned.length} pins removed` : '  pins kept (not made by fwctl load); ruleset cleared');
      }
      return EXIT.ok;
    });
  },
};
