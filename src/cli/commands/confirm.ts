// fwctl confirm: keep a ruleset loaded with --confirm (stops its rollback watchdog).
import { confirm } from '../../control/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOf, instanceOpt, withControl } from './load.ts';

export const confirmCommand: Command = {
  name: 'confirm',
  summary: 'keep the ruleset of a `load --confirm` (otherwise it rolls back at the deadline)',
  usage: '',
  options: [instanceOpt],
  async run(input) {
    if (input.positionals.length > 0) throw new UsageError('E_CLI_USAGE', 'confirm takes no arguments');
    return withControl(input, 'confirm', () => {
      const r = confirm({ instance: instanceOf(input.options) });
      if (input.json) input.out(JSON.stringify({ event_type: 'confirm', instance: r.instance, generation: r.generation, remaining_s: r.remaining }));
      else input.out(`${r.instance}: load #${r.generation.tag} confirmed (${r.remaining} s were left)`);
      return EXIT.ok;
    });
  },
};
