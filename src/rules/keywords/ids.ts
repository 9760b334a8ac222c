// sid, rev, gid: the rule's identity (gid:sid) and revision. Unsigned 32-bit; sid 0 is invalid.
import { parseInteger, unquote, whole } from '../syntax/values.ts';
import { ruleKeyword, type RuleKeyword } from './types.ts';

function idKeyword(name: 'sid' | 'rev' | 'gid', min: number, description: string): RuleKeyword<number> {
  return ruleKeyword<number>({
    role: 'rule',
    name,
    description,
    value: 'required',
    once: true,
    parse(v) {
      const p = unquote(v, whole(v), false);
      if (!p) return undefined;
      const n = parseInteger(p.text, min, 0xffffffff);
      if (n === undefined) v.error('E_BAD_VALUE', `${name} must be a number from ${min} to 4294967295, not "${p.text}"`, p);
      return n;
    },
    lower(v, r) {
      r.meta[name] = v;
    },
  });
}

export const sid = idKeyword('sid', 1, 'the signature id, unique per gid');
export const rev = idKeyword('rev', 0, 'the revision of the rule');
export const gid = idKeyword('gid', 0, 'the group id (1 by default)');
