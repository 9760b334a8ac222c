// ipopts: an IPv4 option is present. `ipopts:<rr|eol|nop|ts|sec|esec|lsrr|lsrre|ssrr|satid|any>;`
import { whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

const OPTIONS = ['rr', 'eol', 'nop', 'ts', 'sec', 'esec', 'lsrr', 'lsrre', 'ssrr', 'satid', 'any'];

export const ipopts = ruleKeyword<string>({
  role: 'rule',
  name: 'ipopts',
  description: 'match packets carrying an IPv4 option',
  value: 'required',
  once: true,
  parse(v) {
    const t = v.text.toLowerCase();
    if (!OPTIONS.includes(t)) {
      v.error('E_BAD_VALUE', `ipopts: "${v.text}" is not an IP option (${OPTIONS.join(', ')})`, whole(v));
      return undefined;
    }
    return t;
  },
  lower(v, r) {
    r.header.ipopts = v;
  },
});
