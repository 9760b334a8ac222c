// The lab's pure parts and its refusals, without building anything: names and addresses, name
// ownership, the address-set expectations, judging a probe, state-file checks, CLI errors.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import test from 'ava';

import { parsePrefix } from '../src/addrset/index.ts';
import { main } from '../src/cli/main.ts';
import {
  addrsetExpect, judge, LAB_STATE_DIR, labPlan, loadState, ownedBy, probesOf, statePath, type Expectation,
} from '../src/lab/index.ts';

// pid * 100 + 99 is above pid_max (4194304): no real lab can have this name.
const fake = `fwl${process.pid}99`;

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => errs.push(l) }, lines, errs };
}

function inRange(addr: string): boolean {
  const a = parsePrefix(addr);
  return a.family === 4
    ? a.addr[0] === 198 && (a.addr[1] === 18 || a.addr[1] === 19) // 198.18.0.0/15
    : a.addr.readUInt32BE(0) === 0x20010002 && a.addr.readUInt16BE(4) === 0; // 2001:2::/48
}

test('plan: every name starts with the lab name and fits IFNAMSIZ; every address is a benchmarking one', (t) => {
  for (const name of ['fwl1', 'fwl4194304', 'fwl9999999999']) {
    const p = labPlan(name);
    const links = [p.links.client, p.links.server];
    const ifnames = links.flatMap((l) => [l.end.ifname, l.gw.ifname]);
    t.is(new Set(ifnames).size, 4);
    for (const n of [...ifnames, ...Object.values(p.netns), p.instance, p.endsInstance]) t.true(ownedBy(name, n), n);
    for (const n of ifnames) t.true(n.length <= 15, `${n} fits IFNAMSIZ`);
    const addrs = [
      ...links.flatMap((l) => [...l.end.v4, ...l.end.v6, ...l.gw.v4, ...l.gw.v6]).map((a) => a.split('/')[0]),
      ...Object.values(p.hosts).flatMap((h) => [h.v4, h.v6]),
      ...p.sets.deny.prefixes.map((a) => a.split('/')[0]),
      ...p.sets.block.prefixes.map((a) => a.split('/')[0]),
    ];
    for (const a of addrs) t.true(inRange(a), a);
  }
  t.throws(() => labPlan('fwl'), { instanceOf: TypeError });
  t.throws(() => labPlan('../x'), { instanceOf: TypeError });
  t.throws(() => labPlan('lab1'), { instanceOf: TypeError });
});

test('ownedBy: the lab name and a suffix starting with a letter or dash, nothing else', (t) => {
  t.true(ownedBy('fwl12', 'fwl12'));
  t.true(ownedBy('fwl12', 'fwl12c'));
  t.true(ownedBy('fwl12', 'fwl12-ends'));
  t.false(ownedBy('fwl12', 'fwl123c'), 'another lab');
  t.false(ownedBy('fwl12', 'fwl1'));
  t.false(ownedBy('fwl12', 'default'));
  t.false(ownedBy('fwl12', 'fwl12c/../../x'));
});

test('address-set expectations: deny list for the forbidden subnet, block for the scanner, else pass', (t) => {
  const plan = labPlan('fwl7');
  const got = probesOf(plan).map((p) => `${p.name}/${p.family}: ${addrsetExpect(plan, p).outcome} ${addrsetExpect(plan, p).reason}`);
  t.deepEqual(got, [
    'web/4: delivered pass_default', 'web/6: delivered pass_default',
    'dns/4: delivered pass_default', 'dns/6: delivered pass_default',
    'ping/4: delivered pass_default', 'ping/6: delivered pass_default',
    'telnet/4: delivered pass_default', 'telnet/6: delivered pass_default',
    'rdp/4: delivered pass_default', 'rdp/6: delivered pass_default',
    'web, forbidden subnet/4: dropped deny_list', 'web, forbidden subnet/6: dropped deny_list',
    'ping, forbidden subnet/4: dropped deny_list', 'ping, forbidden subnet/6: dropped deny_list',
    'web from scanner/4: dropped dyn_block', 'web from scanner/6: dropped dyn_block',
    'dns from scanner/4: dropped dyn_block', 'dns from scanner/6: dropped dyn_block',
  ]);
  // Tokens are unique: the server's sightings identify one probe each.
  t.is(new Set(probesOf(plan).map((p) => p.token)).size, 18);
});

