// rejectdst and rejectboth, and multi-buffer (jumbo) frames: bpf/lib/reject.h through the
// reject fixture, with the knob fx_reject_kind set before load.
import test from 'ava';

import { MAX_TEST_FRAME } from '../src/datapath/index.ts';
import { ether, type Packet } from '../src/packets/index.ts';
import { checkRst, checkUnreach, QUOTE4, QUOTE6 } from './reject-expect.ts';
import { RejectFixture } from './reject-run.ts';

const src = new RejectFixture({ kind: 'src' });
const dst = new RejectFixture({ kind: 'dst' });
const both = new RejectFixture({ kind: 'both' });
test.after.always(() => [src, dst, both].forEach((f) => f.close()));

const A4 = { src: '198.18.0.1', dst: '198.18.1.2' };
const A6 = { src: '2001:2::1', dst: '2001:2:0:1::2' };
const MACS = { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b' };
const l3 = (f: 'v4' | 'v6', p: Packet = ether(MACS)) => (f === 'v4' ? p.ipv4(A4) : p.ipv6(A6));

for (const f of ['v4', 'v6'] as const) {
  test(`${f} rejectdst: an RST on to the destination, in the segment's direction, passed to the stack`, (t) => {
    const data = l3(f).tcp({ sport: 40000, dport: 80, flags: 'PA', seq: 5000, ack: 9000 }).payload(Buffer.alloc(100)).build();
    checkRst(t, data, dst.run(data), { toSrc: false, seq: 5000, ack: 9000, flags: 'RA' });
    const syn = l3(f).tcp({ sport: 40000, dport: 80, flags: 'S', seq: 77 }).build();
    checkRst(t, syn, dst.run(syn), { toSrc: false, seq: 77, ack: 0, flags: 'R' });
    t.is(dst.run(l3(f).tcp({ sport: 1, dport: 2, flags: 'RA' }).build()).action, 'drop', 'an RST is not answered either way');
  });

  test(`${f} rejectdst: an unreachable from the source to the destination (Suricata's REJECT_DIR_DST)`, (t) => {
    const frame = l3(f, ether(MACS).vlan(7)).udp({ sport: 1, dport: 2 }).payload('hello').build();
    checkUnreach(t, frame, dst.run(frame), { toSrc: false });
  });

  test(`${f} rejectboth: the source is answered (XDP emits one frame)`, (t) => {
    const syn = l3(f).tcp({ sport: 40000, dport: 80, flags: 'S', seq: 77 }).build();
    checkRst(t, syn, both.run(syn), { seq: 0, ack: 78, flags: 'RA' });
    const udp = l3(f).udp({ sport: 1, dport: 2 }).build();
    checkUnreach(t, udp, both.run(udp));
  });

  // Frames longer than the test run's linear part (3520 bytes) arrive as multi-buffer xdp_buffs;
  // the answer must be cut out of the linear part and every fragment dropped.
  for (const size of [9000, 60000]) {
    test(`${f} multi-buffer ${size}-byte payload: RST and unreachable are trimmed to size`, (t) => {
      const tcp = l3(f).tcp({ sport: 1, dport: 2, flags: 'PA', seq: 1, ack: 2 }).payload(Buffer.alloc(size, 0x33)).build();
      t.true(tcp.length > 3520 && tcp.length <= MAX_TEST_FRAME);
      const rst = src.run(tcp);
      checkRst(t, tcp, rst, { seq: 2, ack: 0, flags: 'R' });
      t.is(rst.frame.length, 14 + (f === 'v4' ? 20 : 40) + 20);
      const syn = l3(f, ether(MACS).vlan(5)).tcp({ sport: 1, dport: 2, flags: 'S', seq: 10 }).payload(Buffer.alloc(size, 1)).build();
      checkRst(t, syn, src.run(syn), { seq: 0, ack: 10 + size + 1, flags: 'RA' });

      const udp = l3(f).udp({ sport: 1, dport: 2 }).payload(Buffer.alloc(size, 0x44)).build();
      const un = src.run(udp);
      checkUnreach(t, udp, un);
      t.is(un.frame.length, 14 + (f === 'v4' ? 20 + 8 + QUOTE4 : 40 + 8 + QUOTE6));
      checkUnreach(t, udp, dst.run(udp), { toSrc: false });
    });
  }
}
