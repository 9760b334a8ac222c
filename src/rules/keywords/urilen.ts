// urilen: the length of the HTTP request URI. `urilen:[<|>]<n>[,raw|norm]` or `urilen:a<>b`;
// `norm` (the default) measures the normalized URI, `raw` the URI as sent.
import type { LengthMatch } from '../ir.ts';
import { parseUint, splitPart, whole } from '../syntax/values.ts';
import { payloadKeyword } from './types.ts';

export interface UrilenValue {
  item: LengthMatch;
  raw: boolean;
}

export const urilen = payloadKeyword<UrilenValue>({
  role: 'payload',
  name: 'urilen',
  description: 'compare the length of the HTTP request URI (normalized, or raw)',
  ignoresSticky: true,
  value: 'required',
  negatable: true,
  parse(v) {
    const parts = splitPart(whole(v));
    if (parts.length > 2 || (parts[1] && parts[1].text !== 'raw' && parts[1].text !== 'norm')) {
      v.error('E_BAD_VALUE', 'urilen takes <length>[,raw|norm]', parts[1] ?? whole(v));
      return undefined;
    }
    const r = parseUint(parts[0].text, 65535);
    if (typeof r === 'string') {
      v.error('E_BAD_VALUE', `urilen: ${r}`, parts[0]);
      return undefined;
    }
    return { item: { kind: 'length', cond: r }, raw: parts[1]?.text === 'raw' };
  },
  ownBuffer: (v) => (v.raw ? 'http.uri.raw' : 'http.uri'),
  isRelative: () => false,
  lower: (v) => ({ ...v.item }),
});
