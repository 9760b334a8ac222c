// fwctl status / stats on a pinned instance show the flow table: fill per table, evictions,
// counters and live flows by state, read through the pins by another process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';

import { applyRuleset, Datapath, ensureBpffs } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { tcpSession } from '../src/packets/tcp-session.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';

const exec = promisify(execFile);
const name = `fwA-flows-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
let dp: Datapath | undefined;

test.before(() => ensureBpffs());
test.after.always(() => {
  dp?.close();
  Datapath.unpin(name);
});

test('status and stats: flow-table fill, evictions, counters and states through the pins', async (t) => {
  dp = Datapath.open({ flows: { half: 32, est: 64 } });
  dp.pin(name);
  const rules = compileRuleText([{ file: 't.rules', text: 'drop tcp any any -> any 23 (sid:1;)\nalert tcp any any -> any any (flow:established; sid:2;)' }]).rules;
  applyRuleset(dp, planRuleset(rules));
  for (const f of tcpSession({ client: { ip: '198.18.0.1', port: 40000 }, server: { ip: '198.18.0.2', port: 80 }, end: 'none' })) dp.runPacket(f.frame, f.tsNs);
  dp.runPacket(ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).tcp({ sport: 40001, dport: 23, flags: 'S' }).build(), 10n);
  dp.runPacket(ether().ipv4({ src: '198.18.0.2', dst: '198.18.0.1' }).tcp({ sport: 23, dport: 40001, flags: 'SA' }).build(), 11n);
  for (let i = 0; i < 100; i++) dp.runPacket(ether().ipv4({ src: `198.18.1.${i}`, dst: '198.18.0.2' }).tcp({ sport: 1000 + i, dport: 80, flags: 'S' }).build(), 100n + BigInt(i));

  const j = JSON.parse((await exec(process.execPath, ['bin/fwctl.mjs', 'status', '--instance', name, '-o', 'json'])).stdout);
  t.like(j.flows, {
    est: { live: 1, capacity: 64, evicted: 0 },
    half: { capacity: 32, inserted: 102, deleted: 1 },
    created: 102, promoted: 1, storedDrop: 1, byState: { established: 1 },
  });
  t.is(j.flows.half.evicted, 102 - 1 - j.flows.half.live);
  t.true(j.flows.half.live <= 32 && j.flows.half.evicted >= 69, JSON.stringify(j.flows.half));
  const human = (await exec(process.execPath, ['bin/fwctl.mjs', 'status', '--instance', name])).stdout;
  t.regex(human, /flows:\n\s+half-open\s+\d+\/32 \([\d.]+%\), \d+ evicted\n\s+established\s+1\/64 \(1\.6%\), 0 evicted\n\s+102 created, 1 established/);
  const s = JSON.parse((await exec(process.execPath, ['bin/fwctl.mjs', 'stats', '--instance', name, '-o', 'json'])).stdout);
  t.like(s.flows, { est: { live: 1 }, storedDrop: 1 });
  t.regex((await exec(process.execPath, ['bin/fwctl.mjs', 'stats', '--instance', name])).stdout, /stored verdicts: 1 packets dropped, 0 passed unclassified/);
});
