// fragbits: IPv4 fragmentation bits. `fragbits:[!|*|+]<MDR>` (M more fragments, D don't
// fragment, R reserved); modifiers as for flags.
import { FRAG_BITS, type FragbitsMatch } from '../ir.ts';
import { whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

export const fragbits = ruleKeyword<FragbitsMatch>({
  role: 'rule',
  name: 'fragbits',
  description: 'match the IPv4 fragmentation bits (M, D, R)',
  value: 'required',
  negatable: true,
  once: true,
  parse(v) {
    const p = whole(v);
    let t = p.text;
    let mode: FragbitsMatch['mode'] = 'exact';
    const modes: Record<string, FragbitsMatch['mode']> = { '+': 'all', '*': 'any', '!': 'not' };
    let off = 0;
    if (modes[t[0]]) {
      mode = modes[t[0]];
      t = t.slice(1);
      off = 1;
    } else if (modes[t[t.length - 1]]) {
      mode = modes[t[t.length - 1]];
      t = t.slice(0, -1);
    }
    let bits = 0;
    for (let i = 0; i < t.length; i++) {
      const b = FRAG_BITS[t[i].toUpperCase() as keyof typeof FRAG_BITS];
      if (b === undefined) {
        v.error('E_BAD_VALUE', `fragbits: "${t[i]}" is not a fragment bit (M, D, R)`, { text: t[i], start: p.start + off + i, end: p.start + off + i + 1 });
        return undefined;
      }
      bits |= b;
    }
    if (bits === 0) {
      v.error('E_BAD_VALUE', 'fragbits: no bit given', p);
      return undefined;
    }
    return { mode, bits };
  },
  lower(v, r) {
    r.header.fragbits = v;
  },
});
