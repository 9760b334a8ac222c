// classtype: the alert's class, from classification.config (Suricata's default set is built in).
// An unknown class is a warning (the priority then defaults to 3), with a suggestion.
import { closest } from '../suggest.ts';
import { whole } from '../syntax/values.ts';
import { CLASSIFICATIONS } from './classifications.ts';
import { ruleKeyword } from './types.ts';

export const classtype = ruleKeyword<string>({
  role: 'rule',
  name: 'classtype',
  description: 'the class of the alert, which also gives its default priority',
  value: 'required',
  once: true,
  parse(v) {
    const t = v.text.toLowerCase();
    if (!/^[a-z0-9_-]+$/.test(t)) {
      v.error('E_BAD_VALUE', `classtype "${v.text}" may only contain letters, digits, "-" and "_"`, whole(v));
      return undefined;
    }
    return t;
  },
  validate(v, ctx) {
    if (!(v in CLASSIFICATIONS)) {
      const hint = closest(v, Object.keys(CLASSIFICATIONS));
      ctx.report.report('W_UNKNOWN_CLASSTYPE', `unknown classtype "${v}"; priority defaults to 3${hint ? ` (did you mean "${hint}"?)` : ''}`, ctx.valueSpan, hint);
    }
  },
  lower(v, r) {
    r.meta.classtype = v;
  },
});
