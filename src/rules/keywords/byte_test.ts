// byte_test: read N bytes at an offset and compare them.
// `byte_test:<bytes>, [!]<op>, <value>, <offset> [,relative] [,big|little] [,string,<hex|dec|oct>] [,dce] [,bitmask <mask>]`
import type { ByteTestMatch } from '../ir.ts';
import { splitPart, whole } from '../syntax/values.ts';
import { byteNumber, checkBytes, parseByteOptions } from './byte-common.ts';
import { payloadKeyword } from './types.ts';

const OPS = ['<', '>', '=', '<=', '>=', '&', '^'] as const;

export const byteTest = payloadKeyword<ByteTestMatch>({
  role: 'payload',
  name: 'byte_test',
  description: 'compare bytes read from the buffer (as a number) with a value',
  value: 'required',
  parse(v) {
    const parts = splitPart(whole(v));
    if (parts.length < 4) {
      v.error('E_BAD_VALUE', 'byte_test needs at least <bytes>, <operator>, <value>, <offset>', whole(v));
      return undefined;
    }
    const extra = parseByteOptions(v, parts.slice(4), 'byte_test');
    if (!extra) return undefined;
    if (extra.rest.length) {
      v.error('E_BAD_VALUE', `byte_test: unknown option "${extra.rest[0].text}"`, extra.rest[0]);
      return undefined;
    }
    const bytes = checkBytes(v, parts[0], 'byte_test', extra.opts.string !== undefined);
    let opText = parts[1].text.replace(/\s+/g, '');
    const negated = opText.startsWith('!');
    if (negated) opText = opText.slice(1);
    if (opText === '') opText = '=';
    if (!(OPS as readonly string[]).includes(opText)) {
      v.error('E_BAD_VALUE', `byte_test: unknown operator "${parts[1].text}" (use <, >, =, <=, >=, &, ^, optionally negated with !)`, parts[1]);
      return undefined;
    }
    const vt = parts[2].text;
    let value: bigint | undefined;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(vt)) {
      v.unsupported('byte_extract', `byte_test value refers to the byte_extract/byte_math variable "${vt}", which fwctl cannot evaluate yet`, parts[2]);
      return undefined;
    }
    if (/^(0x[0-9a-fA-F]+|\d+)$/i.test(vt)) value = BigInt(vt);
    if (value === undefined || value > 0xffffffffffffffffn) {
      v.error('E_BAD_VALUE', `byte_test: value must be a number up to 2^64-1, not "${vt}"`, parts[2]);
      return undefined;
    }
    const offset = byteNumber(v, parts[3], 'byte_test offset', -65535, 65535);
    if (bytes === undefined || offset === undefined) return undefined;
    return { kind: 'byte_test', bytes, op: opText as ByteTestMatch['op'], negated, value, offset, ...extra.opts };
  },
  isRelative: (v) => v.relative,
  lower: (v) => ({ ...v }),
});
