// The one catalogue of rate-limit error codes (docs/ratelimit.md lists them), and the error class
// that carries them. A code says whether it is the caller's input (exit 1) or the running system
// (exit 2).
import { codedError, type CodeInfo, type ExitKind, failure, invalid } from '../coded-error.ts';

export type { ExitKind };

export const RL_CODES = {
  E_RL_CONFIG: invalid('A rate-limit setting is out of its range or unknown (the message names it by its path, with a suggestion for a misspelt key).'),
  E_RL_FILE: invalid('A rate-limit file cannot be read or is not JSON (the message gives the line and column).'),
  E_RL_DURATION: invalid('A duration is 1500ms, 90s, 10m, 1h30m or 2d (a bare number is seconds).'),
  E_RL_DUPLICATE_ID: invalid('Two limits have the same id; ids name limits in `fwctl ratelimit del` and in block events.'),
  E_RL_TOO_MANY: invalid('More limits than the datapath holds (FW_RL_MAX, 16).'),
  E_RL_NOT_FOUND: invalid('`fwctl ratelimit del` names an id that no limit has.'),
  E_RL_MAPS_MISSING: failure('The instance was pinned by a build without rate limits: reload it.'),
} as const satisfies Record<string, CodeInfo>;

export type RlCode = keyof typeof RL_CODES;

export const RateLimitError = codedError('RateLimitError', RL_CODES);
export type RateLimitError = InstanceType<typeof RateLimitError>;
