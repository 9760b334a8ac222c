// reference: an external reference. `reference:<system>,<id>;` (url, cve, bugtraq, md5, ...).
import { whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

export const reference = ruleKeyword<{ system: string; id: string }>({
  role: 'rule',
  name: 'reference',
  description: 'a reference to an external description of what the rule detects',
  value: 'required',
  parse(v) {
    const comma = v.text.indexOf(',');
    const system = comma < 0 ? '' : v.text.slice(0, comma).trim().toLowerCase();
    const id = comma < 0 ? '' : v.text.slice(comma + 1).trim();
    if (!/^[a-z0-9_-]+$/.test(system) || id === '') {
      v.error('E_BAD_VALUE', 'reference takes <system>,<id> (for example url,example.com/advisory)', whole(v));
      return undefined;
    }
    return { system, id };
  },
  lower(v, r) {
    r.meta.references.push(v);
  },
});
