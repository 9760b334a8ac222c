// ifindex -> interface name for EVE's in_iface on live records. Names are taken from
// os.networkInterfaces() and /sys/class/net and resolved with if_nametoindex, which answers for
// the calling thread's network namespace (the one the program was attached in, when the consumer
// runs there); /sys alone may show another namespace's interfaces.
import { readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

import { ifNameToIndex } from '../native/index.ts';

export class IfaceNames {
  #byIndex = new Map<number, string>();
  #lastScan = 0;
  /** A miss rescans at most this often (interfaces come and go; records can be many). */
  readonly rescanMs: number;

  constructor(rescanMs = 1000) {
    this.rescanMs = rescanMs;
    this.#scan();
  }

  /** The interface's name, or undefined when no interface of this namespace has that index. */
  name(ifindex: number): string | undefined {
    const hit = this.#byIndex.get(ifindex);
    if (hit !== undefined || Date.now() - this.#lastScan < this.rescanMs) return hit;
    this.#scan();
    return this.#byIndex.get(ifindex);
  }

  #scan(): void {
    this.#lastScan = Date.now();
    const names = new Set(Object.keys(networkInterfaces()));
    try {
      for (const n of readdirSync('/sys/class/net')) names.add(n);
    } catch {
      // no sysfs: the names with addresses will have to do
    }
    const byIndex = new Map<number, string>();
    for (const n of names) {
      try {
        const i = ifNameToIndex(n);
        if (i > 0) byIndex.set(i, n);
      } catch {
        // listed by /sys but not in this namespace
      }
    }
    this.#byIndex = byIndex;
  }
}
