// Golden diagnostics (helpers/diag-cases.ts): codes, positions, lengths and suggestions.
import test from 'ava';
import { DIAG_CASES } from './helpers/diag-cases.ts';
import { compile, expectDiags } from './helpers/rules.ts';

for (const c of DIAG_CASES) {
  test(`diagnostics: ${c.name}`, (t) => {
    expectDiags(t, c.text, c.expect, c.opts);
  });
}

test('a rule with an error is not loaded; a skipped rule is counted by keyword', (t) => {
  const r = compile(
    [
      'alert tcp any any -> any any (content:"a"; depth:0; sid:1;)',
      'alert tls any any -> any any (ja3.hash; content:"x"; sid:2;)',
      'alert tls any any -> any any (ja3.hash; ja3s.hash; content:"x"; sid:3;)',
      'alert smtp any any -> any any (sid:4;)',
      'alert tcp any any -> any any (sid:5;)',
    ].join('\n'),
  );
  t.deepEqual(r.summary, {
    total: 5,
    loaded: 1,
    skipped: 3,
    invalid: 1,
    skippedByKeyword: { 'ja3.hash': 2, 'ja3s.hash': 1, 'proto:smtp': 1 },
    errors: 1,
    warnings: 4,
  });
  t.deepEqual(r.skipped.map((s) => [s.sid, s.line, s.reasons]), [
    [2, 2, ['ja3.hash']],
    [3, 3, ['ja3.hash', 'ja3s.hash']],
    [4, 4, ['proto:smtp']],
  ]);
  t.is(r.rules[0].meta.sid, 5);
});

test('--strict makes unsupported keywords errors: the rule is then invalid, not skipped', (t) => {
  const r = compile('alert tls any any -> any any (ja3.hash; content:"x"; sid:2;)', { strict: true });
  t.is(r.summary.errors, 1);
  t.is(r.summary.skipped, 0);
  t.is(r.summary.invalid, 1);
});

test('diagnostics carry the line text and the message names the problem', (t) => {
  const r = compile('# comment\n\nalert tcp any any -> any any (msg:"x"; contnet:"abc"; sid:1;)\n');
  const d = r.diagnostics[0];
  t.is(d.file, 't.rules');
  t.is(d.line, 3);
  t.is(d.lineText, 'alert tcp any any -> any any (msg:"x"; contnet:"abc"; sid:1;)');
  t.is(d.lineText.slice(d.col - 1, d.col - 1 + d.length), 'contnet');
  t.is(d.severity, 'error');
  t.regex(d.message, /unknown keyword "contnet"; did you mean "content"\?/);
});
