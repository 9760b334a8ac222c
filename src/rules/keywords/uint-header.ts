// Header keywords that compare one unsigned field (Suricata's uint keywords): itype, icode, ttl,
// dsize. One factory, one entry each in the registry.
import type { HeaderMatch, UintMatch } from '../ir.ts';
import { parseUint, whole } from '../syntax/values.ts';
import { ruleKeyword, type RuleKeyword } from './types.ts';

function uintKeyword(
  name: string,
  field: 'itype' | 'icode' | 'ttl' | 'dsize',
  max: number,
  description: string,
  ipProtos?: number[],
): RuleKeyword<UintMatch> {
  return ruleKeyword<UintMatch>({
    role: 'rule',
    name,
    description,
    value: 'required',
    negatable: true,
    once: true,
    ipProtos,
    parse(v) {
      const r = parseUint(v.text, max);
      if (typeof r === 'string') {
        v.error('E_BAD_VALUE', `${name}: ${r}`, whole(v));
        return undefined;
      }
      return r;
    },
    lower(v, rule) {
      (rule.header as Record<keyof HeaderMatch, unknown>)[field] = v;
    },
  });
}

export const itype = uintKeyword('itype', 'itype', 255, 'match the ICMP type', [1, 58]);
export const icode = uintKeyword('icode', 'icode', 255, 'match the ICMP code', [1, 58]);
export const ttl = uintKeyword('ttl', 'ttl', 255, 'match the IP time-to-live (hop limit)');
export const dsize = uintKeyword('dsize', 'dsize', 65535, 'match the size of the packet payload');
