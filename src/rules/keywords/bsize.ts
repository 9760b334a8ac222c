// bsize: the length of the current sticky buffer. `bsize:<n>`, `<n`, `>n`, `<=n`, `>=n`, `a<>b`.
import type { LengthMatch } from '../ir.ts';
import { parseUint, whole } from '../syntax/values.ts';
import { payloadKeyword } from './types.ts';

export const bsize = payloadKeyword<LengthMatch>({
  role: 'payload',
  name: 'bsize',
  description: 'compare the length of the current sticky buffer',
  requiresSticky: true,
  value: 'required',
  negatable: true,
  parse(v) {
    const r = parseUint(v.text, Number.MAX_SAFE_INTEGER);
    if (typeof r === 'string') {
      v.error('E_BAD_VALUE', `bsize: ${r}`, whole(v));
      return undefined;
    }
    return { kind: 'length', cond: r };
  },
  isRelative: () => false,
  lower: (v) => ({ ...v }),
});
