// The replay hot path: one frame through BPF_PROG_TEST_RUN with a fw_meta area in front of it.
// Buffers are allocated once; a run copies the frame in, patches ts and data_end, runs, and reads
// the result fields the program wrote back. No allocation, no validation beyond a length check.
import {
  encodeMetaIn, encodeXdpMd, FW_META, FW_META_MAGIC_DONE, type ReasonLabel, reasonName, type VerdictLabel,
  verdictName, XDP_MD,
} from '../abi/index.ts';
import type { BpfProgram, TestRunner } from '../native/index.ts';

/**
 * Largest frame a test run takes. The program is `xdp.frags` (multi-buffer), so the kernel puts
 * the first PAGE_SIZE 4096 - XDP_PACKET_HEADROOM 256 - aligned skb_shared_info 320 = 3520 bytes in
 * the linear part and the rest in up to MAX_SKB_FRAGS (17) pages; more is ENOMEM. Headers are read
 * from the linear part, lengths from bpf_xdp_get_buff_len. test/datapath.test.ts checks the limit.
 */
export const MAX_TEST_FRAME = 3520 + 17 * 4096;

/** The kernel refuses a test run whose frame is shorter than an Ethernet header (net/bpf/test_run.c);
 * live, such runts rarely reach XDP at all. So malformed_eth is only seen on live traffic. */
export const MIN_TEST_FRAME = 14;

export type XdpAction = 'aborted' | 'drop' | 'pass' | 'tx' | 'redirect';
const ACTIONS: readonly XdpAction[] = ['aborted', 'drop', 'pass', 'tx', 'redirect'];

export interface RunResult {
  action: XdpAction;
  verdict: VerdictLabel;
  reason: ReasonLabel;
  sigId: number;
  /** enum fw_flag bits (Flag in src/abi). */
  flags: number;
  /** The program's return value (XDP action number). */
  retval: number;
}

const META = FW_META.size;
const M = FW_META.off;

export class PacketRunner {
  readonly #in = Buffer.alloc(META + MAX_TEST_FRAME);
  readonly #out = Buffer.alloc(META + MAX_TEST_FRAME);
  readonly #ctx = Buffer.alloc(XDP_MD.size);
  readonly #runner: TestRunner;
  readonly #result: RunResult = { action: 'aborted', verdict: 'pass', reason: 'pass_default', sigId: 0, flags: 0, retval: 0 };

  constructor(prog: BpfProgram) {
    encodeMetaIn(this.#in, 0n);
    encodeXdpMd(this.#ctx, META, META);
    this.#runner = prog.runner({ dataOut: this.#out, ctxIn: this.#ctx });
  }

  /**
   * Runs one frame stamped `tsNs`. Fills and returns `out`, by default one object owned by this
   * runner and overwritten by the next call: copy what you keep. Throws RangeError for a frame
   * outside [MIN_TEST_FRAME, MAX_TEST_FRAME] and Error when the program did not write its result.
   */
  run(frame: Uint8Array, tsNs: bigint, out: RunResult = this.#result): RunResult {
    const len = frame.length;
    if (len > MAX_TEST_FRAME || len < MIN_TEST_FRAME) {
      throw new RangeError(`frame of ${len} bytes is outside the test-run limits [${MIN_TEST_FRAME}, ${MAX_TEST_FRAME}]`);
    }
    const inb = this.#in;
    inb.set(frame, META);
    inb.writeBigUInt64LE(tsNs, M.ts_ns);
    this.#ctx.writeUInt32LE(META + len, XDP_MD.off.data_end);
    const retval = this.#runner.run(inb, META + len);
    const o = this.#out;
    if (o.readUInt32LE(M.magic) !== FW_META_MAGIC_DONE) {
      throw new Error(`fw_xdp returned ${retval} without writing its result into the metadata area (ABI mismatch?)`);
    }
    out.retval = retval;
    out.action = ACTIONS[retval] ?? 'aborted';
    out.verdict = verdictName(o.readUInt16LE(M.verdict));
    out.reason = reasonName(o.readUInt16LE(M.reason));
    out.sigId = o.readUInt32LE(M.sig_id);
    out.flags = o.readUInt32LE(M.flags);
    o.writeUInt32LE(0, M.magic); // so a run that fails to write is never read as this one
    return out;
  }
}
