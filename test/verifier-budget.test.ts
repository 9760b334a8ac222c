// The datapath's verification cost: the kernel verifier refuses a program past 1M processed
// instructions, and one inlined branch in the walk once doubled it (462k -> 870k). The count comes
// from bpf_prog_info.verified_insns of the loaded program; the budget leaves room for the next
// features.
import test from 'ava';

import { Datapath } from '../src/datapath/index.ts';

const BUDGET = 700_000;

test(`fw_xdp verifies in at most ${BUDGET} instructions (the kernel's limit is 1M)`, (t) => {
  const dp = Datapath.open();
  t.teardown(() => dp.close());
  const n = dp.program.verifiedInsns;
  t.log(`${n} instructions processed`);
  t.true(n > 10_000, 'the kernel reports the count');
  t.true(n <= BUDGET, `${n} > ${BUDGET}`);
});
