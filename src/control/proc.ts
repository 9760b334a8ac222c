// Processes named by pid and start time, so that a pid reused by a later process is never
// mistaken for the one recorded (a lock holder, the confirm watchdog).
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null when the process is gone. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')'; fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie (state Z) has exited: it only waits for its parent to reap it.
  if (rest[0] === 'Z') return null;
  return rest[19]; // rest[0] is field 3
}

/** True while the process recorded as (pid, startTime) runs. */
export function alive(pid: number, startTime: string): boolean {
  return pid > 0 && processStartTime(pid) === startTime;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
