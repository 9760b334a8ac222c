// icmp_id and icmp_seq: the identifier and sequence number of ICMP echo messages. `icmp_id:<n>;`
import { parseInteger, unquote, whole } from '../syntax/values.ts';
import { ruleKeyword, type RuleKeyword } from './types.ts';

function icmpField(name: string, field: 'icmpId' | 'icmpSeq', what: string): RuleKeyword<number> {
  return ruleKeyword<number>({
    role: 'rule',
    name,
    description: `match the ICMP echo ${what}`,
    value: 'required',
    once: true,
    ipProtos: [1, 58],
    parse(v) {
      const p = unquote(v, whole(v), false);
      if (!p) return undefined;
      const n = parseInteger(p.text, 0, 65535);
      if (n === undefined) v.error('E_BAD_VALUE', `${name} takes a number from 0 to 65535`, p);
      return n;
    },
    lower(v, r) {
      r.header[field] = v;
    },
  });
}

export const icmpId = icmpField('icmp_id', 'icmpId', 'identifier');
export const icmpSeq = icmpField('icmp_seq', 'icmpSeq', 'sequence number');
