// Runs build/bpf/reject_fixture.bpf.o (test/fixtures/bpf/reject_fixture.bpf.c) through
// BPF_PROG_TEST_RUN, as fwctl.bpf.c is run: a fw_meta area in front of the frame.
import { decodeMeta, encodeMetaIn, FW_META, type MetaOut, RejectKind, type RejectKindName } from '../src/abi/index.ts';
import { type BpfProgram, BpfObject, xdpMd } from '../src/native/index.ts';

export const FIXTURE = new URL('../build/bpf/reject_fixture.bpf.o', import.meta.url).pathname;

export type Action = 'aborted' | 'drop' | 'pass' | 'tx' | 'redirect';
const ACTIONS: readonly Action[] = ['aborted', 'drop', 'pass', 'tx', 'redirect'];

export interface Knobs {
  kind?: RejectKindName;
  ttl?: number;
  icmp4Code?: number;
  icmp6Code?: number;
}

export interface Outcome {
  action: Action;
  /** The frame after the program (the answer, or the untouched packet). */
  frame: Buffer;
  meta: MetaOut;
}

export class RejectFixture {
  readonly #obj: BpfObject;
  readonly #prog: BpfProgram;

  constructor(k: Knobs = {}) {
    const o = BpfObject.open(FIXTURE);
    o.setGlobal('fx_reject_kind', RejectKind[k.kind ?? 'src']);
    if (k.ttl !== undefined) o.setGlobal('cfg_reject_ttl', k.ttl);
    if (k.icmp4Code !== undefined) o.setGlobal('cfg_reject_icmp4_code', k.icmp4Code);
    if (k.icmp6Code !== undefined) o.setGlobal('cfg_reject_icmp6_code', k.icmp6Code);
    o.load();
    this.#obj = o;
    this.#prog = o.program('reject_fixture');
  }

  run(frame: Buffer): Outcome {
    const data = Buffer.alloc(FW_META.size + frame.length);
    encodeMetaIn(data, 1n);
    frame.copy(data, FW_META.size);
    const r = this.#prog.testRun({ data, ctxIn: xdpMd({ metaLength: FW_META.size, dataLength: frame.length }) });
    if (!r.dataOut) throw new Error('no data_out');
    return {
      action: ACTIONS[r.retval] ?? 'aborted',
      frame: Buffer.from(r.dataOut.subarray(FW_META.size)),
      meta: decodeMeta(r.dataOut),
    };
  }

  close(): void {
    this.#prog.close();
    this.#obj.close();
  }
}
