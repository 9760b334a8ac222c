// Every capture of the shared conformance suite reads without error through both engines, with
// the packet counts tcpdump 4.99.3 (libpcap 1.10.3) reports, and re-framed captures (raw IP,
// SLL, loopback) come out as IPv4/IPv6 Ethernet frames.
import test from 'ava';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPcap, type PcapPacket } from '../src/pcap/index.ts';

const ROOT = join(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'conformance', 'suricata-verify');

// `tcpdump -nr FILE | wc -l` for each capture, and its link type where it is not Ethernet.
const TCPDUMP_COUNTS: Record<string, number> = {
  'alert-distance-within-1/input.pcap': 12, 'alert-testmyids-midstream5/input.pcap': 9, 'bug-1045/input.pcap': 19,
  'bug-1401-01/input.pcap': 6, 'bug-1401-02/input.pcap': 6, 'bug-1401-04/input.pcap': 7, 'bug-2158/input.pcap': 10,
  'bug-2736-02/input.pcap': 1, 'bug-4663-02/input.pcap': 10, 'bug-4663/input.pcap': 975, 'bug-5464-verdict-04/input.pcap': 32,
  'bug-5578-http-dsize-drop/input.pcap': 975, 'bug-5758/input.pcap': 41, 'defrag/bug-6887-defrag-eth-vlan-ipv6-tcp/input.pcap': 3,
  'defrag/bug-6887-defrag-ipv6-tcp/input.pcap': 3, 'detect-engine-proto/input.pcap': 16, 'detect-itype/input.pcap': 150,
  'dns/dns-query/dns-detect-query-01/input.pcap': 1, 'drop-protocol-change/input.pcap': 7, 'ips-state-1/input.pcap': 59,
  'ips/firewall-01-tcp-pkt-state-flowbits/input.pcap': 13, 'ips/firewall-04-tls-sni-enforce/input.pcap': 29,
  'ipv6-evasion/ipv6-malformed-fragments-36/input.pcap': 12, 'issues/issue-4759.1/input.pcap': 20, 'issues/issue-4759/input.pcap': 20,
  'tcp-split-handshake-01-4whs/input.pcap': 7, 'tcp-split-handshake-02-5whs/input.pcap': 8, 'threshold-config-byrule/input.pcap': 34,
  'threshold/threshold-config-rate-filter-alert-flow/input.pcap': 34, 'threshold/threshold-config-rate-filter-alert-hostsrc/input.pcap': 34,
  'threshold/threshold-config-rate-filter-alert-pair/input.pcap': 34, 'threshold/threshold-config-rate-filter-alert-rule/input.pcap': 34,
  'threshold/threshold-config-suppress-bydst-ipvar/input.pcap': 34, 'threshold/threshold-config-suppress-byeither-ipsubnet/input.pcap': 34,
  'threshold/threshold-config-suppress-bysrc-ip/input.pcap': 34, 'threshold/threshold-config-suppress-bysrc-ipsubnet/input.pcap': 34,
  'threshold/threshold-config-threshold-limit-flow/input.pcap': 34, 'threshold/threshold-config-threshold-threshold-flow/input.pcap': 34,
  'tls/tls-client-hello-frag-01/input.pcap': 62, 'udp-5379/udp-trailing-data/input.pcap': 1, 'uricontent/detect-uricontent-02/input.pcap': 2,
  'util-action-tests/util-action-02/input.pcap': 3, 'util-action-tests/util-action-03/input.pcap': 3, 'util-action-tests/util-action-04/input.pcap': 3,
  'util-action-tests/util-action-05/input.pcap': 3, 'util-action-tests/util-action-06/input.pcap': 3, 'util-action-tests/util-action-10/input.pcap': 3,
  'util-action-tests/util-action-11/input.pcap': 3, 'util-action-tests/util-action-13/input.pcap': 3, 'util-action-tests/util-action-15/input.pcap': 3,
};
const NON_ETHERNET: Record<string, number> = { 'bug-5758/input.pcap': 101, 'defrag/bug-6887-defrag-ipv6-tcp/input.pcap': 229 };

function findCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findCaptures(p));
    else if (/\.(pcap|pcapng|cap)$/.test(name)) out.push(p);
  }
  return out.sort();
}

/** Ethernet (skipping VLAN tags) carrying IPv4 or IPv6 whose version nibble matches the ethertype. */
function isIpEthernet(frame: Buffer): boolean {
  let off = 12;
  let type = frame.readUInt16BE(off);
  while ((type === 0x8100 || type === 0x88a8) && frame.length >= off + 6) { off += 4; type = frame.readUInt16BE(off); }
  const v = frame.length > off + 2 ? frame[off + 2] >> 4 : -1;
  return (type === 0x0800 && v === 4) || (type === 0x86dd && v === 6);
}

const captures = existsSync(ROOT) ? findCaptures(ROOT) : [];

test('the conformance captures are there', (t) => {
  t.true(existsSync(ROOT), `missing ${ROOT}`);
  t.true(captures.length >= Object.keys(TCPDUMP_COUNTS).length);
  for (const rel of Object.keys(TCPDUMP_COUNTS)) t.true(captures.includes(join(ROOT, rel)), rel);
});

for (const path of captures) {
  const rel = relative(ROOT, path);
  test(`conformance ${rel}`, (t) => {
    const lib = openPcap(path, { engine: 'libpcap' });
    const viaLib: PcapPacket[] = [...lib];
    const auto = openPcap(path);
    const viaAuto: PcapPacket[] = [...auto];
    if (TCPDUMP_COUNTS[rel] !== undefined) t.is(viaAuto.length, TCPDUMP_COUNTS[rel]);
    t.true(viaAuto.length > 0);
    const expectedLinkType = NON_ETHERNET[rel] ?? (TCPDUMP_COUNTS[rel] !== undefined ? 1 : undefined);
    if (expectedLinkType !== undefined) t.is(auto.info.linkType, expectedLinkType);
    t.is(lib.info.linkType, auto.info.linkType);
    // Both engines agree packet by packet (libpcap gives µs timestamps).
    t.is(viaLib.length, viaAuto.length);
    for (let i = 0; i < viaAuto.length; i++) {
      const a = viaAuto[i];
      const b = viaLib[i];
      if (a.index !== i + 1 || b.index !== i + 1 || a.caplen !== b.caplen || a.origLen !== b.origLen || a.tsNs / 1000n !== b.tsNs / 1000n || !a.frame.equals(b.frame)) {
        t.fail(`packet ${i + 1} differs between the fast reader and libpcap`);
        return;
      }
    }
    if (auto.info.linkType !== 1) {
      const bad = viaAuto.filter((p) => !isIpEthernet(p.frame)).map((p) => p.index);
      t.deepEqual(bad, [], 'every re-framed packet is IPv4/IPv6 in Ethernet');
    }
  });
}
