// Regenerates the capture fixtures in pcaps/ (deterministic: same bytes on every run).
//   npx tsx scripts/make-fixtures.ts          write them
//   npx tsx scripts/make-fixtures.ts --check  exit 1 if a committed fixture differs
// Addresses only from 198.18.0.0/15 and 2001:2::/48.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ether, ipToBytes, tcpSession, type TimedFrame } from '../src/packets/index.ts';
import { encapsulate, LINKTYPE, writePcapBuffer, writePcapngBuffer, type PcapInput } from '../src/pcap/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const T0 = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z
const MS = 1_000_000n;

const MAC = { c1: '02:00:00:00:00:01', s1: '02:00:00:00:00:02', c2: '02:00:00:00:00:03', s2: '02:00:00:00:00:04', bcast: 'ff:ff:ff:ff:ff:ff' };

/** A DNS message: one question, and for a response one A or AAAA answer (name compressed). */
function dns(id: number, name: string, qtype: 1 | 28, answer?: string): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(answer ? 0x8180 : 0x0100, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(answer ? 1 : 0, 6);
  const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(1, 2);
  const parts: Buffer[] = [h, qname, q];
  if (answer) {
    const rdata = ipToBytes(answer);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(300, 6);
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}

/** pcaps/demo.pcap: the mixed demo capture described in pcaps/INDEX.md. */
export function demoPackets(): PcapInput[] {
  const out: Array<PcapInput & { ts: bigint }> = [];
  const add = (tsNs: bigint, frame: Buffer, origLen?: number): void => { out.push({ ts: tsNs, frame, origLen }); };
  const addSession = (frames: TimedFrame[]): void => { for (const f of frames) add(f.tsNs, f.frame); };

  // ARP: the client resolves its gateway.
  add(T0, ether({ src: MAC.c1, dst: MAC.bcast }).arp({ op: 'request', sha: MAC.c1, spa: '198.18.0.10', tpa: '198.18.0.1' }).build());
  add(T0 + 1n * MS, ether({ src: MAC.s1, dst: MAC.c1 }).arp({ op: 'reply', sha: MAC.s1, spa: '198.18.0.1', tha: MAC.c1, tpa: '198.18.0.10' }).build());
  // DNS over UDP, IPv4 then IPv6.
  add(T0 + 2n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.10', dst: '198.18.1.53', id: 0x1001 }).udp({ sport: 53001, dport: 53 }).payload(dns(0x1234, 'www.example.com', 1)).build());
  add(T0 + 3n * MS, ether({ src: MAC.s1, dst: MAC.c1 }).ipv4({ src: '198.18.1.53', dst: '198.18.0.10', id: 0x2001 }).udp({ sport: 53, dport: 53001 }).payload(dns(0x1234, 'www.example.com', 1, '198.18.1.80')).build());
  add(T0 + 4n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv6({ src: '2001:2::10', dst: '2001:2:0:1::53' }).udp({ sport: 53002, dport: 53 }).payload(dns(0x2345, 'www.example.com', 28)).build());
  add(T0 + 5n * MS, ether({ src: MAC.s1, dst: MAC.c1 }).ipv6({ src: '2001:2:0:1::53', dst: '2001:2::10' }).udp({ sport: 53, dport: 53002 }).payload(dns(0x2345, 'www.example.com', 28, '2001:2:0:1::80')).build());
  // ICMP and ICMPv6 echo.
  add(T0 + 6n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.10', dst: '198.18.1.80', id: 0x1002 }).icmp({ type: 'echo-request', id: 7, seq: 1 }).payload('fwctl-ping-0123456789').build());
  add(T0 + 7n * MS, ether({ src: MAC.s1, dst: MAC.c1 }).ipv4({ src: '198.18.1.80', dst: '198.18.0.10', id: 0x2002 }).icmp({ type: 'echo-reply', id: 7, seq: 1 }).payload('fwctl-ping-0123456789').build());
  add(T0 + 8n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv6({ src: '2001:2::10', dst: '2001:2:0:1::80' }).icmpv6({ type: 'echo-request', id: 8, seq: 1 }).payload('fwctl-ping6').build());
  add(T0 + 9n * MS, ether({ src: MAC.s1, dst: MAC.c1 }).ipv6({ src: '2001:2:0:1::80', dst: '2001:2::10' }).icmpv6({ type: 'echo-reply', id: 8, seq: 1 }).payload('fwctl-ping6').build());
  // TCP: HTTP over IPv4 (FIN), HTTPS-like over IPv6 (RST from the server), and a VLAN 100 flow.
  addSession(tcpSession({
    client: { ip: '198.18.0.10', port: 40001, mac: MAC.c1 }, server: { ip: '198.18.1.80', port: 80, mac: MAC.s1 },
    exchanges: [{ from: 'client', data: 'GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: fwctl-demo\r\n\r\n' },
      { from: 'server', data: `HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n${'a'.repeat(2000)}` }],
    startNs: T0 + 10n * MS, mss: 1460,
  }));
  addSession(tcpSession({
    client: { ip: '2001:2::10', port: 40002, mac: MAC.c1 }, server: { ip: '2001:2:0:1::443', port: 443, mac: MAC.s1 },
    exchanges: [{ from: 'client', data: Buffer.from('160301002a0100002603030000000000000000000000000000000000000000000000000000000000000000000000', 'hex') }],
    end: 'rst', closer: 'server', startNs: T0 + 12n * MS + MS / 2n,
  }));
  addSession(tcpSession({
    client: { ip: '198.18.0.20', port: 40003, mac: MAC.c2 }, server: { ip: '198.18.1.22', port: 22, mac: MAC.s2 },
    exchanges: [{ from: 'server', data: 'SSH-2.0-OpenSSH_9.2\r\n' }, { from: 'client', data: 'SSH-2.0-fwctl\r\n' }],
    vlan: 100, startNs: T0 + 40n * MS,
  }));
  // Malformed: IPv4 header length 4 words (below the minimum), total length beyond the frame,
  // a TCP segment with a bad checksum, and a frame captured with a snaplen cut (caplen < origLen).
  add(T0 + 60n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.66', dst: '198.18.1.80', ihl: 4 }).udp({ sport: 1, dport: 2 }).payload('bad ihl').build());
  add(T0 + 61n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.66', dst: '198.18.1.80', totalLength: 1400 }).tcp({ sport: 3, dport: 80, flags: 'A' }).payload('short').build());
  add(T0 + 62n * MS, ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.66', dst: '198.18.1.80' }).tcp({ sport: 4, dport: 80, flags: 'S', checksum: 'bad' }).build());
  const big = ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.66', dst: '198.18.1.80' }).udp({ sport: 5, dport: 9 }).payload(Buffer.alloc(1000, 0x55)).build();
  add(T0 + 63n * MS, big.subarray(0, 64), big.length);
  return out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

/** A handful of packets for the link-type and pcapng fixtures: IPv4 TCP, IPv6 UDP, ICMP. */
export function smallPackets(): Array<PcapInput & { ts: bigint; frame: Buffer }> {
  const f = [
    ether({ src: MAC.c1, dst: MAC.s1 }).ipv4({ src: '198.18.0.10', dst: '198.18.1.80' }).tcp({ sport: 40001, dport: 80, flags: 'S', seq: 1000 }).build(),
    ether({ src: MAC.s1, dst: MAC.c1 }).ipv6({ src: '2001:2:0:1::53', dst: '2001:2::10' }).udp({ sport: 53, dport: 53002 }).payload('dns-ish').build(),
    ether({ src: MAC.c1, dst: MAC.bcast }).ipv4({ src: '198.18.0.10', dst: '198.18.255.255' }).icmp({ type: 'echo-request', id: 1, seq: 1 }).build(),
    ether({ src: MAC.c1, dst: '33:33:00:00:00:01' }).ipv6({ src: '2001:2::10', dst: 'ff02::1' }).icmpv6({ type: 'echo-request', id: 2, seq: 1 }).build(),
  ];
  return f.map((frame, i) => ({ frame, ts: T0 + BigInt(i) * MS + 123_456n }));
}

/** A VLAN-tagged and an ARP frame, which Linux cooked captures carry but raw IP cannot. */
export function cookedExtras(): Array<PcapInput & { ts: bigint; frame: Buffer }> {
  return [
    { frame: ether({ src: MAC.c2, dst: MAC.s2 }).vlan(100).ipv4({ src: '198.18.0.20', dst: '198.18.1.22' }).tcp({ sport: 40003, dport: 22, flags: 'S' }).build(), ts: T0 + 10n * MS },
    { frame: ether({ src: MAC.c1, dst: MAC.bcast }).arp({ spa: '198.18.0.10', tpa: '198.18.0.1', sha: MAC.c1 }).build(), ts: T0 + 11n * MS },
  ];
}

export const FIXTURES: Record<string, () => Buffer> = {
  'demo.pcap': () => writePcapBuffer(demoPackets()),
  'small-ns.pcapng': () => writePcapngBuffer(smallPackets(), { precision: 'ns' }),
  'small-ns.pcap': () => writePcapBuffer(smallPackets(), { precision: 'ns' }),
  'small-sll.pcap': () => writePcapBuffer([...smallPackets(), ...cookedExtras()].map((p) => ({ ...p, frame: encapsulate(LINKTYPE.LINUX_SLL, p.frame) })), { linkType: LINKTYPE.LINUX_SLL }),
  'small-sll2.pcap': () => writePcapBuffer([...smallPackets(), ...cookedExtras()].map((p) => ({ ...p, frame: encapsulate(LINKTYPE.LINUX_SLL2, p.frame) })), { linkType: LINKTYPE.LINUX_SLL2 }),
  'small-raw.pcap': () => writePcapBuffer(smallPackets().map((p) => ({ ...p, frame: encapsulate(LINKTYPE.RAW, p.frame) })), { linkType: LINKTYPE.RAW }),
  'small-null.pcap': () => writePcapBuffer(smallPackets().map((p) => ({ ...p, frame: encapsulate(LINKTYPE.NULL, p.frame) })), { linkType: LINKTYPE.NULL }),
  'small-loop.pcap': () => writePcapBuffer(smallPackets().map((p) => ({ ...p, frame: encapsulate(LINKTYPE.LOOP, p.frame, { inet6Family: 24 }) })), { linkType: LINKTYPE.LOOP }),
};

function main(): void {
  const check = process.argv.includes('--check');
  let differ = 0;
  for (const [name, make] of Object.entries(FIXTURES)) {
    const path = join(root, 'pcaps', name);
    const bytes = make();
    if (check) {
      let old: Buffer | undefined;
      try { old = readFileSync(path); } catch { /* missing */ }
      if (!old || !old.equals(bytes)) { console.error(`pcaps/${name} differs from what scripts/make-fixtures.ts makes`); differ++; }
    } else {
      writeFileSync(path, bytes);
      console.log(`pcaps/${name}: ${bytes.length} bytes`);
    }
  }
  if (differ) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
