// metadata: free-form `key value` pairs separated by commas (ET's affected_product, created_at, ...).
import { splitPart, splitWord, whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

export const metadata = ruleKeyword<Array<[string, string]>>({
  role: 'rule',
  name: 'metadata',
  description: 'key/value pairs describing the rule; no effect on matching',
  value: 'required',
  parse(v) {
    const out: Array<[string, string]> = [];
    for (const p of splitPart(whole(v))) {
      if (p.text === '') continue;
      const [k, val] = splitWord(p);
      out.push([k.text, val.text]);
    }
    return out;
  },
  lower(v, r) {
    r.meta.metadata.push(...v);
  },
});
