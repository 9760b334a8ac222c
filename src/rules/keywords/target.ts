// target: which side of the alert is the target (src_ip or dest_ip), for EVE's source/target fields.
import { whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

export const target = ruleKeyword<'src_ip' | 'dest_ip'>({
  role: 'rule',
  name: 'target',
  description: 'mark the source or the destination address as the target of the attack',
  value: 'required',
  once: true,
  parse(v) {
    if (v.text === 'src_ip' || v.text === 'dest_ip') return v.text;
    v.error('E_BAD_VALUE', `target must be src_ip or dest_ip, not "${v.text}"`, whole(v));
    return undefined;
  },
  lower(v, r) {
    r.meta.target = v;
  },
});
