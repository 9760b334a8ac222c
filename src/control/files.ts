// The state directory of an instance, /run/fwctl/<instance>/: what cannot live in BPF maps (rule
// metadata, the sources of each generation, the management access, a pending confirm). /run is a
// tmpfs on a gateway, so it has the lifetime of the bpffs pins: both go at reboot. Every file is
// written whole to a temporary name and renamed over the old one, so a reader sees the old file
// or the new one, never half of either.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';

import { checkInstance } from '../datapath/index.ts';

export const STATE_ROOT = '/run/fwctl';

/** /run/fwctl/<instance> (the name checked as a pin name is). */
export function stateDir(instance: string, root: string = STATE_ROOT): string {
  return join(root, checkInstance(instance));
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Writes `text` to `path` atomically: a temporary file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkQuiet(tmp);
    throw e;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 1) + '\n');
}

/** Reads and checks a JSON file; null when it does not exist. A file that does not parse or fit
 *  the schema is an Error naming the file. */
export function readJson<S extends z.ZodType>(path: string, schema: S): z.infer<S> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(doc);
  if (!r.success) throw new Error(`${path}: unexpected content: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function unlinkQuiet(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return false;
    throw e;
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
