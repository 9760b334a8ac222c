// Datapath: loads build/bpf/fwctl.bpf.o with its knobs set, and pins it for other processes.
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

import { EVENT_CPU_LOCAL, Knob, MalformedPolicy, MapName, PROG_NAME } from '../abi/index.ts';
import { BpfMap, BpfObject, BpfProgram, numPossibleCpus } from '../native/index.ts';
import { ensureBpffs, pinDir } from './bpffs.ts';
import { DatapathHandle } from './handle.ts';
import { MapSource } from './map-source.ts';

export const DEFAULT_OBJECT = fileURLToPath(new URL('../../build/bpf/fwctl.bpf.o', import.meta.url));

const optionsSchema = z.strictObject({
  /** The compiled object (default build/bpf/fwctl.bpf.o). */
  objectPath: z.string().optional(),
  /** What happens to packets the parser cannot read (default 'drop': see bpf/README.md). */
  malformedPolicy: z.enum(['pass', 'drop']).optional(),
  /** Record each packet's parsed form in fw_dbg_pkt (default false). */
  debugPkt: z.boolean().optional(),
  /** The event flood guard (bpf/README.md "Events"): records per second per CPU (default 10000), */
  eventRate: z.number().int().min(0).max(0xffffffff).optional(),
  /** the burst it allows (default 1000), */
  eventBurst: z.number().int().min(0).max(0xffffffff).optional(),
  /** and whether it is on at all (default true; off is for tests and benchmarks). */
  eventRateLimit: z.boolean().optional(),
  /** Whose per-CPU slot holds the guard and the event counters: 'local' (default, the running CPU:
   *  live traffic) or one CPU number for every packet (replay: deterministic whatever CPU the test
   *  runs land on; one runner at a time). */
  eventCpu: z.union([z.literal('local'), z.number().int().min(0)]).optional(),
  /** Capacity of ONE classifier generation (the maps hold two), by what it counts; default the
   *  object's (bpf/lib/cls_maps.h). A plan that needs more fails to apply (E_APPLY_CAPACITY):
   *  size it with capacityFor(plan). */
  classifier: z.strictObject({
    slots: z.number().int().min(64).max(131072).optional(),
    nodes: z.number().int().min(1).optional(),
    skips: z.number().int().min(1).optional(),
    addrClasses: z.number().int().min(1).optional(),
    bmChunks: z.number().int().min(1).optional(),
    sumChunks: z.number().int().min(1).optional(),
  }).optional(),
  /** Entries of the flow tables (bpf/lib/flow.h): half-open and established flows; default the
   *  object's (16384 and 65536). LRU maps are preallocated, about 230 bytes an entry. */
  flows: z.strictObject({
    half: z.number().int().min(1).optional(),
    est: z.number().int().min(1).optional(),
  }).optional(),
});
export type DatapathOptions = z.infer<typeof optionsSchema>;

/** The classifier maps each `classifier` capacity key sizes (two generations each). */
const CLASSIFIER_MAPS = {
  slots: [MapName.clsRule, MapName.clsHits],
  nodes: [MapName.clsNode],
  skips: [MapName.clsSkip],
  addrClasses: [MapName.clsProj],
  bmChunks: [MapName.clsBm],
  sumChunks: [MapName.clsSum],
} as const;

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
      eventRate: parsed.data.eventRate ?? 10000,
      eventBurst: parsed.data.eventBurst ?? 1000,
      eventRateLimit: parsed.data.eventRateLimit ?? true,
      eventCpu: parsed.data.eventCpu ?? 'local',
      classifier: parsed.data.classifier ?? {},
      flows: parsed.data.flows ?? {},
    };
    if (o.eventCpu !== 'local' && o.eventCpu >= numPossibleCpus()) {
      throw new TypeError(`Datapath.open: eventCpu ${o.eventCpu} is not a possible CPU (0..${numPossibleCpus() - 1})`);
    }
    const object = BpfObject.open(o.objectPath);
    try {
      object.setGlobal(Knob.malformedPolicy, MalformedPolicy[o.malformedPolicy]);
      object.setGlobal(Knob.debugPkt, o.debugPkt ? 1 : 0);
      object.setGlobal(Knob.eventRate, o.eventRate);
      object.setGlobal(Knob.eventBurst, o.eventBurst);
      object.setGlobal(Knob.eventRatelimit, o.eventRateLimit ? 1 : 0);
      object.setGlobal(Knob.eventCpu, o.eventCpu === 'local' ? EVENT_CPU_LOCAL : o.eventCpu);
      for (const [key, maps] of Object.entries(CLASSIFIER_MAPS)) {
        const n = o.classifier[key as keyof typeof CLASSIFIER_MAPS];
        if (n !== undefined) for (const m of maps) object.setMapMaxEntries(m, 2 * n);
      }
      if (o.flows.half !== undefined) object.setMapMaxEntries(MapName.flowHalf, o.flows.half);
      if (o.flows.est !== undefined) object.setMapMaxEntries(MapName.flowEst, o.flows.est);
      object.load();
      return new Datapath(object, o);
    } catch (err) {
      object.close();
      throw err;
    }
  }

  maps(): MapSource {
    return new MapSource((name) => this.object.map(name), { owns: false });
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
