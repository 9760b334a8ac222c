// threshold: alert thinning. `threshold: type <threshold|limit|both|backoff>, track <by_src|by_dst|
// by_rule|by_both|by_flow>, count <n>, seconds <n>` (backoff takes `multiplier <n>` instead of seconds).
import type { Threshold } from '../ir.ts';
import { count, keyValues, missing, track } from './track.ts';
import { ruleKeyword } from './types.ts';

const TYPES = ['threshold', 'limit', 'both', 'backoff'] as const;

export const threshold = ruleKeyword<Threshold>({
  role: 'rule',
  name: 'threshold',
  description: 'limit or thin out the alerts of a rule per source, destination, rule or flow',
  value: 'required',
  once: true,
  parse(v) {
    const m = keyValues(v, 'threshold', ['type', 'track', 'count', 'seconds', 'multiplier']);
    if (!m) return undefined;
    const typeP = m.get('type');
    const type = typeP?.text as Threshold['type'] | undefined;
    if (typeP && !(TYPES as readonly string[]).includes(typeP.text)) {
      v.error('E_BAD_VALUE', `threshold: type must be one of ${TYPES.join(', ')}, not "${typeP.text}"`, typeP);
      return undefined;
    }
    const backoff = type === 'backoff';
    if (missing(v, 'threshold', m, backoff ? ['type', 'track', 'count', 'multiplier'] : ['type', 'track', 'count', 'seconds'])) return undefined;
    const t = track(v, 'threshold', m.get('track')!);
    const c = count(v, 'threshold', 'count', m.get('count')!);
    if (t === undefined || c === undefined || type === undefined) return undefined;
    const out: Threshold = { type, track: t, count: c };
    if (backoff) {
      if (m.has('seconds')) {
        v.error('E_BAD_VALUE', 'threshold: type backoff takes multiplier, not seconds', m.get('seconds'));
        return undefined;
      }
      const mul = count(v, 'threshold', 'multiplier', m.get('multiplier')!);
      if (mul === undefined) return undefined;
      out.multiplier = mul;
    } else {
      if (m.has('multiplier')) {
        v.error('E_BAD_VALUE', 'threshold: multiplier is only for type backoff', m.get('multiplier'));
        return undefined;
      }
      const s = count(v, 'threshold', 'seconds', m.get('seconds')!);
      if (s === undefined) return undefined;
      out.seconds = s;
    }
    return out;
  },
  lower(v, r) {
    r.threshold = v;
  },
});
