// fast_pattern: pick the content the multi-pattern matcher prefilters on. `fast_pattern;`,
// `fast_pattern:only;` (deprecated in Suricata 7, still accepted), `fast_pattern:offset,length;` (chop).
import { parseInteger, splitPart, whole } from '../syntax/values.ts';
import { modifierKeyword } from './types.ts';

export interface FastPatternValue {
  only: boolean;
  chop?: { offset: number; length: number };
}

export const fastPattern = modifierKeyword<FastPatternValue>({
  role: 'modifier',
  class: 'other',
  name: 'fast_pattern',
  description: 'use the preceding content (or a slice of it) as the rule\'s prefilter pattern',
  value: 'optional',
  parse(v) {
    const p = whole(v);
    if (p.text === '') return { only: false };
    if (p.text === 'only') return { only: true };
    const parts = splitPart(p);
    if (parts.length === 2) {
      const offset = parseInteger(parts[0].text, 0, 65535);
      const length = parseInteger(parts[1].text, 1, 65535);
      if (offset !== undefined && length !== undefined) return { only: false, chop: { offset, length } };
    }
    v.error('E_BAD_VALUE', `fast_pattern takes no value, "only", or "offset,length", not "${p.text}"`, p);
    return undefined;
  },
  lower(v, c) {
    c.fastPattern = v.chop ? { only: v.only, chop: v.chop } : { only: v.only };
  },
});
