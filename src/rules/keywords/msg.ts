// msg: the alert message. `msg:"text";` — `\"`, `\;` and `\\` are unescaped.
import { unescapeText, unquote, whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

export const msg = ruleKeyword<string>({
  role: 'rule',
  name: 'msg',
  description: 'the message of the alert',
  value: 'required',
  once: true,
  parse(v) {
    const p = unquote(v, whole(v), false);
    return p ? unescapeText(p.text) : undefined;
  },
  lower(v, r) {
    r.meta.msg = v;
  },
});
