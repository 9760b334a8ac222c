// reject on TCP: an RST back to the source (RFC 9293 §3.10.7.1, Linux tcp_v4_send_reset), built
// in XDP by bpf/lib/reject.h and checked byte by byte by an independent decoder.
import test from 'ava';

import { ether, type Packet, type TcpOptions } from '../src/packets/index.ts';
import { checkRst } from './reject-expect.ts';
import { RejectFixture } from './reject-run.ts';

const fx = new RejectFixture();
test.after.always(() => fx.close());

const A4 = { src: '198.18.0.1', dst: '198.18.1.2' };
const A6 = { src: '2001:2::1', dst: '2001:2:0:1::2' };
const MACS = { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b' };

type Family = 'v4' | 'v6';
const l3 = (f: Family, p: Packet = ether(MACS)) => (f === 'v4' ? p.ipv4({ ...A4, ttl: 17 }) : p.ipv6({ ...A6, hopLimit: 17 }));
const seg = (f: Family, o: Partial<TcpOptions>, payload = 0, p?: Packet) => {
  const pk = l3(f, p).tcp({ sport: 40000, dport: 80, ...o });
  return (payload ? pk.payload(Buffer.alloc(payload, 0x61)) : pk).build();
};

// [name, tcp fields, payload bytes, expected RST]
const cases: Array<[string, Partial<TcpOptions>, number, { seq: number; ack: number; flags: 'R' | 'RA' }]> = [
  ['SYN', { flags: 'S', seq: 1000 }, 0, { seq: 0, ack: 1001, flags: 'RA' }],
  ['SYN with payload (counts SYN and data)', { flags: 'S', seq: 1000 }, 10, { seq: 0, ack: 1011, flags: 'RA' }],
  ['SYN with options (none copied)', { flags: 'S', seq: 5, options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOk' }, { kind: 'wscale', value: 7 }] }, 0, { seq: 0, ack: 6, flags: 'RA' }],
  ['ACK with data', { flags: 'PA', seq: 5000, ack: 9000 }, 100, { seq: 9000, ack: 0, flags: 'R' }],
  ['bare ACK', { flags: 'A', seq: 5000, ack: 0 }, 0, { seq: 0, ack: 0, flags: 'R' }],
  ['FIN without ACK (counts FIN)', { flags: 'F', seq: 7 }, 0, { seq: 0, ack: 8, flags: 'RA' }],
  ['FIN with data, no ACK', { flags: 'FP', seq: 7 }, 3, { seq: 0, ack: 11, flags: 'RA' }],
  ['FIN+ACK', { flags: 'FA', seq: 7, ack: 77 }, 0, { seq: 77, ack: 0, flags: 'R' }],
  ['SYN+FIN wraps the sequence space', { flags: 'SF', seq: 0xffffffff }, 0, { seq: 0, ack: 1, flags: 'RA' }],
  ['no flags (null scan)', { flags: 0, seq: 42 }, 0, { seq: 0, ack: 42, flags: 'RA' }],
  ['SYN+ACK', { flags: 'SA', seq: 1, ack: 0xfffffff0 }, 0, { seq: 0xfffffff0, ack: 0, flags: 'R' }],
];

for (const f of ['v4', 'v6'] as const) {
  for (const [name, o, payload, want] of cases) {
    test(`${f} ${name}: RST ${want.flags} seq ${want.seq} ack ${want.ack}`, (t) => {
      const frame = seg(f, o, payload);
      checkRst(t, frame, fx.run(frame), want);
    });
  }

  test(`${f} an offending RST is never answered`, (t) => {
    for (const flags of ['R', 'RA', 'RPA']) {
      const out = fx.run(seg(f, { flags, seq: 1, ack: 2 }));
      t.is(out.action, 'drop', flags);
      t.true(out.meta.done);
    }
  });

  test(`${f} 802.1Q and QinQ tags stay as they were`, (t) => {
    const one = seg(f, { flags: 'S', seq: 9 }, 0, ether(MACS).vlan({ id: 10, pcp: 5 }));
    checkRst(t, one, fx.run(one), { seq: 0, ack: 10, flags: 'RA' });
    const two = seg(f, { flags: 'PA', seq: 9, ack: 99 }, 20, ether(MACS).vlan({ id: 100, tpid: 0x88a8 }).vlan(20));
    checkRst(t, two, fx.run(two), { seq: 99, ack: 0, flags: 'R' });
  });

  test(`${f} Ethernet padding is not payload`, (t) => {
    const frame = seg(f, { flags: 'S', seq: 300 });
    const padded = Buffer.concat([frame, Buffer.alloc(Math.max(0, 60 - frame.length) + 4, 0xee)]);
    checkRst(t, padded, fx.run(padded), { seq: 0, ack: 301, flags: 'RA' });
  });
}

test('v4 with IPv4 options: the RST has a plain 20-byte header', (t) => {
  const frame = ether(MACS).ipv4({ ...A4, options: Buffer.from([0x94, 0x04, 0, 0, 1, 1, 1, 0]) })
    .tcp({ sport: 1, dport: 2, flags: 'S', seq: 10 }).payload('abc').build();
  checkRst(t, frame, fx.run(frame), { seq: 0, ack: 14, flags: 'RA' });
});

test('v6 with extension headers: the RST has none', (t) => {
  const frame = ether(MACS).ipv6(A6).hopByHop({ options: [{ type: 5, data: Buffer.from([0, 0]) }] })
    .destOpts({ options: [{ type: 0x1e, data: Buffer.alloc(12) }] })
    .tcp({ sport: 1, dport: 2, flags: 'PA', seq: 10, ack: 20 }).payload('abcd').build();
  checkRst(t, frame, fx.run(frame), { seq: 20, ack: 0, flags: 'R' });
});

test('a TCP first fragment is not answered (its segment length is unknown)', (t) => {
  const v4 = ether(MACS).ipv4({ ...A4, mf: true }).tcp({ sport: 1, dport: 2, flags: 'S' }).payload(Buffer.alloc(64)).build();
  t.is(fx.run(v4).action, 'drop');
  const v6 = ether(MACS).ipv6(A6).fragment({ m: true }).tcp({ sport: 1, dport: 2, flags: 'S' }).payload(Buffer.alloc(64)).build();
  t.is(fx.run(v6).action, 'drop');
});

test('the IPv4 id is fresh for each answer', (t) => {
  const frame = seg('v4', { flags: 'S', seq: 1 });
  const ids = new Set(Array.from({ length: 6 }, () => fx.run(frame).frame.readUInt16BE(14 + 4)));
  t.true(ids.size > 1, `ids ${[...ids].join(',')}`);
});

test('cfg_reject_ttl sets the TTL and hop limit', (t) => {
  const f = new RejectFixture({ ttl: 255 });
  t.teardown(() => f.close());
  for (const fam of ['v4', 'v6'] as const) {
    const frame = seg(fam, { flags: 'S', seq: 1 });
    checkRst(t, frame, f.run(frame), { seq: 0, ack: 2, flags: 'RA', ttl: 255 });
  }
});
