// PinnedDatapath: a running datapath opened from its pins (another process loaded it).
import { join } from 'node:path';

import { PROG_NAME } from '../abi/index.ts';
import { BpfMap, BpfProgram } from '../native/index.ts';
import { pinDir } from './bpffs.ts';
import { DatapathHandle } from './handle.ts';
import { MapSource, type MissingMap } from './map-source.ts';

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

  maps(missing?: MissingMap): MapSource {
    return new MapSource((name) => BpfMap.fromPinned(join(this.dir, name)), { owns: true, dir: this.dir, missing });
  }

  /** The knob is not visible from the pins: an all-zero record means none was written. */
  protected debugEnabled(): boolean {
    return true;
  }
}
