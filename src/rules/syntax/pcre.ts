// Compile-checks a PCRE pattern without a PCRE library: the pattern is rewritten into an
// equivalent-enough JavaScript pattern (PCRE-only syntax mapped or neutralized) and compiled with
// the JS engine in its lenient (non-unicode) mode. This catches what breaks patterns in practice
// (unbalanced groups and classes, nothing to repeat, bad quantifier bounds, bad group syntax,
// unknown inline options). Constructs JS has no counterpart for (recursion, conditionals, verbs,
// callouts) are not checked further than bracket balance. JS accepts some patterns PCRE rejects
// (variable-length lookbehind); the DPI worker compiles with the real engine.

export interface PcreOptions {
  caseless: boolean;
  dotall: boolean;
  multiline: boolean;
  extended: boolean;
}

const INLINE_FLAGS = /^[imsxnUXJ-]*$/;

/** Returns an error message, or undefined when the pattern compiles (or cannot be checked further). */
export function checkPcre(source: string, opts: PcreOptions): string | undefined {
  const r = translate(source, opts.extended);
  if (typeof r === 'object') return r.error;
  if (r === undefined) return balance(source);
  try {
    new RegExp(r, (opts.caseless ? 'i' : '') + (opts.dotall ? 's' : '') + (opts.multiline ? 'm' : ''));
    return undefined;
  } catch (e) {
    const msg = (e as Error).message;
    const m = /: ([^:]+)$/.exec(msg);
    return m ? m[1] : msg;
  }
}

/** Parentheses and brackets balance, for patterns JS cannot compile. */
function balance(s: string): string | undefined {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (s[i + 1] === '^') i++;
      if (s[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return 'unmatched closing parenthesis';
  }
  if (inClass) return 'missing terminating ] for character class';
  if (depth > 0) return 'missing closing parenthesis';
  return undefined;
}

function hexEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return '.';
}

function escapeLiteral(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** PCRE → JS source; undefined = uncheckable construct; {error} = definite PCRE syntax error. */
function translate(s: string, extended: boolean): string | undefined | { error: string } {
  let out = '';
  let i = 0;
  let inClass = false;
  let afterQuant = false;
  while (i < s.length) {
    const c = s[i];
    const wasQuant = afterQuant;
    afterQuant = false;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined) return { error: '\\ at end of pattern' };
      if (n === 'Q') {
        const end = s.indexOf('\\E', i + 2);
        const lit = s.slice(i + 2, end < 0 ? s.length : end);
        out += [...lit].map((ch) => (inClass ? (/[\\\]^-]/.test(ch) ? `\\${ch}` : ch) : escapeLiteral(ch))).join('');
        i = end < 0 ? s.length : end + 2;
        continue;
      }
      if (n === 'E') {
        i += 2;
        continue;
      }
      if (n === 'x' && s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        const hex = end < 0 ? '' : s.slice(i + 3, end);
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) return { error: 'bad \\x{...} escape' };
        out += hexEscape(parseInt(hex, 16));
        i = end + 1;
        continue;
      }
      if (n === 'o' && s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        const oct = end < 0 ? '' : s.slice(i + 3, end);
        if (!/^[0-7]{1,11}$/.test(oct)) return { error: 'bad \\o{...} escape' };
        out += hexEscape(parseInt(oct, 8));
        i = end + 1;
        continue;
      }
      if ((n === 'p' || n === 'P') && s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        if (end < 0) return { error: 'malformed \\p{...}' };
        out += inClass ? 'a' : '.';
        i = end + 1;
        continue;
      }
      if (n === 'g') return undefined; // \g backreferences/subroutines: not checked
      if (n === 'k' && (s[i + 2] === "'" || s[i + 2] === '{')) {
        const close = s[i + 2] === "'" ? "'" : '}';
        const end = s.indexOf(close, i + 3);
        if (end < 0) return { error: 'malformed \\k name reference' };
        out += `\\k<${s.slice(i + 3, end)}>`;
        i = end + 1;
        continue;
      }
      const map: Record<string, string> = inClass
        ? { h: ' \\t', H: 'a', v: '\\n\\v\\f\\r', V: 'a', e: '\\x1b', a: '\\x07', R: 'a', X: 'a', N: 'a' }
        : { A: '^', Z: '$', z: '$', G: '', K: '', h: '[ \\t]', H: '[^ \\t]', R: '(?:\\r\\n|[\\n\\v\\f\\r])', X: '.', N: '[^\\n]', C: '.', e: '\\x1b', a: '\\x07' };
      if (n in map) {
        out += map[n];
        afterQuant = false;
      } else out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && s[i + 1] === ':') {
        const end = s.indexOf(':]', i + 2);
        if (end >= 0 && /^\^?[a-z]+$/.test(s.slice(i + 2, end))) {
          const name = s.slice(i + 2, end).replace('^', '');
          if (!/^(alnum|alpha|ascii|blank|cntrl|digit|graph|lower|print|punct|space|upper|word|xdigit)$/.test(name)) {
            return { error: `unknown POSIX class name "${name}"` };
          }
          out += 'a';
          i = end + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (extended && /\s/.test(c)) {
      i++;
      continue;
    }
    if (extended && c === '#') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += '[';
      i++;
      if (s[i] === '^') {
        out += '^';
        i++;
      }
      if (s[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && s[i + 1] === '*') return undefined; // (*VERB)
    if (c === '(' && s[i + 1] === '?') {
      const rest = s.slice(i + 2);
      if (rest.startsWith('#')) {
        const end = s.indexOf(')', i);
        if (end < 0) return { error: 'missing ) after (?# comment' };
        i = end + 1;
        continue;
      }
      if (/^(?:[:=!]|<=|<!)/.test(rest)) {
        out += c;
        i++;
        continue;
      }
      if (rest.startsWith('>') || rest.startsWith('|')) {
        out += '(?:';
        i += 3;
        continue;
      }
      const named = /^(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/.exec(rest);
      if (named) {
        out += `(?<${named[1] ?? named[2]}>`;
        i += 2 + named[0].length;
        continue;
      }
      const backref = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
      if (backref) {
        out += `\\k<${backref[1]}>`;
        i += 2 + backref[0].length;
        continue;
      }
      if (/^(?:[R&(C]|P>|[+-]?\d)/.test(rest)) return undefined; // recursion, conditionals, callouts
      const flags = /^\^?([A-Za-z-]*)([:)])/.exec(rest);
      if (flags) {
        if (!INLINE_FLAGS.test(flags[1])) return { error: `unrecognized character after (? or (?-: "${flags[1]}"` };
        out += flags[2] === ')' ? '(?:)' : '(?:';
        i += 2 + flags[0].length;
        continue;
      }
      return { error: 'unrecognized character after (?' };
    }
    if (c === '*' || c === '+' || c === '?') {
      if (wasQuant && c === '+') {
        i++; // possessive
        continue;
      }
      if (wasQuant && c === '?' ) {
        out += c; // lazy
        i++;
        continue;
      }
      out += c;
      afterQuant = true;
      i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d*)(?:,(\d*))?\}/.exec(s.slice(i));
      if (m && m[1] !== '') {
        out += m[0];
        i += m[0].length;
        afterQuant = true;
        continue;
      }
      out += '\\{';
      i++;
      continue;
    }
    if (c === '/' ) {
      out += '\\/';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) return { error: 'missing terminating ] for character class' };
  return out;
}
