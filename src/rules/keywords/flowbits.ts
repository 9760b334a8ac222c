// flowbits: named boolean state on the flow. `flowbits:set,<name>` (unset, toggle, isset,
// isnotset alike) and `flowbits:noalert`. `a|b` with isset/isnotset is true when any of the bits
// is (not) set, as in Suricata; with set/unset/toggle it applies to every bit listed.
import type { FlowbitOp } from '../ir.ts';
import { splitPart, whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

const COMMANDS = ['set', 'unset', 'toggle', 'isset', 'isnotset', 'noalert'] as const;

export type FlowbitsValue = FlowbitOp | 'noalert';

export const flowbits = ruleKeyword<FlowbitsValue>({
  role: 'rule',
  name: 'flowbits',
  description: 'set, clear or test named bits kept per flow',
  value: 'required',
  needsDpi: true,
  parse(v) {
    const parts = splitPart(whole(v));
    const cmd = parts[0].text.toLowerCase();
    if (!(COMMANDS as readonly string[]).includes(cmd)) {
      v.error('E_BAD_VALUE', `flowbits: unknown command "${parts[0].text}" (${COMMANDS.join(', ')})`, parts[0]);
      return undefined;
    }
    if (cmd === 'noalert') {
      if (parts.length > 1) {
        v.error('E_BAD_VALUE', 'flowbits:noalert takes no name', parts[1]);
        return undefined;
      }
      return 'noalert';
    }
    if (parts.length !== 2 || parts[1].text === '') {
      v.error('E_BAD_VALUE', `flowbits:${cmd} needs one flowbit name`, parts[2] ?? whole(v));
      return undefined;
    }
    const names = splitPart(parts[1], '|');
    for (const n of names) {
      if (n.text === '' || /\s/.test(n.text)) {
        v.error('E_BAD_VALUE', n.text === '' ? 'flowbits: empty name in list' : `flowbits: spaces are not allowed in flowbit names ("${n.text}")`, n.text ? n : parts[1]);
        return undefined;
      }
    }
    return { op: cmd as FlowbitOp['op'], names: names.map((n) => n.text) };
  },
  lower(v, r) {
    if (v === 'noalert') r.noalert = true;
    else r.flowbits.push({ op: v.op, names: [...v.names] });
  },
});
