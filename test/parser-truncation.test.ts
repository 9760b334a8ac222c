// Every packet cut at every byte offset, two ways:
//  - raw: the frame simply ends early, so the IP length now runs past the frame (malformed_ipv4/6);
//  - fixed up: the IP length fields say the truncated size, so each inner header's own truncation
//    is exercised (malformed_ipv6_ext, malformed_tcp, ...).
// Each cut must get the reason of the header it cuts, and a packet that is not passed whole never
// shows an L4 reading (ports, flags, ICMP fields); one that is passed shows L4 fields only from bytes
// inside the cut.
import test from 'ava';

import type { ReasonName } from '../src/abi/index.ts';
import { MIN_TEST_FRAME } from '../src/datapath/index.ts';
import { ether, type Packet } from '../src/packets/index.ts';
import { A4, A6, openDebug, runDebug } from './datapath-helpers.ts';

const dp = openDebug();
test.after.always(() => dp.close());

type L4 = 'tcp' | 'udp' | 'icmp' | 'icmpv6';
interface Case {
  name: string;
  ip: 4 | 6;
  l4: L4;
  /** A first fragment: its UDP length may exceed what it carries, so a cut payload still passes. */
  firstFrag?: boolean;
  /** Header sizes in order with the reason a cut inside each gives (fixed-up variant). */
  headers: Array<[size: number, reason: ReasonName]>;
  /** Builds the frame; `ipLen` overrides the IPv4 total length or the IPv6 payload length. */
  build: (ipLen?: number) => Buffer;
}

const payload = Buffer.from('0123456789abcdef');
const v4 = (p: Packet, ipLen?: number, extra = {}) => p.ipv4({ ...A4, totalLength: ipLen, ...extra });
const v6 = (p: Packet, ipLen?: number) => p.ipv6({ ...A6, payloadLength: ipLen });
const tcp = (p: Packet) => p.tcp({ sport: 1111, dport: 2222, flags: 'PA', options: [{ kind: 'mss', value: 1400 }] }).payload(payload);
const udp = (p: Packet) => p.udp({ sport: 3333, dport: 4444 }).payload(payload);
const echo4 = (p: Packet) => p.icmp({ type: 'echo-request', id: 5, seq: 6 }).payload(payload);
const echo6 = (p: Packet) => p.icmpv6({ type: 'echo-request', id: 5, seq: 6 }).payload(payload);

const ETH: [number, ReasonName] = [14, 'malformed_eth'];
const TAG: [number, ReasonName] = [4, 'malformed_vlan'];
const IP4: [number, ReasonName] = [20, 'malformed_ipv4'];
const IP6: [number, ReasonName] = [40, 'malformed_ipv6'];
const TCP: [number, ReasonName] = [24, 'malformed_tcp'];
const UDP: [number, ReasonName] = [8, 'malformed_udp'];
const ICMP: [number, ReasonName] = [8, 'malformed_icmp'];
const ICMP6: [number, ReasonName] = [8, 'malformed_icmpv6'];
const ext = (n: number): [number, ReasonName] => [n, 'malformed_ipv6_ext'];

const cases: Case[] = [
  { name: 'IPv4/TCP', ip: 4, l4: 'tcp', headers: [ETH, IP4, TCP], build: (n) => tcp(v4(ether(), n)).build() },
  { name: 'IPv4/UDP', ip: 4, l4: 'udp', headers: [ETH, IP4, UDP], build: (n) => udp(v4(ether(), n)).build() },
  { name: 'IPv4/ICMP', ip: 4, l4: 'icmp', headers: [ETH, IP4, ICMP], build: (n) => echo4(v4(ether(), n)).build() },
  { name: 'IPv6/TCP', ip: 6, l4: 'tcp', headers: [ETH, IP6, TCP], build: (n) => tcp(v6(ether(), n)).build() },
  { name: 'IPv6/UDP', ip: 6, l4: 'udp', headers: [ETH, IP6, UDP], build: (n) => udp(v6(ether(), n)).build() },
  { name: 'IPv6/ICMPv6', ip: 6, l4: 'icmpv6', headers: [ETH, IP6, ICMP6], build: (n) => echo6(v6(ether(), n)).build() },
  {
    name: 'QinQ/IPv4+options/TCP', ip: 4, l4: 'tcp', headers: [ETH, TAG, TAG, [28, 'malformed_ipv4'], TCP],
    build: (n) => tcp(v4(ether().vlan({ id: 10, tpid: 0x88a8 }).vlan(20), n, { options: Buffer.alloc(8, 1) })).build(),
  },
  {
    name: 'VLAN/IPv4/UDP', ip: 4, l4: 'udp', headers: [ETH, TAG, IP4, UDP],
    build: (n) => udp(v4(ether().vlan(30), n)).build(),
  },
  {
    name: 'VLAN/IPv6/hop+routing+atomic frag+dstopts/UDP', ip: 6, l4: 'udp',
    headers: [ETH, TAG, IP6, ext(8), ext(24), ext(8), ext(16), UDP],
    build: (n) => udp(v6(ether().vlan(40), n).hopByHop().routing({ addresses: ['2001:2::7'], segmentsLeft: 0 })
      .fragment({ offset: 0, m: false, id: 1 }).destOpts({ options: [{ type: 1, data: Buffer.alloc(12) }] })).build(),
  },
  {
    name: 'IPv6/first fragment/UDP', ip: 6, l4: 'udp', firstFrag: true, headers: [ETH, IP6, ext(8), UDP],
    build: (n) => udp(v6(ether(), n).fragment({ offset: 0, m: true, id: 2 })).build(),
  },
  {
    name: 'IPv6/AH/TCP', ip: 6, l4: 'tcp', headers: [ETH, IP6, [24, 'malformed_ipv6_ext'], TCP],
    build: (n) => tcp(v6(ether(), n).ah({ icv: Buffer.alloc(12) })).build(),
  },
  {
    name: 'IPv6/dstopts/ICMPv6', ip: 6, l4: 'icmpv6', headers: [ETH, IP6, ext(8), ICMP6],
    build: (n) => echo6(v6(ether(), n).destOpts()).build(),
  },
];

