// The classifier maps of a datapath (bpf/lib/cls_maps.h), whether this process loaded it
// (Datapath: the object's own handles) or opened its pins (PinnedDatapath: handles opened here and
// closed by close()). Each ruleset map holds two generations: generation g starts at g * (max / 2).
import { join } from 'node:path';

import { ClsLayout, MapName } from '../abi/index.ts';
import { BpfMap } from '../native/index.ts';
import { Datapath } from './datapath.ts';
import type { DatapathHandle } from './handle.ts';
import { PinnedDatapath } from './pinned.ts';

/** The ruleset maps, as a plan's images name them. */
export const IMAGE_MAPS = [
  MapName.clsRoot, MapName.clsNode, MapName.clsSkip, MapName.clsProj, MapName.clsFld, MapName.clsSum, MapName.clsBm,
  MapName.clsRule,
] as const;
export type ImageMap = (typeof IMAGE_MAPS)[number];

/** Entries (chunks for chunked maps) one generation of each map holds. */
export type ClassifierCapacity = Record<ImageMap, number>;

export class ClsMaps {
  readonly #get: (name: string) => BpfMap;
  readonly #owned: BpfMap[] = [];
  readonly #cache = new Map<string, BpfMap>();

  private constructor(get: (name: string) => BpfMap, owns: boolean) {
    this.#get = (name) => {
      const m = get(name);
      if (owns) this.#owned.push(m);
      return m;
    };
  }

  static of(dp: DatapathHandle): ClsMaps {
    if (dp instanceof Datapath) return new ClsMaps((name) => dp.object.map(name), false);
    if (dp instanceof PinnedDatapath) {
      return new ClsMaps((name) => {
        try {
          return BpfMap.fromPinned(join(dp.dir, name));
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOENT') {
            throw Object.assign(new Error(`${dp.dir} has no ${name}: the instance was pinned by a build without the classifier; reload it`), { code: 'E_CLS_MAPS_MISSING' });
          }
          throw e;
        }
      }, true);
    }
    throw new TypeError('ClsMaps.of: expected a Datapath or a PinnedDatapath');
  }

  map(name: string): BpfMap {
    let m = this.#cache.get(name);
    if (!m) {
      m = this.#get(name);
      this.#cache.set(name, m);
    }
    return m;
  }

  /** Entries per generation of a two-generation map. */
  half(name: string): number {
    return Math.floor(this.map(name).info.maxEntries / 2);
  }

  capacity(): ClassifierCapacity {
    return Object.fromEntries(IMAGE_MAPS.map((m) => [m, this.half(m)])) as ClassifierCapacity;
  }

  close(): void {
    for (const m of this.#owned) m.close();
    this.#owned.length = 0;
    this.#cache.clear();
  }
}

export function withClsMaps<T>(dp: DatapathHandle, fn: (m: ClsMaps) => T): T {
  const m = ClsMaps.of(dp);
  try {
    return fn(m);
  } finally {
    m.close();
  }
}

/** Chunk sizes of the chunked maps (entries per map element). */
export const CHUNK: Partial<Record<ImageMap, number>> = {
  [MapName.clsRoot]: ClsLayout.c32,
  [MapName.clsNode]: ClsLayout.c32,
  [MapName.clsFld]: ClsLayout.c32,
  [MapName.clsSum]: ClsLayout.c64,
  [MapName.clsBm]: ClsLayout.c64,
};
