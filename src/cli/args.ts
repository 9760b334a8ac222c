// Parses a command's argv against its option table. Unknown flags are errors with a suggestion;
// nothing is silently ignored.
import { UsageError, type OptionDef, type OptionValues } from './command.ts';
import { closest } from './suggest.ts';

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionDef[] = [
  { name: 'output', short: 'o', type: 'string', arg: 'FORMAT', description: 'output format: text (default) or json' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help for the command' },
];

export interface ParsedArgs {
  options: OptionValues;
  positionals: string[];
}

export function parseArgs(argv: string[], defs: OptionDef[]): ParsedArgs {
  const all = [...GLOBAL_OPTIONS, ...defs];
  const byLong = new Map(all.map((d) => [d.name, d]));
  const byShort = new Map(all.filter((d) => d.short).map((d) => [d.short as string, d]));
  const options: OptionValues = {};
  const positionals: string[] = [];

  const set = (def: OptionDef, value: string | boolean) => {
    if (def.multiple) {
      const list = (options[def.name] as string[] | undefined) ?? [];
      list.push(String(value));
      options[def.name] = list;
    } else {
      if (options[def.name] !== undefined && def.type === 'string') {
        throw new UsageError('E_CLI_DUPLICATE_OPTION', `option --${def.name} given more than once`);
      }
      options[def.name] = value;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let def: OptionDef | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      def = byLong.get(name);
      if (!def) {
        const hint = closest(name, byLong.keys());
        throw new UsageError('E_CLI_UNKNOWN_OPTION', `unknown option --${name}`, hint ? `--${hint}` : undefined);
      }
    } else if (arg.startsWith('-') && /^-[A-Za-z]/.test(arg)) {
      // a short option is a letter: '->' (a trace's direction) and '-1' stay positionals
      def = byShort.get(arg.slice(1, 2));
      if (!def) throw new UsageError('E_CLI_UNKNOWN_OPTION', `unknown option ${arg}`);
      if (arg.length > 2) inline = arg.slice(2);
    } else {
      positionals.push(arg);
      continue;
    }
    if (def.type === 'boolean') {
      if (inline !== undefined) throw new UsageError('E_CLI_BAD_VALUE', `option --${def.name} takes no value`);
      set(def, true);
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError('E_CLI_MISSING_VALUE', `option --${def.name} needs a value`);
      set(def, value);
    }
  }
  const out = options.output;
  if (out !== undefined && out !== 'json' && out !== 'text') {
    throw new UsageError('E_CLI_BAD_VALUE', `-o takes "json" or "text", not "${String(out)}"`);
  }
  return { options, positionals };
}

/** The usage text of one command, generated from its table entry. */
export function formatHelp(name: string, usage: string, summary: string, defs: OptionDef[]): string {
  const lines = [`usage: fwctl ${name} [options] ${usage}`.trimEnd(), '', summary, '', 'options:'];
  for (const d of [...defs, ...GLOBAL_OPTIONS]) {
    const flag = `${d.short ? `-${d.short}, ` : '    '}--${d.name}${d.arg ? ` ${d.arg}` : ''}`;
    lines.push(`  ${flag.padEnd(28)} ${d.description}${d.multiple ? ' (repeatable)' : ''}`);
  }
  return lines.join('\n');
}