test('judge: the outcome and the datapath evidence must both agree', (t) => {
  const delivered: Expectation = { outcome: 'delivered', reason: 'pass_default', why: '' };
  const denied: Expectation = { outcome: 'dropped', reason: 'deny_list', why: '' };
  const rejected: Expectation = { outcome: 'refused', reason: 'rule_reject', why: '' };
  t.deepEqual(judge(delivered, 'delivered', { pass_default: 6 }), { outcomeOk: true, datapathOk: true });
  t.deepEqual(judge(delivered, 'delivered', { pass_default: 6, dyn_block: 1 }), { outcomeOk: true, datapathOk: false });
  t.deepEqual(judge(delivered, 'delivered', {}), { outcomeOk: true, datapathOk: false }, 'the gateway must have seen it');
  t.deepEqual(judge(delivered, 'timed out', { pass_default: 1 }), { outcomeOk: false, datapathOk: true });
  t.deepEqual(judge(denied, 'timed out', { deny_list: 2, pass_default: 1 }), { outcomeOk: true, datapathOk: true });
  t.deepEqual(judge(denied, 'timed out', { pass_default: 1 }), { outcomeOk: true, datapathOk: false }, 'lost elsewhere is not dropped by us');
  t.deepEqual(judge(denied, 'delivered', { deny_list: 1 }), { outcomeOk: false, datapathOk: true });
  t.deepEqual(judge(rejected, 'unreachable', { rule_reject: 1 }), { outcomeOk: true, datapathOk: true });
  t.deepEqual(judge(rejected, 'refused', { rule_reject: 1 }), { outcomeOk: true, datapathOk: true });
  t.deepEqual(judge(rejected, 'timed out', { rule_reject: 1 }), { outcomeOk: false, datapathOk: true });
});

function writeState(body: object): void {
  mkdirSync(LAB_STATE_DIR, { recursive: true });
  writeFileSync(statePath(fake), JSON.stringify(body));
}

const base = { version: 1, name: fake, pid: 1, pidStart: 'x', kept: true, namespaces: [], instances: [], attachments: [] };

test.serial('a state file naming anything not the lab\'s is refused, and --cleanup removes nothing', async (t) => {
  t.teardown(() => rmSync(statePath(fake), { force: true }));
  writeState({ ...base, namespaces: [`${fake}c`] });
  t.deepEqual(loadState(fake).namespaces, [`${fake}c`]);
  for (const bad of [{ namespaces: ['victim'] }, { instances: ['default'] }, { namespaces: [`${fake}1c`] },
    { attachments: [{ netns: `${fake}g`, ifname: 'eth0', instance: fake, mode: 'native', progId: 1 }] }]) {
    writeState({ ...base, ...bad });
    t.throws(() => loadState(fake), { message: /not an object of lab/ }, JSON.stringify(bad));
    const c = capture();
    t.is(await main(['lab', '--cleanup', fake, '-o', 'json'], c.io), 2);
    t.regex(JSON.parse(c.lines[0]).error.message, /refusing/);
  }
  writeState({ ...base, name: 'fwl1' });
  t.throws(() => loadState(fake), { message: /not "fwl/ });
  writeState({ ...base, extra: 1 });
  t.throws(() => loadState(fake));
});

test.serial('--cleanup refuses a lab whose process still runs, unless it was kept', async (t) => {
  t.teardown(() => rmSync(statePath(fake), { force: true }));
  const stat = (await import('node:fs')).readFileSync('/proc/self/stat', 'utf8');
  const pidStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  writeState({ ...base, pid: process.pid, pidStart, kept: false });
  const c = capture();
  t.is(await main(['lab', '--cleanup', fake, '-o', 'json'], c.io), 1);
  t.is(JSON.parse(c.lines[0]).error.code, 'E_LAB_RUNNING');
  // Kept (nothing listed): cleaned up, the state file removed.
  writeState({ ...base, pid: process.pid, pidStart, kept: true });
  const d = capture();
  t.is(await main(['lab', '--cleanup', fake, '-o', 'json'], d.io), 0);
  t.like(JSON.parse(d.lines[0]), { event_type: 'lab_cleanup', namespaces: [], stateFileRemoved: true, errors: [] });
});

test('fwctl lab: bad arguments are exit 1', async (t) => {
  const cases: Array<[string[], string]> = [
    [['lab', '--mode', 'offload'], 'E_CLI_BAD_VALUE'],
    [['lab', 'extra'], 'E_CLI_USAGE'],
    [['lab', '--cleanup', '../etc'], 'E_LAB_NAME'],
    [['lab', '--cleanup', `fwl${process.pid}98`], 'E_LAB_NOT_FOUND'],
    [['lab', '--cleanup', fake, '--keep'], 'E_CLI_USAGE'],
  ];
  for (const [argv, code] of cases) {
    const c = capture();
    t.is(await main([...argv, '-o', 'json'], c.io), 1, argv.join(' '));
    t.is(JSON.parse(c.lines[0]).error.code, code, argv.join(' '));
  }
});
