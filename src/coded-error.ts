// The error catalogues of the operator commands (address sets, rate limits, SYN cookies): each
// code says whether it is the caller's input (exit 1) or the running system (exit 2), and one
// error class per catalogue carries a code of it.

export type ExitKind = 'invalid' | 'failure';

export interface CodeInfo {
  exit: ExitKind;
  description: string;
}

export const invalid = (description: string): CodeInfo => ({ exit: 'invalid', description });
export const failure = (description: string): CodeInfo => ({ exit: 'failure', description });

/** An Error class named `name` whose instances carry a code of `codes` and that code's exit kind. */
export function codedError<C extends Record<string, CodeInfo>>(name: string, codes: C) {
  return class CodedError extends Error {
    override name = name;
    readonly code: keyof C & string;
    readonly exit: ExitKind;
    constructor(code: keyof C & string, message: string, options?: { cause?: unknown }) {
      super(message, options);
      this.code = code;
      this.exit = codes[code].exit;
    }
  };
}
