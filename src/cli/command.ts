// What a command is: an entry in a table (name, summary, options, handler), as xdp-tools'
// DEFINE_COMMAND. Help text comes from the table; options are parsed and checked in one place.

/** One option of a command. `multiple` options collect every occurrence into an array. */
export interface OptionDef {
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  multiple?: boolean;
  /** Shown in help after the option name, e.g. FILE. */
  arg?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandInput {
  /** Parsed options, keyed by long name. */
  options: OptionValues;
  /** Positional arguments. */
  positionals: string[];
  /** Where the command writes its results (one call per line). */
  out: (line: string) => void;
  /** Where the command writes human diagnostics. */
  err: (line: string) => void;
  /** True when `-o json` was given: every output line is one JSON document. */
  json: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Positional syntax, e.g. "FILE..." */
  usage: string;
  options: OptionDef[];
  /** Returns the exit code: 0 ok, 1 invalid input, 2 runtime failure. */
  run(input: CommandInput): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, failure: 2 } as const;

/**
 * A user error: bad arguments or input. Commands throw it (or return EXIT.invalid); main prints it
 * as text or as `{"error": {...}}` with `-o json` and exits 1.
 */
export class UsageError extends Error {
  readonly code: string;
  readonly suggestion?: string;
  constructor(code: string, message: string, suggestion?: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
    this.suggestion = suggestion;
  }
}
