import test from 'ava';
test('toolchain runs TypeScript tests', (t) => {
  const x: number = 1 + 1;
  t.is(x, 2);
});
