// One writer per set at a time, across processes: the lock is an entry of the pinned fw_aset_lock
// hash map (key: enum fw_aset_kind), taken with BPF_NOEXIST, which the kernel applies atomically,
// and deleted to release. It lives with the instance's state, so it needs no file system of its own
// and disappears with the pins. A holder that died (its pid gone, or reused by a process that
// started later) is detected from /proc and its lock taken over.
import { readFileSync } from 'node:fs';

import { AsetKind, type AsetKindName, FW_ASET_OWNER } from '../abi/index.ts';
import type { BpfMap } from '../native/index.ts';
import { AddrSetError } from './errors.ts';
import { u32 } from './maps.ts';

export interface LockOptions {
  /** How long to wait for another writer (default 10 s: a 1M-prefix load takes about two). */
  timeoutMs?: number;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null when the process is gone. */
export function processStartTime(pid: number): bigint | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')'; fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return BigInt(rest[19]); // rest[0] is field 3
}

let selfOwner: Buffer | undefined;

function ownerValue(): Buffer {
  if (!selfOwner) {
    selfOwner = Buffer.alloc(FW_ASET_OWNER.size);
    selfOwner.writeUInt32LE(process.pid, FW_ASET_OWNER.off.pid);
    selfOwner.writeBigUInt64LE(processStartTime(process.pid) ?? 0n, FW_ASET_OWNER.off.start_time);
  }
  return selfOwner;
}

function ownerAlive(v: Buffer): boolean {
  const pid = v.readUInt32LE(FW_ASET_OWNER.off.pid);
  const start = processStartTime(pid);
  return start !== null && start === v.readBigUInt64LE(FW_ASET_OWNER.off.start_time);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function isCode(e: unknown, code: string): boolean {
  return (e as { code?: string }).code === code;
}

/** Takes the writer lock of `kind`, runs fn, releases. Re-entrant within a process is not supported. */
export function withSetLock<T>(lock: BpfMap, kind: AsetKindName, fn: () => T, opts: LockOptions = {}): T {
  const key = u32(AsetKind[kind]);
  const me = ownerValue();
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    try {
      lock.update(key, me, 'noexist');
      break;
    } catch (e) {
      if (!isCode(e, 'EEXIST')) throw e;
    }
    const held = lock.lookup(key);
    if (held && !ownerAlive(held)) {
      // Take over a dead holder's lock, but only that one: if another process took it in between,
      // put theirs back.
      const removed = lock.lookupAndDelete(key);
      if (removed && !removed.equals(held)) {
        try {
          lock.update(key, removed, 'noexist');
        } catch (e) {
          if (!isCode(e, 'EEXIST')) throw e;
        }
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const pid = held?.readUInt32LE(FW_ASET_OWNER.off.pid);
      throw new AddrSetError('E_ASET_BUSY', `the ${kind} set is being written by process ${pid ?? '?'}; try again`);
    }
    sleepMs(20);
  }
  try {
    return fn();
  } finally {
    const held = lock.lookup(key);
    if (held?.equals(me)) lock.delete(key);
  }
}
