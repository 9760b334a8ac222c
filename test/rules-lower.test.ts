// Golden tests of the lower stage, one per case of helpers/keyword-cases.ts.
import test from 'ava';
import { expectRule } from './helpers/rules.ts';
import { KEYWORD_CASES } from './helpers/keyword-cases.ts';

for (const [input, printed] of KEYWORD_CASES) {
  test(`lower: ${input.slice(0, 100)}`, (t) => expectRule(t, input, printed));
}
