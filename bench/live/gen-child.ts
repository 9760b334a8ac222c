// The generator: runs in the sender's namespace (under `nsenter --net`, pinned with taskset), loads
// live_gen.bpf.o, and runs gen_redirect with BPF_F_TEST_XDP_LIVE_FRAMES for a fixed time: every
// frame goes out of the sender's veth end as an XDP frame to the receiver. Reads its job as JSON on
// stdin, prints one JSON line: frames sent and the time they took.
//   taskset -c CPU nsenter --net=/run/netns/NS -- node --import tsx bench/live/gen-child.ts < job.json
import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';

import { BpfObject, constants, ifNameToIndex, xdpMd } from '../../src/native/index.ts';
import { GEN_OBJECT } from './gen-object.ts';
import { type Flow, templateImage, TEMPLATE_SIZE, udpFrame } from './packets.ts';

export const GEN_TEMPLATES_MAX = 4096;

const jobSchema = z.strictObject({
  ifname: z.string().min(1),
  srcMac: z.string(),
  dstMac: z.string(),
  flows: z.array(z.strictObject({ saddr: z.string(), daddr: z.string(), sport: z.number().int(), dport: z.number().int() }))
    .min(1).max(GEN_TEMPLATES_MAX)
    .refine((f) => (f.length & (f.length - 1)) === 0, 'the number of flows must be a power of two'),
  seconds: z.number().positive().max(60),
  /** Send exactly this many frames in one run instead (a multiple of the flows: each flow gets
   *  frames / flows of them); `seconds` is then ignored. */
  frames: z.number().int().positive().max(1 << 26).optional(),
  /** Frames per batch of the live-frames run (kernel default 64, at most 256). */
  batchSize: z.number().int().min(1).max(256),
  /** The CPU taskset pinned this process to: its ksoftirqd's time counts as the run's. */
  cpu: z.number().int().min(0),
});
export type GenJob = z.infer<typeof jobSchema>;

export interface GenResult {
  /** Frames the program ran on (each redirected, or dropped by the redirect if the peer's ring was full). */
  frames: number;
  /** Wall time from the first run's start to the last run's end. */
  ns: number;
  runs: number;
  /** Frames in the last test run. */
  repeat: number;
  /** CPU time over the run: this process (the redirects, and the receiver's softirq work when it
   *  runs on return from the run) plus ksoftirqd on its CPU (the softirq work deferred there). */
  cpuNs: number;
  softirqNs: number;
}

/** USER_HZ: /proc/<pid>/stat counts clock ticks of 10 ms on Linux. */
const TICK_NS = 1e7;

/** The pid of ksoftirqd/<cpu>, found by name in /proc. */
function ksoftirqd(cpu: number): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === `ksoftirqd/${cpu}`) return Number(d);
    } catch {
      // gone
    }
  }
  return null;
}

/** utime + stime of a task, ns (tick resolution). */
function taskCpuNs(pid: number | null): number {
  if (pid === null) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_NS; // fields 14 and 15 (utime, stime), 1-based
}

/** Calls per run are sized so that one run takes about this long (a run cannot be interrupted). */
const RUN_TARGET_NS = 50e6;

function generate(job: GenJob): GenResult {
  const obj = BpfObject.open(GEN_OBJECT);
  try {
    obj.setAutoload('gen_pass', false);
    obj.setAutoload('gen_drop', false);
    obj.setGlobal('cfg_ifindex', ifNameToIndex(job.ifname));
    obj.setGlobal('cfg_ntemplates', job.flows.length);
    obj.load();
    const tmpl = obj.map('gen_templates');
    const image = templateImage(job.flows as Flow[]);
    const keys = Buffer.alloc(4 * job.flows.length);
    for (let i = 0; i < job.flows.length; i++) keys.writeUInt32LE(i, 4 * i);
    tmpl.updateBatch(keys, image, job.flows.length);
    if (tmpl.info.valueSize !== TEMPLATE_SIZE) throw new Error(`gen_templates value is ${tmpl.info.valueSize} bytes, expected ${TEMPLATE_SIZE}`);

    const frame = udpFrame(job.flows[0] as Flow, job.srcMac, job.dstMac);
    const prog = obj.program('gen_redirect');
    const ctxIn = xdpMd({ dataLength: frame.length });
    const runner = (repeat: number) => prog.runner({ ctxIn, repeat, flags: constants.BPF_F_TEST_XDP_LIVE_FRAMES, batchSize: job.batchSize });

    // A run cannot be interrupted, so each is sized to take about RUN_TARGET_NS (or what is left),
    // from the time per frame measured so far; the first is a short calibration run.
    let repeat = 1 << 14;
    let frames = 0;
    let runs = 0;
    const softirqd = ksoftirqd(job.cpu);
    const s0 = taskCpuNs(softirqd);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(job.seconds * 1e9));
    let now = t0;
    if (job.frames !== undefined) {
      if (job.frames % job.flows.length !== 0) throw new Error(`frames (${job.frames}) must be a multiple of the flows (${job.flows.length})`);
      runner(job.frames).run(frame);
      now = process.hrtime.bigint();
      frames = job.frames;
      runs = 1;
      repeat = job.frames;
    }
    while (job.frames === undefined && now < end) {
      runner(repeat).run(frame);
      now = process.hrtime.bigint();
      frames += repeat;
      runs++;
      const perFrame = Number(now - t0) / frames;
      const left = Number(end - now);
      repeat = Math.max(1 << 10, Math.min(Math.round(Math.min(RUN_TARGET_NS, left) / perFrame), 1 << 26));
    }
    const seq = obj.getGlobal('gen_seq').readBigUInt64LE(0);
    if (seq !== BigInt(frames)) throw new Error(`the program ran ${seq} times for ${frames} frames`);
    const c = process.cpuUsage(c0);
    const softirqNs = taskCpuNs(softirqd) - s0;
    return { frames, ns: Number(now - t0), runs, repeat, cpuNs: (c.user + c.system) * 1e3 + softirqNs, softirqNs };
  } finally {
    obj.close();
  }
}

async function main(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const parsed = jobSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new TypeError(`gen-child: invalid job\n${z.prettifyError(parsed.error)}`);
  console.log(JSON.stringify(generate(parsed.data)));
}

main().catch((e: unknown) => {
  console.error(`gen-child: ${(e as Error).message}`);
  process.exit(2);
});
