// detection_filter: alert only after `count` matches within `seconds`.
// `detection_filter: track <by_src|by_dst|by_rule|by_both|by_flow>, count <n>, seconds <n>`
import type { DetectionFilter } from '../ir.ts';
import { count, keyValues, missing, track } from './track.ts';
import { ruleKeyword } from './types.ts';

export const detectionFilter = ruleKeyword<DetectionFilter>({
  role: 'rule',
  name: 'detection_filter',
  description: 'alert only once a rule has matched count times within seconds',
  value: 'required',
  once: true,
  parse(v) {
    const m = keyValues(v, 'detection_filter', ['track', 'count', 'seconds']);
    if (!m || missing(v, 'detection_filter', m, ['track', 'count', 'seconds'])) return undefined;
    const t = track(v, 'detection_filter', m.get('track')!);
    const c = count(v, 'detection_filter', 'count', m.get('count')!);
    const s = count(v, 'detection_filter', 'seconds', m.get('seconds')!);
    if (t === undefined || c === undefined || s === undefined) return undefined;
    return { track: t, count: c, seconds: s };
  },
  lower(v, r) {
    r.detectionFilter = v;
  },
});
