// The content modifiers (Suricata's detect-nocase/depth/offset/distance/within/startswith/endswith
// /rawbytes.c). Each applies to the content just before it; the validate stage checks that one
// exists and that the modifiers of one content do not contradict each other.
import type { Part, ValueCtx } from '../syntax/values.ts';
import { parseInteger, whole } from '../syntax/values.ts';
import { modifierKeyword } from './types.ts';

/** Suricata's DETECT_CONTENT_VALUE_MAX. */
const VALUE_MAX = 65535;

/** A number, or a byte_extract variable name (which fwctl cannot evaluate yet). */
function numberOrVar(v: ValueCtx, name: string, min: number): number | undefined {
  const p: Part = whole(v);
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.text)) {
    v.unsupported('byte_extract', `${name} refers to the byte_extract/byte_math variable "${p.text}", which fwctl cannot evaluate yet`, p);
    return undefined;
  }
  const n = parseInteger(p.text, min, VALUE_MAX);
  if (n === undefined) v.error('E_BAD_VALUE', `${name} takes a number from ${min} to ${VALUE_MAX}, not "${p.text}"`, p);
  return n;
}

export const nocase = modifierKeyword<null>({
  role: 'modifier',
  class: 'other',
  name: 'nocase',
  description: 'the preceding content matches case-insensitively (ASCII letters)',
  value: 'none',
  parse: () => null,
  lower: (_v, c) => {
    c.nocase = true;
  },
});

export const rawbytes = modifierKeyword<null>({
  role: 'modifier',
  class: 'other',
  name: 'rawbytes',
  description: 'accepted for Snort compatibility; has no effect (as in Suricata)',
  value: 'none',
  parse: () => null,
  lower: () => {},
});

export const depth = modifierKeyword<number>({
  role: 'modifier',
  class: 'absolute',
  name: 'depth',
  description: 'the preceding content must end within this many bytes from its offset',
  value: 'required',
  parse: (v) => numberOrVar(v, 'depth', 1),
  lower: (n, c) => {
    c.depth = n;
  },
});

export const offset = modifierKeyword<number>({
  role: 'modifier',
  class: 'absolute',
  name: 'offset',
  description: 'the preceding content starts at or after this byte of the buffer',
  value: 'required',
  parse: (v) => numberOrVar(v, 'offset', 0),
  lower: (n, c) => {
    c.offset = n;
  },
});

export const distance = modifierKeyword<number>({
  role: 'modifier',
  class: 'relative',
  name: 'distance',
  description: 'the preceding content starts this many bytes (may be negative) after the previous match',
  value: 'required',
  parse: (v) => numberOrVar(v, 'distance', -VALUE_MAX),
  lower: (n, c) => {
    c.distance = n;
  },
});

export const within = modifierKeyword<number>({
  role: 'modifier',
  class: 'relative',
  name: 'within',
  description: 'the preceding content must end within this many bytes after the previous match',
  value: 'required',
  parse: (v) => numberOrVar(v, 'within', -VALUE_MAX),
  lower: (n, c) => {
    c.within = n;
  },
});

export const startswith = modifierKeyword<null>({
  role: 'modifier',
  class: 'startswith',
  name: 'startswith',
  description: 'the preceding content must be at the start of the buffer',
  value: 'none',
  parse: () => null,
  lower: (_v, c) => {
    c.offset = 0;
    c.depth = c.bytes.length;
  },
});

export const endswith = modifierKeyword<null>({
  role: 'modifier',
  class: 'other',
  name: 'endswith',
  description: 'the preceding content must be at the end of the buffer',
  value: 'none',
  parse: () => null,
  lower: (_v, c) => {
    c.endsWith = true;
  },
});
