// fwctl flows list / config / flush on a pinned instance, through the CLI in another process: the
// flows the datapath tracked (state, endpoints, packets, stored verdict), filters, the flow
// settings changed live (midstream pickup takes effect on the next packet), the table flushed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';

import { applyRuleset, Datapath, ensureBpffs, readFlows } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { tcpSession } from '../src/packets/tcp-session.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { planRuleset } from '../src/rules/plan/index.ts';

const exec = promisify(execFile);
const name = `fwA-flowcli-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
let dp: Datapath | undefined;

test.before(() => ensureBpffs());
test.after.always(() => {
  dp?.close();
  Datapath.unpin(name);
});

async function fwctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['bin/fwctl.mjs', ...args, '--instance', name]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const now = () => process.hrtime.bigint();

test.serial('list shows what the datapath tracks, filtered; config changes midstream and timeouts live; flush empties', async (t) => {
  dp = Datapath.open({ flows: { half: 64, est: 64 } });
  dp.pin(name);
  const rules = compileRuleText([{ file: 't.rules', text: 'drop tcp any any -> any 23 (sid:7;)' }]).rules;
  applyRuleset(dp, planRuleset(rules));
  for (const f of tcpSession({ client: { ip: '198.18.0.1', port: 40000 }, server: { ip: '198.18.0.2', port: 80 }, end: 'none' })) dp.runPacket(f.frame, now());
  dp.runPacket(ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).tcp({ sport: 40001, dport: 23, flags: 'S' }).build(), now());
  dp.runPacket(ether().ipv6({ src: '2001:2::1', dst: '2001:2::2' }).udp({ sport: 5353, dport: 53 }).build(), now());

  const all = JSON.parse((await fwctl('flows', 'list', '-o', 'json')).stdout);
  t.is(all.total, 3);
  const byProto = Object.fromEntries(all.flows.map((f: Record<string, unknown>) => [`${f.proto}:${f.state}`, f]));
  t.like(byProto['tcp:established'], { table: 'est', client: '198.18.0.1:40000', server: '198.18.0.2:80', verdict: 'none' });
  t.true(byProto['tcp:established'].packets_to_server >= 2 && byProto['tcp:established'].packets_to_client >= 1);
  t.like(byProto['tcp:syn_sent'], { client: '198.18.0.1:40001', server: '198.18.0.2:23', verdict: 'drop', sid: 7 });
  t.like(byProto['udp:new'], { client: '[2001:2::1]:5353', server: '[2001:2::2]:53', packets_to_server: 1, packets_to_client: 0 });

  t.is(JSON.parse((await fwctl('flows', 'list', '--state', 'established', '-o', 'json')).stdout).matched, 1);
  t.is(JSON.parse((await fwctl('flows', 'list', '--proto', 'udp', '-o', 'json')).stdout).matched, 1);
  t.is(JSON.parse((await fwctl('flows', 'list', '--addr', '198.18.0.2', '-o', 'json')).stdout).matched, 2);
  t.is(JSON.parse((await fwctl('flows', 'list', '--limit', '1', '-o', 'json')).stdout).flows.length, 1);
  const text = (await fwctl('flows', 'list', '--proto', 'tcp')).stdout;
  t.regex(text, /^PROTO\s+STATE\s+CLIENT\s+SERVER\s+PKTS>\s+PKTS<\s+IDLE\s+VERDICT\n/);
  t.regex(text, /tcp\s+syn_sent\s+198\.18\.0\.1:40001\s+198\.18\.0\.2:23\s+1\s+0\s+\d+\s+drop \(sid 7\)/);
  t.regex(text, /2 of 2 matching flows shown \(3 in the table\)\n$/);

  t.like(JSON.parse((await fwctl('flows', 'config', '-o', 'json')).stdout), { midstream: false, timeouts_s: { tcp_est: 600, tcp_new: 60 } });
  const set = JSON.parse((await fwctl('flows', 'config', '--midstream', 'on', '--timeout', 'tcp_est=1h', '--timeout', 'udp_new=45s', '-o', 'json')).stdout);
  t.like(set, { midstream: true, timeouts_s: { tcp_est: 3600, udp_new: 45, tcp_new: 60 } });
  t.like(JSON.parse((await fwctl('flows', 'config', '--timeout', 'tcp_new=2m', '-o', 'json')).stdout),
    { midstream: true, timeouts_s: { tcp_est: 3600, tcp_new: 120 } }, 'what is not given is kept');
  // midstream on: an ACK of a connection never seen starts an established flow
  dp.runPacket(ether().ipv4({ src: '198.18.0.5', dst: '198.18.0.2' }).tcp({ sport: 41000, dport: 443, flags: 'A' }).build(), now());
  t.true(readFlows(dp).some((f) => f.client.port === 41000 && f.state === 'established'));
  // invalid drop with midstream off: a stray ACK is dropped before the rules
  t.like(JSON.parse((await fwctl('flows', 'config', '--midstream', 'off', '--invalid', 'drop', '-o', 'json')).stdout),
    { midstream: false, invalid: 'drop', timeouts_s: { tcp_est: 3600 } });
  t.regex((await fwctl('flows', 'config')).stdout, /TCP packets out of state: dropped \(flow_invalid\)/);
  t.regex((await fwctl('status')).stdout, /midstream pickup off; packets out of state dropped/);
  t.like(dp.runPacket(ether().ipv4({ src: '198.18.0.6', dst: '198.18.0.2' }).tcp({ sport: 41001, dport: 443, flags: 'A' }).build(), now()),
    { verdict: 'drop', reason: 'flow_invalid' });

  const flushed = JSON.parse((await fwctl('flows', 'flush', '-o', 'json')).stdout);
  t.is(flushed.removed, 5);
  t.is(JSON.parse((await fwctl('flows', 'list', '-o', 'json')).stdout).total, 0);
});

test.serial('bad input: an exit code and a message naming the choices; nothing changed', async (t) => {
  for (const [args, re] of [
    [['flows', 'list', '--state', 'bogus'], /--state takes one of .*established/],
    [['flows', 'list', '--proto', 'sctpx'], /--proto takes tcp, udp/],
    [['flows', 'list', '--limit', '0'], /--limit takes a positive integer/],
    [['flows', 'config', '--timeout', 'tcp_estab=1m'], /NAME one of tcp_new, tcp_est/],
    [['flows', 'config', '--timeout', 'tcp_est=soon'], /"soon" is not a duration/],
    [['flows', 'config', '--timeout', 'tcp_est=500ms'], /at least one second/],
    [['flows', 'config', '--midstream', 'maybe'], /--midstream takes on or off/],
    [['flows', 'config', '--invalid', 'reject'], /--invalid takes pass or drop/],
    [['flows', 'list', '--midstream', 'on'], /--midstream belongs to flows config/],
    [['flows', 'lsit'], /unknown flows subcommand "lsit"/],
  ] as const) {
    const r = await fwctl(...args);
    t.not(r.code, 0, args.join(' '));
    t.regex(r.stdout + r.stderr, re, args.join(' '));
  }
  t.like(JSON.parse((await fwctl('flows', 'config', '-o', 'json')).stdout), { midstream: false, invalid: 'drop', timeouts_s: { tcp_est: 3600 } });
});
