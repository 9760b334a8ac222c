// reject on everything but TCP: an ICMP / ICMPv6 destination unreachable back to the source,
// quoting the offending datagram (bpf/lib/reject.h), and the packets that must get no answer.
import test from 'ava';

import { ether, type Packet } from '../src/packets/index.ts';
import { checkUnreach, QUOTE4, QUOTE6 } from './reject-expect.ts';
import { RejectFixture } from './reject-run.ts';

const fx = new RejectFixture();
test.after.always(() => fx.close());

const A4 = { src: '198.18.0.1', dst: '198.18.1.2' };
const A6 = { src: '2001:2::1', dst: '2001:2:0:1::2' };
const MACS = { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b' };

type Family = 'v4' | 'v6';
const l3 = (f: Family, p: Packet = ether(MACS)) => (f === 'v4' ? p.ipv4(A4) : p.ipv6(A6));
const udp = (f: Family, payload: number, p?: Packet) =>
  l3(f, p).udp({ sport: 5353, dport: 53 }).payload(Buffer.alloc(payload, 0x5a)).build();

for (const f of ['v4', 'v6'] as const) {
  // Quote lengths with every remainder mod 4 (the checksum tail), and one past the cap.
  for (const payload of [0, 1, 2, 3, 4, 57, 130, 1400]) {
    test(`${f} UDP with ${payload} payload bytes: unreachable quoting the datagram`, (t) => {
      const frame = udp(f, payload);
      checkUnreach(t, frame, fx.run(frame));
    });
  }

  test(`${f} ICMP echo request: unreachable`, (t) => {
    const frame = (f === 'v4' ? l3(f).icmp({ type: 'echo-request', id: 7, seq: 1 }) : l3(f).icmpv6({ type: 'echo-request', id: 7, seq: 1 }))
      .payload('ping ping ping').build();
    checkUnreach(t, frame, fx.run(frame));
  });

  test(`${f} VLAN tags stay as they were`, (t) => {
    const one = udp(f, 33, ether(MACS).vlan({ id: 10, pcp: 3 }));
    checkUnreach(t, one, fx.run(one));
    const two = udp(f, 33, ether(MACS).vlan({ id: 100, tpid: 0x88a8 }).vlan(20));
    checkUnreach(t, two, fx.run(two));
  });

  test(`${f} Ethernet padding is not quoted`, (t) => {
    const frame = udp(f, 1);
    const padded = Buffer.concat([frame, Buffer.alloc(Math.max(0, 60 - frame.length) + 2, 0xee)]);
    checkUnreach(t, padded, fx.run(padded));
  });
}

test('v4 other protocols (GRE, ESP) and a first fragment are answered', (t) => {
  const gre = ether(MACS).ipv4({ ...A4, proto: 47 }).payload(Buffer.from('0000080045000014', 'hex')).build();
  checkUnreach(t, gre, fx.run(gre));
  const esp = ether(MACS).ipv4(A4).esp({ spi: 9 }).payload(Buffer.alloc(40, 1)).build();
  checkUnreach(t, esp, fx.run(esp));
  const first = ether(MACS).ipv4({ ...A4, mf: true }).udp({ sport: 1, dport: 2, length: 2000 }).payload(Buffer.alloc(600, 3)).build();
  checkUnreach(t, first, fx.run(first));
});

test('v6 other protocols (ESP, no next header) and a first fragment are answered', (t) => {
  const esp = ether(MACS).ipv6(A6).esp({ spi: 9 }).payload(Buffer.alloc(40, 1)).build();
  checkUnreach(t, esp, fx.run(esp));
  const none = ether(MACS).ipv6(A6).noNext().build();
  checkUnreach(t, none, fx.run(none));
  const first = ether(MACS).ipv6(A6).fragment({ m: true }).udp({ sport: 1, dport: 2, length: 2000 }).payload(Buffer.alloc(600, 3)).build();
  checkUnreach(t, first, fx.run(first));
});

test('v4 options and v6 extension headers are quoted as they were', (t) => {
  const v4 = ether(MACS).ipv4({ ...A4, options: Buffer.from([0x94, 0x04, 0, 0, 1, 1, 1, 0]) }).udp({ sport: 1, dport: 2 }).payload('xyz').build();
  checkUnreach(t, v4, fx.run(v4));
  const v6 = ether(MACS).ipv6(A6).hopByHop({ options: [{ type: 5, data: Buffer.from([0, 0]) }] })
    .routing({ segmentsLeft: 0, addresses: ['2001:2::9'] }).destOpts().udp({ sport: 1, dport: 2 }).payload('xyz').build();
  checkUnreach(t, v6, fx.run(v6));
});

test('the quote stops at the caps: 548 bytes (IPv4, RFC 1812), 1232 (IPv6, RFC 4443)', (t) => {
  const v4 = fx.run(udp('v4', 1000)).frame;
  t.is(v4.length, 14 + 20 + 8 + QUOTE4);
  const v6 = fx.run(udp('v6', 1400)).frame;
  t.is(v6.length, 14 + 40 + 8 + QUOTE6);
});

test('cfg_reject_icmp4_code / cfg_reject_icmp6_code choose the code', (t) => {
  const f = new RejectFixture({ icmp4Code: 3, icmp6Code: 4 });
  t.teardown(() => f.close());
  const v4 = udp('v4', 5);
  checkUnreach(t, v4, f.run(v4), { code: 3 });
  const v6 = udp('v6', 5);
  checkUnreach(t, v6, f.run(v6), { code: 4 });
});

// RFC 1122 §3.2.2, RFC 4443 §2.4 e: no error about an error, a non-first fragment, or a packet
// that is not from or to one unicast host.
const silent: Array<[string, () => Buffer]> = [
  ['v4 ICMP unreachable', () => ether(MACS).ipv4(A4).icmp({ type: 'unreach', code: 3 }).ipv4({ src: A4.dst, dst: A4.src }).udp({ sport: 53, dport: 9 }).build()],
  ['v4 ICMP time exceeded', () => ether(MACS).ipv4(A4).icmp({ type: 'time-exceeded' }).payload(Buffer.alloc(28)).build()],
  ['v4 ICMP redirect', () => ether(MACS).ipv4(A4).icmp({ type: 5 }).payload(Buffer.alloc(28)).build()],
  ['v4 ICMP unknown type 42 (Linux counts it an error)', () => ether(MACS).ipv4(A4).icmp({ type: 42 }).build()],
  ['v6 ICMPv6 unreachable', () => ether(MACS).ipv6(A6).icmpv6({ type: 'unreach', code: 4 }).payload(Buffer.alloc(48)).build()],
  ['v6 ICMPv6 packet too big', () => ether(MACS).ipv6(A6).icmpv6({ type: 'packet-too-big', rest: 1280 }).payload(Buffer.alloc(48)).build()],
  ['v6 ICMPv6 unknown error type 100', () => ether(MACS).ipv6(A6).icmpv6({ type: 100 }).build()],
  ['v4 non-first fragment', () => ether(MACS).ipv4({ ...A4, fragOffset: 100, proto: 17 }).payload(Buffer.alloc(64)).build()],
  ['v6 non-first fragment', () => ether(MACS).ipv6(A6).fragment({ offset: 100, nextHeader: 17 }).payload(Buffer.alloc(64)).build()],
  ['v4 to 255.255.255.255', () => ether({ ...MACS, dst: 'ff:ff:ff:ff:ff:ff' }).ipv4({ src: A4.src, dst: '255.255.255.255' }).udp({ sport: 68, dport: 67 }).build()],
  ['v4 broadcast address behind a unicast MAC', () => ether(MACS).ipv4({ src: A4.src, dst: '255.255.255.255' }).udp({ sport: 1, dport: 2 }).build()],
  ['v4 to multicast 224.0.0.251', () => ether({ ...MACS, dst: '01:00:5e:00:00:fb' }).ipv4({ src: A4.src, dst: '224.0.0.251' }).udp({ sport: 5353, dport: 5353 }).build()],
  ['v4 multicast address behind a unicast MAC', () => ether(MACS).ipv4({ src: A4.src, dst: '239.1.1.1' }).udp({ sport: 1, dport: 2 }).build()],
  ['v4 unicast address behind the broadcast MAC', () => ether({ ...MACS, dst: 'ff:ff:ff:ff:ff:ff' }).ipv4(A4).udp({ sport: 1, dport: 2 }).build()],
  ['v4 from 0.0.0.0', () => ether(MACS).ipv4({ src: '0.0.0.0', dst: A4.dst }).udp({ sport: 68, dport: 67 }).build()],
  ['v4 from loopback', () => ether(MACS).ipv4({ src: '127.0.0.1', dst: A4.dst }).udp({ sport: 1, dport: 2 }).build()],
  ['v4 from class E', () => ether(MACS).ipv4({ src: '240.0.0.1', dst: A4.dst }).udp({ sport: 1, dport: 2 }).build()],
  ['v4 from a multicast address', () => ether(MACS).ipv4({ src: '224.0.0.1', dst: A4.dst }).udp({ sport: 1, dport: 2 }).build()],
  ['v4 from a group MAC', () => ether({ ...MACS, src: '03:00:00:00:00:01' }).ipv4(A4).udp({ sport: 1, dport: 2 }).build()],
  ['v6 to ff02::1', () => ether({ ...MACS, dst: '33:33:00:00:00:01' }).ipv6({ src: A6.src, dst: 'ff02::1' }).udp({ sport: 1, dport: 2 }).build()],
  ['v6 multicast address behind a unicast MAC', () => ether(MACS).ipv6({ src: A6.src, dst: 'ff05::2' }).udp({ sport: 1, dport: 2 }).build()],
  ['v6 from ::', () => ether(MACS).ipv6({ src: '::', dst: A6.dst }).udp({ sport: 1, dport: 2 }).build()],
  ['v6 from ::1', () => ether(MACS).ipv6({ src: '::1', dst: A6.dst }).udp({ sport: 1, dport: 2 }).build()],
  ['v6 to ::1', () => ether(MACS).ipv6({ src: A6.src, dst: '::1' }).udp({ sport: 1, dport: 2 }).build()],
  ['v4 TCP to broadcast', () => ether(MACS).ipv4({ src: A4.src, dst: '255.255.255.255' }).tcp({ sport: 1, dport: 2, flags: 'S' }).build()],
  ['v6 TCP to multicast', () => ether(MACS).ipv6({ src: A6.src, dst: 'ff0e::1' }).tcp({ sport: 1, dport: 2, flags: 'S' }).build()],
];

for (const [name, build] of silent) {
  test(`no answer: ${name}`, (t) => {
    const frame = build();
    const out = fx.run(frame);
    t.is(out.action, 'drop');
    t.true(out.meta.done, 'the program ran to its end');
    t.true(out.frame.equals(frame), 'the frame is untouched');
  });
}

test('the addresses next to the excluded ranges are answered', (t) => {
  for (const [src, dst] of [['1.0.0.1', '126.255.255.255'], ['128.0.0.1', '223.255.255.254']]) {
    const frame = ether(MACS).ipv4({ src, dst }).udp({ sport: 1, dport: 2 }).build();
    checkUnreach(t, frame, fx.run(frame));
  }
  for (const [src, dst] of [['::2', 'fe80::1'], ['feff::1', '::ffff:198.18.0.1']]) {
    const frame = ether(MACS).ipv6({ src, dst }).udp({ sport: 1, dport: 2 }).build();
    checkUnreach(t, frame, fx.run(frame));
  }
});
