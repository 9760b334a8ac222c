// The address-set maps of a datapath, through its MapSource (src/datapath/map-source.ts: the
// object's own handles, or pins opened here and closed by close()).
import { type AsetKindName, AsetSlot, MapName } from '../abi/index.ts';
import type { DatapathHandle, MapSource } from '../datapath/index.ts';
import type { BpfMap } from '../native/index.ts';
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
  readonly #src: MapSource;

  private constructor(src: MapSource) {
    this.#src = src;
  }

  /** The maps of a loaded (Datapath) or pinned (PinnedDatapath) datapath. */
  static of(dp: DatapathHandle): AsetMaps {
    return new AsetMaps(dp.maps((name, dir) => new AddrSetError('E_ASET_MAPS_MISSING',
      `${dir} has no ${name}: the instance was pinned by a build without address sets; reload it`)));
  }

  map(name: string): BpfMap {
    return this.#src.map(name);
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
    this.#src.close();
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
