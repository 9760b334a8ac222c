// The SYN-flood generator: runs in the attacker's namespace (under `nsenter --net`), loads
// flood_gen.bpf.o and runs flood_syn with BPF_F_TEST_XDP_LIVE_FRAMES: every frame leaves the
// attacker's veth as a spoofed SYN. Paced in 50 ms ticks to `pps` (0: as fast as it can) for
// `seconds`, or until stdin closes. Job as argv JSON; prints one JSON line: frames and time.
//   nsenter --net=/run/netns/NS -- node --import tsx src/lab/flood-gen.ts '{"ifname":...}'
import { fstatSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

import { BpfObject, constants, ifNameToIndex, xdpMd } from '../native/index.ts';
import { synFrame } from './flood-packets.ts';

export const FLOOD_OBJECT = fileURLToPath(new URL('../../build/bpf/flood_gen.bpf.o', import.meta.url));

export const floodJobSchema = z.strictObject({
  ifname: z.string().min(1),
  srcMac: z.string(),
  dstMac: z.string(),
  /** Spoofed sources: a prefix (198.19.0.0/16), random host bits. */
  srcPrefix: z.string(),
  dst: z.string(),
  dport: z.number().int().min(1).max(65535),
  /** Frames per second; 0: unpaced. */
  pps: z.number().int().min(0),
  seconds: z.number().positive().max(600),
});
export type FloodJob = z.infer<typeof floodJobSchema>;

export interface FloodResult { frames: number; ns: number }

// A live-frames run sets up and tears down a page pool: runs are few and large (a tick's worth).
const TICK_NS = 50_000_000;

async function flood(job: FloodJob): Promise<FloodResult> {
  const [base, len] = job.srcPrefix.split('/');
  const mask = Number(len) === 0 ? 0xffffffff : (2 ** (32 - Number(len)) - 1) >>> 0;
  const baseN = Buffer.from(base.split('.').map(Number)).readUInt32BE(0) & ~mask;
  const obj = BpfObject.open(FLOOD_OBJECT);
  let stop = false;
  if (fstatSync(0).isFIFO()) { // a parent's pipe: its closing stops the flood (not /dev/null)
    process.stdin.on('end', () => { stop = true; });
    process.stdin.resume();
  }
  try {
    obj.setGlobal('cfg_ifindex', ifNameToIndex(job.ifname));
    obj.setGlobal('cfg_src_base', baseN >>> 0);
    obj.setGlobal('cfg_src_mask', mask);
    const frame = synFrame(job.srcMac, job.dstMac, base, job.dst, job.dport);
    obj.setGlobal('cfg_frame', frame);
    obj.setAutoload('flood_pass', false);
    obj.load();
    const prog = obj.program('flood_syn');
    const ctxIn = xdpMd({ dataLength: frame.length });
    const runner = (n: number) => prog.runner({ ctxIn, repeat: n, flags: constants.BPF_F_TEST_XDP_LIVE_FRAMES, batchSize: 64 });
    // Paced: one run of `chunk` frames (a tick's worth) at a time, as many as are due (one runner,
    // reused: a live-frames run sets up a page pool each time, so runs are few and large).
    const chunk = job.pps === 0 ? 1 << 12 : Math.max(1, Math.round((job.pps * TICK_NS) / 1e9));
    const burst = runner(chunk);
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(job.seconds * 1e9));
    let frames = 0;
    for (let tick = 1; !stop; tick++) {
      const now = process.hrtime.bigint();
      if (now >= end) break;
      if (job.pps === 0) {
        burst.run(frame);
        frames += chunk;
        if ((tick & 63) === 0) await new Promise((r) => setImmediate(r));
        continue;
      }
      // frames due by now, minus those sent: the pace holds over the run whatever a tick took
      const due = Math.floor((job.pps * Number(now - t0)) / 1e9) - frames;
      for (let k = 0; k + chunk <= due && process.hrtime.bigint() < end; k += chunk) {
        burst.run(frame);
        frames += chunk;
      }
      await new Promise((r) => setTimeout(r, TICK_NS / 1e6));
    }
    const seq = obj.getGlobal('flood_seq').readBigUInt64LE(0);
    if (seq !== BigInt(frames)) throw new Error(`the program ran ${seq} times for ${frames} frames`);
    return { frames, ns: Number(process.hrtime.bigint() - t0) };
  } finally {
    obj.close();
  }
}

if (process.argv[1]?.endsWith('flood-gen.ts')) {
  const job = floodJobSchema.parse(JSON.parse(process.argv[2]));
  const r = await flood(job);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
