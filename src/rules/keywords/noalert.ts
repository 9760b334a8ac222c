// noalert: the rule acts (sets flowbits, drops, passes) but raises no alert.
import { ruleKeyword } from './types.ts';

export const noalert = ruleKeyword<null>({
  role: 'rule',
  name: 'noalert',
  description: 'the rule raises no alert when it matches',
  value: 'none',
  parse: () => null,
  lower(_v, r) {
    r.noalert = true;
  },
});
