// fwctl synproxy add|del|list as a subprocess in a network namespace of this test (fspc<pid>):
// the service map through the pins, the instance's nftables table (rules read back from nft), the
// sysctls set in that namespace only, text and JSON output, and every E_SP_* code with its exit
// code. README.md's code list is checked against the catalogue.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

import { Datapath, ensureBpffs, pinDir } from '../src/datapath/index.ts';
import {
  applyTable, checkSettings, parseService, serviceAdd, SP_CODES, SynproxyError, tableName,
} from '../src/synproxy/index.ts';

const exec = promisify(execFile);
const NS = `fspc${process.pid}`;
const A = `${NS}a`;
const B = `${NS}b`;
const I = `spc-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'fwctl-synproxy-cli-'));
const RULES = join(dir, 'r.rules');
writeFileSync(RULES, 'drop tcp any any -> any 23 (msg:"telnet"; sid:1;)\n');
const NFT = '/usr/sbin/nft';
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (...args: string[]) => execFileSync('nsenter', [`--net=/run/netns/${NS}`, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

interface Run { code: number; out: string; err: string }
async function fwctl(...args: string[]): Promise<Run> {
  try {
    const r = await exec('nsenter', [`--net=/run/netns/${NS}`, process.execPath, 'bin/fwctl.mjs', ...args], { maxBuffer: 16 << 20 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const json = (r: Run) => JSON.parse(r.out.trim().split('\n').pop() as string);
const table = (): string | null => {
  try {
    return inNs(NFT, 'list', 'table', 'inet', tableName(I));
  } catch {
    return null;
  }
};
const hostLoose = () => readFileSync('/proc/sys/net/netfilter/nf_conntrack_tcp_loose', 'utf8').trim();

const produced = new Set<string>();
const expectCode = (t: { is: (a: unknown, b: unknown, m?: string) => void }, r: Run, code: keyof typeof SP_CODES | string, exit: number) => {
  t.is(r.code, exit, r.out + r.err);
  t.is(json(r).error.code, code);
  produced.add(code);
};

test.before(async () => {
  ensureBpffs();
  ip('netns', 'add', NS);
  ip('-n', NS, 'link', 'add', A, 'type', 'veth', 'peer', 'name', B);
  ip('-n', NS, 'addr', 'add', '198.18.50.1/24', 'dev', A);
  ip('-n', NS, 'link', 'set', A, 'up');
  ip('-n', NS, 'link', 'set', B, 'up');
  const l = await fwctl('load', RULES, '--iface', A, '--instance', I, '-o', 'json');
  if (l.code !== 0) throw new Error(`load: ${l.out}${l.err}`);
});

test.after.always(async () => {
  await fwctl('unload', '--instance', I);
  try {
    Datapath.unpin(I);
  } catch {
    /* gone */
  }
  rmSync(`/run/fwctl/${I}`, { recursive: true, force: true });
  try {
    ip('netns', 'del', NS);
  } catch {
    /* gone */
  }
  rmSync(dir, { recursive: true, force: true });
});

test.serial('add, list, update, del: the map and the nft table follow; sysctls only in this namespace', async (t) => {
  const hostBefore = hostLoose();
  t.deepEqual(json(await fwctl('synproxy', 'list', '--instance', I, '-o', 'json')).services, []);
  t.is((await fwctl('synproxy', 'list', '--instance', I)).out.trim(), 'no protected services');

  expectCode(t, await fwctl('synproxy', 'add', '198.18.50.2:80', '--instance', I, '-o', 'json'), 'E_SP_SYSCTL', 1);
  t.is(table(), null, 'nothing written on a refusal');

  const add = await fwctl('synproxy', 'add', '198.18.50.2:80', '--sysctl', '--instance', I, '-o', 'json');
  t.is(add.code, 0, add.out + add.err);
  t.like(json(add), { action: 'add', created: true, table: tableName(I), service: { service: '198.18.50.2:80', mode: 'auto', threshold: 1000, window_ms: 1000, mss: 1460, wscale: 7, cookie_mode: false } });
  t.regex(add.err, /set net\.netfilter\.nf_conntrack_tcp_loose \(was 1\)/);
  t.is(inNs('cat', '/proc/sys/net/netfilter/nf_conntrack_tcp_loose').trim(), '0');
  t.is(inNs('cat', '/proc/sys/net/ipv4/tcp_syncookies').trim(), '2');
  t.is(hostLoose(), hostBefore, "the host's setting is untouched");

  const v6 = await fwctl('synproxy', 'add', '[2001:2:0:0::5]:443', '--mode', 'always', '--mss', '1400', '--wscale', '9', '--instance', I, '-o', 'json');
  t.is(v6.code, 0, v6.out + v6.err);
  t.like(json(v6).service, { service: '[2001:2::5]:443', mode: 'always', mss: 1400, wscale: 9 });
  const upd = await fwctl('synproxy', 'add', '198.18.50.2:80', '--threshold', '5', '--window', '250ms', '--instance', I, '-o', 'json');
  t.like(json(upd), { created: false, service: { threshold: 5, window_ms: 250 } });

  const nft = table() ?? '';
  t.regex(nft, /hook prerouting priority raw/);
  t.regex(nft, /ip daddr 198\.18\.50\.2 tcp dport 80 tcp flags syn \/ fin,syn,rst,ack notrack/);
  t.regex(nft, /ip daddr 198\.18\.50\.2 tcp dport 80 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm/);
  t.regex(nft, /ip6 daddr 2001:2::5 tcp dport 443 ct state invalid,untracked synproxy mss 1400 wscale 9 timestamp sack-perm/);
  t.regex(nft, /hook forward priority filter/);
  t.regex(nft, /hook input priority filter/);
  t.is(nft.match(/ct state invalid drop/g)?.length, 4, 'forward and input, two services');

  const list = json(await fwctl('synproxy', 'list', '--instance', I, '-o', 'json'));
  t.deepEqual(list.services.map((s: { service: string }) => s.service), ['198.18.50.2:80', '[2001:2::5]:443']);
  t.deepEqual(Object.keys(list.counters), ['syn_answered', 'syn_passed', 'syn_slow', 'syn_bad_csum', 'ack_valid', 'ack_invalid', 'ack_conntrack', 'mode_on', 'ct_reopened']);
  const text = (await fwctl('synproxy', 'list', '--instance', I)).out;
  t.regex(text, /^198\.18\.50\.2:80 {2}mode auto \(cookies off\) {2}threshold 5\/250ms/m);

  expectCode(t, await fwctl('synproxy', 'del', '198.18.50.9:80', '--instance', I, '-o', 'json'), 'E_SP_NOT_PROTECTED', 1);
  const del = await fwctl('synproxy', 'del', '198.18.50.2:80', '--instance', I);
  t.is(del.out.trim(), 'unprotected 198.18.50.2:80');
  t.notRegex(table() ?? '', /198\.18\.50\.2/);
  t.is((await fwctl('synproxy', 'del', '[2001:2::5]:443', '--instance', I)).code, 0);
  t.is(table(), null, 'the table goes with the last service');
  t.deepEqual(json(await fwctl('synproxy', 'list', '--instance', I, '-o', 'json')).services, []);
});

test.serial('unload removes the services and the table with the instance', async (t) => {
  const add = await fwctl('synproxy', 'add', '198.18.50.2:80', '--instance', I, '-o', 'json');
  t.is(add.code, 0, add.out + add.err);
  t.not(table(), null);
  const u = await fwctl('unload', '--instance', I, '-o', 'json');
  t.is(u.code, 0, u.out + u.err);
  t.is(table(), null);
  const l = await fwctl('load', RULES, '--iface', A, '--instance', I, '-o', 'json');
  t.is(l.code, 0, l.out + l.err);
  t.deepEqual(json(await fwctl('synproxy', 'list', '--instance', I, '-o', 'json')).services, []);
});

test.serial('bad input: codes, exit 1, nothing written', async (t) => {
  const cases: Array<[string[], string]> = [
    [['add', '198.18.50.2'], 'E_SP_BAD_SERVICE'],
    [['add', '198.18.50.2:0'], 'E_SP_BAD_SERVICE'],
    [['add', '2001:2::5:80'], 'E_SP_BAD_SERVICE'],
    [['add', '[198.18.50.2]:80'], 'E_SP_BAD_SERVICE'],
    [['add', '198.18.50.2:80', '--mode', 'sometimes'], 'E_SP_BAD_OPTION'],
    [['add', '198.18.50.2:80', '--wscale', '15'], 'E_SP_BAD_OPTION'],
    [['add', '198.18.50.2:80', '--mss', '100'], 'E_SP_BAD_OPTION'],
    [['add', '198.18.50.2:80', '--window', '0'], 'E_SP_BAD_OPTION'],
    [['add', '198.18.50.2:80', '--threshold', '1e3'], 'E_SP_BAD_OPTION'],
    [['list', '--mode', 'auto'], 'E_CLI_USAGE'],
    [['frobnicate'], 'E_CLI_UNKNOWN_COMMAND'],
  ];
  for (const [args, code] of cases) expectCode(t, await fwctl('synproxy', ...args, '--instance', I, '-o', 'json'), code, 1);
  t.is(table(), null);
  expectCode(t, await fwctl('synproxy', 'list', '--instance', `${I}-none`, '-o', 'json'), 'E_INSTANCE_NOT_LOADED', 2);
});

test.serial('system failures: a full map, an nft refusal, an instance without the maps (exit 2)', async (t) => {
  const dp = Datapath.open();
  try {
    const st = checkSettings({}, 4);
    for (let i = 0; i < 1024; i++) serviceAdd(dp, { family: 4, addr: `198.18.${60 + (i >> 8)}.${i & 255}`, port: 80 }, st);
    const e = t.throws(() => serviceAdd(dp, parseService('198.18.70.1:80'), st), { instanceOf: SynproxyError });
    t.is(e?.code, 'E_SP_FULL');
    produced.add('E_SP_FULL');
  } finally {
    dp.close();
  }
  const nftErr = t.throws(() => applyTable(`${I}-bad`, [{ family: 4, addr: '198.18.50.300', port: 80, settings: checkSettings({}, 4),
    state: { cookieOn: false, windowStartNs: 0n, windowSyn: 0, windowDone: 0, prevHalfOpen: 0, synAnswered: 0n, ackValid: 0n, ackInvalid: 0n } }]),
  { instanceOf: SynproxyError });
  t.is(nftErr?.code, 'E_SP_NFT');
  t.is(nftErr?.exit, 'failure');
  produced.add('E_SP_NFT');

  // An instance pinned by a build without SYN cookies: its pins lack the maps.
  unlinkSync(join(pinDir(I), 'fw_sc_svc'));
  expectCode(t, await fwctl('synproxy', 'list', '--instance', I, '-o', 'json'), 'E_SP_MAPS_MISSING', 2);
});

test.serial('every code is in README.md and produced above', (t) => {
  const readme = readFileSync('src/synproxy/README.md', 'utf8');
  const documented = [...readme.matchAll(/^\| `(E_SP_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
  t.deepEqual(documented, Object.keys(SP_CODES).sort());
  for (const code of Object.keys(SP_CODES)) t.true(produced.has(code), `${code} is produced by a test`);
});
