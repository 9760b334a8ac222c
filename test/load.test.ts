// fwctl load / rollback / unload / status / stats through the real datapath: generations flip
// atomically, metadata follows the generation, a failing load at any step leaves the running
// ruleset enforcing, lockout protection refuses (or --force overrides), unload removes only what
// load made. In-process through src/control and the CLI's main (text and -o json).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { main } from '../src/cli/main.ts';
import { loadRuleset, rollback, stats, status, unload } from '../src/control/index.ts';
import { activeGeneration, Datapath, ensureBpffs, pinDir, PinnedDatapath } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';

const ROOT = mkdtempSync(join(tmpdir(), 'fwctl-load-'));
const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
const names: string[] = [];
const inst = (n: string) => {
  const name = `ld-${n}-${tag}`;
  names.push(name);
  return name;
};

test.before(() => ensureBpffs());
test.after.always(() => {
  for (const n of names) {
    for (const root of [ROOT, undefined]) {
      try {
        unload({ instance: n, root });
      } catch {
        /* already unloaded, or a test made the pins itself */
      }
    }
    try {
      Datapath.unpin(n);
    } catch {
      /* gone */
    }
  }
  rmSync(ROOT, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(ROOT, name);
  writeFileSync(p, text);
  return p;
}

const V1 = file('v1.rules', [
  'drop tcp any any -> any 23 (msg:"telnet"; sid:10; rev:1;)',
  'alert icmp any any -> any any (msg:"ping"; itype:8; sid:20; rev:2;)',
  'pass tcp any any -> any 80 (msg:"web"; sid:30;)',
].join('\n'));
const V2 = file('v2.rules', [
  'reject tcp any any -> any 23 (msg:"telnet, refused"; sid:11;)',
  'drop udp any any -> any 53 (msg:"no dns"; sid:40;)',
].join('\n'));

const telnet = ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).tcp({ sport: 40000, dport: 23, flags: 'S' }).build();
const dns = ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).udp({ sport: 40000, dport: 53 }).build();
const ping = ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).icmp({ type: 'echo-request' }).build();

function decide(instance: string, frame: Buffer) {
  const dp = PinnedDatapath.open(instance);
  try {
    const r = dp.runPacket(frame, process.hrtime.bigint());
    return { verdict: r.verdict, reason: r.reason, sid: r.sigId, tag: activeGeneration(dp)?.tag ?? null };
  } finally {
    dp.close();
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test.serial('load creates and pins an instance, writes its state, and the rules decide packets', async (t) => {
  const name = inst('a');
  const r = await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  t.true(r.created);
  t.like(r.generation, { tag: 1, ruleCount: 3 });
  t.is(r.previous, null);
  t.true(existsSync(join(pinDir(name), 'fw_xdp')));
  const dir = join(ROOT, name);
  t.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('lock')).sort(), [`gen-${r.generation.index}.json`, `gen-${r.generation.index}.rules.json`, 'instance.json']);
  t.like(decide(name, telnet), { verdict: 'drop', reason: 'rule_drop', sid: 10, tag: 1 });
  t.like(decide(name, ping), { verdict: 'pass', reason: 'rule_alert', sid: 20 });
  t.like(decide(name, dns), { verdict: 'pass', reason: 'pass_default', sid: 0 });

  const s = status({ instance: name, root: ROOT });
  t.like(s.active, { index: r.generation.index, tag: 1, ruleCount: 3, metadata: true, byAction: { drop: 1, alert: 1, pass: 1 } });
  t.is(s.rollbackTo, null);
  t.true(s.loadedByFwctl);
  t.true(s.maps.length > 5);
  const st = stats({ instance: name, root: ROOT });
  t.deepEqual(st.rules.map((h) => [h.sid, h.packets]), [[10, 1], [20, 1]]);
  t.like(st.reasons.find((x) => x.reason === 'rule_drop'), { kind: 'drop', packets: 1 });
  t.is(st.dropped.packets, 1);
});

