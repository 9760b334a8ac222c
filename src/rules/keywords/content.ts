// content: match bytes in the current buffer. `content:[!]"text|hex|text";` — quotes are
// mandatory, `|..|` holds hex bytes, `\"` `\;` `\\` `\:` are the only escapes (Suricata's
// DetectContentDataParse). Modifiers after it (nocase, depth, ...) are separate keywords.
import type { ContentMatch } from '../ir.ts';
import { decodeContent, unquote, whole, type ValueCtx } from '../syntax/values.ts';
import { payloadKeyword } from './types.ts';

export interface ContentValue {
  bytes: Uint8Array;
  negated: boolean;
}

export function parseContentValue(v: ValueCtx): ContentValue | undefined {
  let p = whole(v);
  let negated = false;
  if (p.text.startsWith('!')) {
    negated = true;
    const rest = p.text.slice(1);
    const lead = rest.length - rest.trimStart().length;
    p = { text: rest.trimStart(), start: 1 + lead, end: p.end };
  }
  const inner = unquote(v, p, true);
  if (!inner) return undefined;
  const bytes = decodeContent(v, inner);
  if (!bytes) return undefined;
  if (bytes.length === 0) {
    v.error('E_BAD_VALUE', 'content is empty', p);
    return undefined;
  }
  return { bytes, negated };
}

export function contentItem(c: ContentValue): ContentMatch {
  return { kind: 'content', bytes: c.bytes, negated: c.negated, nocase: false, endsWith: false };
}

export const content = payloadKeyword<ContentValue>({
  role: 'payload',
  name: 'content',
  description: 'match a byte string in the current buffer',
  value: 'required',
  isContent: true,
  negatable: true,
  anchors: true,
  parse: parseContentValue,
  isRelative: () => false,
  lower: contentItem,
});

export const uricontent = payloadKeyword<ContentValue>({
  role: 'payload',
  name: 'uricontent',
  description: 'legacy: content in the normalized HTTP URI (same as content + http_uri)',
  value: 'required',
  isContent: true,
  negatable: true,
  anchors: true,
  parse: parseContentValue,
  ownBuffer: () => 'http.uri',
  isRelative: () => false,
  lower: contentItem,
});
