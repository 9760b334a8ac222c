// The classic pcap writer: exact header and record bytes (from the format's definition), timestamp
// forms, snaplen cuts, and the file writer producing the same bytes as the in-memory one.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapEncoder, PcapFileWriter, toNs, writePcapBuffer, writePcapngBuffer } from '../src/pcap/index.ts';

test('file header: µs magic, version 2.4, snaplen, link type (little-endian)', (t) => {
  t.is(new PcapEncoder().fileHeader().toString('hex'), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
  t.is(new PcapEncoder({ precision: 'ns', linkType: 276, snaplen: 65535 }).fileHeader().toString('hex'), '4d3cb2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '14010000');
});

test('record header: seconds, fraction, caplen, original length', (t) => {
  const frame = Buffer.alloc(100, 7);
  const [h, data] = new PcapEncoder().record(frame, { ts: 1_700_000_000_123_456_789n });
  t.is(h.toString('hex'), '00f15365' + '40e20100' + '64000000' + '64000000'); // 1700000000 s, 123456 µs
  t.is(data, frame);
  const [hn] = new PcapEncoder({ precision: 'ns' }).record(frame, { ts: 1_700_000_000_123_456_789n });
  t.is(hn.readUInt32LE(4), 123_456_789);
});

test('timestamps as {sec, usec} and {sec, nsec}', (t) => {
  t.is(toNs({ sec: 2, usec: 3 }), 2_000_003_000n);
  t.is(toNs({ sec: 2, nsec: 3 }), 2_000_000_003n);
  t.is(toNs(5n), 5n);
  t.throws(() => toNs(-1n));
  const enc = new PcapEncoder({ precision: 'ns' });
  t.deepEqual(enc.record(Buffer.alloc(1), { ts: { sec: 10, usec: 20 } })[0].subarray(0, 8), enc.record(Buffer.alloc(1), { ts: 10_000_020_000n })[0].subarray(0, 8));
  t.throws(() => enc.record(Buffer.alloc(1), { ts: 2n ** 32n * 1_000_000_000n }), { message: /2106/ });
});

test('snaplen cuts the data and keeps the original length', (t) => {
  const frame = Buffer.alloc(1500, 1);
  const [h, data] = new PcapEncoder({ snaplen: 96 }).record(frame);
  t.is(h.readUInt32LE(8), 96);
  t.is(h.readUInt32LE(12), 1500);
  t.is(data.length, 96);
  const [h2] = new PcapEncoder().record(frame.subarray(0, 64), { origLen: 1500 });
  t.is(h2.readUInt32LE(8), 64);
  t.is(h2.readUInt32LE(12), 1500);
});

test('buffer and file writer give the same bytes, across many flushes and an oversized record', (t) => {
  const dir = mkdtempSync(join(tmpdir(), `fwctl-pcapw-${process.pid}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pkts = Array.from({ length: 3000 }, (_, i) => ({ frame: Buffer.alloc(60 + (i % 1400), i & 0xff), ts: BigInt(i) * 1000n }));
  pkts.push({ frame: Buffer.alloc(3 << 20, 9), ts: 5n }); // larger than the 1 MiB write buffer
  const opts = { precision: 'ns' as const, snaplen: 4 << 20, linkType: 101 };
  const mem = writePcapBuffer(pkts, opts);
  const w = new PcapFileWriter(join(dir, 'a.pcap'), opts);
  for (const p of pkts) w.write(p.frame, p);
  w.close();
  w.close(); // idempotent
  t.is(w.count, pkts.length);
  t.true(readFileSync(join(dir, 'a.pcap')).equals(mem));
  t.is(mem.length, 24 + pkts.reduce((a, p) => a + 16 + p.frame.length, 0));
  t.throws(() => w.write(Buffer.alloc(1)), { message: /closed/ });
});

test('pcapng writer: SHB, IDB with if_tsresol, EPB with 64-bit timestamp', (t) => {
  const b = writePcapngBuffer([{ frame: Buffer.from('abcde'), ts: 1_700_000_000_123_456_789n }], { precision: 'ns', linkType: 1 });
  t.is(b.readUInt32LE(0), 0x0a0d0d0a);
  t.is(b.readUInt32LE(8), 0x1a2b3c4d);
  const shbLen = b.readUInt32LE(4);
  t.is(b.readUInt32LE(shbLen), 1); // IDB
  const idbLen = b.readUInt32LE(shbLen + 4);
  t.is(b.subarray(shbLen + 16, shbLen + 24).toString('hex'), '0900010009000000'); // if_tsresol = 9
  const epb = shbLen + idbLen;
  t.is(b.readUInt32LE(epb), 6);
  const ts = (BigInt(b.readUInt32LE(epb + 12)) << 32n) | BigInt(b.readUInt32LE(epb + 16));
  t.is(ts, 1_700_000_000_123_456_789n);
  t.is(b.readUInt32LE(epb + 20), 5);
  t.is(b.subarray(epb + 28, epb + 33).toString(), 'abcde');
  t.is(b.readUInt32LE(epb + 4), 12 + 20 + 8);
  t.is(b.length, epb + 40);
});

test('writer options are validated', (t) => {
  t.throws(() => new PcapEncoder({ linkType: -1 }));
  t.throws(() => new PcapEncoder({ snaplen: 0 }));
});
