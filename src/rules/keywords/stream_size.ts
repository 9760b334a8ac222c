// stream_size: bytes seen so far on the TCP stream, from the sequence numbers.
// `stream_size:<server|client|both|either>,<op>,<number>` with op one of < > = != <= >=.
import type { StreamSizeMatch } from '../ir.ts';
import { parseInteger, splitPart, whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

const SIDES = ['server', 'client', 'both', 'either'];
const OPS = ['<', '>', '=', '!=', '<=', '>='];

export const streamSize = ruleKeyword<StreamSizeMatch>({
  role: 'rule',
  name: 'stream_size',
  description: 'compare the number of bytes seen on the TCP stream',
  value: 'required',
  needsDpi: true,
  ipProtos: [6],
  parse(v) {
    const parts = splitPart(whole(v));
    if (parts.length !== 3) {
      v.error('E_BAD_VALUE', 'stream_size takes <server|client|both|either>,<operator>,<number>', whole(v));
      return undefined;
    }
    const [side, op, num] = parts;
    if (!SIDES.includes(side.text)) {
      v.error('E_BAD_VALUE', `stream_size: side must be one of ${SIDES.join(', ')}`, side);
      return undefined;
    }
    if (!OPS.includes(op.text)) {
      v.error('E_BAD_VALUE', `stream_size: operator must be one of ${OPS.join(' ')}`, op);
      return undefined;
    }
    const n = parseInteger(num.text, 0, 0xffffffff);
    if (n === undefined) {
      v.error('E_BAD_VALUE', 'stream_size: size must be a number from 0 to 4294967295', num);
      return undefined;
    }
    return { side: side.text as StreamSizeMatch['side'], op: op.text as StreamSizeMatch['op'], value: n };
  },
  lower(v, r) {
    r.streamSize.push(v);
  },
});
