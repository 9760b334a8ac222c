// Address text <-> bytes. IPv6 formatting is checked against the WHATWG URL serializer (Node's
// own, independent code), which compresses the same way RFC 5952 does.
import test from 'ava';
import fc from 'fast-check';
import { bytesToIp, bytesToMac, formatIPv6, ipToBytes, ipv6ToBytes, macToBytes } from '../src/packets/index.ts';

const TABLE: Array<[string, string, string]> = [
  // input, bytes (hex), canonical output
  ['::', '00000000000000000000000000000000', '::'],
  ['::1', '00000000000000000000000000000001', '::1'],
  ['2001:2::', '20010002000000000000000000000000', '2001:2::'],
  ['2001:0002:0000:0000:0000:0000:0000:0001', '20010002000000000000000000000001', '2001:2::1'],
  ['2001:2:0:1::53', '20010002000000010000000000000053', '2001:2:0:1::53'],
  ['2001:2:0:0:1:0:0:1', '20010002000000000001000000000001', '2001:2::1:0:0:1'], // first of equal runs
  ['2001:2:0:1:0:0:0:1', '20010002000000010000000000000001', '2001:2:0:1::1'], // longest run
  ['2001:2:1:1:1:1:0:1', '20010002000100010001000100000001', '2001:2:1:1:1:1:0:1'], // a single 0 is not compressed
  ['2001:2:AbCd::fFfF', '20010002abcd0000000000000000ffff', '2001:2:abcd::ffff'],
  ['::ffff:198.18.0.1', '00000000000000000000ffffc6120001', '::ffff:198.18.0.1'],
  ['64:ff9b::198.18.0.1', '0064ff9b0000000000000000c6120001', '64:ff9b::c612:1'],
  ['1:2:3:4:5:6:7::', '00010002000300040005000600070000', '1:2:3:4:5:6:7:0'],
];

for (const [input, hex, canonical] of TABLE) {
  test(`ipv6 ${input}`, (t) => {
    const b = ipv6ToBytes(input);
    t.is(b.toString('hex'), hex);
    t.is(formatIPv6(b), canonical);
    t.deepEqual(ipToBytes(canonical), b);
  });
}

test('invalid addresses are rejected', (t) => {
  for (const bad of ['', '1::2::3', '2001:2:::1', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '::ffff:198.18.0.256', '198.18.0', 'g::1']) {
    t.throws(() => ipToBytes(bad), undefined, bad);
  }
});

test('IPv4 text and bytes', (t) => {
  t.is(ipToBytes('198.18.255.1').toString('hex'), 'c612ff01');
  t.is(bytesToIp(Buffer.from([198, 19, 0, 254])), '198.19.0.254');
});

test('random IPv6 round-trips and matches the URL serializer', (t) => {
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
    (groups) => {
      const b = Buffer.alloc(16);
      groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
      const text = formatIPv6(b);
      if (!ipv6ToBytes(text).equals(b)) return false;
      const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
      return mapped || new URL(`http://[${text}]/`).hostname === `[${text}]`;
    },
  ), { numRuns: 2000 });
  t.is(new URL('http://[2001:2:0:0:1:0:0:1]/').hostname, '[2001:2::1:0:0:1]');
});

test('MAC text and bytes', (t) => {
  t.is(macToBytes('02:00:5E:10:00:ff').toString('hex'), '02005e1000ff');
  t.is(macToBytes('02-00-5e-10-00-ff').toString('hex'), '02005e1000ff');
  t.is(bytesToMac(Buffer.from('02005e1000ff', 'hex')), '02:00:5e:10:00:ff');
  t.throws(() => macToBytes('02:00:5e:10:00'));
});
