// --confirm: a load that must be confirmed in time, as `nft`-style safe remote changes do. The load
// writes confirm.json (deadline, the generation it guards, the one to return to) and starts a
// detached watchdog process (watchdog.ts) that outlives fwctl. `fwctl confirm` claims confirm.json
// (an atomic rename: of the confirm and the watchdog's expiry, exactly one wins) and the watchdog,
// which polls the file, exits; at the deadline the watchdog claims it instead and rolls back.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ControlError } from './errors.ts';
import { readJson, STATE_ROOT, unlinkQuiet } from './files.ts';
import { dirOf, type Where } from './instance.ts';
import { alive, processStartTime, sleepMs } from './proc.ts';
import { ConfirmState, files, RollbackRecord } from './state.ts';

const WATCHDOG = fileURLToPath(new URL('./watchdog-main.ts', import.meta.url));

/** How long a load waits for its watchdog to report that it watches. */
const ARM_TIMEOUT_MS = 15_000;

/**
 * Starts the watchdog of confirm window `token`: detached (its own session), no stdio, survives
 * this process. Returns once the watchdog has written `watchdog.armed` with the token: a confirm
 * window without a running watchdog would never roll back, so a watchdog that does not arm in time
 * is killed and this throws (the load then flips back).
 */
export function startWatchdog(w: Where, token: string): { pid: number; startTime: string } {
  const dir = dirOf(w);
  const argv = ['--import', import.meta.resolve('tsx'), WATCHDOG, w.instance, token, w.root ?? STATE_ROOT];
  const child = spawn(process.execPath, argv, { detached: true, stdio: 'ignore', cwd: '/' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the watchdog process did not start');
  child.unref();
  const startTime = processStartTime(pid);
  if (startTime === null) throw new Error(`the watchdog process (pid ${pid}) exited at once`);
  const until = Date.now() + ARM_TIMEOUT_MS;
  for (;;) {
    let armed = '';
    try {
      armed = readFileSync(files.watchdogArmed(dir), 'utf8');
    } catch {
      /* not yet */
    }
    if (armed === token) return { pid, startTime };
    if (!alive(pid, startTime) || Date.now() > until) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      throw new Error(`the watchdog (pid ${pid}) did not start watching${alive(pid, startTime) ? ` within ${ARM_TIMEOUT_MS / 1000} s` : ': it exited'}; see ${files.watchdogLog(dir)}`);
    }
    sleepMs(20);
  }
}

/** Claims a pending confirm.json (rename: one claimer wins) and waits for its watchdog to exit.
 *  Returns the claimed state, or null when nothing was pending. */
export function cancelConfirm(dir: string, claimer: string): ConfirmState | null {
  const claimed = `${files.confirm(dir)}.${claimer}-${process.pid}`;
  const st = readJson(files.confirm(dir), ConfirmState);
  if (!st) return null;
  try {
    renameSync(files.confirm(dir), claimed);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
  // The watchdog polls confirm.json and exits when it is gone; give it a moment, then make sure.
  const until = Date.now() + 3000;
  while (st.pid > 0 && alive(st.pid, st.startTime) && Date.now() < until) sleepMs(20);
  if (st.pid > 0 && alive(st.pid, st.startTime)) {
    try {
      process.kill(st.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  unlinkQuiet(claimed);
  return st;
}

export interface ConfirmReport {
  instance: string;
  generation: { index: 0 | 1; tag: number };
  /** Seconds that were left before the deadline. */
  remaining: number;
}

export function confirm(w: Where): ConfirmReport {
  const dir = dirOf(w);
  const st = cancelConfirm(dir, 'confirm');
  if (st) return { instance: w.instance, generation: st.guarded, remaining: Math.max(0, Math.round((st.deadline - Date.now()) / 100) / 10) };
  // Nothing pending: either never was, or the watchdog claimed it first. Its rollback record tells.
  const until = Date.now() + 5000;
  for (;;) {
    const rb = readJson(files.rollback(dir), RollbackRecord);
    if (rb && rb.by !== 'fwctl rollback' && Date.now() - Date.parse(rb.at) < 60_000) {
      throw new ControlError('E_CONFIRM_EXPIRED', 'confirm', 'failure',
        `too late: the confirm window ended at ${rb.at} and load #${rb.from?.tag} was rolled back (${rb.to ? `to load #${rb.to.tag}` : 'to no ruleset'})`,
        { rollback: rb });
    }
    // The watchdog renamed confirm.json away and is rolling back right now: wait for its record.
    const claimedByWatchdog = listDir(dir).some((f) => f.startsWith('confirm.json.watchdog-'));
    if (!claimedByWatchdog || Date.now() > until) break;
    sleepMs(50);
  }
  throw new ControlError('E_NOTHING_TO_CONFIRM', 'confirm', 'invalid', `instance "${w.instance}" has no load waiting for a confirm`);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
