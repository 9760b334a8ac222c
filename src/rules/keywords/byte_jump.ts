// byte_jump: read N bytes as a length and move the detection cursor past it.
// `byte_jump:<bytes>, <offset> [,relative] [,multiplier <n>] [,big|little] [,string,<hex|dec|oct>]
//  [,align] [,from_beginning|from_end] [,post_offset <n>] [,dce] [,bitmask <mask>]`
import type { ByteJumpMatch } from '../ir.ts';
import { parseInteger, splitPart, splitWord, whole } from '../syntax/values.ts';
import { byteNumber, checkBytes, parseByteOptions } from './byte-common.ts';
import { payloadKeyword } from './types.ts';

export const byteJump = payloadKeyword<ByteJumpMatch>({
  role: 'payload',
  name: 'byte_jump',
  description: 'read a length from the buffer and move the cursor past it',
  value: 'required',
  anchors: true,
  parse(v) {
    const parts = splitPart(whole(v));
    if (parts.length < 2) {
      v.error('E_BAD_VALUE', 'byte_jump needs at least <bytes>, <offset>', whole(v));
      return undefined;
    }
    const extra = parseByteOptions(v, parts.slice(2), 'byte_jump');
    if (!extra) return undefined;
    const item: ByteJumpMatch = {
      kind: 'byte_jump',
      bytes: 0,
      offset: 0,
      multiplier: 1,
      align: false,
      from: 'current',
      postOffset: 0,
      ...extra.opts,
    };
    for (const p of extra.rest) {
      const [word, arg] = splitWord(p);
      if (word.text === 'align') item.align = true;
      else if (word.text === 'from_beginning' || word.text === 'from_end') {
        if (item.from !== 'current') {
          v.error('E_BAD_VALUE', 'byte_jump: from_beginning and from_end exclude each other', p);
          return undefined;
        }
        item.from = word.text === 'from_beginning' ? 'beginning' : 'end';
      } else if (word.text === 'multiplier') {
        const n = parseInteger(arg.text, 1, 65535);
        if (n === undefined) {
          v.error('E_BAD_VALUE', 'byte_jump: multiplier takes a number from 1 to 65535', p);
          return undefined;
        }
        item.multiplier = n;
      } else if (word.text === 'post_offset') {
        const n = byteNumber(v, arg.text ? arg : p, 'byte_jump post_offset', -65535, 65535);
        if (n === undefined) return undefined;
        item.postOffset = n;
      } else {
        v.error('E_BAD_VALUE', `byte_jump: unknown option "${p.text}"`, p);
        return undefined;
      }
    }
    const bytes = checkBytes(v, parts[0], 'byte_jump', item.string !== undefined);
    const offset = byteNumber(v, parts[1], 'byte_jump offset', -65535, 65535);
    if (bytes === undefined || offset === undefined) return undefined;
    item.bytes = bytes;
    item.offset = offset;
    return item;
  },
  isRelative: (v) => v.relative,
  lower: (v) => ({ ...v }),
});
