// `fwctl block` and `fwctl set` as subprocesses against a datapath this test pinned under its own
// instance name (removed after), checked through the same maps with BPF_PROG_TEST_RUN.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { Datapath, ensureBpffs } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { fwctl } from './helpers/fwctl.ts';

const INSTANCE = `aset-cli-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'fwctl-aset-cli-'));
let dp: Datapath;

test.before(() => {
  ensureBpffs();
  dp = Datapath.open();
  dp.pin(INSTANCE);
});

test.after.always(() => {
  dp?.close();
  Datapath.unpin(INSTANCE);
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}


const json = (r: Run) => JSON.parse(r.stdout);
const v4 = (src: string, dst = '198.19.255.1') => ether().ipv4({ src, dst }).udp({ sport: 1, dport: 53 }).build();
const now = () => process.hrtime.bigint();

// The tests share one instance, so they run one after the other.
test.serial('block add/list/del, with TTL, reason and -o json; packets follow', async (t) => {
  const add = await fwctl('block', 'add', '198.18.7.0/24', '--ttl', '10m', '--reason', 'port scan', '--instance', INSTANCE, '-o', 'json');
  t.is(add.code, 0, add.stderr);
  const doc = json(add);
  t.like(doc, { action: 'add', created: true, entry: { prefix: '198.18.7.0/24', family: 'ipv4', reason: 'port scan', source: 'manual', hits: 0 } });
  t.true(doc.entry.remaining_ms > 590_000 && doc.entry.remaining_ms <= 600_000);
  t.true(Math.abs(Date.parse(doc.entry.expires) - Date.parse(doc.entry.added) - 600_000) < 5);
  t.is(dp.runPacket(v4('198.18.7.1'), now()).reason, 'dyn_block');
  t.is(dp.runPacket(v4('198.18.7.1'), now() + 601_000_000_000n).reason, 'pass_default', 'it expires ten minutes on');

  const text = await fwctl('block', 'add', '2001:2::5', '--instance', INSTANCE);
  t.is(text.code, 0);
  t.regex(text.stdout, /^blocked 2001:2::5\/128 until deleted/);

  const list = await fwctl('block', 'list', '--instance', INSTANCE, '-o', 'json');
  t.is(list.code, 0);
  const entries = json(list).entries as Array<Record<string, unknown>>;
  t.deepEqual(entries.map((e) => e.prefix), ['198.18.7.0/24', '2001:2::5/128']);
  t.like(entries[0], { hits: 1 });
  t.like(entries[1], { expires: null, remaining: 'never', remaining_ms: null });
  const table = await fwctl('block', 'list', '--instance', INSTANCE);
  t.regex(table.stdout, /^PREFIX\s+ADDED\s+EXPIRES\s+REMAINING\s+SOURCE\s+HITS\s+REASON\n198\.18\.7\.0\/24 .* manual\s+1\s+port scan\n/);

  t.is((await fwctl('block', 'del', '198.18.7.0/24', '--instance', INSTANCE)).code, 0);
  t.is(dp.runPacket(v4('198.18.7.1'), now()).reason, 'pass_default');
  const again = await fwctl('block', 'del', '198.18.7.0/24', '--instance', INSTANCE, '-o', 'json');
  t.is(again.code, 1);
  t.is(json(again).error.code, 'E_ASET_NOT_BLOCKED');
  t.is((await fwctl('block', 'del', '2001:2::5', '--instance', INSTANCE)).code, 0);
  const gc = await fwctl('block', 'gc', '--instance', INSTANCE, '-o', 'json');
  t.deepEqual(json(gc), { action: 'gc', removed: 0, remaining: 0 });
});

test.serial('set load/count/list/flush; a file with bad lines changes nothing', async (t) => {
  const good = join(dir, 'deny.txt');
  writeFileSync(good, '# deny\n198.18.20.0/24\n2001:2:20::/48 ; ipv6\n198.18.20.0/24\n');
  const load = await fwctl('set', 'load', 'deny', good, '--instance', INSTANCE, '-o', 'json');
  t.is(load.code, 0, load.stderr);
  t.like(json(load), { set: 'deny', v4: 1, v6: 1, duplicates: 1 });
  t.is(dp.runPacket(v4('198.18.20.5'), 1n).reason, 'deny_list');

  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, '198.18.21.0/24\n198.18.21.1/24\n');
  const refused = await fwctl('set', 'load', 'deny', bad, '--instance', INSTANCE);
  t.is(refused.code, 1);
  t.regex(refused.stderr, new RegExp(`${bad}:2:1: error E_ASET_HOST_BITS: .*\\n  198\\.18\\.21\\.1/24\\n  \\^~+\\n  did you mean 198\\.18\\.21\\.0/24\\?`));
  t.regex(refused.stderr, /the deny set is unchanged/);
  t.is(dp.runPacket(v4('198.18.20.5'), 1n).reason, 'deny_list', 'the old list is still live');
  t.is(dp.runPacket(v4('198.18.21.5'), 1n).reason, 'pass_default');
  const refusedJson = await fwctl('set', 'load', 'deny', bad, '--instance', INSTANCE, '-o', 'json');
  t.like(json(refusedJson).error, { code: 'E_ASET_PARSE', diagnostics: [{ code: 'E_ASET_HOST_BITS', line: 2, col: 1 }] });

  const count = await fwctl('set', 'count', '--instance', INSTANCE, '-o', 'json');
  t.deepEqual(json(count).sets.map((s: { set: string; v4: number; v6: number }) => [s.set, s.v4, s.v6]), [['allow', 0, 0], ['deny', 1, 1], ['block', 0, 0]]);
  const list = await fwctl('set', 'list', 'deny', '--instance', INSTANCE);
  t.is(list.stdout, '198.18.20.0/24\n2001:2:20::/48\n');
  t.is((await fwctl('set', 'flush', 'deny', '--instance', INSTANCE)).code, 0);
  t.is(dp.runPacket(v4('198.18.20.5'), 1n).reason, 'pass_default');
});

test.serial('a prefix in the old and the new list is never missing while fwctl set load replaces the list', async (t) => {
  const files = [0, 1].map((k) => {
    const f = join(dir, `list${k}.txt`);
    const lines = ['198.18.30.0/24'];
    for (let i = 0; i < 20_000; i++) lines.push(`10.${k * 64 + (i >> 12)}.${(i >> 4) & 255}.${(i & 15) << 4}/28`);
    writeFileSync(f, lines.join('\n'));
    return f;
  });
  const keep = v4('198.18.30.7');
  let loads = 0;
  const reasons = new Map<string, number>();
  let denied = false;
  let missingAfterDenied = 0;
  let running = true;
  const loader = (async () => {
    for (let i = 0; i < 4; i++) {
      const r = await fwctl('set', 'load', 'deny', files[i % 2], '--instance', INSTANCE, '-o', 'json');
      if (r.code === 0) loads++;
    }
    running = false;
  })();
  // Probe between event-loop turns until the loads are done.
  while (running) {
    for (let i = 0; i < 200; i++) {
      const why = dp.runPacket(keep, 1n).reason;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      if (why === 'deny_list') denied = true;
      else if (denied) missingAfterDenied++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await loader;
  t.is(loads, 4);
  t.log(`probes: ${JSON.stringify(Object.fromEntries(reasons))}`);
  // Before the first load went live the set was empty (pass_default); from then on every probe,
  // through three more replaces, must have been denied.
  t.is(missingAfterDenied, 0);
  t.true([...reasons.keys()].every((k) => k === 'pass_default' || k === 'deny_list'));
  const total = [...reasons.values()].reduce((a, b) => a + b, 0);
  t.true((reasons.get('deny_list') ?? 0) > 1000, `${total} probes, enough of them during the later replaces`);
  t.is(dp.runPacket(keep, 1n).reason, 'deny_list');
  await fwctl('set', 'flush', 'deny', '--instance', INSTANCE);
});

test.serial('errors: an instance that is not loaded is exit 2 with a code; bad input is exit 1', async (t) => {
  const missing = await fwctl('block', 'list', '--instance', `${INSTANCE}-absent`, '-o', 'json');
  t.is(missing.code, 2);
  t.is(json(missing).error.code, 'E_INSTANCE_NOT_LOADED');
  const setMissing = await fwctl('set', 'count', '--instance', `${INSTANCE}-absent`);
  t.is(setMissing.code, 2);
  t.regex(setMissing.stderr, /instance ".*-absent" is not loaded/);
  const badName = await fwctl('block', 'list', '--instance', '../etc', '-o', 'json');
  t.is(badName.code, 1);
  t.is(json(badName).error.code, 'E_INSTANCE_NAME');
  const badPrefix = await fwctl('block', 'add', '198.18.0.1/24', '--instance', INSTANCE, '-o', 'json');
  t.is(badPrefix.code, 1);
  t.is(json(badPrefix).error.code, 'E_ASET_HOST_BITS');
  const badTtl = await fwctl('block', 'add', '198.18.0.0/24', '--ttl', '10 minutes', '--instance', INSTANCE, '-o', 'json');
  t.is(json(badTtl).error.code, 'E_ASET_BAD_TTL');
  const longReason = await fwctl('block', 'add', '198.18.0.0/24', '--reason', 'x'.repeat(41), '--instance', INSTANCE, '-o', 'json');
  t.is(longReason.code, 1);
  t.is(json(longReason).error.code, 'E_ASET_REASON_TOO_LONG');
  const sub = await fwctl('set', 'lod', 'deny', '--instance', INSTANCE);
  t.is(sub.code, 1);
  t.regex(sub.stderr, /unknown set subcommand "lod" \(did you mean load\?\)/);
  const which = await fwctl('set', 'load', 'alow', 'x.txt');
  t.regex(which.stderr, /did you mean allow\?/);
  t.is((await fwctl('block', 'list', '--ttl', '1m', '--instance', INSTANCE)).code, 1);
});
