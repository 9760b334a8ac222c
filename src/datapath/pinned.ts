// PinnedDatapath: a running datapath opened from its pins (another process loaded it).
import { join } from 'node:path';

import { PROG_NAME } from '../abi/index.ts';
import { BpfMap, BpfProgram } from '../native/index.ts';
import { pinDir } from './bpffs.ts';
import { DatapathHandle } from './handle.ts';

export class PinnedDatapath extends DatapathHandle {
  readonly dir: string;

  private constructor(dir: string) {
    super(BpfProgram.fromPinned(join(dir, PROG_NAME)), (name) => BpfMap.fromPinned(join(dir, name)));
    this.dir = dir;
  }

  /** Opens /sys/fs/bpf/fwctl/<instance>/ (BpfError ENOENT when it is not pinned). */
  static open(instance: string): PinnedDatapath {
    return new PinnedDatapath(pinDir(instance));
  }

  /** The knob is not visible from the pins: an all-zero record means none was written. */
  protected debugEnabled(): boolean {
    return true;
  }
}
