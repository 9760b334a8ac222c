// priority: overrides the classtype's priority (1 is the highest).
import { parseInteger, unquote, whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

export const priority = ruleKeyword<number>({
  role: 'rule',
  name: 'priority',
  description: 'the alert priority, 1 (highest) to 255',
  value: 'required',
  once: true,
  parse(v) {
    const p = unquote(v, whole(v), false);
    if (!p) return undefined;
    const n = parseInteger(p.text, 1, 255);
    if (n === undefined) v.error('E_BAD_VALUE', `priority must be a number from 1 to 255, not "${p.text}"`, p);
    return n;
  },
  lower(v, r) {
    r.meta.priority = v;
  },
});
