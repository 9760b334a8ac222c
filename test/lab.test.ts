// The live lab end to end, as a user runs it: `node bin/fwctl.mjs lab -o json` in a subprocess.
// The expectations are stated here, independently of the lab's own: traffic from the scanner or to
// the forbidden subnet must time out with the gateway counting it under dyn_block / deny_list and
// the server seeing nothing; then rules/demo.rules decides: telnet times out (rule_drop), RDP is
// refused by the gateway's RST (rule_reject), web and DNS are answered (rule_pass), ping is
// answered and alerts (rule_alert). Then nothing may be left behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';

import { pinDir } from '../src/datapath/index.ts';
import { labPlan, type LabReport, statePath } from '../src/lab/index.ts';
import { BpfProgram } from '../src/native/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function waitFor(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function programGone(id: number): boolean {
  try {
    BpfProgram.fromId(id).close();
    return false;
  } catch (e) {
    return (e as { code?: string }).code === 'ENOENT';
  }
}

test('fwctl lab -o json: allowed traffic is delivered, denied and blocked traffic dropped and counted; nothing is left', async (t) => {
  const t0 = Date.now();
  const run = spawnSync(process.execPath, ['bin/fwctl.mjs', 'lab', '-o', 'json'], { cwd: ROOT, encoding: 'utf8', timeout: 55_000 });
  const seconds = (Date.now() - t0) / 1000;
  t.is(run.status, 0, run.stderr + run.stdout.slice(0, 2000));
  const lines = run.stdout.trim().split('\n');
  t.is(lines.length, 1, 'one JSON document');
  const r = JSON.parse(lines[0]) as LabReport;
  t.log(`lab ${r.lab}: ${r.summary.probes} probes in ${seconds.toFixed(1)} s`);
  t.true(seconds < 40, `took ${seconds} s`);
  t.is(r.error, null);
  t.true(r.ok);

  const plan = labPlan(r.lab);
  t.deepEqual(r.topology.namespaces, plan.netns);
  t.deepEqual(r.topology.forwarding, { ipv4: true, ipv6: true });
  // One program on both gateway interfaces, a pass-through on both ends, all native.
  const gw = r.topology.xdp.filter((a) => a.netns === plan.netns.gateway);
  t.deepEqual(gw.map((a) => a.ifname).sort(), [plan.links.client.gw.ifname, plan.links.server.gw.ifname].sort());
  t.is(new Set(gw.map((a) => a.progId)).size, 1, 'the same program (shared maps) on both');
  t.is(r.topology.xdp.length, 4);
  t.true(r.topology.xdp.every((a) => a.mode === 'native' && a.progId > 0));

  // 9 exchanges over IPv4 and IPv6, then the port-scan phase's 3 (below).
  const baseline = r.probes.filter((p) => p.phase === 'baseline');
  t.is(baseline.length, 18);
  t.deepEqual(baseline.map((p) => p.family).filter((f) => f === 'ipv6').length, 9);
  const scanner = [plan.hosts.scanner.v4, plan.hosts.scanner.v6];
  const forbidden = [plan.hosts.forbidden.v4, plan.hosts.forbidden.v6];
  for (const p of baseline) {
    const label = `#${p.id} ${p.name} ${p.proto}/${p.family}`;
    const stoppedBy = scanner.includes(p.src) ? 'dyn_block' : forbidden.includes(p.dst) ? 'deny_list' : null;
    const g = (reason: string) => (p.gateway as Record<string, number>)[reason] ?? 0;
    if (stoppedBy) {
      t.is(p.observed, 'timed out', label);
      t.true(g(stoppedBy) >= 1, `${label}: the gateway counted it under ${stoppedBy}`);
      if (p.proto !== 'icmp') t.false(p.server_saw, `${label}: the server saw nothing`);
    } else if (p.name === 'telnet') {
      t.is(p.observed, 'timed out', label);
      t.true(g('rule_drop') >= 1, `${label}: ${JSON.stringify(p.gateway)}`);
      t.false(p.server_saw, `${label}: the server saw nothing`);
    } else if (p.name === 'rdp') {
      t.true(p.observed === 'refused' || p.observed === 'unreachable', `${label}: ${p.observed}`);
      t.true(g('rule_reject') >= 1, `${label}: ${JSON.stringify(p.gateway)}`);
      t.false(p.server_saw, `${label}: the server saw nothing`);
    } else {
      t.is(p.observed, 'delivered', label);
      t.is(g('deny_list') + g('dyn_block') + g('rule_drop') + g('rule_reject'), 0, label);
      // The request crossed the gateway under its rule; the answer (no rule matches it) under
      // pass_default; a TCP exchange at least SYN, SYN-ACK, ACK before the client could send.
      const rule = p.name === 'ping' ? 'rule_alert' : 'rule_pass';
      // (the answers: pass_default, or rule_pass once the flow table holds the pass rule's verdict)
      t.true(g(rule) >= 1 && g(rule) + g('pass_default') >= 2, `${label}: ${JSON.stringify(p.gateway)}`);
      t.true(g(rule) + g('pass_default') >= (p.proto === 'tcp' ? 3 : 2), `${label}: ${JSON.stringify(p.gateway)}`);
      if (p.proto !== 'icmp') t.true(p.server_saw, `${label}: the server saw it`);
    }
    t.true(p.ok, label);
  }
  t.deepEqual(r.summary, { probes: 24, as_expected: 24, unexpected: [] });

  // The port-scan phase: the prober's SYNs to closed ports are refused by the server until the
  // detector's count, then blocked (dyn_block); after it, the prober's IPv4 address times out while
  // the client's web and DNS, and the prober's IPv6 address (which did not scan), are answered.
  const scan = r.scan!;
  t.truthy(scan);
  t.is(scan.answered_before_block, scan.detector.ports, JSON.stringify(scan.probed));
  t.true(scan.probed.slice(0, scan.detector.ports).every((p) => p.observed === 'refused'), JSON.stringify(scan.probed));
  t.true(scan.probed.slice(scan.detector.ports).every((p) => p.observed === 'timed out'), JSON.stringify(scan.probed));
  t.true((scan.gateway.dyn_block ?? 0) >= scan.probed.length - scan.detector.ports, JSON.stringify(scan.gateway));
  t.like(scan.block, { prefix: `${plan.hosts.prober.v4}/32`, source: 'auto', reason: 'auto: port scan' });
  t.true(scan.block!.remaining_s! > 60 && scan.block!.remaining_s! <= 120);
  t.is(scan.autoblock.scan, 1);
  const after = r.probes.filter((p) => p.phase === 'scan');
  t.deepEqual(after.map((p) => `${p.name}/${p.family}:${p.observed}`), [
    'web from the prober/ipv4:timed out', 'web from the prober/ipv6:delivered',
    'web/ipv4:delivered', 'web/ipv6:delivered', 'dns/ipv4:delivered', 'dns/ipv6:delivered',
  ]);
  t.true(((after[0].gateway as Record<string, number>).dyn_block ?? 0) >= 1);

  // The SYN-flood phase: the web service behind XDP SYN cookies; a spoofed flood answered from XDP
  // (none of it in conntrack), the client's web requests delivered before and during it.
  const flood = r.flood!;
  t.truthy(flood);
  t.true(flood.ok, JSON.stringify(flood));
  t.is(flood.before.delivered, flood.before.tried);
  t.true(flood.during.delivered >= flood.during.tried - 1, JSON.stringify(flood.during));
  const fl = JSON.stringify(flood);
  t.true(flood.flood.sent > 10 * flood.cookie_mode.threshold, fl);
  // What reached the gateway (a loaded machine may lose some of the generator's frames at the
  // veth) met cookie mode after the first `threshold`: answered from XDP, never passed on.
  t.true((flood.syncookie.syn_answered ?? 0) >= 10 * flood.cookie_mode.threshold, fl);
  t.true((flood.syncookie.syn_passed ?? 0) <= flood.cookie_mode.threshold + 2 * flood.during.tried, fl);
  t.is(flood.gateway.syncookie, flood.syncookie.syn_answered, 'every answered SYN counted once, under syncookie');
  t.true(flood.cookie_mode.on_after, fl);
  t.true(flood.conntrack < 200, `conntrack ${flood.conntrack}`);

  // Counters consistent with the probes: every deny/block drop the gateway counted belongs to a
  // probe, and each block entry's hits add up to dyn_block.
  const sum = (reason: string) => r.probes.reduce((s, p) => s + ((p.gateway as Record<string, number>)[reason] ?? 0), 0);
  t.is(r.counters.deny_list?.packets, sum('deny_list'));
  t.is(r.counters.dyn_block?.packets, sum('dyn_block') + (r.scan?.gateway.dyn_block ?? 0));
  t.true(sum('deny_list') >= 4 && sum('dyn_block') >= 4);
  t.true(sum('rule_drop') >= 2 && sum('rule_reject') >= 2 && sum('rule_alert') >= 2 && sum('rule_pass') >= 4, JSON.stringify(r.counters));
  t.is(r.counters.rule_drop?.packets, sum('rule_drop'));
  t.is(r.counters.rule_reject?.packets, sum('rule_reject'));
  t.regex(r.policy?.summary.join('\n') ?? '', /rules\/demo\.rules: 12 rules in classifier generation [01]/);
  t.true((r.counters.pass_default?.packets ?? 0) >= sum('pass_default'));
  t.deepEqual(r.address_sets?.deny, { v4: 1, v6: 1 });
  t.deepEqual(r.address_sets?.block.map((b) => b.prefix).sort(), [...plan.sets.block.prefixes, `${plan.hosts.prober.v4}/32`].sort());
  t.is(r.address_sets?.block.reduce((s, b) => s + b.hits, 0), r.counters.dyn_block?.packets);

  // The report's cleanup, and the system's state after it.
  t.false(r.kept);
  t.deepEqual(r.cleanup?.errors, []);
  t.deepEqual(r.cleanup?.namespaces.sort(), Object.values(plan.netns).sort());
  t.deepEqual(r.cleanup?.instances, [plan.instance, plan.endsInstance]);
  t.deepEqual(r.cleanup?.attachments, { detached: 4, withNamespace: 0 });
  t.true(r.cleanup?.stateFileRemoved);
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const ns of Object.values(plan.netns)) t.false(netns.split('\n').some((l) => l.split(' ')[0] === ns), ns);
  t.false(existsSync(pinDir(plan.instance)));
  t.false(existsSync(pinDir(plan.endsInstance)));
  t.false(existsSync(statePath(r.lab)));
  t.false(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(r.lab), 'no interface of the lab in the root namespace');
  for (const id of new Set(r.topology.xdp.map((a) => a.progId))) {
    await waitFor(`program ${id} to be freed`, () => programGone(id));
    t.true(programGone(id));
  }
});
