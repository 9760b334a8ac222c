// Removes exactly what a lab's state file lists, by exact name, in an order that never leaves a
// program attached to an interface nobody can reach: detach (checked to be ours), delete the
// namespaces (their veths go with them, and so would any attachment a detach missed), unpin.
// Every step runs even when an earlier one failed; the state file is removed only when nothing
// failed, so `fwctl lab --cleanup NAME` can finish the job.
import { existsSync } from 'node:fs';

import { Datapath } from '../datapath/index.ts';
import { ip, netnsPath } from './sh.ts';
import { type LabState, removeState, saveState } from './state.ts';
import { detachAll } from './xdp.ts';

export interface CleanupReport {
  lab: string;
  /** Namespaces deleted. */
  namespaces: string[];
  /** Pinned objects removed (files under /sys/fs/bpf/fwctl/<instance>/), and their instances. */
  pins: string[];
  instances: string[];
  /** Attachments removed: detached explicitly, or gone with their namespace. */
  attachments: { detached: number; withNamespace: number };
  stateFileRemoved: boolean;
  errors: string[];
}

export async function cleanupLab(state: LabState): Promise<CleanupReport> {
  const report: CleanupReport = {
    lab: state.name, namespaces: [], pins: [], instances: [], attachments: { detached: 0, withNamespace: 0 },
    stateFileRemoved: false, errors: [],
  };
  const live = state.attachments.filter((a) => existsSync(netnsPath(a.netns)));
  const detach = await detachAll({ ...state, attachments: live });
  report.attachments.detached = detach.detached.length;
  const leftover = new Set(detach.failed.map((f) => `${f.attachment.netns}/${f.attachment.ifname}`));
  for (const f of detach.failed) report.errors.push(`detach ${f.attachment.ifname} in ${f.attachment.netns}: ${f.error}`);

  for (const ns of [...state.namespaces]) {
    try {
      if (existsSync(netnsPath(ns))) {
        ip('netns', 'del', ns);
        report.namespaces.push(ns);
      }
      state.namespaces = state.namespaces.filter((n) => n !== ns);
      // An attachment a detach missed went with its interface, if we deleted the namespace.
      if (report.namespaces.includes(ns)) {
        report.attachments.withNamespace += state.attachments.filter((a) => a.netns === ns && leftover.has(`${a.netns}/${a.ifname}`)).length;
      }
      state.attachments = state.attachments.filter((a) => a.netns !== ns);
    } catch (e) {
      report.errors.push((e as Error).message);
    }
  }
  // Detached ones whose namespace still stands (a failed delete) are no longer attachments either.
  state.attachments = state.attachments.filter((a) => !detach.detached.includes(a));

  for (const instance of [...state.instances]) {
    try {
      report.pins.push(...Datapath.unpin(instance));
      report.instances.push(instance);
      state.instances = state.instances.filter((i) => i !== instance);
    } catch (e) {
      report.errors.push(`unpin ${instance}: ${(e as Error).message}`);
    }
  }

  if (report.errors.length === 0) {
    report.stateFileRemoved = removeState(state.name);
  } else {
    saveState(state); // what is left, for `fwctl lab --cleanup NAME`
  }
  return report;
}

export function cleanupLine(c: CleanupReport): string {
  const n = c.attachments.detached + c.attachments.withNamespace;
  const head = `cleaned up: ${c.namespaces.length} namespaces, ${c.pins.length} pins (${c.instances.length} instances), ${n} attachments removed`;
  return c.errors.length === 0 ? head : `${head}; ${c.errors.length} failed (run: fwctl lab --cleanup ${c.lab}): ${c.errors.join('; ')}`;
}
