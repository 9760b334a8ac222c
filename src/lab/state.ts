// The lab's record of what it made: /run/fwctl-lab/<name>.json, written after every object is
// created (so a crash leaves a record of everything that exists), read by cleanup and by
// `fwctl lab --cleanup NAME`. Cleanup removes exactly the names listed here, and only names the
// lab owns (plan.ts ownedBy): a edited file cannot make it delete someone else's namespace.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

import { checkLabName, ownedBy } from './plan.ts';

export const LAB_STATE_DIR = '/run/fwctl-lab';

const attachmentSchema = z.strictObject({
  netns: z.string(),
  ifname: z.string(),
  instance: z.string(),
  mode: z.enum(['native', 'generic']),
  progId: z.number().int().nonnegative(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

const stateSchema = z.strictObject({
  version: z.literal(1),
  name: z.string(),
  /** The process that built the lab, and its start time (so a reused pid is not mistaken for it). */
  pid: z.number().int().positive(),
  pidStart: z.string(),
  /** True once the lab was left up on purpose (--keep). */
  kept: z.boolean(),
  namespaces: z.array(z.string()),
  instances: z.array(z.string()),
  attachments: z.array(attachmentSchema),
});
export type LabState = z.infer<typeof stateSchema>;

export function statePath(name: string): string {
  return join(LAB_STATE_DIR, `${checkLabName(name)}.json`);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or '' when the process is gone. */
export function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** True while the process that wrote the state is alive (same pid, same start time). */
export function ownerAlive(s: LabState): boolean {
  return s.pidStart !== '' && processStart(s.pid) === s.pidStart;
}

export function newState(name: string): LabState {
  return {
    version: 1, name, pid: process.pid, pidStart: processStart(process.pid), kept: false,
    namespaces: [], instances: [], attachments: [],
  };
}

/** Writes the state atomically (temp file + rename). */
export function saveState(s: LabState): void {
  mkdirSync(LAB_STATE_DIR, { recursive: true });
  const path = statePath(s.name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Reads and checks a state file: every object it names must belong to the lab. */
export function loadState(name: string): LabState {
  const path = statePath(name);
  const s = stateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  if (s.name !== name) throw new Error(`${path} is the state of lab "${s.name}", not "${name}"`);
  const names = [...s.namespaces, ...s.instances, ...s.attachments.flatMap((a) => [a.netns, a.ifname, a.instance])];
  const foreign = names.find((n) => !ownedBy(name, n));
  if (foreign !== undefined) throw new Error(`${path} names "${foreign}", which is not an object of lab ${name}: refusing to use it`);
  return s;
}

export function removeState(name: string): boolean {
  const path = statePath(name);
  try {
    rmSync(path);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return false;
    throw e;
  }
}
