// The classifier maps of a datapath (bpf/lib/cls_maps.h), through its MapSource (map-source.ts). Each ruleset map holds two generations: generation g starts at g * (max / 2).
import { ClsLayout, MapName } from '../abi/index.ts';
import type { BpfMap } from '../native/index.ts';
import type { DatapathHandle } from './handle.ts';
import type { MapSource } from './map-source.ts';

/** The ruleset maps, as a plan's images name them. */
export const IMAGE_MAPS = [
  MapName.clsRoot, MapName.clsNode, MapName.clsSkip, MapName.clsProj, MapName.clsFld, MapName.clsSum, MapName.clsBm,
  MapName.clsRule,
] as const;
export type ImageMap = (typeof IMAGE_MAPS)[number];

/** Entries (chunks for chunked maps) one generation of each map holds. */
export type ClassifierCapacity = Record<ImageMap, number>;

export class ClsMaps {
  readonly #src: MapSource;

  private constructor(src: MapSource) {
    this.#src = src;
  }

  static of(dp: DatapathHandle): ClsMaps {
    return new ClsMaps(dp.maps((name, dir) => Object.assign(
      new Error(`${dir} has no ${name}: the instance was pinned by a build without the classifier; reload it`),
      { code: 'E_CLS_MAPS_MISSING' })));
  }

  map(name: string): BpfMap {
    return this.#src.map(name);
  }

  /** Entries per generation of a two-generation map. */
  half(name: string): number {
    return Math.floor(this.map(name).info.maxEntries / 2);
  }

  capacity(): ClassifierCapacity {
    return Object.fromEntries(IMAGE_MAPS.map((m) => [m, this.half(m)])) as ClassifierCapacity;
  }

  close(): void {
    this.#src.close();
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
