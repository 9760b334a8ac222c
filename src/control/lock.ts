// One writer per instance across processes (load, rollback, confirm, unload, the watchdog): a lock
// file created with O_EXCL holding the owner's pid and start time. A holder that is gone (or whose
// pid now names a later process) is taken over; the takeover renames the file away first, so two
// processes cannot both take over the same dead holder.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

import { ControlError } from './errors.ts';
import { unlinkQuiet } from './files.ts';
import { alive, processStartTime, sleepMs } from './proc.ts';

export interface InstanceLock {
  release(): void;
}

function owner(): string {
  return `${process.pid} ${processStartTime(process.pid) ?? '0'}\n`;
}

function holderAlive(text: string): boolean {
  const [pid, start] = text.trim().split(' ');
  return alive(Number(pid), start ?? '');
}

/** Takes the lock file `path`, waiting up to timeoutMs (default 10 s) for another writer. */
export function lockInstance(path: string, timeoutMs = 10_000): InstanceLock {
  const me = owner();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(path, me, { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          // Only our own lock: a holder that took it over after judging us dead keeps theirs.
          let held = '';
          try {
            held = readFileSync(path, 'utf8');
          } catch {
            return;
          }
          if (held === me) unlinkQuiet(path);
        },
      };
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
    let held: string | null = null;
    try {
      held = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    if (held !== null && held !== '' && !holderAlive(held)) {
      const stale = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, stale);
        const moved = readFileSync(stale, 'utf8');
        if (moved !== held) {
          // Someone took it between our read and our rename: give it back (link would fail if a
          // third process holds it now; then theirs stands and ours is dropped).
          try {
            writeFileSync(path, moved, { flag: 'wx', mode: 0o600 });
          } catch {
            /* a live holder has it */
          }
        }
        unlinkQuiet(stale);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ControlError('E_INSTANCE_BUSY', 'lock', 'failure', `another fwctl (${held?.trim() || 'starting'}) is changing this instance; try again`);
    }
    sleepMs(20);
  }
}
