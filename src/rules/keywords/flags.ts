// flags: TCP flags. `flags:[!|*|+]<FSRPAUCE0>[,<mask>]` (the modifier may also follow the flags).
// Without modifier the flags must be exactly these (after removing the mask bits); `+` these and
// maybe others, `*` any of these, `!` none of these. `0` means no flag; 1 and 2 are old names of C, E.
import { TCP_FLAG_BITS, type TcpFlagsMatch } from '../ir.ts';
import { splitPart, whole, type Part, type ValueCtx } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

const LETTERS: Record<string, number> = { ...TCP_FLAG_BITS, '1': TCP_FLAG_BITS.C, '2': TCP_FLAG_BITS.E };

function bits(v: ValueCtx, p: Part, allowZero: boolean): number | undefined {
  let n = 0;
  for (let i = 0; i < p.text.length; i++) {
    const ch = p.text[i].toUpperCase();
    if (ch === '0' && allowZero) continue;
    const b = LETTERS[ch];
    if (b === undefined) {
      v.error('E_BAD_VALUE', `flags: "${p.text[i]}" is not a TCP flag (F S R P A U C E, or 0 for none)`, {
        text: p.text[i],
        start: p.start + i,
        end: p.start + i + 1,
      });
      return undefined;
    }
    n |= b;
  }
  return n;
}

export const flags = ruleKeyword<TcpFlagsMatch>({
  role: 'rule',
  name: 'flags',
  description: 'match TCP header flags',
  value: 'required',
  negatable: true,
  once: true,
  ipProtos: [6],
  parse(v) {
    const parts = splitPart(whole(v));
    if (parts.length > 2 || parts[0].text === '') {
      v.error('E_BAD_VALUE', 'flags takes <flags>[,<mask>]', whole(v));
      return undefined;
    }
    let f = parts[0];
    let mode: TcpFlagsMatch['mode'] = 'exact';
    const modes: Record<string, TcpFlagsMatch['mode']> = { '+': 'all', '*': 'any', '!': 'not' };
    if (modes[f.text[0]]) {
      mode = modes[f.text[0]];
      f = { text: f.text.slice(1), start: f.start + 1, end: f.end };
    } else if (modes[f.text[f.text.length - 1]]) {
      mode = modes[f.text[f.text.length - 1]];
      f = { text: f.text.slice(0, -1), start: f.start, end: f.end - 1 };
    }
    if (f.text === '') {
      v.error('E_BAD_VALUE', 'flags: no flag given', parts[0]);
      return undefined;
    }
    if (f.text.includes('0') && f.text !== '0') {
      v.error('E_BAD_VALUE', 'flags: 0 (no flags) cannot be combined with other flags', f);
      return undefined;
    }
    const set = bits(v, f, true);
    const ignore = parts[1] ? bits(v, parts[1], false) : 0;
    if (set === undefined || ignore === undefined) return undefined;
    return { mode, flags: set, ignore };
  },
  lower(v, r) {
    r.header.flags = v;
  },
});