test.serial('a second load flips to the other generation; rollback returns, twice toggles; metadata follows', async (t) => {
  const name = inst('b');
  const one = await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  const two = await loadRuleset({ instance: name, root: ROOT, files: [V2] });
  t.false(two.created);
  t.is(two.generation.index, (1 - one.generation.index) as 0 | 1);
  t.deepEqual(two.previous, { index: one.generation.index, tag: 1 });
  t.like(decide(name, telnet), { verdict: 'reject', sid: 11, tag: 2 });
  t.like(decide(name, dns), { verdict: 'drop', sid: 40 });
  t.like(status({ instance: name, root: ROOT }), { active: { tag: 2 }, rollbackTo: { tag: 1, index: one.generation.index } });

  const back = rollback({ instance: name, root: ROOT });
  t.deepEqual(back.from, { index: two.generation.index, tag: 2 });
  t.deepEqual(back.to, { index: one.generation.index, tag: 1 });
  t.like(decide(name, telnet), { verdict: 'drop', sid: 10, tag: 1 });
  t.like(decide(name, dns), { verdict: 'pass', reason: 'pass_default' });
  t.like(status({ instance: name, root: ROOT }), { active: { tag: 1, byAction: { drop: 1, alert: 1, pass: 1 } }, lastRollback: { by: 'fwctl rollback' } });
  rollback({ instance: name, root: ROOT });
  t.like(decide(name, telnet), { verdict: 'reject', sid: 11, tag: 2 });
  // A third load overwrites the generation that is not active.
  const three = await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  t.deepEqual(three.previous, { index: two.generation.index, tag: 2 });
  t.is(three.generation.tag, 3);
});

test.serial('a load that fails leaves the running ruleset enforcing: bad rules, lockout, missing file', async (t) => {
  const name = inst('c');
  // Through the CLI only: its state lives under /run/fwctl (unload in after.always removes it).
  t.is((await cli('load', V1, '--instance', name)).code, 0);
  const bad = file('bad.rules', 'drop tcp any any -> any 23 (sid:1;)\nalert tcp any any -> any any (contnet:"x"; sid:2;)\n');
  const r1 = await cli('load', bad, '--instance', name, '-o', 'json');
  t.is(r1.code, 1);
  const e1 = JSON.parse(r1.out[0]).error;
  t.like(e1, { code: 'E_RULES', step: 'check' });
  t.is(e1.diagnostics[0].code, 'E_UNKNOWN_KEYWORD');
  const r1t = await cli('load', bad, '--instance', name);
  t.is(r1t.code, 1);
  t.regex(r1t.err.join('\n'), /bad\.rules:2:\d+: error E_UNKNOWN_KEYWORD[\s\S]*fwctl: load failed at check: 1 error in .*nothing was changed/);
  t.like(decide(name, telnet), { sid: 10, tag: 1 });

  const ssh = file('ssh.rules', 'drop tcp any any -> any 22 (msg:"no ssh"; sid:99;)\n');
  const r2 = await cli('load', ssh, '--instance', name, '-o', 'json');
  t.is(r2.code, 1);
  const e2 = JSON.parse(r2.out[0]).error;
  t.like(e2, { code: 'E_LOCKOUT', step: 'lockout', violation: { sid: 99, verdict: 'drop' } });
  t.regex(e2.message, /sid 99 \(drop, .*ssh\.rules:1, "no ssh"\) would drop the management access/);
  t.like(decide(name, telnet), { sid: 10, tag: 1 });
  // Narrowing the management access to a source the rule spares makes it acceptable ...
  const ok = file('ssh-some.rules', 'drop tcp 198.18.9.0/24 any -> any 22 (sid:98;)\n');
  t.is((await cli('load', ok, '--instance', name, '--mgmt', '198.18.0.10:22', '-o', 'json')).code, 0);
  t.like(status({ instance: name }).mgmt, { from: ['198.18.0.10/32'], port: 22 });
  // ... and --force loads anyway, recorded as such.
  const forced = await cli('load', ssh, '--instance', name, '--force', '-o', 'json');
  t.is(forced.code, 0);
  t.like(JSON.parse(forced.out[0]).lockout, { forced: true, violation: { sid: 99 } });
  t.true(status({ instance: name }).active?.forced);

  const missing = await cli('load', join(ROOT, 'nope.rules'), '--instance', name, '-o', 'json');
  t.is(missing.code, 1);
  t.like(JSON.parse(missing.out[0]).error, { code: 'E_CLI_FILE', step: 'check' });
  const unknownIface = await cli('load', V1, '--instance', name, '--iface', `nope${tag}`, '-o', 'json');
  t.is(unknownIface.code, 1);
  t.like(JSON.parse(unknownIface.out[0]).error, { code: 'E_IFACE_UNKNOWN' });
  const ssh22 = ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).tcp({ sport: 40001, dport: 22, flags: 'S' }).build();
  t.like(decide(name, ssh22), { verdict: 'drop', reason: 'rule_drop', sid: 99, tag: 3 }, 'the forced ruleset still enforces');
  t.like(decide(name, telnet), { verdict: 'pass', reason: 'pass_default' });
});

