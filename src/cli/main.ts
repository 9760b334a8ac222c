// fwctl: a thin shell over the layers. Looks the command up in the table, parses its options,
// runs it, and maps failures onto exit codes (0 ok, 1 invalid input, 2 runtime failure).
import { formatHelp, parseArgs } from './args.ts';
import { EXIT, UsageError, type Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { closest } from './suggest.ts';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: fwctl COMMAND [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Every command takes -o json. 'fwctl COMMAND --help' shows its options.",
  ].join('\n');
}

/** Prints an error as text, or as one JSON line with -o json. */
function reportError(io: Io, json: boolean, code: string, message: string, extra: Record<string, unknown> = {}): void {
  if (json) io.out(JSON.stringify({ error: { code, message, ...extra } }));
  else io.err(`fwctl: ${message}${extra.suggestion ? ` (did you mean ${String(extra.suggestion)}?)` : ''}`);
}

function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => (a === '-o' || a === '--output') && argv[i + 1] === 'json') ||
    argv.includes('-ojson') || argv.includes('--output=json');
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const json = wantsJson(argv);
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(topHelp());
    return name ? EXIT.ok : EXIT.invalid;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const hint = closest(name, COMMANDS.map((c) => c.name));
    reportError(io, json, 'E_CLI_UNKNOWN_COMMAND', `unknown command "${name}"`, hint ? { suggestion: hint } : {});
    return EXIT.invalid;
  }
  try {
    const { options, positionals } = parseArgs(rest, command.options);
    if (options.help) {
      io.out(formatHelp(command.name, command.usage, command.summary, command.options));
      return EXIT.ok;
    }
    return await command.run({ options, positionals, out: io.out, err: io.err, json: options.output === 'json' });
  } catch (e) {
    if (e instanceof UsageError) {
      reportError(io, json, e.code, e.message, e.suggestion ? { suggestion: e.suggestion } : {});
      return EXIT.invalid;
    }
    const err = e as Error & { code?: string; errno?: number; op?: string };
    const extra: Record<string, unknown> = {};
    if (err.op) extra.op = err.op;
    if (err.errno !== undefined) extra.errno = err.errno;
    reportError(io, json, typeof err.code === 'string' ? err.code : 'E_RUNTIME', err.message ?? String(e), extra);
    if (process.env.FWCTL_DEBUG && err.stack) io.err(err.stack);
    return EXIT.failure;
  }
}
