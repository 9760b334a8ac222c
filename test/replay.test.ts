import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

import { Datapath } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { replayCapture } from '../src/replay/replay.ts';
import { openPcap, writePcapBuffer } from '../src/pcap/index.ts';
import { writeFileSync } from 'node:fs';

const exec = promisify(execFile);
const fwctl = (...args: string[]) => exec(process.execPath, ['bin/fwctl.mjs', ...args], { maxBuffer: 64 << 20 });

function jsonLines(stdout: string): Record<string, any>[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l));
}

test('replay -o json --verdicts: one verdict per packet in order, then stats', async (t) => {
  const { stdout } = await fwctl('replay', 'pcaps/demo.pcap', '-o', 'json', '--verdicts');
  const recs = jsonLines(stdout);
  const verdicts = recs.filter((r) => r.event_type === 'verdict');
  const n = [...openPcap('pcaps/demo.pcap')].length;
  t.is(verdicts.length, n);
  t.deepEqual(verdicts.map((v) => v.pcap_cnt), Array.from({ length: n }, (_, i) => i + 1));
  for (const v of verdicts) {
    t.deepEqual(Object.keys(v), ['event_type', 'pcap_cnt', 'verdict', 'reason', 'signature_id']);
    t.true(['pass', 'drop', 'reject'].includes(v.verdict));
    t.is(v.signature_id, null);
  }
  const stats = recs[recs.length - 1];
  t.is(stats.event_type, 'stats');
  t.is(stats.packets, n);
  t.is(Object.values(stats.verdicts as Record<string, number>).reduce((a, b) => a + b, 0), n);
  // ARP passes as non-IP; the fixture's malformed IPv4 packets are dropped by the default policy.
  t.is(verdicts[0].reason, 'non_ip');
  t.true(verdicts.some((v) => v.verdict === 'drop' && v.reason === 'malformed_ipv4'));
});

test('replay --malformed pass passes the malformed packets but still names the reason', async (t) => {
  const { stdout } = await fwctl('replay', 'pcaps/demo.pcap', '-o', 'json', '--verdicts', '--malformed', 'pass');
  const verdicts = jsonLines(stdout).filter((r) => r.event_type === 'verdict');
  t.false(verdicts.some((v) => v.verdict === 'drop'));
  t.true(verdicts.some((v) => v.reason === 'malformed_ipv4'));
});

test('replay decides per packet from the packet itself (built capture)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fwctl-replay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = ether().ipv6({ src: '2001:2::1', dst: '2001:2::2' }).udp({ sport: 1, dport: 2 }).build();
  const badTcp = ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).tcp({ sport: 1, dport: 2, dataOffset: 4 }).build();
  const path = join(dir, 'x.pcap');
  writeFileSync(path, writePcapBuffer([{ frame: good, ts: 1n }, { frame: badTcp, ts: 2n }]));
  const { stdout } = await fwctl('replay', path, '-o', 'json', '--verdicts');
  const v = jsonLines(stdout);
  t.like(v[0], { pcap_cnt: 1, verdict: 'pass', reason: 'pass_default' });
  t.like(v[1], { pcap_cnt: 2, verdict: 'drop', reason: 'malformed_tcp' });
});

test('replay reads every conformance capture (pcap, raw IP, VLAN) with a verdict per packet', async (t) => {
  const root = fileURLToPath(new URL('../../shared/conformance/suricata-verify', import.meta.url));
  const captures: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e === 'input.pcap') captures.push(p);
    }
  };
  walk(root);
  t.true(captures.length >= 40);
  const dp = Datapath.open();
  t.teardown(() => dp.close());
  for (const cap of captures) {
    let expectCnt = 1;
    let inOrder = true;
    const totals = replayCapture(dp, cap, {
      onPacket: (d) => {
        if (d.pcapCnt !== expectCnt++) inOrder = false;
      },
    });
    const n = [...openPcap(cap)].length;
    t.is(totals.packets, n, cap);
    t.is(totals.oversize, 0, cap);
    t.true(inOrder, cap);
    t.is(Object.values(totals.verdicts).reduce((a, b) => a + b, 0), n, cap);
  }
});

test('replay: human summary, and clear errors for bad input', async (t) => {
  const { stdout } = await fwctl('replay', 'pcaps/small-sll.pcap');
  t.regex(stdout, /6 packets .* link type 113/);
  t.regex(stdout, /verdicts: pass 6/);
  const missing = await t.throwsAsync(fwctl('replay', 'no-such.pcap', '-o', 'json'));
  t.is((missing as any).code, 1);
  t.is(JSON.parse((missing as any).stdout).error.code, 'E_PCAP_OPEN');
  const rules = await t.throwsAsync(fwctl('replay', 'pcaps/demo.pcap', '--rules', 'x.rules', '-o', 'json'));
  t.is((rules as any).code, 1);
  t.is(JSON.parse((rules as any).stdout).error.code, 'E_CLI_FILE');
  const verdictsText = await t.throwsAsync(fwctl('replay', 'pcaps/demo.pcap', '--verdicts'));
  t.is((verdictsText as any).code, 1);
});

test('replay: runts are malformed_eth under the policy; jumbo frames run whole', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fwctl-replay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const jumbo = ether().ipv4({ src: '198.18.0.1', dst: '198.18.0.2' }).udp({ sport: 9, dport: 9 }).payload(Buffer.alloc(8000)).build();
  const path = join(dir, 'x.pcap');
  writeFileSync(path, writePcapBuffer([{ frame: Buffer.alloc(10), ts: 1n }, { frame: jumbo, ts: 2n }]));
  const v = jsonLines((await fwctl('replay', path, '-o', 'json', '--verdicts')).stdout);
  t.like(v[0], { pcap_cnt: 1, verdict: 'drop', reason: 'malformed_eth' });
  t.like(v[1], { pcap_cnt: 2, verdict: 'pass', reason: 'pass_default' });
  t.like(v[2], { event_type: 'stats', runts: 1, oversize: 0 });
  const p = jsonLines((await fwctl('replay', path, '-o', 'json', '--verdicts', '--malformed', 'pass')).stdout);
  t.like(p[0], { verdict: 'pass', reason: 'malformed_eth' });
});
