// Shared argument parsing of byte_test and byte_jump: the numeric fields and the option words
// (relative, big/little, string,<base>, dce, bitmask N) both keywords accept.
import type { Part, ValueCtx } from '../syntax/values.ts';
import { parseInteger, splitWord } from '../syntax/values.ts';

export interface ByteOptions {
  relative: boolean;
  endian: 'big' | 'little';
  string?: 'hex' | 'dec' | 'oct';
  dce: boolean;
  bitmask?: number;
}

/** A number, or a byte_extract variable (reported unsupported). */
export function byteNumber(v: ValueCtx, p: Part, what: string, min: number, max: number): number | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.text)) {
    v.unsupported('byte_extract', `${what} refers to the byte_extract/byte_math variable "${p.text}", which fwctl cannot evaluate yet`, p);
    return undefined;
  }
  const n = parseInteger(p.text, min, max, true);
  if (n === undefined) v.error('E_BAD_VALUE', `${what} must be a number from ${min} to ${max}, not "${p.text}"`, p);
  return n;
}

/**
 * Consumes the option words common to byte_test/byte_jump from `parts`; returns the words it did not
 * recognize (for the keyword's own options), or undefined after an error.
 */
export function parseByteOptions(v: ValueCtx, parts: Part[], kw: string): { opts: ByteOptions; rest: Part[] } | undefined {
  const opts: ByteOptions = { relative: false, endian: 'big', dce: false };
  const rest: Part[] = [];
  let ok = true;
  let endianSet = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const [word, arg] = splitWord(p);
    switch (word.text) {
      case 'relative':
        opts.relative = true;
        break;
      case 'big':
      case 'little':
        if (endianSet) {
          v.error('E_BAD_VALUE', `${kw}: endianness given twice`, p);
          ok = false;
        }
        endianSet = true;
        opts.endian = word.text;
        break;
      case 'dce':
        opts.dce = true;
        break;
      case 'string': {
        // "string,hex" (two comma fields) or "string hex".
        const base = arg.text !== '' ? arg : parts[++i];
        if (!base || !['hex', 'dec', 'oct'].includes(base.text)) {
          v.error('E_BAD_VALUE', `${kw}: "string" must be followed by hex, dec or oct`, base ?? p);
          return undefined;
        }
        opts.string = base.text as 'hex' | 'dec' | 'oct';
        break;
      }
      case 'bitmask': {
        const n = parseInteger(arg.text, 1, 0xffffffff, true);
        if (n === undefined) {
          v.error('E_BAD_VALUE', `${kw}: bitmask takes a number from 1 to 0xffffffff`, arg.text ? arg : p);
          ok = false;
        } else opts.bitmask = n;
        break;
      }
      default:
        rest.push(p);
    }
  }
  return ok ? { opts, rest } : undefined;
}

export function checkBytes(v: ValueCtx, p: Part, kw: string, isString: boolean): number | undefined {
  const max = isString ? 23 : 8;
  const n = parseInteger(p.text, 1, max);
  if (n === undefined) v.error('E_BAD_VALUE', `${kw}: number of bytes must be 1-${max}${isString ? ' for a string' : ''}, not "${p.text}"`, p);
  return n;
}
