// Datapath: loads build/bpf/fwctl.bpf.o with its knobs set, and pins it for other processes.
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

import { Knob, MalformedPolicy, MapName, PROG_NAME } from '../abi/index.ts';
import { BpfMap, BpfObject, BpfProgram } from '../native/index.ts';
import { ensureBpffs, pinDir } from './bpffs.ts';
import { DatapathHandle } from './handle.ts';

export const DEFAULT_OBJECT = fileURLToPath(new URL('../../build/bpf/fwctl.bpf.o', import.meta.url));

const optionsSchema = z.strictObject({
  /** The compiled object (default build/bpf/fwctl.bpf.o). */
  objectPath: z.string().optional(),
  /** What happens to packets the parser cannot read (default 'drop': see bpf/README.md). */
  malformedPolicy: z.enum(['pass', 'drop']).optional(),
  /** Record each packet's parsed form in fw_dbg_pkt (default false). */
  debugPkt: z.boolean().optional(),
});
export type DatapathOptions = z.infer<typeof optionsSchema>;

/** Every name pinned under an instance directory: the program and each map. */
export const PINNED_NAMES: readonly string[] = [PROG_NAME, ...Object.values(MapName)];

export class Datapath extends DatapathHandle {
  readonly object: BpfObject;
  readonly options: Readonly<Required<DatapathOptions>>;

  private constructor(object: BpfObject, options: Required<DatapathOptions>) {
    super(object.program(PROG_NAME), (name) => object.map(name));
    this.object = object;
    this.options = options;
  }

  /** Opens the object, sets the knobs, loads it (BpfError with the verifier log on failure). */
  static open(opts?: DatapathOptions): Datapath {
    const parsed = optionsSchema.safeParse(opts ?? {});
    if (!parsed.success) throw new TypeError(`Datapath.open: invalid options\n${z.prettifyError(parsed.error)}`);
    const o: Required<DatapathOptions> = {
      objectPath: parsed.data.objectPath ?? DEFAULT_OBJECT,
      malformedPolicy: parsed.data.malformedPolicy ?? 'drop',
      debugPkt: parsed.data.debugPkt ?? false,
    };
    const object = BpfObject.open(o.objectPath);
    try {
      object.setGlobal(Knob.malformedPolicy, MalformedPolicy[o.malformedPolicy]);
      object.setGlobal(Knob.debugPkt, o.debugPkt ? 1 : 0);
      object.load();
      return new Datapath(object, o);
    } catch (err) {
      object.close();
      throw err;
    }
  }

  protected debugEnabled(): boolean {
    return this.options.debugPkt;
  }

  /**
   * Pins the program and its maps under /sys/fs/bpf/fwctl/<instance>/ (mounting bpffs if needed).
   * Never overwrites: an existing pin fails with EEXIST, and what this call pinned is removed
   * again. Returns the directory.
   */
  pin(instance: string): string {
    ensureBpffs();
    const dir = pinDir(instance);
    const created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    const done: string[] = [];
    try {
      for (const name of PINNED_NAMES) {
        const path = join(dir, name);
        if (name === PROG_NAME) this.program.pin(path);
        else this.object.map(name).pin(path);
        done.push(path);
      }
    } catch (err) {
      for (const path of done) BpfMap.unpin(path);
      if (created) rmdirQuiet(dir);
      throw err;
    }
    return dir;
  }

  /** Removes an instance's pins and its directory (the program stays while attached). Missing
   *  pins are skipped; returns the paths removed. */
  static unpin(instance: string): string[] {
    const dir = pinDir(instance);
    const removed: string[] = [];
    for (const name of PINNED_NAMES) {
      const path = join(dir, name);
      try {
        BpfProgram.unpin(path);
        removed.push(path);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOENT') throw err;
      }
    }
    rmdirQuiet(dir);
    return removed;
  }

  override close(): void {
    super.close();
    this.object.close();
  }
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
}
