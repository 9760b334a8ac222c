// The datapath's verification cost: the kernel verifier refuses a program past 1M processed
// instructions, and one inlined branch in the walk once doubled it (462k -> 870k). This loads the
// built object with bpftool (pins under a unique directory of its own, removed after) and keeps
// the count under a budget with room left for the next features.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import test from 'ava';

import { ensureBpffs } from '../src/datapath/index.ts';

const exec = promisify(execFile);
const BUDGET = 700_000;
const dir = `/sys/fs/bpf/fwctl-vbudget-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;

test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test(`fw_xdp verifies in at most ${BUDGET} instructions (the kernel's limit is 1M)`, async (t) => {
  ensureBpffs();
  mkdirSync(dir);
  const r = await exec('bpftool', ['-d', 'prog', 'loadall', 'build/bpf/fwctl.bpf.o', dir], { maxBuffer: 256 << 20 });
  const m = /processed (\d+) insns \(limit (\d+)\)/.exec(r.stdout + r.stderr);
  t.truthy(m, 'bpftool printed the verifier statistics');
  const n = Number(m![1]);
  t.log(`${n} instructions processed (limit ${m![2]})`);
  t.true(n <= BUDGET, `${n} > ${BUDGET}`);
});
