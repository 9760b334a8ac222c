// Returning to the other generation: `fwctl rollback`, and the confirm watchdog when its time is
// up. The other generation is intact until the next load overwrites it, so a rollback is one flip;
// its metadata file (gen-N.json) says which ruleset that is. A load's first generation has no
// predecessor: the watchdog then clears the ruleset (nothing was enforced before), while a manual
// rollback refuses (unload removes a ruleset).
import { activeGeneration, clearRuleset, flipGeneration, idleGeneration } from '../datapath/index.ts';
import { atStep, ControlError } from './errors.ts';
import { cancelConfirm } from './confirm.ts';
import { writeJsonAtomic } from './files.ts';
import { dirOf, openPinned, readInstance, type Where } from './instance.ts';
import { lockInstance } from './lock.ts';
import { readGeneration } from './meta.ts';
import { files, type GenRef, type RollbackRecord } from './state.ts';

export interface RollbackOptions extends Where {
  by?: RollbackRecord['by'];
  /** Watchdog: roll back only while this generation is the active one. */
  guarded?: GenRef;
  /** Watchdog: where to return (null: to no ruleset). */
  previous?: GenRef | null;
  token?: string;
}

export interface RollbackReport {
  instance: string;
  /** False when there was nothing to do (the watchdog found its generation already replaced). */
  rolledBack: boolean;
  from: GenRef | null;
  to: GenRef | null;
  /** The pending confirm this rollback cancelled. */
  cancelledConfirm: boolean;
  record: RollbackRecord | null;
}

export function rollback(o: RollbackOptions): RollbackReport {
  const dir = dirOf(o);
  const by = o.by ?? 'fwctl rollback';
  if (!readInstance(dir)) {
    throw new ControlError('E_NOT_LOADED_BY_FWCTL', 'rollback', 'invalid', `instance "${o.instance}" was not loaded by \`fwctl load\` (no ${files.instance(dir)}): no generations to return to`);
  }
  const lock = lockInstance(files.lock(dir));
  try {
    const cancelled = by === 'fwctl rollback' ? cancelConfirm(dir, 'rollback') : null;
    const dp = openPinned(o.instance, 'rollback');
    try {
      const active = activeGeneration(dp);
      if (!active) {
        // No ruleset (cleared, or a first load rolled back): the idle generation is still intact.
        const idle = idleGeneration(dp);
        const meta = idle ? readGeneration(dir, idle.index) : null;
        if (!idle || !meta || meta.tag !== idle.tag || o.guarded) {
          throw new ControlError('E_NO_RULESET', 'rollback', 'invalid', `instance "${o.instance}" has no ruleset to roll back to`);
        }
        try {
          flipGeneration(dp, idle.index);
        } catch (e) {
          throw atStep('rollback', 'E_ROLLBACK', 'failure', e, `flipping to generation ${idle.index}`);
        }
        const to = { index: idle.index, tag: idle.tag };
        const record: RollbackRecord = { version: 1, at: new Date().toISOString(), by, from: null, to };
        writeJsonAtomic(files.rollback(dir), record);
        return { instance: o.instance, rolledBack: true, from: null, to, cancelledConfirm: cancelled !== null, record };
      }
      const from: GenRef = { index: active.index, tag: active.tag };
      if (o.guarded && (active.index !== o.guarded.index || active.tag !== o.guarded.tag)) {
        return { instance: o.instance, rolledBack: false, from, to: null, cancelledConfirm: false, record: null };
      }
      let to: GenRef | null;
      const other = (1 - active.index) as 0 | 1;
      if (o.previous === null) {
        try {
          clearRuleset(dp);
        } catch (e) {
          throw atStep('rollback', 'E_ROLLBACK', 'failure', e, 'clearing the ruleset');
        }
        to = null;
      } else {
        const meta = readGeneration(dir, other);
        if (!meta) {
          throw new ControlError('E_NO_PREVIOUS', 'rollback', 'invalid',
            `generation ${other} holds no ruleset fwctl loaded (the first load has no predecessor); \`fwctl unload\` removes the ruleset`);
        }
        if (o.previous && o.previous.tag !== meta.tag) {
          throw new ControlError('E_NO_PREVIOUS', 'rollback', 'failure', `generation ${other} holds load #${meta.tag}, not #${o.previous.tag}: not rolling back to an unknown ruleset`);
        }
        try {
          flipGeneration(dp, other);
        } catch (e) {
          throw atStep('rollback', 'E_ROLLBACK', 'failure', e, `flipping to generation ${other}`);
        }
        const now = activeGeneration(dp);
        if (!now || now.index !== other || now.tag !== meta.tag) {
          // The maps do not hold what the metadata says: go back rather than enforce an unknown ruleset.
          try {
            flipGeneration(dp, active.index);
          } catch {
            /* reported below */
          }
          throw new ControlError('E_ROLLBACK_MISMATCH', 'rollback', 'failure',
            `generation ${other} reports load #${now?.tag ?? '?'} but its metadata says #${meta.tag}; stayed on generation ${active.index}`);
        }
        to = { index: other, tag: meta.tag };
      }
      const record: RollbackRecord = { version: 1, at: new Date().toISOString(), by, from, to };
      if (o.token) record.token = o.token;
      writeJsonAtomic(files.rollback(dir), record);
      return { instance: o.instance, rolledBack: true, from, to, cancelledConfirm: cancelled !== null, record };
    } finally {
      dp.close();
    }
  } finally {
    lock.release();
  }
}
