// sameip: the source and destination addresses are equal.
import { ruleKeyword } from './types.ts';

export const sameip = ruleKeyword<null>({
  role: 'rule',
  name: 'sameip',
  description: 'match packets whose source and destination address are the same',
  value: 'none',
  once: true,
  parse: () => null,
  lower(_v, r) {
    r.header.sameip = true;
  },
});
