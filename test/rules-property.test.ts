// Property tests: whatever the text, the compiler never throws and every diagnostic points at a
// real place (line within the file, column within that line, underline within the line).
import test from 'ava';
import fc from 'fast-check';
import { compileRuleText, type RulesetResult } from '../src/rules/index.ts';
import { DIAG_CASES } from './helpers/diag-cases.ts';
import { KEYWORD_CASES } from './helpers/keyword-cases.ts';
import { rule } from './helpers/rules.ts';

const SEEDS = [
  ...KEYWORD_CASES.map(([input]) => (/^(alert|drop|pass|reject\w*)\s/.test(input) ? input : rule(input))),
  ...DIAG_CASES.map((c) => c.text),
  'alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"ET X"; flow:established,to_server; http.method; content:"POST"; http.uri; content:"/gate.php"; fast_pattern; pcre:"/\\/gate\\.php\\?id=[0-9a-f]{16}$/U"; reference:url,example.com; classtype:trojan-activity; sid:2000001; rev:3; metadata:created_at 2020_01_01;)',
  'alert dns $HOME_NET any -> any 53 ( \\\n  msg:"ET DNS Query"; \\\n  dns.query; content:"evil"; nocase; \\\n  sid:2000002;)',
];

/** Checks the invariant for one result; returns a message for the first violation. */
function badPosition(text: string, r: RulesetResult): string | undefined {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  for (const d of r.diagnostics) {
    const where = `${d.code} ${d.line}:${d.col}+${d.length}`;
    if (!Number.isInteger(d.line) || d.line < 1 || d.line > lines.length) return `${where}: line outside the file`;
    if (d.lineText !== lines[d.line - 1]) return `${where}: lineText is not line ${d.line}`;
    if (!Number.isInteger(d.col) || d.col < 1 || d.col > d.lineText.length + 1) return `${where}: column outside the line`;
    if (!Number.isInteger(d.length) || d.length < 0 || d.col - 1 + d.length > d.lineText.length) return `${where}: underline runs past the line`;
    if (d.file !== 'p.rules' || typeof d.message !== 'string' || d.message === '') return `${where}: bad file or message`;
  }
  const s = r.summary;
  if (s.loaded + s.skipped + s.invalid !== s.total) return `summary does not add up: ${JSON.stringify(s)}`;
  return undefined;
}

function check(text: string, strict = false): void {
  const r = compileRuleText([{ file: 'p.rules', text }], { strict });
  const bad = badPosition(text, r);
  if (bad) throw new Error(`${bad}\n--- text ---\n${text}`);
}

const ruleChars = fc.constantFrom(...'alert tcp any -> <> ( ) ; : " | \\ ! $ [ ] , / 0 1 9 a z A . - _ # \n \t é'.split(' '), ' ');

test('random text never throws and yields valid positions', (t) => {
  t.notThrows(() =>
    fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: ruleChars, maxLength: 200 })), fc.boolean(), (text, strict) => {
      check(text, strict);
    }),
    { numRuns: 1500 },
    ),
  );
});

const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: fc.string({ unit: ruleChars, minLength: 1, maxLength: 6 }) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 10 }) }),
);

type Mutation = { op: 'delete' | 'insert' | 'dup' | 'swap'; at: number; len?: number; s?: string };

function mutate(text: string, ms: Mutation[]): string {
  let s = text;
  for (const m of ms) {
    const at = s.length ? m.at % (s.length + 1) : 0;
    if (m.op === 'delete') s = s.slice(0, at) + s.slice(at + (m.len ?? 1));
    else if (m.op === 'insert') s = s.slice(0, at) + (m.s ?? '') + s.slice(at);
    else if (m.op === 'dup') s = s.slice(0, at) + s.slice(at, at + (m.len ?? 1)) + s.slice(at);
    else {
      const piece = s.slice(at, at + (m.len ?? 1));
      const rest = s.slice(0, at) + s.slice(at + piece.length);
      const to = rest.length ? (at * 7) % (rest.length + 1) : 0;
      s = rest.slice(0, to) + piece + rest.slice(to);
    }
  }
  return s;
}

test('mutated real rules never throw and yield valid positions', (t) => {
  t.notThrows(() =>
    fc.assert(
    fc.property(fc.array(fc.constantFrom(...SEEDS), { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.boolean(), (seeds, ms, strict) => {
      check(mutate(seeds.join('\n'), ms), strict);
    }),
    { numRuns: 3000 },
    ),
  );
});

test('the invariant checker rejects a bad position (it can fail)', (t) => {
  const text = 'alert tcp any any -> any any (contnet:"a"; sid:1;)';
  const r = compileRuleText([{ file: 'p.rules', text }]);
  t.is(badPosition(text, r), undefined);
  r.diagnostics[0].col = text.length + 5;
  t.regex(badPosition(text, r) ?? '', /column outside the line/);
});