test.serial('-o json and text of load, status, stats, rollback, unload through the CLI', async (t) => {
  const name = inst('d');
  // This instance's state lives under /run/fwctl (the CLI has no state-root option): unload removes it.
  const l1 = await cli('load', V1, '--instance', name, '-o', 'json');
  t.is(l1.code, 0, l1.out.join('\n'));
  const doc = JSON.parse(l1.out[0]);
  t.like(doc, { event_type: 'load', instance: name, created: true, generation: { tag: 1, rule_count: 3 }, previous: null, rules: { loaded: 3 } });
  const l2 = await cli('load', V2, '--instance', name, '--action-scope', 'suricata', '--action-order', 'drop,reject,pass,alert');
  t.is(l2.code, 0);
  t.regex(l2.out[0], new RegExp(`^${name}: generation [01] active \\(load #2\\), 2 rules; load #1 kept for rollback`));
  const st = await cli('status', '--instance', name);
  t.is(st.code, 0);
  t.regex(st.out.join('\n'), /ruleset: generation [01], load #2, 2 rules, loaded [^,]*, action scope suricata, action order drop,reject,pass,alert[\s\S]*rollback to: generation [01], load #1, 3 rules[\s\S]*management access: TCP port 22 from anywhere/);
  const sj = JSON.parse((await cli('status', '--instance', name, '-o', 'json')).out[0]);
  t.like(sj, { event_type: 'status', active: { tag: 2, actionScope: 'suricata' }, rollbackTo: { tag: 1, actionScope: 'flow' } });
  t.deepEqual([sj.active.actionOrder, sj.rollbackTo.actionOrder], [['drop', 'reject', 'pass', 'alert'], ['pass', 'drop', 'reject', 'alert']]);
  const bad = await cli('load', V2, '--instance', name, '--action-scope', 'packet', '-o', 'json');
  t.is(bad.code, 1);
  t.like(JSON.parse(bad.out[0]).error, { code: 'E_CLI_BAD_VALUE' });
  decide(name, dns);
  const stt = await cli('stats', '--instance', name, '--top', '1');
  t.regex(stt.out.join('\n'), /1 of 2 rules hit[\s\S]*\s+1\s+\d+\s+40\s+drop\s+no dns/);
  // suricata scope: the reject (a packet rule: it names a port) decides each packet of the flow anew
  const ack = ether().ipv4({ src: '198.18.1.2', dst: '198.18.2.2' }).tcp({ sport: 40000, dport: 23, flags: 'A' }).build();
  t.like(decide(name, telnet), { reason: 'rule_reject', sid: 11 });
  t.like(decide(name, ack), { reason: 'rule_reject', sid: 11 });
  const rb = JSON.parse((await cli('rollback', '--instance', name, '-o', 'json')).out[0]);
  t.like(rb, { event_type: 'rollback', from: { tag: 2 }, to: { tag: 1 } });
  const un = await cli('unload', '--instance', name, '-o', 'json');
  t.is(un.code, 0);
  t.like(JSON.parse(un.out[0]), { event_type: 'unload', cleared: false });
  t.false(existsSync(pinDir(name)));
  t.false(existsSync(`/run/fwctl/${name}`));
  const again = await cli('unload', '--instance', name, '-o', 'json');
  t.is(again.code, 1);
  t.like(JSON.parse(again.out[0]).error, { code: 'E_NOT_LOADED_BY_FWCTL' });
  const gone = await cli('status', '--instance', name, '-o', 'json');
  t.is(gone.code, 2);
  t.like(JSON.parse(gone.out[0]).error, { code: 'E_INSTANCE_NOT_LOADED' });
});

test.serial('unload of an instance someone else pinned clears the ruleset and keeps the pins', async (t) => {
  const name = inst('e');
  const dp = Datapath.open();
  dp.pin(name);
  try {
    const r = await loadRuleset({ instance: name, root: ROOT, files: [V1] });
    t.false(r.created);
    t.like(decide(name, telnet), { sid: 10 });
    const u = unload({ instance: name, root: ROOT });
    t.true(u.cleared);
    t.is(u.unpinned, null);
    t.true(existsSync(join(pinDir(name), 'fw_xdp')));
    t.like(decide(name, telnet), { verdict: 'pass', reason: 'pass_default', tag: null });
    t.false(existsSync(join(ROOT, name)));
  } finally {
    dp.close();
    Datapath.unpin(name);
  }
});

test.serial('rollback with nothing to return to, or of an instance load did not make, is refused and changes nothing', async (t) => {
  const name = inst('f');
  await loadRuleset({ instance: name, root: ROOT, files: [V1] });
  const e = t.throws(() => rollback({ instance: name, root: ROOT }));
  t.like(e, { code: 'E_NO_PREVIOUS', step: 'rollback' });
  t.like(decide(name, telnet), { sid: 10, tag: 1 });
  const r = await cli('rollback', '--instance', name, '-o', 'json'); // the CLI's state root is /run/fwctl: none there
  t.is(r.code, 1);
  t.like(JSON.parse(r.out[0]).error, { code: 'E_NOT_LOADED_BY_FWCTL' });
});
