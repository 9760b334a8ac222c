// The capture reader: round trips through both engines (pcap µs/ns, pcapng), the fixtures,
// re-framing of every supported link type, and broken files (a PcapError with the byte offset,
// never a hang or a crash).
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ether } from '../src/packets/index.ts';
import { encapsulate, openPcap, PcapError, type PcapPacket, type ReadOptions, readPcap, writePcapBuffer, writePcapngBuffer } from '../src/pcap/index.ts';
import { cookedExtras, smallPackets } from '../scripts/make-fixtures.ts';

const PCAPS = fileURLToPath(new URL('../pcaps/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), `fwctl-pcapr-${process.pid}-`));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
function tmp(bytes: Buffer, ext = 'pcap'): string {
  const p = join(dir, `f${seq++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}
const read = (path: string, o: ReadOptions = {}): PcapPacket[] => [...openPcap(path, o)];

function caught(fn: () => unknown): PcapError {
  try { fn(); } catch (e) { if (e instanceof PcapError) return e; throw new Error(`expected a PcapError, got ${String(e)}`); }
  throw new Error('expected a PcapError, nothing was thrown');
}

const frames = Array.from({ length: 50 }, (_, i) =>
  ether().ipv4({ src: '198.18.0.1', dst: `198.18.1.${i}` }).udp({ sport: 1000 + i, dport: 53 }).payload(Buffer.alloc(i * 7, i)).build());
const input = frames.map((frame, i) => ({ frame, ts: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_001_001n }));

for (const precision of ['us', 'ns'] as const) {
  for (const engine of ['fast', 'libpcap'] as const) {
    test(`round trip: classic pcap ${precision} through ${engine}`, (t) => {
      const path = tmp(writePcapBuffer(input, { precision }));
      const src = openPcap(path, { engine });
      t.is(src.info.engine, engine);
      t.is(src.info.format, 'pcap');
      t.is(src.info.linkType, 1);
      const got = [...src];
      t.is(got.length, frames.length);
      got.forEach((p, i) => {
        t.is(p.index, i + 1);
        t.true(p.frame.equals(frames[i]));
        t.is(p.caplen, frames[i].length);
        t.is(p.origLen, frames[i].length);
        t.is(p.linkType, 1);
        // µs files keep µs; ns files keep ns through the fast reader, µs through libpcap.
        const exact = precision === 'ns' && engine === 'fast' ? input[i].ts : (input[i].ts / 1000n) * 1000n;
        t.is(p.tsNs, exact);
      });
    });
  }
  test(`round trip: pcapng ${precision} through libpcap`, (t) => {
    const path = tmp(writePcapngBuffer(input, { precision }), 'pcapng');
    const src = openPcap(path);
    t.is(src.info.engine, 'libpcap');
    t.is(src.info.format, 'pcapng');
    const got = [...src];
    t.deepEqual(got.map((p) => p.index), frames.map((_, i) => i + 1));
    t.true(got.every((p, i) => p.frame.equals(frames[i]) && p.tsNs === (input[i].ts / 1000n) * 1000n));
  });
}

test('snaplen-cut records keep caplen < origLen through both engines', (t) => {
  const path = tmp(writePcapBuffer([{ frame: frames[49], ts: 1n }], { snaplen: 60 }));
  for (const engine of ['fast', 'libpcap'] as const) {
    const [p] = read(path, { engine });
    t.is(p.caplen, 60);
    t.is(p.origLen, frames[49].length);
    t.true(p.frame.equals(frames[49].subarray(0, 60)));
  }
});

test('big-endian classic pcap (as written on a big-endian host)', (t) => {
  const le = writePcapBuffer(input.slice(0, 3), { precision: 'ns' });
  const be = Buffer.from(le);
  const swap = (off: number, n: number): void => { be.set(Buffer.from(le.subarray(off, off + n)).reverse(), off); };
  swap(0, 4); swap(4, 2); swap(6, 2); swap(16, 4); swap(20, 4);
  let off = 24;
  for (let i = 0; i < 3; i++) { for (let k = 0; k < 4; k++) swap(off + 4 * k, 4); off += 16 + frames[i].length; }
  const path = tmp(be);
  for (const engine of ['fast', 'libpcap'] as const) {
    const got = read(path, { engine });
    t.is(got.length, 3);
    t.true(got[2].frame.equals(frames[2]));
    t.is(got[1].tsNs / 1000n, input[1].ts / 1000n);
  }
});

test('async iteration yields the same packets as sync iteration', async (t) => {
  const path = join(PCAPS, 'demo.pcap');
  const viaAsync: PcapPacket[] = [];
  for await (const p of readPcap(path)) viaAsync.push(p);
  t.deepEqual(viaAsync, read(path));
});

test('frames stay valid after iteration moves past them (several read chunks)', (t) => {
  const big = Array.from({ length: 6000 }, (_, i) => ({ frame: Buffer.alloc(1400, i % 251), ts: BigInt(i) }));
  const path = tmp(writePcapBuffer(big));
  const got = read(path, { engine: 'fast' });
  t.is(got.length, 6000);
  t.true(got.every((p, i) => p.frame.length === 1400 && p.frame[0] === i % 251 && p.frame[1399] === i % 251));
});

test('pcaps/demo.pcap: 43 packets, the snaplen-cut one last, both engines agree', (t) => {
  const path = join(PCAPS, 'demo.pcap');
  const fast = read(path);
  const lib = read(path, { engine: 'libpcap' });
  t.is(fast.length, 43);
  t.deepEqual(fast, lib);
  t.deepEqual([fast[42].caplen, fast[42].origLen], [64, 1042]);
  const types = fast.map((p) => p.frame.readUInt16BE(12));
  t.deepEqual([0x0806, 0x0800, 0x86dd, 0x8100].map((ty) => types.filter((x) => x === ty).length), [2, 20, 10, 11]);
});

test('pcaps/small-ns.pcap and small-ns.pcapng hold the same packets', (t) => {
  const a = read(join(PCAPS, 'small-ns.pcap'));
  const b = read(join(PCAPS, 'small-ns.pcapng'));
  t.is(a.length, 4);
  t.deepEqual(a.map((p) => p.frame), b.map((p) => p.frame));
  t.is(a[0].tsNs % 1000n, 456n); // ns precision through the fast reader
  t.deepEqual(b.map((p) => p.tsNs), a.map((p) => (p.tsNs / 1000n) * 1000n));
});

// ---- re-framing -----------------------------------------------------------------------------
const ZERO = '000000000000';
/** What the reader must produce for an Ethernet frame captured on `linkType`. */
function expected(frame: Buffer, linkType: number): string {
  const hex = frame.toString('hex');
  if (linkType === 113 || linkType === 276) {
    const dst = frame.subarray(0, 6);
    const synth = dst.every((b) => b === 0xff) ? 'ffffffffffff' : dst[0] & 1 ? '01005e000000' : ZERO;
    return synth + hex.slice(12);
  }
  return ZERO + ZERO + hex.slice(24);
}

const LINK_FIXTURES: Array<[string, number, boolean]> = [
  ['small-sll.pcap', 113, true], ['small-sll2.pcap', 276, true], ['small-raw.pcap', 101, false],
  ['small-null.pcap', 0, false], ['small-loop.pcap', 108, false],
];
for (const [file, lt, cooked] of LINK_FIXTURES) {
  for (const engine of ['fast', 'libpcap'] as const) {
    test(`re-framing ${file} (link type ${lt}) through ${engine}`, (t) => {
      const src = openPcap(join(PCAPS, file), { engine });
      t.is(src.info.linkType, lt);
      const want = [...smallPackets(), ...(cooked ? cookedExtras() : [])];
      const got = [...src];
      t.is(got.length, want.length);
      got.forEach((p, i) => {
        t.is(p.linkType, lt);
        t.is(p.frame.toString('hex'), expected(want[i].frame, lt), `packet ${i + 1}`);
      });
      // The raw link-layer bytes are there too.
      const raw = [...openPcap(join(PCAPS, file), { engine, reframe: false })];
      t.true(raw.every((p, i) => p.frame.equals(encapsulate(lt, want[i].frame, lt === 108 ? { inet6Family: 24 } : {}))));
    });
  }
}

test('re-framing hand-written records of every link type', (t) => {
  const ip4 = '4500001400010000400600000000000000000000'; // an IPv4 header (fields irrelevant here)
  const ip6 = '6000000000003b40' + '00'.repeat(32);
  const cases: Array<[number, string, string]> = [
    // SLL: pkttype 0 (to us), ARPHRD_ETHER, halen 6, sender MAC, protocol IPv4.
    [113, '0000' + '0001' + '0006' + '020000000009' + '0000' + '0800' + ip4, ZERO + '020000000009' + '0800' + ip4],
    // SLL with a VLAN tag libpcap re-inserted: protocol 0x8100, then TCI and the inner type.
    [113, '0004' + '0001' + '0006' + '02000000000a' + '0000' + '8100' + '0064' + '86dd' + ip6, ZERO + '02000000000a' + '8100' + '0064' + '86dd' + ip6],
    // SLL 802.2 LLC pseudo-protocol 4: an 802.3 frame whose type field is the length.
    [113, '0001' + '0001' + '0006' + '02000000000b' + '0000' + '0004' + 'aaaa03', 'ffffffffffff' + '02000000000b' + '0003' + 'aaaa03'],
    // SLL2: protocol IPv6, reserved, ifindex 3, ARPHRD_ETHER, pkttype multicast, halen 6.
    [276, '86dd' + '0000' + '00000003' + '0001' + '02' + '06' + '02000000000c' + '0000' + ip6, '01005e000000' + '02000000000c' + '86dd' + ip6],
    // SLL2 from a non-Ethernet device (ARPHRD_NONE 0xfffe): no source MAC.
    [276, '0800' + '0000' + '00000003' + 'fffe' + '00' + '00' + '0000000000000000' + ip4, ZERO + ZERO + '0800' + ip4],
    [101, ip6, ZERO + ZERO + '86dd' + ip6],
    [12, ip4, ZERO + ZERO + '0800' + ip4],
    [228, ip4, ZERO + ZERO + '0800' + ip4],
    [229, ip6, ZERO + ZERO + '86dd' + ip6],
    // NULL: family little-endian (2, 24, 28, 30) or big-endian (a big-endian writer), or unknown (version nibble).
    [0, '02000000' + ip4, ZERO + ZERO + '0800' + ip4],
    [0, '18000000' + ip6, ZERO + ZERO + '86dd' + ip6],
    [0, '1c000000' + ip6, ZERO + ZERO + '86dd' + ip6],
    [0, '0000001e' + ip6, ZERO + ZERO + '86dd' + ip6],
    [0, '63000000' + ip6, ZERO + ZERO + '86dd' + ip6],
    [108, '00000002' + ip4, ZERO + ZERO + '0800' + ip4],
    [108, '0000001c' + ip6, ZERO + ZERO + '86dd' + ip6],
    // Records shorter than their link header: an empty frame with type 0, so replay still runs.
    [113, '0000', ZERO + ZERO + '0000'],
    [0, '02', ZERO + ZERO + '0000'],
  ];
  for (const [lt, rec, want] of cases) {
    const path = tmp(writePcapBuffer([{ frame: Buffer.from(rec, 'hex') }], { linkType: lt }));
    for (const engine of ['fast', 'libpcap'] as const) {
      const [p] = read(path, { engine });
      t.is(p.frame.toString('hex'), want, `link type ${lt} ${rec.slice(0, 40)} (${engine})`);
    }
  }
});

test('an unsupported link type is an error naming it; reframe: false still reads it', (t) => {
  const path = tmp(writePcapBuffer([{ frame: Buffer.alloc(30) }], { linkType: 105 }));
  for (const engine of ['fast', 'libpcap'] as const) {
    const e = caught(() => openPcap(path, { engine }));
    t.is(e.code, 'unsupported-linktype');
    t.regex(e.message, /link type 105 \(IEEE802_11\)/);
    t.is(e.offset, 20);
  }
  t.is(read(path, { reframe: false })[0].frame.length, 30);
  const ng = tmp(writePcapngBuffer([{ frame: Buffer.alloc(30) }], { linkType: 147 }), 'pcapng');
  t.regex(caught(() => openPcap(ng)).message, /link type 147 \(USER0\)/);
});

// ---- broken files ---------------------------------------------------------------------------
const demo = readFileSync(join(PCAPS, 'demo.pcap'));
const recordStarts: number[] = [];
for (let off = 24; off < demo.length; off += 16 + demo.readUInt32LE(off + 8)) recordStarts.push(off);

test('truncated classic pcap: the error names the record and its offset (both engines)', (t) => {
  const cutInData = recordStarts[5] + 20;
  const cutInHeader = recordStarts[7] + 9;
  for (const [cut, recIdx] of [[cutInData, 5], [cutInHeader, 7]] as const) {
    const path = tmp(demo.subarray(0, cut));
    for (const engine of ['fast', 'libpcap'] as const) {
      const got: PcapPacket[] = [];
      const e = caught(() => { for (const p of openPcap(path, { engine })) got.push(p); });
      t.is(got.length, recIdx, 'every complete packet before the cut is delivered');
      t.is(e.code, 'truncated');
      t.is(e.offset, recordStarts[recIdx]);
      t.is(e.index, recIdx + 1);
      t.regex(e.message, new RegExp(`at byte offset ${recordStarts[recIdx]}, packet ${recIdx + 1}`));
    }
  }
});

test('truncated or broken file headers', (t) => {
  const short = tmp(demo.subarray(0, 10));
  t.like(caught(() => openPcap(short)), { code: 'truncated', offset: 0 });
  const empty = tmp(Buffer.alloc(0));
  t.like(caught(() => openPcap(empty)), { code: 'open', offset: 0 });
  const garbage = tmp(Buffer.from('this is not a capture file at all'));
  t.regex(caught(() => openPcap(garbage)).message, /unknown file format/);
  t.like(caught(() => openPcap(garbage, { engine: 'fast' })), { code: 'bad-header' });
  t.like(caught(() => openPcap(join(dir, 'does-not-exist.pcap'))), { code: 'open' });
  t.like(caught(() => openPcap(dir)), { code: 'open' }); // a directory
  const v3 = Buffer.from(demo);
  v3.writeUInt16LE(3, 4);
  t.like(caught(() => read(tmp(v3), { engine: 'fast' })), { code: 'bad-header', offset: 4 });
});

test('a caplen beyond any snaplen is a bad record, not a huge allocation', (t) => {
  const b = Buffer.from(demo);
  b.writeUInt32LE(0x7fffffff, recordStarts[3] + 8);
  const e = caught(() => read(tmp(b), { engine: 'fast' }));
  t.like(e, { code: 'bad-record', offset: recordStarts[3], index: 4 });
  const viaLib = caught(() => read(tmp(b), { engine: 'libpcap' }));
  t.is(viaLib.offset, recordStarts[3]);
});

test('truncated pcapng: libpcap stops, the offset of the cut block is found', (t) => {
  const ng = readFileSync(join(PCAPS, 'small-ns.pcapng'));
  const blocks: number[] = [];
  for (let off = 0; off < ng.length; off += ng.readUInt32LE(off + 4)) blocks.push(off);
  // blocks: SHB, IDB, 4 EPBs. Cut inside the third EPB.
  const path = tmp(ng.subarray(0, blocks[4] + 30), 'pcapng');
  const got: PcapPacket[] = [];
  const e = caught(() => { for (const p of openPcap(path)) got.push(p); });
  t.is(got.length, 2);
  t.like(e, { code: 'truncated', offset: blocks[4], index: 3 });
  // A cut at a block boundary is a shorter, valid file.
  t.is(read(tmp(ng.subarray(0, blocks[4]), 'pcapng')).length, 2);
});

test('every truncation point of demo.pcap: all packets before it, then an error at the cut record', (t) => {
  fc.assert(fc.property(fc.integer({ min: 24, max: demo.length - 1 }), fc.constantFrom('fast' as const, 'libpcap' as const), (cut, engine) => {
    const path = tmp(demo.subarray(0, cut));
    const got: PcapPacket[] = [];
    let err: PcapError | undefined;
    try { for (const p of openPcap(path, { engine })) got.push(p); } catch (e) { err = e as PcapError; }
    rmSync(path);
    const whole = recordStarts.filter((s) => s < cut).length;
    if (recordStarts.includes(cut)) return err === undefined && got.length === whole;
    return err instanceof PcapError && got.length === whole - 1 && err.offset === recordStarts[whole - 1] && err.index === whole;
  }), { numRuns: 300 });
  t.is(recordStarts.length, 43);
});

test('random corruption never crashes or hangs: packets or a PcapError', (t) => {
  const ng = readFileSync(join(PCAPS, 'small-ns.pcapng'));
  let errors = 0;
  fc.assert(fc.property(
    fc.constantFrom('pcap', 'pcapng'),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    (kind, flips) => {
      const b = Buffer.from(kind === 'pcap' ? demo : ng);
      for (const [pos, val] of flips) b[pos % b.length] = val;
      const path = tmp(b, kind);
      try {
        for (const engine of kind === 'pcap' ? ['fast', 'libpcap'] as const : ['auto'] as const) {
          try { for (const p of openPcap(path, { engine })) if (!Buffer.isBuffer(p.frame)) return false; } catch (e) {
            if (!(e instanceof PcapError)) throw e;
            errors++;
          }
        }
        return true;
      } finally {
        rmSync(path);
      }
    },
  ), { numRuns: 300 });
  t.true(errors > 0, 'some corruptions were detected');
});
