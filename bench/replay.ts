// bench/replay: `fwctl replay` throughput on a 100k-packet capture of many flows (IPv4 and IPv6,
// TCP, UDP, ICMP, some VLAN). Start-up (opening and loading the object) is excluded: the figure is
// the packet loop — read, re-frame, BPF_PROG_TEST_RUN, record — as the replay command runs it.
// Usage: npx tsx bench/replay.ts [--packets N] [--runs R]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { Datapath } from '../src/datapath/index.ts';
import { ether } from '../src/packets/index.ts';
import { PcapFileWriter } from '../src/pcap/index.ts';
import { replayCapture } from '../src/replay/replay.ts';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } } });
const count = Number(values.packets);
const runs = Number(values.runs);

function frame(i: number): Buffer {
  const a = (i >> 8) & 0xff;
  const b = i & 0xff;
  const base = i % 7 === 0 ? ether().vlan(100 + (i % 50)) : ether();
  switch (i % 5) {
    case 0:
    case 1:
      return base.ipv4({ src: `198.18.${a}.${b}`, dst: '198.19.0.1', ttl: 64 })
        .tcp({ sport: 1024 + (i % 60000), dport: 443, flags: i % 2 ? 'PA' : 'A' }).payload('x'.repeat(i % 200)).build();
    case 2:
      return base.ipv6({ src: `2001:2::${a.toString(16)}:${b.toString(16)}`, dst: '2001:2:0:1::1' })
        .tcp({ sport: 1024 + (i % 60000), dport: 80, flags: 'S' }).build();
    case 3:
      return base.ipv4({ src: `198.18.${a}.${b}`, dst: '198.19.0.53' }).udp({ sport: 1024 + (i % 60000), dport: 53 }).payload('q'.repeat(40)).build();
    default:
      return base.ipv4({ src: `198.18.${a}.${b}`, dst: '198.19.0.1' }).icmp({ type: 8, code: 0, id: i & 0xffff, seq: 1 }).build();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'fwctl-bench-replay-'));
const path = join(dir, 'flows.pcap');
try {
  const w = new PcapFileWriter(path);
  for (let i = 0; i < count; i++) w.write(frame(i), { ts: BigInt(i) * 10_000n });
  w.close();

  const dp = Datapath.open();
  try {
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = replayCapture(dp, path, { onPacket: () => {} });
      rates.push(t.packets / (Number(t.elapsedNs) / 1e9));
      if (t.packets !== count) throw new Error(`replayed ${t.packets} of ${count} packets`);
    }
    rates.sort((x, y) => x - y);
    const median = rates[Math.floor(rates.length / 2)];
    console.log(`replay: ${count} packets, ${runs} runs: median ${Math.round(median)} packets/s ` +
      `(min ${Math.round(rates[0])}, max ${Math.round(rates[rates.length - 1])}); target >= 300000`);
  } finally {
    dp.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
