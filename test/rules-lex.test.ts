// Golden tests of the lex stage: files → logical rules (comments, blank lines, `\` continuations,
// CRLF) → header words and raw options (Suricata's `;` and escape rules), with positions.
import test from 'ava';
import { lexRule, splitRules } from '../src/rules/lex.ts';

/** Each logical rule as `line: text`. */
function expectSplit(t: import('ava').ExecutionContext, text: string, expected: string[]): void {
  t.deepEqual(splitRules('f', text).map((r) => `${r.line}: ${r.text}`), expected);
}

/** Header words, then options as `name=value` (value null → name alone). */
function expectLexed(t: import('ava').ExecutionContext, text: string, header: string[], options: string[] | null): void {
  const [src] = splitRules('f', text);
  const l = lexRule(src, false);
  t.deepEqual(l.header.map((w) => w.text), header);
  t.deepEqual(l.options?.map((o) => (o.value === null ? o.name : `${o.name}=${o.value}`)) ?? null, options);
}

test('comments, commented-out rules and blank lines are not rules', (t) => {
  expectSplit(t, '# a comment\n#alert tcp any any -> any any (sid:1;)\n   # indented\n\n\t\nalert ip any any -> any any (sid:2;)\n', [
    '6: alert ip any any -> any any (sid:2;)',
  ]);
});

test('a line ending in \\ continues on the next; the backslash is dropped', (t) => {
  expectSplit(t, 'alert dns any any -> any 53 ( \\\nmsg:"x"; \\\r\n  sid:2;)\nalert ip any any -> any any (sid:3;)', [
    '1: alert dns any any -> any 53 ( msg:"x";   sid:2;)',
    '4: alert ip any any -> any any (sid:3;)',
  ]);
});

test('CRLF line ends are accepted', (t) => {
  expectSplit(t, 'alert ip any any -> any any (sid:1;)\r\nalert ip any any -> any any (sid:2;)\r\n', [
    '1: alert ip any any -> any any (sid:1;)',
    '2: alert ip any any -> any any (sid:2;)',
  ]);
});

test('positions map back to the physical line of a continued rule', (t) => {
  const [src] = splitRules('f', 'alert tcp any any -> any any ( \\\n  msg:"x"; \\\n  sid:1;)');
  const at = src.text.indexOf('sid');
  t.like(src.at({ start: at, end: at + 3 }), { line: 3, col: 3, length: 3, lineText: '  sid:1;)' });
  const m = src.text.indexOf('msg');
  t.like(src.at({ start: m, end: src.text.length }), { line: 2, col: 3, length: 9 });
});

test('header lists may contain blanks inside brackets', (t) => {
  expectLexed(t, 'alert tcp [10.0.0.0/8, 192.168.0.0/16] any -> any [80, 443] (sid:1;)', ['alert', 'tcp', '[10.0.0.0/8, 192.168.0.0/16]', 'any', '->', 'any', '[80, 443]'], ['sid=1']);
});

test('option values end at the first unescaped ;, quotes do not protect it', (t) => {
  expectLexed(t, 'alert tcp any any -> any any (pcre:"/a\\;b/"; content:"x\\"y"; msg: spaced out ; nocase; sid:1;)', ['alert', 'tcp', 'any', 'any', '->', 'any', 'any'], [
    'pcre="/a\\;b/"',
    'content="x\\"y"',
    'msg=spaced out',
    'nocase',
    'sid=1',
  ]);
  expectLexed(t, 'alert tcp any any -> any any (msg:"a;b"; sid:1;)', ['alert', 'tcp', 'any', 'any', '->', 'any', 'any'], ['msg="a', 'b"', 'sid=1']);
});

test('the options run to the last ) so a ) inside a value is kept', (t) => {
  expectLexed(t, 'alert tcp any any -> any any (pcre:"/(a|b)c)/"; sid:1;)', ['alert', 'tcp', 'any', 'any', '->', 'any', 'any'], ['pcre="/(a|b)c)/"', 'sid=1']);
});

test('keyword names are lowercased; a rule without ( has no options', (t) => {
  expectLexed(t, 'alert tcp any any -> any any (SID:1; Content:"A";)', ['alert', 'tcp', 'any', 'any', '->', 'any', 'any'], ['sid=1', 'content="A"']);
  expectLexed(t, 'alert tcp any any -> any any', ['alert', 'tcp', 'any', 'any', '->', 'any', 'any'], null);
});