/** The reason a cut at `len` should get, and where the L4 payload starts when it passes. */
function expected(c: Case, len: number, fixed: boolean): { reason: ReasonName; payloadOff?: number } {
  let at = 0;
  const l3 = c.headers.slice(0, c.headers.findIndex(([, r]) => r === 'malformed_ipv4' || r === 'malformed_ipv6'))
    .reduce((s, [n]) => s + n, 0);
  for (const [size, reason] of c.headers) {
    if (!fixed && at >= l3) return { reason: c.ip === 4 ? 'malformed_ipv4' : 'malformed_ipv6' };
    if (len < at + size) return { reason };
    at += size;
  }
  if (!fixed) return { reason: c.ip === 4 ? 'malformed_ipv4' : 'malformed_ipv6' };
  // Past every header: UDP's own length still says the full datagram; TCP and ICMP have none.
  if (c.l4 === 'udp' && !c.firstFrag) return { reason: 'malformed_udp' };
  return { reason: 'pass_default', payloadOff: at };
}

for (const c of cases) {
  test(`${c.name}: cut at every byte, raw and with fixed-up IP lengths`, (t) => {
    const full = c.build();
    const whole = runDebug(dp, full);
    t.is(whole.res.reason, 'pass_default', 'the uncut packet is well-formed');
    t.true(whole.pkt.hasL4);
    const l3 = c.headers.slice(0, c.headers.findIndex(([, r]) => r.startsWith('malformed_ipv'))).reduce((s, [n]) => s + n, 0);
    let checked = 0;
    for (let len = MIN_TEST_FRAME; len < full.length; len++) {
      for (const fixed of [false, true]) {
        let frame = full.subarray(0, len);
        if (fixed) {
          // IPv4 total length counts from the IP header (unless the cut leaves no whole length field);
          // IPv6 payload length counts after the fixed header (unless the cut is inside it).
          const ipLen = c.ip === 4 ? len - l3 : len - l3 - 40;
          if ((c.ip === 4 && ipLen >= 4) || (c.ip === 6 && ipLen >= 0)) frame = c.build(ipLen).subarray(0, len);
        }
        const want = expected(c, len, fixed);
        const { res, pkt } = runDebug(dp, frame);
        const where = `${fixed ? 'fixed' : 'raw'} cut at ${len}/${full.length}`;
        t.is(res.reason, want.reason, where);
        if (want.reason === 'pass_default') {
          t.like(res, { verdict: 'pass', flags: 0 }, where);
          t.true(pkt.hasL4, where);
          t.is(pkt.payloadOff, want.payloadOff ?? -1, where);
          t.is(pkt.dsize, len - (want.payloadOff ?? 0), where);
          t.true(pkt.sport === 1111 || pkt.sport === 3333 || pkt.icmpId === 5, where);
        } else {
          t.like(res, { verdict: 'drop', action: 'drop', flags: 1 }, where);
          t.like(pkt, { hasL4: false, sport: 0, dport: 0, icmpType: 0, icmpId: 0, icmpSeq: 0, tcpSeq: 0, dsize: 0 }, where);
          t.deepEqual(pkt.tcpFlags, [], where);
        }
        checked++;
      }
    }
    t.is(checked, 2 * (full.length - MIN_TEST_FRAME));
  });
}
