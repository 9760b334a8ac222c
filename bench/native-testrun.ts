// BPF_PROG_TEST_RUN calls per second from JS on a 64-byte packet, with preallocated buffers
// (TestRunner.run: one native call per packet, no allocation), against the allocating testRun()
// form and the kernel's own per-run time (repeat). Run as root after scripts/build.sh:
//   npx tsx bench/native-testrun.ts [seconds]
import { BpfObject, constants } from '../src/native/index.ts';

const seconds = Number(process.argv[2] ?? 2);
const obj = BpfObject.open(new URL('../build/bpf/native_fixture.bpf.o', import.meta.url).pathname);
obj.load();
const prog = obj.program('nf_xdp');

const pkt = Buffer.alloc(64);
pkt.writeUInt16BE(0x0800, 12);
pkt[14] = 0x45;
const out = Buffer.alloc(2048);
const runner = prog.runner({ dataOut: out });

/** Calls per second: the best of 5 windows (the machine may be shared), and the median. */
function measure(name: string, once: () => number): number {
  for (let i = 0; i < 20_000; i++) once(); // warm-up
  const rates: number[] = [];
  for (let w = 0; w < 5; w++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round((seconds / 5) * 1e9));
    let now = t0;
    while (now < end) {
      for (let i = 0; i < 1000; i++) once();
      n += 1000;
      now = process.hrtime.bigint();
    }
    rates.push(n / (Number(now - t0) / 1e9));
  }
  rates.sort((a, b) => a - b);
  const best = rates[rates.length - 1];
  const fmt = (r: number) => Math.round(r).toLocaleString('en-US').padStart(10);
  console.log(`${name.padEnd(44)} best ${fmt(best)}/s (${(1e9 / best).toFixed(0)} ns)  median ${fmt(rates[2])}/s`);
  return best;
}

let sink = 0;
const hot = measure('runner.run(pkt) (preallocated dataOut)', () => (sink ^= runner.run(pkt)));
const noOut = prog.runner();
measure('runner.run(pkt) (no dataOut)', () => (sink ^= noOut.run(pkt)));
measure('testRun({data}) (allocating convenience)', () => (sink ^= prog.testRun({ data: pkt }).retval));
const rep = prog.runner({ repeat: 1_000_000 });
rep.run(pkt);
console.log(`${'kernel time per run (repeat=1e6)'.padEnd(44)} ${String(rep.duration).padStart(12)} ns`);
console.log(`hot path: ${Math.round(hot)} testRun calls/s (${hot >= 300_000 ? 'meets' : 'below'} the 300k/s replay target); retval xor ${sink}, XDP_PASS=${constants.XDP_PASS}`);
obj.close();
