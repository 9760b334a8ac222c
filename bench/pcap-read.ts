// Measures capture-reading throughput (packets/s) on a generated 100k-packet file:
// the fast classic-pcap reader (sync and async iteration) and the node-pcap/libpcap path,
// on classic pcap and pcapng.   npx tsx bench/pcap-read.ts [packets]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { tcpSession } from '../src/packets/index.ts';
import { openPcap, PcapFileWriter, writePcapngBuffer, type PcapInput, type ReadOptions } from '../src/pcap/index.ts';

const N = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'fwctl-bench-'));
try {
  // Realistic mix: sessions of handshake, a request, a segmented response, teardown.
  const pkts: PcapInput[] = [];
  for (let s = 0; pkts.length < N; s++) {
    const v6 = s % 3 === 0;
    const frames = tcpSession({
      client: { ip: v6 ? `2001:2::${(s % 65000) + 1}` : `198.18.${(s >> 8) & 0xff}.${s & 0xff}`, port: 1024 + (s % 60000) },
      server: { ip: v6 ? '2001:2:0:1::1' : '198.19.0.1', port: 80 },
      exchanges: [{ from: 'client', data: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' }, { from: 'server', data: Buffer.alloc(400 + (s % 3000)) }],
      startNs: BigInt(s) * 1_000_000n,
    });
    for (const f of frames) if (pkts.length < N) pkts.push({ frame: f.frame, ts: f.tsNs });
  }
  const pcap = join(dir, 'bench.pcap');
  const w = new PcapFileWriter(pcap);
  for (const p of pkts) w.write(p.frame, p);
  w.close();
  const pcapng = join(dir, 'bench.pcapng');
  writeFileSync(pcapng, writePcapngBuffer(pkts));

  const syncRun = (path: string, o: ReadOptions): number => {
    let n = 0;
    let bytes = 0;
    for (const p of openPcap(path, o)) { n++; bytes += p.frame.length; }
    if (n !== N || bytes === 0) throw new Error(`read ${n} packets, expected ${N}`);
    return n;
  };
  const asyncRun = async (path: string, o: ReadOptions): Promise<number> => {
    let n = 0;
    for await (const p of openPcap(path, o)) { n++; if (p.frame.length === 0) throw new Error('empty frame'); }
    if (n !== N) throw new Error(`read ${n} packets, expected ${N}`);
    return n;
  };
  const time = async (label: string, run: () => number | Promise<number>): Promise<void> => {
    await run(); // warm-up
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      await run();
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    console.log(`${label.padEnd(34)} ${Math.round(N / best).toLocaleString('en-US').padStart(12)} packets/s`);
  };
  console.log(`${N} packets, ${pkts.reduce((a, p) => a + p.frame.length, 0)} bytes`);
  await time('fast reader, pcap, sync', () => syncRun(pcap, { engine: 'fast' }));
  await time('fast reader, pcap, async', () => asyncRun(pcap, { engine: 'fast' }));
  await time('node-pcap (libpcap), pcap, sync', () => syncRun(pcap, { engine: 'libpcap' }));
  await time('node-pcap (libpcap), pcapng, sync', () => syncRun(pcapng, {}));
  await time('node-pcap (libpcap), pcapng, async', () => asyncRun(pcapng, {}));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
