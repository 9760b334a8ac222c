// The address-set maps of a datapath, whether this process loaded it (Datapath: the object's own
// handles) or opened its pins (PinnedDatapath: handles opened here, closed by close()).
import { join } from 'node:path';

import { type AsetKindName, AsetSlot, MapName } from '../abi/index.ts';
import { Datapath, type DatapathHandle, PinnedDatapath } from '../datapath/index.ts';
import { BpfMap } from '../native/index.ts';
import { AddrSetError } from './errors.ts';
import type { Family } from './prefix.ts';

export type StaticKind = Exclude<AsetKindName, 'block'>;
export type Generation = 'a' | 'b';

const GEN_MAPS: Record<StaticKind, Record<Family, Record<Generation, string>>> = {
  allow: { 4: { a: MapName.allow4A, b: MapName.allow4B }, 6: { a: MapName.allow6A, b: MapName.allow6B } },
  deny: { 4: { a: MapName.deny4A, b: MapName.deny4B }, 6: { a: MapName.deny6A, b: MapName.deny6B } },
};

/** The fw_aset_count slot of a set and family. */
export function countSlot(kind: AsetKindName, family: Family): number {
  return AsetSlot[`${kind}${family}`];
}

export class AsetMaps {
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

  /** The maps of a loaded (Datapath) or pinned (PinnedDatapath) datapath. */
  static of(dp: DatapathHandle): AsetMaps {
    if (dp instanceof Datapath) return new AsetMaps((name) => dp.object.map(name), false);
    if (dp instanceof PinnedDatapath) {
      return new AsetMaps((name) => {
        try {
          return BpfMap.fromPinned(join(dp.dir, name));
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOENT') {
            throw new AddrSetError('E_ASET_MAPS_MISSING', `${dp.dir} has no ${name}: the instance was pinned by a build without address sets; reload it`);
          }
          throw e;
        }
      }, true);
    }
    throw new TypeError('AsetMaps.of: expected a Datapath or a PinnedDatapath');
  }

  map(name: string): BpfMap {
    let m = this.#cache.get(name);
    if (!m) {
      m = this.#get(name);
      this.#cache.set(name, m);
    }
    return m;
  }

  /** The outer map (fw_aset4/6) whose slot names the live generation. */
  outer(family: Family): BpfMap {
    return this.map(family === 4 ? MapName.aset4 : MapName.aset6);
  }

  generation(kind: StaticKind, family: Family, gen: Generation): BpfMap {
    return this.map(GEN_MAPS[kind][family][gen]);
  }

  block(family: Family): BpfMap {
    return this.map(family === 4 ? MapName.block4 : MapName.block6);
  }

  get count(): BpfMap {
    return this.map(MapName.asetCount);
  }

  get lock(): BpfMap {
    return this.map(MapName.asetLock);
  }

  readCount(kind: AsetKindName, family: Family): number {
    const v = this.count.lookup(u32(countSlot(kind, family)));
    return v ? v.readUInt32LE(0) : 0;
  }

  writeCount(kind: AsetKindName, family: Family, n: number): void {
    this.count.update(u32(countSlot(kind, family)), u32(Math.min(n, 0xffffffff)));
  }

  /** Closes the handles this object opened (a Datapath's own handles stay with it). */
  close(): void {
    for (const m of this.#owned) m.close();
    this.#owned.length = 0;
    this.#cache.clear();
  }
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** Runs fn with the maps of dp, closing what was opened. */
export function withMaps<T>(dp: DatapathHandle, fn: (m: AsetMaps) => T): T {
  const m = AsetMaps.of(dp);
  try {
    return fn(m);
  } finally {
    m.close();
  }
}
