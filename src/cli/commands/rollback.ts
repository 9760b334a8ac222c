// fwctl rollback: flip the instance back to its other (previous) generation. Cancels a pending confirm.
import { rollback } from '../../control/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOf, instanceOpt, withControl } from './load.ts';

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'return an instance to its previous ruleset generation (one flip)',
  usage: '',
  options: [instanceOpt],
  async run(input) {
    if (input.positionals.length > 0) throw new UsageError('E_CLI_USAGE', 'rollback takes no arguments');
    return withControl(input, 'rollback', () => {
      const r = rollback({ instance: instanceOf(input.options) });
      if (input.json) input.out(JSON.stringify({ event_type: 'rollback', instance: r.instance, from: r.from, to: r.to, cancelled_confirm: r.cancelledConfirm }));
      else {
        input.out(`${r.instance}: rolled back from ${r.from ? `load #${r.from.tag} (generation ${r.from.index})` : 'no ruleset'} to load #${r.to?.tag} (generation ${r.to?.index})`);
        if (r.cancelledConfirm) input.out('  the pending confirm was cancelled');
      }
      return EXIT.ok;
    });
  },
};
