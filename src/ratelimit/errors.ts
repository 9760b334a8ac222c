// The one catalogue of rate-limit error codes (docs/ratelimit.md lists them), and the error class
// that carries them. A code says whether it is the caller's input (exit 1) or the running system
// (exit 2).

export type ExitKind = 'invalid' | 'failure';

const invalid = (description: string) => ({ exit: 'invalid' as const, description });
const failure = (description: string) => ({ exit: 'failure' as const, description });

export const RL_CODES = {
  E_RL_CONFIG: invalid('A rate-limit setting is out of its range or unknown (the message names it by its path, with a suggestion for a misspelt key).'),
  E_RL_FILE: invalid('A rate-limit file cannot be read or is not JSON (the message gives the line and column).'),
  E_RL_DURATION: invalid('A duration is 1500ms, 90s, 10m, 1h30m or 2d (a bare number is seconds).'),
  E_RL_DUPLICATE_ID: invalid('Two limits have the same id; ids name limits in `fwctl ratelimit del` and in block events.'),
  E_RL_TOO_MANY: invalid('More limits than the datapath holds (FW_RL_MAX, 16).'),
  E_RL_NOT_FOUND: invalid('`fwctl ratelimit del` names an id that no limit has.'),
  E_RL_MAPS_MISSING: failure('The instance was pinned by a build without rate limits: reload it.'),
} as const;

export type RlCode = keyof typeof RL_CODES;

export class RateLimitError extends Error {
  override name = 'RateLimitError';
  readonly code: RlCode;
  readonly exit: ExitKind;

  constructor(code: RlCode, message: string) {
    super(message);
    this.code = code;
    this.exit = RL_CODES[code].exit;
  }
}
