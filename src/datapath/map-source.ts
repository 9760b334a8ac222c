// The maps of a datapath by name, whether this process loaded it (Datapath: the object's own
// handles, never closed here) or opened its pins (PinnedDatapath: each map opened once, on first
// use, and closed by close()). Every map family (classifier, address sets, rate limits, SYN
// cookies) reads its maps through one of these: DatapathHandle.maps().
import type { BpfMap } from '../native/index.ts';

/** What to throw when a pinned instance lacks a map (it was pinned by an older build). */
export type MissingMap = (name: string, dir: string) => Error;

export class MapSource {
  readonly #open: (name: string) => BpfMap;
  readonly #owns: boolean;
  readonly #dir: string;
  readonly #missing: MissingMap | undefined;
  readonly #cache = new Map<string, BpfMap>();

  constructor(open: (name: string) => BpfMap, opts: { owns: boolean; dir?: string; missing?: MissingMap }) {
    this.#open = open;
    this.#owns = opts.owns;
    this.#dir = opts.dir ?? '';
    this.#missing = opts.missing;
  }

  map(name: string): BpfMap {
    let m = this.#cache.get(name);
    if (m) return m;
    try {
      m = this.#open(name);
    } catch (e) {
      if (this.#missing && (e as { code?: string }).code === 'ENOENT') throw this.#missing(name, this.#dir);
      throw e;
    }
    this.#cache.set(name, m);
    return m;
  }

  /** Closes the maps this source opened (pins); a loaded object's handles stay open. */
  close(): void {
    if (this.#owns) for (const m of this.#cache.values()) m.close();
    this.#cache.clear();
  }
}
