// flow: direction and state of the flow. `flow:<option>[,<option>...]` with to_server
// (= from_client), to_client (= from_server), established, not_established, stateless,
// only_stream, no_stream, only_frag, no_frag. Conflicts and repeats are errors, as in Suricata's
// DetectFlowParse.
import type { FlowMatch } from '../ir.ts';
import { splitPart, whole, type Part } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

type Slot = keyof FlowMatch;
const OPTIONS: Record<string, [Slot, FlowMatch[Slot]]> = {
  to_server: ['direction', 'to_server'],
  from_client: ['direction', 'to_server'],
  to_client: ['direction', 'to_client'],
  from_server: ['direction', 'to_client'],
  established: ['state', 'established'],
  not_established: ['state', 'not_established'],
  stateless: ['state', 'stateless'],
  only_stream: ['stream', 'only'],
  no_stream: ['stream', 'no'],
  only_frag: ['frag', 'only'],
  no_frag: ['frag', 'no'],
};

export const flow = ruleKeyword<FlowMatch>({
  role: 'rule',
  name: 'flow',
  description: 'match the direction and state of the flow',
  value: 'required',
  once: true,
  parse(v) {
    const out: FlowMatch = {};
    const seen = new Map<Slot, Part>();
    let ok = true;
    for (const p of splitPart(whole(v))) {
      const o = OPTIONS[p.text.toLowerCase()];
      if (!o) {
        v.error('E_BAD_VALUE', `flow: unknown option "${p.text}"`, p, undefined);
        ok = false;
        continue;
      }
      const prev = seen.get(o[0]);
      if (prev) {
        v.error('E_FLOW_CONFLICT', prev.text === p.text ? `flow: "${p.text}" given twice` : `flow: "${p.text}" conflicts with "${prev.text}"`, p);
        ok = false;
        continue;
      }
      seen.set(o[0], p);
      (out as Record<Slot, unknown>)[o[0]] = o[1];
    }
    return ok ? out : undefined;
  },
  lower(v, r) {
    r.flow = v;
  },
});
