// The instance's interfaces: attach (idempotent when our program is already there), detach (only
// ours), the network namespace they live in, and the box's addresses on them (the lockout check's
// destinations). XDP attachments act in the calling thread's network namespace.
import { readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

import type { AttachMode, DatapathHandle } from '../datapath/index.ts';
import { ifNameToIndex } from '../native/index.ts';
import { atStep, ControlError } from './errors.ts';
import type { IfaceState } from './state.ts';

/** The current network namespace, as the inode text of /proc/self/ns/net ("net:[4026531840]"). */
export function currentNetns(): string {
  return readlinkSync('/proc/self/ns/net');
}

/** `eth1,eth2` (repeatable) → names, each checked to exist here. */
export function parseIfaces(values: readonly string[]): string[] {
  const names = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean))];
  for (const n of names) {
    try {
      ifNameToIndex(n);
    } catch {
      throw new ControlError('E_IFACE_UNKNOWN', 'args', 'invalid', `no interface "${n}" in this network namespace`);
    }
  }
  return names;
}

/** Every address (IPv4 and IPv6, link-local included) of the named interfaces in this namespace. */
export function interfaceAddresses(names: readonly string[]): string[] {
  const all = networkInterfaces();
  const out: string[] = [];
  for (const n of names) for (const a of all[n] ?? []) out.push(a.address.replace(/%.*$/, ''));
  return [...new Set(out)];
}

export interface AttachResult {
  name: string;
  mode: AttachMode;
  /** False when our program was already attached there. */
  attached: boolean;
}

/**
 * Attaches the datapath to each interface, in order. Already ours: nothing to do. Another program
 * there: E_IFACE_BUSY. On any failure the interfaces this call attached are detached again.
 */
export function attachAll(dp: DatapathHandle, names: readonly string[], mode: AttachMode): AttachResult[] {
  const done: AttachResult[] = [];
  try {
    for (const name of names) {
      const st = dp.attachState(name);
      if (st.ours) {
        if (st.mode !== mode) {
          throw new ControlError('E_IFACE_MODE', 'attach', 'invalid', `${name}: this instance is attached in ${st.mode} mode, not ${mode}; unload it first or use --mode ${st.mode}`);
        }
        done.push({ name, mode, attached: false });
        continue;
      }
      if (st.mode !== 'none') {
        throw new ControlError('E_IFACE_BUSY', 'attach', 'failure', `${name}: another XDP program (id ${st.progId}, ${st.mode} mode) is attached; fwctl never replaces it`);
      }
      try {
        dp.attach(name, mode);
      } catch (e) {
        throw atStep('attach', 'E_ATTACH', 'failure', e, `attaching to ${name} in ${mode} mode`);
      }
      done.push({ name, mode, attached: true });
    }
    return done;
  } catch (e) {
    detachQuiet(dp, done.filter((d) => d.attached));
    throw e;
  }
}

/** Detaches what attachAll attached (errors are ignored: this is the undo path of a failure). */
export function detachQuiet(dp: DatapathHandle, list: ReadonlyArray<{ name: string; mode: AttachMode }>): void {
  for (const d of list) {
    try {
      dp.detach(d.name, d.mode);
    } catch {
      /* already gone */
    }
  }
}

export interface DetachResult {
  name: string;
  /** detached; absent (the interface is gone); not_ours (another program is there now); other_netns. */
  outcome: 'detached' | 'absent' | 'not_ours' | 'not_attached' | 'other_netns';
}

/** Detaches the instance from an interface it recorded, only when our program is the one there. */
export function detachRecorded(dp: DatapathHandle, i: IfaceState): DetachResult {
  if (i.netns !== currentNetns()) return { name: i.name, outcome: 'other_netns' };
  let st;
  try {
    st = dp.attachState(i.name);
  } catch {
    return { name: i.name, outcome: 'absent' };
  }
  if (st.mode === 'none') return { name: i.name, outcome: 'not_attached' };
  if (!st.ours) return { name: i.name, outcome: 'not_ours' };
  try {
    dp.detach(i.name, i.mode);
  } catch (e) {
    throw atStep('unload', 'E_DETACH', 'failure', e, `detaching from ${i.name}`);
  }
  return { name: i.name, outcome: 'detached' };
}
