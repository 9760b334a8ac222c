// pcre: a Perl-compatible regular expression on the current buffer. `pcre:[!]"/regex/flags";`
// Flags as Suricata's DetectPcreParse: i s m x A E G (compile options), R (relative), O (match
// limit override), B (rawbytes, no effect), and the buffer flags U I P Q H D M C S Y V W Z, which
// put the pcre into an HTTP buffer (like a legacy modifier).
import type { BufferName, PcreMatch } from '../ir.ts';
import { checkPcre } from '../syntax/pcre.ts';
import { unquote, whole, type Part } from '../syntax/values.ts';
import { payloadKeyword } from './types.ts';

const BUFFER_FLAGS: Record<string, BufferName> = {
  U: 'http.uri',
  I: 'http.uri.raw',
  P: 'http.request_body',
  Q: 'file.data',
  H: 'http.header',
  D: 'http.header.raw',
  M: 'http.method',
  C: 'http.cookie',
  S: 'http.stat_code',
  Y: 'http.stat_msg',
  V: 'http.user_agent',
  W: 'http.host',
  Z: 'http.host.raw',
};

export interface PcreValue {
  item: PcreMatch;
  buffer?: BufferName;
}

export const pcre = payloadKeyword<PcreValue>({
  role: 'payload',
  name: 'pcre',
  description: 'match a Perl-compatible regular expression in the current buffer',
  value: 'required',
  anchors: true,
  negatable: true,
  parse(v) {
    let p: Part = whole(v);
    let negated = false;
    if (p.text.startsWith('!')) {
      negated = true;
      const rest = p.text.slice(1).trimStart();
      p = { text: rest, start: p.end - rest.length, end: p.end };
    }
    const inner = unquote(v, p, false);
    if (!inner) return undefined;
    const t = inner.text;
    const close = t.lastIndexOf('/');
    if (!t.startsWith('/') || close <= 0) {
      v.error('E_PCRE_SYNTAX', 'pcre must be written "/regex/flags"', inner);
      return undefined;
    }
    const source = t.slice(1, close);
    const flags = t.slice(close + 1);
    const item: PcreMatch = {
      kind: 'pcre',
      source,
      caseless: false,
      dotall: false,
      multiline: false,
      extended: false,
      anchored: false,
      dollarEndOnly: false,
      ungreedy: false,
      negated,
      relative: false,
    };
    let buffer: BufferName | undefined;
    let ok = true;
    for (let k = 0; k < flags.length; k++) {
      const f = flags[k];
      const at = { text: f, start: inner.start + close + 1 + k, end: inner.start + close + 2 + k };
      switch (f) {
        case 'i': item.caseless = true; break;
        case 's': item.dotall = true; break;
        case 'm': item.multiline = true; break;
        case 'x': item.extended = true; break;
        case 'A': item.anchored = true; break;
        case 'E': item.dollarEndOnly = true; break;
        case 'G': item.ungreedy = true; break;
        case 'R': item.relative = true; break;
        case 'O': case 'B': break;
        default:
          if (f in BUFFER_FLAGS) {
            if (buffer) {
              v.error('E_PCRE_SYNTAX', 'only one buffer flag is allowed per pcre', at);
              ok = false;
            }
            buffer = BUFFER_FLAGS[f];
          } else {
            v.error('E_PCRE_SYNTAX', `unknown pcre flag "${f}"`, at);
            ok = false;
          }
      }
    }
    if (!ok) return undefined;
    const err = checkPcre(source, item);
    if (err) {
      v.error('E_PCRE_COMPILE', `pcre does not compile: ${err}`, { text: source, start: inner.start + 1, end: inner.start + close });
      return undefined;
    }
    return buffer ? { item, buffer } : { item };
  },
  ownBuffer: (v) => v.buffer,
  isRelative: (v) => v.item.relative,
  lower: (v) => ({ ...v.item }),
});
