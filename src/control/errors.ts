// The one error type of the operator layer. `step` says where a load (or any command) stopped;
// `exit` says whose fault it was: the caller's input (1) or the system (2). The CLI maps it onto
// its exit codes and prints `{"error": {code, message, step, ...}}` with -o json.

/** Where an operator command stopped. A load runs check → plan → lockout → open → attach → apply →
 *  record → confirm, in that order; the others name their own single step. */
export type Step =
  | 'args' | 'check' | 'plan' | 'lockout' | 'lock' | 'open' | 'attach' | 'apply' | 'record' | 'confirm'
  | 'rollback' | 'unload' | 'status' | 'stats' | 'trace';

export class ControlError extends Error {
  readonly code: string;
  readonly step: Step;
  readonly exit: 'invalid' | 'failure';
  /** Extra fields for the JSON error record (the offending rule, the diagnostics, ...). */
  readonly details: Record<string, unknown>;

  constructor(code: string, step: Step, exit: 'invalid' | 'failure', message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ControlError';
    this.code = code;
    this.step = step;
    this.exit = exit;
    this.details = details;
  }
}

/** A system error (errno code) from a thrown value, if it has one. */
export function errnoCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' ? c : undefined;
}

/** Wraps anything thrown at `step` into a ControlError (a ControlError passes through). */
export function atStep(step: Step, code: string, exit: 'invalid' | 'failure', e: unknown, what: string): ControlError {
  if (e instanceof ControlError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const extra: Record<string, unknown> = {};
  const err = e as { errno?: unknown; op?: unknown; code?: unknown };
  if (typeof err.errno === 'number') extra.errno = err.errno;
  if (typeof err.op === 'string') extra.op = err.op;
  if (typeof err.code === 'string') extra.cause_code = err.code;
  return new ControlError(code, step, exit, `${what}: ${msg}`, extra, { cause: e });
}
