// BpfProgram: a handle on one loaded BPF program (its own fd), and BPF_PROG_TEST_RUN.
// testRun() is the convenient form (allocates its result); runner() is the replay hot path: options
// checked once, then run(data, length) -> retval with no allocation, sizes in runner.stats.
import { z } from 'zod';
import { addon, C, type RawProgram, type RawRunner } from './addon.ts';
import { parseOptions, u32 } from './options.ts';

export interface TestRunResult {
  retval: number;
  /** Average ns per repetition, as the kernel measured it. */
  duration: number;
  /** Bytes the program's output packet has (data_size_out); dataOut holds them if large enough. */
  dataSize: number;
  ctxSize: number;
  /** The output packet (a view of the caller's dataOut, or of a buffer allocated for this call). */
  dataOut: Buffer | null;
  /** The output context (a view of ctxOut) when one was given. */
  ctxOut: Buffer | null;
}

const buf = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Buffer or Uint8Array');
const runnerSchema = z.strictObject({
  /** Caller-allocated output packet buffer, reused across runs. */
  dataOut: buf.nullable().optional(),
  /** Context in (e.g. a struct xdp_md from xdpMd()). */
  ctxIn: buf.nullable().optional(),
  ctxOut: buf.nullable().optional(),
  repeat: u32.optional(),
  /** BPF_F_TEST_* flags, e.g. constants.BPF_F_TEST_XDP_LIVE_FRAMES. */
  flags: u32.optional(),
  /** XDP live frames: frames per batch (kernel default 64). */
  batchSize: u32.optional(),
  cpu: u32.optional(),
  /** Where each run writes [duration ns, dataSizeOut, ctxSizeOut] (default: a new Uint32Array(3)). */
  stats: z.custom<Uint32Array>((v) => v instanceof Uint32Array && v.length >= 3, 'expected a Uint32Array of length >= 3').optional(),
});
export type RunnerOptions = z.infer<typeof runnerSchema>;
const testRunSchema = runnerSchema.extend({ data: buf });
export type TestRunOptions = z.infer<typeof testRunSchema>;

/** Extra room the convenience testRun gives the output packet (XDP may grow it with adjust_head/tail). */
const OUT_SLACK = 4096;

export class TestRunner {
  /** [duration ns, dataSizeOut, ctxSizeOut] of the last run. */
  readonly stats: Uint32Array;
  readonly dataOut: Uint8Array | null;
  readonly ctxIn: Uint8Array | null;
  readonly ctxOut: Uint8Array | null;
  readonly #raw: RawRunner;

  /** @internal Use BpfProgram.runner(). */
  constructor(prog: RawProgram, o: RunnerOptions) {
    this.stats = o.stats ?? new Uint32Array(3);
    this.dataOut = o.dataOut ?? null;
    this.ctxIn = o.ctxIn ?? null;
    this.ctxOut = o.ctxOut ?? null;
    this.#raw = new addon.Runner(
      prog, this.dataOut, this.ctxIn, this.ctxOut,
      o.repeat ?? 0, o.flags ?? 0, o.batchSize ?? 0, o.cpu ?? 0, this.stats,
    );
  }

  /**
   * Runs the program on data[0, length) and returns its retval. Hot path: one native call, no
   * allocation; the buffers given at creation are reused (their contents may change between runs).
   */
  run(data: Uint8Array, length?: number): number {
    return this.#raw.run(data, length);
  }

  get duration(): number {
    return this.stats[0];
  }
  get dataSize(): number {
    return this.stats[1];
  }
  get ctxSize(): number {
    return this.stats[2];
  }
}

export class BpfProgram {
  readonly name: string;
  readonly type: number;
  /** libbpf's name for the type, e.g. "xdp". */
  readonly typeName: string;
  readonly id: number;
  readonly tag: string;
  /** Instructions the kernel's verifier processed to load it (its limit is 1M). */
  readonly verifiedInsns: number;
  readonly #raw: RawProgram;
  #closed = false;

  /** @internal Use BpfObject.program(), BpfProgram.fromPinned() or BpfProgram.fromId(). */
  constructor(raw: RawProgram) {
    this.#raw = raw;
    const i = raw.info();
    this.name = i.name;
    this.type = i.type;
    this.typeName = i.typeName;
    this.id = i.id;
    this.tag = i.tag;
    this.verifiedInsns = i.verifiedInsns;
  }

  static fromPinned(path: string): BpfProgram {
    return new BpfProgram(addon.openPinnedProgram(path));
  }

  static fromId(id: number): BpfProgram {
    return new BpfProgram(addon.programFromId(id));
  }

  static unpin(path: string): void {
    addon.unpin(path);
  }

  get fd(): number {
    return this.#raw.fd();
  }
  get closed(): boolean {
    return this.#closed;
  }

  pin(path: string): void {
    this.#raw.pin(path);
  }

  unpin(path: string): void {
    addon.unpin(path);
  }

  /** One BPF_PROG_TEST_RUN with an options object; allocates dataOut when not given (unless live frames). */
  testRun(o: TestRunOptions): TestRunResult {
    const opts = parseOptions(testRunSchema, o, 'testRun');
    const live = ((opts.flags ?? 0) & C.BPF_F_TEST_XDP_LIVE_FRAMES) !== 0;
    const dataOut = opts.dataOut !== undefined ? opts.dataOut : live ? null : Buffer.alloc(opts.data.length + OUT_SLACK);
    const stats = opts.stats ?? new Uint32Array(3);
    const retval = this.#raw.testRun(
      opts.data, opts.data.length, dataOut, opts.ctxIn ?? null, opts.ctxOut ?? null,
      opts.repeat ?? 0, opts.flags ?? 0, opts.batchSize ?? 0, opts.cpu ?? 0, stats,
    );
    const view = (b: Uint8Array | null, n: number) =>
      b ? Buffer.from(b.buffer, b.byteOffset, Math.min(n, b.byteLength)) : null;
    return {
      retval,
      duration: stats[0],
      dataSize: stats[1],
      ctxSize: stats[2],
      dataOut: view(dataOut, stats[1]),
      ctxOut: view(opts.ctxOut ?? null, stats[2]),
    };
  }

  /** A reusable test-run configuration for replay loops (see TestRunner.run). */
  runner(o?: RunnerOptions): TestRunner {
    return new TestRunner(this.#raw, parseOptions(runnerSchema, o, 'runner'));
  }

  close(): void {
    this.#closed = true;
    this.#raw.close();
  }
}

export interface XdpMdOptions {
  /** Bytes of metadata in front of the packet in data_in (multiple of 4, at most 32). */
  metaLength?: number;
  /** Bytes of packet after the metadata. */
  dataLength: number;
  ingressIfindex?: number;
  rxQueueIndex?: number;
}

/**
 * A struct xdp_md for BPF_PROG_TEST_RUN's ctx_in: data_in is meta + packet, ctx.data = meta length,
 * ctx.data_end = total, data_meta = 0 (kernel net/bpf/test_run.c). Writes into `out` when given.
 */
export function xdpMd(o: XdpMdOptions, out: Buffer = Buffer.alloc(C.SIZEOF_XDP_MD)): Buffer {
  const meta = o.metaLength ?? 0;
  out.fill(0, 0, C.SIZEOF_XDP_MD);
  out.writeUInt32LE(meta, 0); // data
  out.writeUInt32LE(meta + o.dataLength, 4); // data_end
  out.writeUInt32LE(0, 8); // data_meta
  out.writeUInt32LE(o.ingressIfindex ?? 0, 12);
  out.writeUInt32LE(o.rxQueueIndex ?? 0, 16);
  return out;
}
