// The `key value, key value` argument lists of threshold and detection_filter.
import type { Track } from '../ir.ts';
import { parseInteger, splitPart, splitWord, whole, type Part, type ValueCtx } from '../syntax/values.ts';

export const TRACKS: readonly Track[] = ['by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow'];

/** Parses `key value` pairs; every key must be in `keys`, given once. */
export function keyValues(v: ValueCtx, kw: string, keys: readonly string[]): Map<string, Part> | undefined {
  const out = new Map<string, Part>();
  for (const p of splitPart(whole(v))) {
    const [k, val] = splitWord(p);
    if (!keys.includes(k.text)) {
      v.error('E_BAD_VALUE', `${kw}: unknown setting "${k.text}" (${keys.join(', ')})`, k);
      return undefined;
    }
    if (out.has(k.text)) {
      v.error('E_BAD_VALUE', `${kw}: "${k.text}" given twice`, k);
      return undefined;
    }
    if (val.text === '') {
      v.error('E_BAD_VALUE', `${kw}: "${k.text}" needs a value`, k);
      return undefined;
    }
    out.set(k.text, val);
  }
  return out;
}

export function track(v: ValueCtx, kw: string, p: Part): Track | undefined {
  if ((TRACKS as readonly string[]).includes(p.text)) return p.text as Track;
  v.error('E_BAD_VALUE', `${kw}: track must be one of ${TRACKS.join(', ')}, not "${p.text}"`, p);
  return undefined;
}

export function count(v: ValueCtx, kw: string, key: string, p: Part, min = 1): number | undefined {
  const n = parseInteger(p.text, min, 0xffffffff);
  if (n === undefined) v.error('E_BAD_VALUE', `${kw}: ${key} must be a number from ${min} to 4294967295, not "${p.text}"`, p);
  return n;
}

export function missing(v: ValueCtx, kw: string, m: Map<string, Part>, required: string[]): boolean {
  const absent = required.filter((k) => !m.has(k));
  if (absent.length) v.error('E_BAD_VALUE', `${kw}: missing ${absent.join(', ')}`, whole(v));
  return absent.length > 0;
}
