// isdataat: is there data at this offset of the buffer? `isdataat:[!]<n>[,relative][,rawbytes];`
import type { IsDataAtMatch } from '../ir.ts';
import { splitPart, whole } from '../syntax/values.ts';
import { byteNumber } from './byte-common.ts';
import { payloadKeyword } from './types.ts';

export const isdataat = payloadKeyword<IsDataAtMatch>({
  role: 'payload',
  name: 'isdataat',
  description: 'check that the buffer has data at an offset (absolute or after the previous match)',
  value: 'required',
  negatable: true,
  parse(v) {
    const parts = splitPart(whole(v));
    let first = parts[0];
    let negated = false;
    if (first.text.startsWith('!')) {
      negated = true;
      first = { text: first.text.slice(1).trim(), start: first.end - first.text.slice(1).trim().length, end: first.end };
    }
    const offset = byteNumber(v, first, 'isdataat', 0, 65535);
    if (offset === undefined) return undefined;
    let relative = false;
    for (const p of parts.slice(1)) {
      if (p.text === 'relative') relative = true;
      else if (p.text !== 'rawbytes') {
        v.error('E_BAD_VALUE', `isdataat: unknown option "${p.text}" (relative, rawbytes)`, p);
        return undefined;
      }
    }
    return { kind: 'isdataat', offset, relative, negated };
  },
  isRelative: (v) => v.relative,
  lower: (v) => ({ ...v }),
});
