// tcpSession: a conversation a stateful tracker accepts: every segment's seq is the sender's next
// sequence number, every ACK acknowledges exactly what the peer sent so far.
import test from 'ava';
import { tcpSession, type TimedFrame } from '../src/packets/index.ts';

interface Seg { from: string; flags: number; seq: number; ack: number; len: number; sport: number; ts: bigint }

function parse(f: TimedFrame): Seg {
  const fr = f.frame;
  let off = 14;
  let type = fr.readUInt16BE(12);
  if (type === 0x8100) { type = fr.readUInt16BE(16); off = 18; }
  let l4: number;
  let end: number;
  if (type === 0x0800) { l4 = off + (fr[off] & 0xf) * 4; end = off + fr.readUInt16BE(off + 2); }
  else { l4 = off + 40; end = l4 + fr.readUInt16BE(off + 4) ; }
  const doff = (fr[l4 + 12] >> 4) * 4;
  return { from: f.from, flags: fr.readUInt16BE(l4 + 12) & 0x1ff, seq: fr.readUInt32BE(l4 + 4), ack: fr.readUInt32BE(l4 + 8), len: end - l4 - doff, sport: fr.readUInt16BE(l4), ts: f.tsNs };
}

const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 };

/** Replays the segments through a minimal sequence tracker; returns the problems found. */
function track(segs: Seg[]): string[] {
  const next: Record<string, number | undefined> = {};
  const problems: string[] = [];
  segs.forEach((s, i) => {
    const peer = s.from === 'client' ? 'server' : 'client';
    if (next[s.from] !== undefined && s.seq !== next[s.from]) problems.push(`#${i}: seq ${s.seq} != expected ${next[s.from]}`);
    if (s.flags & F.ACK && s.ack !== next[peer]) problems.push(`#${i}: ack ${s.ack} != peer next ${next[peer]}`);
    next[s.from] = (s.seq + s.len + (s.flags & (F.SYN | F.FIN) ? 1 : 0)) >>> 0;
    if (i > 0 && s.ts <= segs[i - 1].ts) problems.push(`#${i}: time goes backwards`);
  });
  return problems;
}

for (const v of [4, 6] as const) {
  test(`IPv${v}: handshake, data both ways segmented at the MSS, FIN teardown`, (t) => {
    const frames = tcpSession({
      client: { ip: v === 4 ? '198.18.0.1' : '2001:2::1', port: 40000 },
      server: { ip: v === 4 ? '198.18.1.1' : '2001:2::2', port: 80 },
      exchanges: [{ from: 'client', data: 'GET / HTTP/1.0\r\n\r\n' }, { from: 'server', data: Buffer.alloc(2500, 1) }],
      mss: 1000, clientIsn: 0xfffffff0,
    });
    const segs = frames.map(parse);
    t.deepEqual(track(segs), []);
    t.deepEqual(segs.slice(0, 3).map((s) => s.flags), [F.SYN, F.SYN | F.ACK, F.ACK]);
    t.deepEqual(segs.filter((s) => s.len > 0).map((s) => [s.from, s.len]), [['client', 18], ['server', 1000], ['server', 1000], ['server', 500]]);
    const tail = segs.slice(-4);
    t.deepEqual(tail.map((s) => [s.from, s.flags]), [['client', F.FIN | F.ACK], ['server', F.ACK], ['server', F.FIN | F.ACK], ['client', F.ACK]]);
    t.is(segs[0].seq, 0xfffffff0);
    t.is(segs.at(-1)!.ack, (0x8000 + 1 + 2500 + 1) >>> 0);
    // The client's seq wraps through 2^32 correctly.
    t.is(tail[0].seq, (0xfffffff0 + 1 + 18) >>> 0);
    t.is(frames[0].frame.readUInt16BE(12), v === 4 ? 0x0800 : 0x86dd);
  });
}

test('RST ends the session from the chosen side; VLAN tags every frame', (t) => {
  const frames = tcpSession({
    client: { ip: '198.18.0.1', port: 1 }, server: { ip: '198.18.1.1', port: 2 },
    exchanges: [{ from: 'client', data: 'x' }], end: 'rst', closer: 'server', vlan: 42, startNs: 5n, gapNs: 10n,
  });
  const segs = frames.map(parse);
  t.deepEqual(track(segs), []);
  t.is(segs.at(-1)!.flags, F.RST | F.ACK);
  t.is(segs.at(-1)!.from, 'server');
  t.true(frames.every((f) => f.frame.readUInt16BE(12) === 0x8100 && (f.frame.readUInt16BE(14) & 0xfff) === 42));
  t.deepEqual(frames.map((f) => f.tsNs), frames.map((_, i) => 5n + 10n * BigInt(i)));
});

test('end: none leaves the session open; mixed families are refused', (t) => {
  const frames = tcpSession({ client: { ip: '2001:2::1', port: 1 }, server: { ip: '2001:2::2', port: 2 }, end: 'none' });
  t.is(frames.length, 3);
  t.throws(() => tcpSession({ client: { ip: '198.18.0.1', port: 1 }, server: { ip: '2001:2::2', port: 2 } }));
});
